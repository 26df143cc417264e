import datetime as dt

from apps.batches import repository
from apps.batches.repository import Batch
from apps.core import clock, ids
from apps.events import repository as events_repository
from apps.events.repository import Event

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def new_batch(user_id: str, n: int, **overrides) -> Batch:
    at = T0 + dt.timedelta(minutes=n)
    fields = dict(id=ids.new_id(at=at), user_id=user_id, name=f"Batch {n}", kind="milk", status="active",
                  started_at=at, created_at=at, updated_at=at, version=1)
    return Batch(**{**fields, **overrides})


def test_batch_get_returns_the_stored_batch_with_aware_datetimes(user):
    batch = new_batch(user.id, 1, temperature_c=22.5, grains_g=15, liquid_ml=250, notes="raw milk")
    repository.batch_create(batch=batch)
    found = repository.batch_get(user_id=user.id, batch_id=batch.id)
    assert found == batch
    assert found.started_at.tzinfo is not None and found.share_token is None and found.share_url is None


def test_batch_get_of_another_users_batch_is_none(user, other_user):
    batch = new_batch(user.id, 1)
    repository.batch_create(batch=batch)
    assert repository.batch_get(user_id=other_user.id, batch_id=batch.id) is None


def test_batches_iter_yields_all_of_a_users_batches_newest_first(user, other_user):
    mine = [new_batch(user.id, n) for n in range(5)]
    for batch in mine:
        repository.batch_create(batch=batch)
    repository.batch_create(batch=new_batch(other_user.id, 9))
    assert [b.id for b in repository.batches_iter(user_id=user.id)] == [b.id for b in reversed(mine)]


def test_events_iter_yields_events_of_one_batch_or_of_the_user(user):
    first, second = new_batch(user.id, 1), new_batch(user.id, 2)
    for batch in (first, second):
        repository.batch_create(batch=batch)
    for n, batch in enumerate([first, first, second]):
        at = T0 + dt.timedelta(hours=n)
        event = Event(id=ids.new_id(at=at), batch_id=batch.id, user_id=user.id, type="fed", occurred_at=at,
                      created_at=clock.now())
        assert events_repository.event_create(event=event)
    assert len(list(events_repository.events_iter(user_id=user.id, batch_id=first.id))) == 2
    assert len(list(events_repository.events_iter(user_id=user.id))) == 3
