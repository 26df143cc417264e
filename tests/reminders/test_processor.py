"""The delivery run against the emulator and a fake Expo server on loopback."""

import datetime as dt
import json
import threading
from collections import Counter

import pytest
from django.conf import settings

from apps.batches import repository as batches_repository
from apps.core import clock
from apps.core.aws.counting import count_requests
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


def test_an_auto_reminder_whose_batch_and_follow_state_vanished_is_dropped_alone(user, user_api, expo, frozen):
    # A batch deleted halfway: its item and its FOLLOW item are gone, its auto strain is still due. The
    # settlement's FOLLOW update is refused (no item), so the reminder is written without it.
    batch = make_batch(user_api, auto_reminders=True, started_at=NOW)
    register_device(user_api)
    (strain,) = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    assert strain["source"] == "auto"
    batches_repository.batch_delete(user_id=user.id, batch_id=batch["id"])
    repository.follow_delete(user_id=user.id, batch_id=batch["id"])
    frozen(dt.timedelta(hours=20))
    with count_requests() as counter:
        report = process_due()
    assert report.dropped == 1 and expo.push_requests == []
    assert status_of(user_api, strain) == "cancelled"
    # claim; the settlement with the FOLLOW update (cancelled: no such item); the settlement alone
    assert counter.operations.count("TransactWriteItems") == 3


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


def _population(users: int, reminders: int, due_from: dt.datetime, *, auto: bool = False) -> list[str]:
    """`users` owners with a batch and a device each, and `reminders` due reminders spread over them,
    written through the services (user ids need no identity here). With `auto`, each batch started 21 hours
    before `due_from` (the model's first ferment at 22 °C), so its automatic strain reminder is due then too:
    those come too."""
    from apps.batches.services import batch_create
    from apps.devices.services import device_register
    from apps.reminders.services import reminder_schedule

    batches = []
    started_at = due_from - dt.timedelta(hours=21) if auto else None
    for n in range(users):
        user_id = f"user-{n:03d}"
        batches.append(batch_create(user_id=user_id, name=f"Batch {n}", kind="milk", started_at=started_at))
        device_register(user_id=user_id, token=new_token(), platform="ios")
    ids = []
    for n in range(reminders):
        batch = batches[n % users]
        ids.append(reminder_schedule(user_id=batch.user_id, batch_id=batch.id, kind="strain",
                                     due_at=due_from + dt.timedelta(seconds=n)).id)
    if auto:
        for batch in batches:
            (strain,) = [r for r in repository.reminders_of(user_id=batch.user_id, status="pending", batch_id=batch.id)
                         if r.source == "auto"]
            assert strain.kind == "strain" and strain.due_at <= due_from
            ids.append(strain.id)
    return ids


def test_a_throttled_delivery_stays_within_2_requests_per_reminder(expo, frozen, no_real_waits):
    process_due()  # an earlier, empty run left watermarks
    ids = _population(25, 225, NOW, auto=True)  # and 25 automatic ones, one per batch
    assert len(ids) == 250
    frozen(dt.timedelta(minutes=5))
    expo.fail_next(1, status=429)  # Expo throttles once
    with count_requests() as counter:
        report = process_due()
    assert report.sent == 250 and report.expo_retries == 1 and report.retried == 0
    operations = Counter(counter.operations)
    assert operations == {
        "Query": 1 + 16 * 2 + 1 + 25,  # watermarks, due hours 08-09 of 16 shards, ticket hour, 25 owners' devices
        "TransactWriteItems": 3 + 3,  # claims and settlements, 100 items a request: kept through the retry
        "BatchGetItem": 1,  # the 25 batches
        "BatchWriteItem": 10 + 1,  # 250 push tickets, 25 a request; the watermarks
    }
    assert counter.count == 77
    assert counter.count / report.sent == pytest.approx(0.308) and counter.count <= 2 * report.sent
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}
    # The 25 automatic ones are due first: their chunk holds 75 reminders and the 25 FOLLOW updates of their
    # batches, so that its settlement is still ONE transaction of 100 items.
    assert [len(request) for request in expo.push_requests] == [75, 100, 75]
    assert expo.gzipped_requests == 4  # the refused request was gzipped too
    assert sum(no_real_waits) > 0  # a backoff, and waits for the rate (simulated)
    # Each automatic one left its batch's pending set in its settlement (rev 1 at creation, 2 after).
    from apps.batches.repository import batches_iter
    from apps.core.aws.table import read_together

    owners = [f"user-{n:03d}" for n in range(25)]
    follows = read_together(*[repository.follow_read(user_id=owner, batch_id=batch.id)
                              for owner in owners for batch in batches_iter(user_id=owner)])
    assert [state.pending for state in follows] == [{}] * 25 and {state.rev for state in follows} == {2}


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
    # Claimed (one transaction), marked sent with its batch's pending set (one more); the next one placed
    # after one read (the batch, its follow state, the profile, the calibration) in one more.
    assert counter.operations.count("TransactWriteItems") == 3 and counter.operations.count("TransactGetItems") == 1
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
    # The claim, then the settlement: marking an auto reminder sent is one transaction with its batch's
    # pending set (no write of its own).
    assert counter.operations.count("TransactWriteItems") == 2 and "UpdateItem" not in counter.operations
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


def test_a_reminder_written_already_past_due_behind_the_watermark_is_still_sent(user, user_api, expo, frozen):
    """The due index's contract (repository.due_index_keys): whatever writer puts a pending reminder due
    before a run's watermark (a quiet-hours move, a re-placement from an old model time, a demo seed), the
    next run, reading only the hours since its watermark, still finds it."""
    from apps.core import ids

    batch = make_batch(user_api)
    register_device(user_api)
    process_due()
    frozen(dt.timedelta(hours=3))
    process_due()  # 12:00: the watermarks move to 11:00
    assert set(repository.watermarks_get().due.values()) == {NOW + dt.timedelta(hours=2)}
    past = NOW + dt.timedelta(minutes=30)  # 09:30, hours behind the watermark
    now = clock.now()
    repository.reminder_put(reminder=repository.Reminder(
        id=ids.new_id(at=now), user_id=user.id, batch_id=batch["id"], kind="strain", due_at=past, message=None,
        status="pending", sent_at=None, created_at=now, updated_at=now))
    frozen(dt.timedelta(minutes=5))
    with count_requests() as counter:
        report = process_due()
    assert report.sent == 1
    # Still only the hours since the watermark, 11:00 and 12:00 of every shard, and 2 requests for it.
    assert Counter(counter.operations) == {
        "Query": 1 + 16 * 2 + 1 + 1,  # watermarks, due hours, the receipts' hour, the owner's devices
        "TransactWriteItems": 2, "BatchGetItem": 1, "BatchWriteItem": 2,  # claim, settle; its batch; ticket, marks
    }
    (sent,) = user_api.get(f"/api/v1/reminders?batch_id={batch['id']}").json()["results"]
    assert (sent["status"], clock.parse(sent["due_at"])) == ("sent", past)  # its due_at kept
