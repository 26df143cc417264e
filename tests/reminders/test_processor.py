"""The delivery run against the emulator and a fake Expo server on loopback."""

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from django.conf import settings

from apps.batches import repository as batches_repository
from apps.core import clock
from apps.core.dynamodb import count_requests
from apps.devices import repository as devices_repository
from apps.reminders import repository
from apps.reminders.processor import CLAIM_FOR, process_due
from apps.reminders.tasks import process_due_reminders
from tests.reminders.conftest import NOW, all_due, make_batch, new_token, register_device, schedule


def status_of(api, reminder):
    return api.get(f"/api/v1/reminders/{reminder['id']}").json()["status"]


def test_a_due_reminder_is_pushed_to_every_device_once_and_marked_sent(user_api, expo, frozen, capsys):
    batch = make_batch(user_api, name="Sunday milk")
    phones = [register_device(user_api)["token"], register_device(user_api, platform="android")["token"]]
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(minutes=3), message="Strain now")
    later = schedule(user_api, batch["id"], NOW + dt.timedelta(hours=2))
    frozen(dt.timedelta(minutes=5))
    capsys.readouterr()

    report = process_due()

    assert report.sent == 1
    assert sorted(expo.pushed_tokens()) == sorted(phones)
    message = expo.pushed_messages()[0]
    assert message["title"] == "Time to strain Sunday milk" and message["body"] == "Strain now"
    assert message["data"] == {"reminder_id": reminder["id"], "batch_id": batch["id"], "kind": "strain"}
    sent = user_api.get(f"/api/v1/reminders/{reminder['id']}").json()
    assert sent["status"] == "sent" and sent["sent_at"] == clock.isoformat(clock.now())
    assert status_of(user_api, later) == "pending"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert metrics[-1]["RemindersSent"] == 1 and metrics[-1]["ReminderRunCompleted"] == 1
    assert metrics[-1]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Kefir"
    assert metrics[-1]["Stage"] == "test"

    again = process_due_reminders({"source": "aws.events"}, None)
    assert again["sent"] == 0
    assert len(expo.pushed_messages()) == 2


def test_the_management_command_runs_one_delivery(user_api, expo, frozen):
    from django.core.management import call_command

    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    call_command("process_reminders")
    assert status_of(user_api, reminder) == "sent"


def test_cancelled_reminders_are_never_sent(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(minutes=1))
    user_api.delete(f"/api/v1/reminders/{reminder['id']}")
    frozen(dt.timedelta(minutes=10))
    assert process_due().sent == 0
    assert expo.push_requests == []
    assert status_of(user_api, reminder) == "cancelled"


def test_a_reminder_whose_batch_vanished_is_dropped_not_sent(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    # The batch item goes without the batch_deleted cascade (e.g. a crash halfway through a delete).
    batches_repository.batch_delete(user_id=user.id, batch_id=batch["id"])
    report = process_due()
    assert report.dropped == 1 and expo.push_requests == []
    assert status_of(user_api, reminder) == "cancelled"


@pytest.fixture
def atomic_conditional_writes(monkeypatch):
    """Give the emulator DynamoDB's per-item atomicity of conditional writes.

    moto evaluates a ConditionExpression and then writes without any lock, so two requests served by
    its threads at the same moment can both pass the same condition, which DynamoDB never allows. A
    lock around moto's write operations restores that guarantee; it changes no result otherwise.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


@pytest.mark.usefixtures("atomic_conditional_writes")
def test_two_overlapping_runs_push_each_reminder_exactly_once(user_api, other_api, expo, frozen):
    for api in (user_api, other_api):
        batch = make_batch(api)
        register_device(api)
        register_device(api)
        for minute in range(15):
            schedule(api, batch["id"], NOW + dt.timedelta(minutes=minute % 4))
    frozen(dt.timedelta(minutes=5))
    expo.delay_s = 0.05  # keep both runs in flight together
    reports, errors = [], []

    def run():
        try:
            reports.append(process_due())
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    deliveries = Counter((m["data"]["reminder_id"], m["to"]) for m in expo.pushed_messages())
    assert len(deliveries) == 60 and set(deliveries.values()) == {1}
    assert sum(r.sent for r in reports) == 30
    assert {r["status"] for r in user_api.get("/api/v1/reminders?limit=100").json()["results"]} == {"sent"}


def test_messages_go_in_requests_of_at_most_100(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    register_device(user_api)
    for index in range(60):
        schedule(user_api, batch["id"], NOW + dt.timedelta(seconds=index))
    frozen(dt.timedelta(minutes=2))
    report = process_due()
    assert report.sent == 60
    assert [len(request) for request in expo.push_requests] == [100, 20]


def test_a_device_expo_reports_not_registered_in_its_ticket_is_removed(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    gone = register_device(user_api)
    kept = register_device(user_api)
    expo.unregistered.add(gone["token"])
    reminder = schedule(user_api, batch["id"], NOW)
    report = process_due()
    assert report.devices_removed == 1 and report.push_failures == 1
    assert status_of(user_api, reminder) == "sent"
    assert [d.id for d in devices_repository.devices_all(user_id=user.id)] == [kept["id"]]


def test_a_device_not_registered_in_a_later_receipt_is_removed(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    gone = register_device(user_api)
    kept = register_device(user_api)
    expo.unregistered_in_receipts.add(gone["token"])
    schedule(user_api, batch["id"], NOW)
    process_due()
    assert len(devices_repository.devices_all(user_id=user.id)) == 2

    frozen(dt.timedelta(minutes=5))
    process_due()  # too early for receipts
    assert expo.receipt_requests == []

    frozen(dt.timedelta(minutes=15))
    report = process_due()
    assert report.receipts_checked == 2 and report.devices_removed == 1
    assert [d.id for d in devices_repository.devices_all(user_id=user.id)] == [kept["id"]]
    frozen(dt.timedelta(minutes=5))
    process_due()
    assert len(expo.receipt_requests) == 1  # read receipts are forgotten


def test_expo_down_for_a_whole_run_keeps_the_reminder_pending_never_failed(user, user_api, expo, frozen, settings):
    settings.REMINDER_RUN_BUDGET_S = 30
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(1000, status=503)
    for _ in range(4):
        report = process_due()
        assert report.sent == 0 and report.failed == 0 and report.expo_retries > 0
        stored = repository.reminder_get(user_id=user.id, reminder_id=reminder["id"])
        assert stored.status == "pending" and stored.attempts == 0 and stored.claim_id is None
        frozen(dt.timedelta(minutes=5))
    assert expo.pushed_messages() == []
    expo.clear_failures()
    assert process_due().sent == 1
    assert len(expo.pushed_messages()) == 1


def test_expo_recovering_within_the_run_sends_the_reminder_after_a_backoff(user_api, expo, frozen, no_real_waits):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(2, status=500)
    report = process_due()
    assert report.sent == 1 and report.expo_retries == 2 and report.retried == 0
    assert len(no_real_waits) == 2  # two backoff waits, simulated
    assert status_of(user_api, reminder) == "sent"
    assert len(expo.pushed_messages()) == 1


def test_an_expo_timeout_keeps_the_reminder_pending(user, user_api, expo, frozen, settings):
    settings.REMINDER_RUN_BUDGET_S = 2
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.delay_s = 1.5  # the client gives up after 0.5 s
    report = process_due()
    assert report.sent == 0 and report.retried == 0 and report.skipped == 1
    stored = repository.reminder_get(user_id=user.id, reminder_id=reminder["id"])
    assert stored.status == "pending" and stored.attempts == 0 and stored.claim_id is None


def test_a_crash_between_claim_and_send_loses_nothing(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    # A run claims the reminder, then dies before pushing.
    now_ms = int(clock.now().timestamp() * 1000)
    (due,) = all_due(now=clock.now())
    claimed = repository.reminders_claim(reminders=[due], claim_id="crashed-run", now_ms=now_ms,
                                         until_ms=now_ms + int(CLAIM_FOR.total_seconds() * 1000))
    assert [r.id for r in claimed] == [reminder["id"]]

    frozen(dt.timedelta(minutes=5))
    report = process_due()  # the claim still holds: nobody else may send it
    assert report.skipped == 1 and expo.push_requests == []

    frozen(CLAIM_FOR)
    assert process_due().sent == 1
    assert status_of(user_api, reminder) == "sent"
    assert len(expo.pushed_messages()) == 1


def test_a_user_without_devices_gets_retries_then_failed(user_api, expo, frozen):
    batch = make_batch(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    for _ in range(3):
        process_due()
        frozen(dt.timedelta(minutes=5))
    assert status_of(user_api, reminder) == "failed"


def test_a_reminder_a_missed_run_left_behind_is_still_sent_within_48_hours(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW + dt.timedelta(minutes=1))
    frozen(dt.timedelta(hours=47))
    assert process_due().sent == 1
    assert status_of(user_api, reminder) == "sent"


def test_the_expo_token_of_newer_sdks_is_pushed_as_is(user_api, expo, frozen):
    batch = make_batch(user_api)
    token = register_device(user_api, token="ExpoPushToken[abcdefghijklmnop]")["token"]
    schedule(user_api, batch["id"], NOW)
    assert process_due().sent == 1
    assert expo.pushed_tokens() == [token]


# --- request budgets ----------------------------------------------------------------------------------

def test_an_empty_run_reads_only_the_hours_since_the_last_completed_run(frozen, settings):
    settings.REMINDER_SHARDS = 16
    with count_requests() as first:
        process_due()  # no watermark yet: the whole 48-hour lookback, every shard, and 24 h of tickets
    assert first.count == 1 + 16 * 49 + 24 + 1
    frozen(dt.timedelta(minutes=30))
    process_due()
    frozen(dt.timedelta(minutes=5))
    with count_requests() as empty:
        report = process_due()
    assert report.due == 0
    # shards x due hours (09:00 only) + receipt hours (09:00 only) + the watermarks' read and write
    assert Counter(empty.operations) == {"Query": 1 + 16 + 1, "BatchWriteItem": 1}
    assert empty.count == 16 * 1 + 1 + 2 == 19


def _population(users: int, reminders: int, due_from: dt.datetime) -> list[str]:
    """`users` owners with a batch and a device each, and `reminders` due reminders spread over them,
    written through the services (user ids need no identity here)."""
    from apps.batches.services import batch_create
    from apps.devices.services import device_register
    from apps.reminders.services import reminder_schedule

    batches = []
    for n in range(users):
        user_id = f"user-{n:03d}"
        batches.append(batch_create(user_id=user_id, name=f"Batch {n}", kind="milk"))
        device_register(user_id=user_id, token=new_token(), platform="ios")
    ids = []
    for n in range(reminders):
        batch = batches[n % users]
        ids.append(reminder_schedule(user_id=batch.user_id, batch_id=batch.id, kind="strain",
                                     due_at=due_from + dt.timedelta(seconds=n)).id)
    return ids


def test_a_throttled_delivery_stays_within_2_requests_per_reminder(expo, frozen, no_real_waits):
    process_due()  # an earlier, empty run left watermarks
    ids = _population(25, 250, NOW)
    frozen(dt.timedelta(minutes=5))
    expo.fail_next(1, status=429)  # Expo throttles once
    with count_requests() as counter:
        report = process_due()
    assert report.sent == 250 and report.expo_retries == 1 and report.retried == 0
    operations = Counter(counter.operations)
    assert operations == {
        "Query": 1 + 16 * 2 + 1 + 25,  # watermarks, due hours 08-09 of 16 shards, ticket hour, 25 owners' devices
        "TransactWriteItems": 3 + 3,  # claims and settlements, 100 a request: kept through the retry
        "BatchGetItem": 1,  # the 25 batches
        "BatchWriteItem": 10 + 1,  # 250 push tickets, 25 a request; the watermarks
    }
    assert counter.count == 77
    assert counter.count / report.sent == pytest.approx(0.308) and counter.count <= 2 * report.sent
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}
    assert [len(request) for request in expo.push_requests] == [100, 100, 50]
    assert expo.gzipped_requests == 4  # the refused request was gzipped too
    assert sum(no_real_waits) > 0  # a backoff, and waits for the rate (simulated)


def test_a_429_is_retried_after_its_retry_after(user_api, expo, frozen, no_real_waits):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(1, status=429, retry_after_s=3)
    report = process_due()
    assert report.sent == 1 and report.expo_retries == 1
    assert no_real_waits == [3.0]
    assert status_of(user_api, reminder) == "sent"


def test_a_slow_expo_within_the_client_timeout_delivers_once(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    schedule(user_api, batch["id"], NOW)
    expo.delay_s = 0.2
    assert process_due().sent == 1
    assert len(expo.pushed_messages()) == 1


def test_a_run_out_of_time_leaves_the_rest_pending_and_the_watermark_at_it(user, user_api, expo, frozen, settings):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(1000, status=503)
    settings.REMINDER_RUN_BUDGET_S = 5
    frozen(dt.timedelta(hours=3))
    assert process_due().sent == 0
    stored = repository.reminder_get(user_id=user.id, reminder_id=reminder["id"])
    assert stored.status == "pending" and stored.claim_id is None and stored.attempts == 0
    marks = repository.watermarks_get()
    assert marks.due[repository.reminder_shard(reminder["id"])] == NOW  # held at the reminder's hour
    expo.clear_failures()
    frozen(dt.timedelta(hours=2))
    assert process_due().sent == 1


def test_a_worker_killed_mid_batch_leaves_its_claims_to_a_later_run_after_the_lease(expo, frozen):
    process_due()
    ids = _population(2, 5, NOW)
    frozen(dt.timedelta(minutes=1))
    # A worker claims three of them (one conditional write), then dies before pushing or settling.
    now_ms = int(clock.now().timestamp() * 1000)
    due = all_due(now=clock.now())
    claimed = repository.reminders_claim(reminders=due[:3], claim_id="killed-worker", now_ms=now_ms,
                                         until_ms=now_ms + int(CLAIM_FOR.total_seconds() * 1000))
    assert len(claimed) == 3

    frozen(dt.timedelta(minutes=4))
    report = process_due()  # their lease still holds: skipped, not pushed
    assert report.sent == 2 and report.skipped == 3
    marks = repository.watermarks_get().due
    assert all(marks[repository.reminder_shard(r.id)] <= r.due_at for r in claimed)  # held for them

    frozen(CLAIM_FOR)
    assert process_due().sent == 3
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}


def test_receipts_expo_could_not_give_are_read_on_a_later_run(user, user_api, expo, frozen, monkeypatch):
    batch = make_batch(user_api)
    gone = register_device(user_api)
    expo.unregistered_in_receipts.add(gone["token"])
    schedule(user_api, batch["id"], NOW)
    process_due()
    frozen(dt.timedelta(minutes=20))
    monkeypatch.setattr(settings, "EXPO_PUSH_URL", "http://127.0.0.1:9/--/api/v2/push/send")  # Expo unreachable
    assert process_due().receipts_checked == 0
    monkeypatch.setattr(settings, "EXPO_PUSH_URL", expo.push_url)
    frozen(dt.timedelta(minutes=5))
    report = process_due()
    assert report.receipts_checked == 1 and report.devices_removed == 1
    assert devices_repository.devices_all(user_id=user.id) == []
