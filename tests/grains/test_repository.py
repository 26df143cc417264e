import dataclasses
import datetime as dt

from apps.core import ids
from apps.grains import growth, repository
from apps.grains.repository import Grains, HistoryEntry

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def new_grains(user_id: str, n: int = 0, **overrides) -> tuple[Grains, HistoryEntry]:
    at = T0 + dt.timedelta(minutes=n)
    grains = Grains(id=ids.new_id(at=at), user_id=user_id, name=f"Grains {n}", kind="milk", mass_g=20.5, mass_at=at,
                    growth_rate_per_day=growth.DEFAULT_RATE_PER_DAY, growth_source="default", growth_based_on=0,
                    acquired_at=at, created_at=at, updated_at=at, version=1, **overrides)
    entry = HistoryEntry(id=ids.new_id(at=at), grains_id=grains.id, user_id=user_id, type="created", mass_g=20.5,
                         at=at, created_at=at)
    return grains, entry


def entry(grains: Grains, at: dt.datetime, type: str = "weighed", mass_g: float = 21.0) -> HistoryEntry:
    return HistoryEntry(id=ids.new_id(at=at), grains_id=grains.id, user_id=grains.user_id, type=type, mass_g=mass_g,
                        at=at, created_at=T0, note="n")


def test_stored_grains_read_back_equal_with_aware_datetimes(user, other_user):
    grains, created = new_grains(user.id, notes="kept in the fridge", split_from=ids.new_id())
    repository.grains_create(grains=grains, entry=created)
    assert repository.grains_get(user_id=user.id, grains_id=grains.id) == grains
    assert repository.grains_get(user_id=other_user.id, grains_id=grains.id) is None
    found = repository.grains_with_history(user_id=user.id, grains_id=grains.id, limit=10)
    assert found.grains == grains and found.history == [created] and found.more_history is False
    assert repository.grains_with_history(user_id=other_user.id, grains_id=grains.id, limit=10) is None


def test_history_comes_newest_first_by_the_time_it_happened_not_when_it_was_logged(user):
    grains, created = new_grains(user.id)
    repository.grains_create(grains=grains, entry=created)
    late, early = entry(grains, T0 + dt.timedelta(days=9)), entry(grains, T0 + dt.timedelta(days=2))
    current = grains
    for logged in (late, early):
        updated = dataclasses.replace(current, version=current.version + 1)
        assert repository.grains_record(current=current, updated=updated, entries=[logged])
        current = updated
    found = repository.grains_with_history(user_id=user.id, grains_id=grains.id, limit=2)
    assert found.history == [late, early] and found.more_history is True
    assert [e.id for e in repository.history_iter(user_id=user.id)] == [created.id, early.id, late.id]


def test_a_record_over_a_version_that_moved_on_writes_nothing(user):
    grains, created = new_grains(user.id)
    repository.grains_create(grains=grains, entry=created)
    moved = repository.grains_update(user_id=user.id, grains_id=grains.id, expected_version=1,
                                     changes={"name": "renamed"}, updated_at=T0)
    assert moved.version == 2 and moved.name == "renamed"
    stale = dataclasses.replace(grains, mass_g=99, version=2)
    new, new_created = new_grains(user.id, 1)
    assert not repository.grains_record(current=grains, updated=stale, entries=[entry(grains, T0)],
                                        created=(new, new_created))
    assert repository.grains_get(user_id=user.id, grains_id=grains.id) == moved
    assert [e.id for e in repository.history_iter(user_id=user.id)] == [created.id]
    assert repository.grains_get(user_id=user.id, grains_id=new.id) is None


def test_a_stale_update_is_none(user):
    grains, created = new_grains(user.id)
    repository.grains_create(grains=grains, entry=created)
    assert repository.grains_update(user_id=user.id, grains_id=grains.id, expected_version=3,
                                    changes={"name": "x"}, updated_at=T0) is None


def test_delete_takes_the_history_and_leaves_other_grains(user):
    mine, created = new_grains(user.id)
    repository.grains_create(grains=mine, entry=created)
    current = mine
    for day in range(30):  # more than one BatchWriteItem's 25 items
        updated = dataclasses.replace(current, version=current.version + 1)
        assert repository.grains_record(current=current, updated=updated,
                                        entries=[entry(mine, T0 + dt.timedelta(days=day))])
        current = updated
    other, other_created = new_grains(user.id, 1)
    repository.grains_create(grains=other, entry=other_created)
    assert repository.grains_delete(user_id=user.id, grains_id=mine.id) is True
    assert repository.grains_delete(user_id=user.id, grains_id=mine.id) is False
    assert [g.id for g in repository.grains_iter(user_id=user.id)] == [other.id]
    assert [e.id for e in repository.history_iter(user_id=user.id)] == [other_created.id]
    repository.grains_delete_all(user_id=user.id)
    assert list(repository.grains_iter(user_id=user.id)) == [] == list(repository.history_iter(user_id=user.id))
