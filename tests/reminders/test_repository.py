"""The due index's keys and the legacy re-index, against the emulator."""

import datetime as dt

from django.conf import settings
from django.core.management import call_command

from apps.core import clock
from apps.reminders import repository
from apps.reminders.processor import process_due
from kefir import aws
from tests.reminders.conftest import NOW, all_due, make_batch, register_device, schedule


def test_the_due_key_is_the_utc_hour_and_a_stable_shard_of_the_id():
    due_at = dt.datetime(2026, 3, 2, 10, 59, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    pk, sk = repository.due_index_keys(reminder_id="01JABCDEFGHJKMNPQRSTVWXYZ0", due_at=due_at,
                                       now=due_at - dt.timedelta(days=1))
    # blake2b of the id, so the same in every process (Python's hash() of a str is salted per process)
    assert pk == f"DUE#2026-03-02T08#{repository.reminder_shard('01JABCDEFGHJKMNPQRSTVWXYZ0')}"
    assert repository.reminder_shard("01JABCDEFGHJKMNPQRSTVWXYZ0") == 10
    assert sk == "2026-03-02T08:59:00.000Z#01JABCDEFGHJKMNPQRSTVWXYZ0"
    shards = {repository.reminder_shard(f"id-{n}") for n in range(1000)}
    assert shards == set(range(16))


def test_a_reminder_written_already_past_due_is_indexed_under_the_hour_it_is_written_in():
    due_at = dt.datetime(2026, 3, 2, 8, 59, tzinfo=dt.UTC)
    written = dt.datetime(2026, 3, 2, 11, 20, tzinfo=dt.UTC)
    pk, sk = repository.due_index_keys(reminder_id="01JABCDEFGHJKMNPQRSTVWXYZ0", due_at=due_at, now=written)
    shard = repository.reminder_shard("01JABCDEFGHJKMNPQRSTVWXYZ0")
    assert pk == f"DUE#2026-03-02T11#{shard}"  # a bucket every later run reads
    assert sk == "2026-03-02T08:59:00.000Z#01JABCDEFGHJKMNPQRSTVWXYZ0"  # still sorted (and due) by its due_at
    with clock.frozen(written):
        assert repository.due_index_keys(reminder_id="01JABCDEFGHJKMNPQRSTVWXYZ0", due_at=due_at) == (pk, sk)
    later = dt.datetime(2026, 3, 2, 13, 5, tzinfo=dt.UTC)
    assert repository.due_index_keys(reminder_id="01JABCDEFGHJKMNPQRSTVWXYZ0", due_at=later, now=written)[0] == (
        f"DUE#2026-03-02T13#{shard}")


def _to_legacy_key(user_id, reminder_id):
    """Rewrite a reminder's index entry as the pre-sharding code wrote it (DUE#{hour}): test data in the old
    layout, written with the plain client."""
    stored = repository.reminder_get(user_id=user_id, reminder_id=reminder_id)
    aws.client("dynamodb").update_item(
        TableName=settings.DYNAMODB_TABLE_NAME,
        Key={"PK": {"S": f"USER#{user_id}"}, "SK": {"S": f"REMINDER#{reminder_id}"}},
        UpdateExpression="SET GSI1PK = :legacy",
        ExpressionAttributeValues={":legacy": {"S": f"DUE#{stored.due_at.strftime('%Y-%m-%dT%H')}"}},
    )


def test_reminders_under_the_legacy_key_are_moved_resumably_and_then_delivered(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminders = [schedule(user_api, batch["id"], NOW + dt.timedelta(minutes=m)) for m in range(1, 6)]
    process_due()  # a run before the re-index: it writes watermarks and sees none of them below
    for reminder in reminders:
        _to_legacy_key(user.id, reminder["id"])
    frozen(dt.timedelta(hours=3))
    assert process_due().sent == 0  # the sharded index does not hold them yet

    call_command("reindex_due_reminders", "--limit", "2")  # interrupted after two
    assert len(all_due(now=clock.now())) == 2
    call_command("reindex_due_reminders")  # the next run completes it
    call_command("reindex_due_reminders")  # and again moves nothing
    assert len(all_due(now=clock.now())) == 5

    report = process_due()  # the re-index forgot the watermarks: the run reads back 48 hours
    assert report.sent == 5
    assert len(expo.pushed_messages()) == 5
