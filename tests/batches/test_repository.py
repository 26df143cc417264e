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


def test_a_timeline_read_through_its_projection_is_the_batch_and_events_as_stored(user):
    # The timeline Query leaves out what its keys give (PK, user_id, batch_id) and puts them back: the
    # batch and events equal those read in full, every optional field set, and a page's position is
    # DynamoDB's own key.
    batch = new_batch(user.id, 1, temperature_c=22.5, grains_g=15, liquid_ml=250, sugar_g=3.5, notes="raw milk",
                      share_token="tok")
    repository.batch_create(batch=batch)
    stored = []
    for n in range(4):
        at = T0 + dt.timedelta(hours=n)
        event = Event(id=ids.new_id(at=at), batch_id=batch.id, user_id=user.id, type="tasted", occurred_at=at,
                      note=f"n{n}", temperature_c=21.5, rating=4, photo_key=f"p{n}", created_at=clock.now())
        assert events_repository.event_create(event=event)
        stored.append(event)
    in_full = list(events_repository.events_iter(user_id=user.id, batch_id=batch.id))  # newest first
    assert [e.id for e in in_full] == [e.id for e in reversed(stored)]
    assert not {"PK", "user_id", "batch_id"} & set(repository.TIMELINE_ATTRIBUTES)
    found = repository.batch_with_timeline(user_id=user.id, batch_id=batch.id, limit=3)
    assert found.batch == repository.batch_get(user_id=user.id, batch_id=batch.id) == batch
    assert found.timeline == in_full[:3]
    page = events_repository.events_page(user_id=user.id, batch_id=batch.id, type=None, limit=3, position=None)
    rest = events_repository.events_page(user_id=user.id, batch_id=batch.id, type=None, limit=3,
                                         position=page.next_position)
    assert page.events == in_full[:3] and rest.events == in_full[3:] and rest.next_position is None
    third = in_full[2]
    assert found.next_position == page.next_position == {
        "PK": {"S": f"USER#{user.id}"},
        "SK": {"S": f"BATCH#{batch.id}#EVENT#{clock.isoformat(third.occurred_at)}#{third.id}"}}
