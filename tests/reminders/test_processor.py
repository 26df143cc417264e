"""The delivery run against the emulator and a fake Expo server on loopback."""

import datetime as dt
import json
import threading
from collections import Counter

import pytest

from apps.batches import repository as batches_repository
from apps.core import clock
from apps.core.aws.counting import count_requests
from apps.devices import repository as devices_repository
from apps.reminders import repository
from apps.reminders.processor import CLAIM_FOR, process_due
from apps.reminders.tasks import process_due_reminders
from tests.reminders.conftest import NOW, make_batch, register_device, schedule


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


def test_expo_failing_keeps_the_reminder_pending_then_failed_after_3_runs(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(3, status=503)
    for expected in ("pending", "pending", "failed"):
        report = process_due()
        assert report.sent == 0 and report.push_failures == 1
        assert status_of(user_api, reminder) == expected
        frozen(dt.timedelta(minutes=5))
    assert process_due().sent == 0
    assert expo.pushed_messages() == []


def test_expo_recovering_sends_a_retried_reminder(user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.fail_next(1, status=500)
    assert process_due().retried == 1
    frozen(dt.timedelta(minutes=5))
    assert process_due().sent == 1
    assert status_of(user_api, reminder) == "sent"


def test_an_expo_timeout_keeps_the_reminder_pending(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    expo.delay_s = 1.5  # the client gives up after 0.5 s
    report = process_due()
    assert report.sent == 0 and report.retried == 1
    stored = repository.reminder_get(user_id=user.id, reminder_id=reminder["id"])
    assert stored.status == "pending" and stored.attempts == 1 and stored.claim_id is None


def test_a_crash_between_claim_and_send_loses_nothing(user, user_api, expo, frozen):
    batch = make_batch(user_api)
    register_device(user_api)
    reminder = schedule(user_api, batch["id"], NOW)
    # A run claims the reminder, then dies before pushing.
    now_ms = int(clock.now().timestamp() * 1000)
    claimed = repository.reminder_claim(user_id=user.id, reminder_id=reminder["id"], claim_id="crashed-run",
                                        now_ms=now_ms, until_ms=now_ms + int(CLAIM_FOR.total_seconds() * 1000))
    assert claimed is not None

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


# --- automatic reminders ---------------------------------------------------------------------------------------

def fridge_batch(api):
    batch = make_batch(api, auto_reminders=True, status="in_fridge", started_at=NOW)
    (feed,) = api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    assert (feed["kind"], feed["source"]) == ("feed", "auto")
    return batch, feed


def test_sending_a_weekly_fridge_feed_places_the_next_one(user_api, expo, frozen):
    batch, feed = fridge_batch(user_api)
    register_device(user_api)
    assert clock.parse(feed["due_at"]) == NOW + dt.timedelta(days=7)
    frozen(dt.timedelta(days=7, minutes=1))
    with count_requests() as counter:
        report = process_due()
    assert (report.sent, report.placed) == (1, 1)
    # Marked sent with its batch's pending set (one transaction); the next one placed after one read (the
    # batch, its follow state, the profile, the calibration) in one more.
    assert counter.operations.count("TransactWriteItems") == 2 and counter.operations.count("TransactGetItems") == 1
    found = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}&status=pending").json()["results"]
    assert [(r["kind"], r["source"]) for r in found] == [("feed", "auto")]
    assert clock.parse(found[0]["due_at"]) == NOW + dt.timedelta(days=14)
    assert "about once a week" in found[0]["reason"]


def test_after_21_days_of_rest_the_feeds_reason_says_so(user_api, expo, frozen):
    batch, _ = fridge_batch(user_api)
    register_device(user_api)
    for _ in range(3):
        frozen(dt.timedelta(days=7))
        assert process_due().sent == 1
    (fourth,) = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}&status=pending").json()["results"]
    assert clock.parse(fourth["due_at"]) == NOW + dt.timedelta(days=28)
    assert fourth["reason"].startswith("resting in the fridge for 28 days by then: over 3 weeks")


def test_no_next_feed_once_the_batch_left_the_fridge(user_api, expo, frozen):
    batch, feed = fridge_batch(user_api)
    register_device(user_api)
    frozen(dt.timedelta(days=7, minutes=1))
    # The person moved the batch out of the fridge after the feed was claimed by nobody yet: the feed is
    # cancelled with the status change, so nothing is sent and nothing placed.
    current = user_api.get(f"/api/v1/batches/{batch['id']}").json()
    user_api.patch(f"/api/v1/batches/{batch['id']}", {"version": current["version"], "status": "completed"},
                   format="json")
    report = process_due()
    assert (report.sent, report.placed) == (0, 0)
    assert user_api.get(f"/api/v1/reminders/{feed['id']}").json()["status"] == "cancelled"


def test_a_sent_auto_strain_leaves_the_batchs_pending_set_so_the_next_event_works(user_api, expo, frozen):
    batch = make_batch(user_api, auto_reminders=True, started_at=NOW)
    register_device(user_api)
    frozen(dt.timedelta(hours=20))
    with count_requests() as counter:
        assert process_due().sent == 1
    # Marking an auto reminder sent is one transaction with its batch's pending set.
    assert counter.operations.count("TransactWriteItems") == 1 and "UpdateItem" in counter.operations
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "temperature", "temperature_c": 25},
                             format="json")
    assert response.status_code == 201
    sent = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    assert [r["status"] for r in sent] == ["sent"]


def test_an_auto_reminder_that_failed_leaves_the_pending_set_too(user_api, expo, frozen):
    batch = make_batch(user_api, auto_reminders=True, started_at=NOW)  # no device: every run fails it
    frozen(dt.timedelta(hours=20))
    for _ in range(3):
        process_due()
        frozen(dt.timedelta(minutes=5))
    (failed,) = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    assert failed["status"] == "failed"
    response = user_api.post(f"/api/v1/batches/{batch['id']}/events", {"type": "fed"}, format="json")
    assert response.status_code == 201
    found = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    kinds = [(r["kind"], r["status"]) for r in found]
    assert ("strain", "pending") in kinds
