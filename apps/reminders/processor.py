"""The due-reminder processor: one run finds, claims, pushes and settles every due reminder.

Exactly-once, as far as a push system allows:
- A reminder is pushed only by the run that claimed it: a conditional UpdateItem succeeds only while the
  reminder is pending and unclaimed (or its claim expired). Overlapping runs skip each other's claims.
- A claim lasts CLAIM_FOR, longer than a run may spend claiming (RUN_BUDGET_S): a run that crashed after
  claiming loses nothing, the claim expires and a later run sends the reminder. (A crash after Expo
  accepted a push but before the reminder was marked sent is the one case that can push twice.)
- Marking sent (or released / failed / dropped) is conditional on still holding the claim.
Expo 5xx, timeouts and connection errors release the claim and count an attempt; after MAX_ATTEMPTS
runs the reminder is failed. Messages are packed into requests of at most 100 (whole reminders per
request, so a failed request never leaves a reminder half-delivered).
"""

import datetime as dt
import json
import logging
import sys
import time
from dataclasses import dataclass, field

from django.conf import settings

from apps.core import clock, ids
from apps.devices import repository as devices_repository
from apps.devices import services as devices_services
from apps.devices.repository import Device
from apps.reminders import expo, repository
from apps.reminders.repository import Reminder, Ticket

logger = logging.getLogger("kefir.reminders")

MAX_ATTEMPTS = 3
CLAIM_FOR = dt.timedelta(minutes=10)
LOOKBACK = dt.timedelta(hours=48)
# Expo's receipts are ready some minutes after the push and kept for a day.
RECEIPT_DELAY = dt.timedelta(minutes=15)
RECEIPT_LOOKBACK = dt.timedelta(hours=24)
DEFAULT_RUN_BUDGET_S = 240  # stop claiming after this long: runs are 5 min apart, claims last 10
MAX_DEVICES_PER_REMINDER = expo.MAX_MESSAGES_PER_REQUEST

TITLES = {
    "strain": "Time to strain {name}",
    "feed": "Feed the grains of {name}",
    "second_ferment_done": "Second ferment of {name} is done",
    "move_to_fridge": "Move {name} to the fridge",
    "custom": "Reminder: {name}",
}
BODIES = {
    "strain": "Your kefir should be ready: strain it and give the grains fresh food.",
    "feed": "Your grains are hungry: give them fresh milk or sugar water.",
    "second_ferment_done": "The second ferment should be fizzy now: move the bottles to the fridge.",
    "move_to_fridge": "Time to move it to the fridge.",
    "custom": "You asked to be reminded about this batch.",
}


@dataclass
class RunReport:
    """What one run did (also emitted as CloudWatch metrics)."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    skipped: int = 0  # claimed by another run, or left for the next run (time budget)
    messages: int = 0
    expo_requests: int = 0
    push_failures: int = 0
    devices_removed: int = 0
    receipts_checked: int = 0
    placed: int = 0  # automatic weekly feeds placed after one was sent
    messages_per_request: list[int] = field(default_factory=list)


@dataclass
class _Pending:
    reminder: Reminder
    devices: list[Device]
    messages: list[expo.Message]


class _Run:
    def __init__(self, now: dt.datetime):
        self.now = now
        self.now_ms = int(now.timestamp() * 1000)
        self.claim_id = ids.new_id(at=now)
        self.report = RunReport()
        self._devices: dict[str, list[Device]] = {}
        self._batches: dict[tuple[str, str], object | None] = {}

    # -- lookups, cached for the run -----------------------------------------------------------------
    def devices(self, user_id: str) -> list[Device]:
        if user_id not in self._devices:
            unique: dict[str, Device] = {}
            for device in devices_repository.devices_all(user_id=user_id):
                unique.setdefault(device.token, device)  # one push per token, even if registered twice
            self._devices[user_id] = list(unique.values())[:MAX_DEVICES_PER_REMINDER]
        return self._devices[user_id]

    def batch(self, user_id: str, batch_id: str):
        key = (user_id, batch_id)
        if key not in self._batches:
            from apps.batches.repository import batch_get  # the batches app's public read

            self._batches[key] = batch_get(user_id=user_id, batch_id=batch_id)
        return self._batches[key]

    def forget_device(self, device: Device) -> None:
        if devices_services.device_remove_unregistered(user_id=device.user_id, device_id=device.id,
                                                       token=device.token):
            self.report.devices_removed += 1
        cached = self._devices.get(device.user_id)
        if cached is not None:
            self._devices[device.user_id] = [d for d in cached if d.id != device.id]

    # -- settling a claimed reminder -----------------------------------------------------------------
    def release(self, reminder: Reminder, why: str) -> None:
        outcome = repository.reminder_release(
            reminder=reminder, claim_id=self.claim_id, at=self.now, attempts=reminder.attempts + 1,
            max_attempts=MAX_ATTEMPTS,
        )
        if outcome == "failed":
            self.report.failed += 1
            logger.warning("reminder failed", extra={"reminder_id": reminder.id, "why": why})
        elif outcome == "pending":
            self.report.retried += 1

    def mark_sent(self, reminder: Reminder) -> None:
        if repository.reminder_mark_sent(reminder=reminder, claim_id=self.claim_id, at=self.now):
            self.report.sent += 1
            if reminder.source == "auto" and reminder.kind == "feed":
                self.next_feed(reminder)
        else:
            logger.warning("claim lost before the reminder was marked sent", extra={"reminder_id": reminder.id})

    def next_feed(self, sent: Reminder) -> None:
        # Grains resting in the fridge: the next weekly feed is placed when one is sent (API.md).
        from apps.reminders import services  # the follow rules: only runs that send a weekly feed need them

        try:
            if services.follow_next_feed(sent=sent) is not None:
                self.report.placed += 1
        except Exception:  # a failure here must not undo or repeat the push that just went out
            logger.exception("the next weekly feed was not placed", extra={"reminder_id": sent.id})

    # -- the run -------------------------------------------------------------------------------------
    def prepare(self, reminder: Reminder) -> _Pending | None:
        """Claim one due reminder and build its messages; None if there is nothing to push."""
        claimed = repository.reminder_claim(
            user_id=reminder.user_id, reminder_id=reminder.id, claim_id=self.claim_id, now_ms=self.now_ms,
            until_ms=self.now_ms + int(CLAIM_FOR.total_seconds() * 1000),
        )
        if claimed is None:
            self.report.skipped += 1
            return None
        self.report.claimed += 1
        batch = self.batch(claimed.user_id, claimed.batch_id)
        if batch is None:
            # The batch was deleted (its receiver normally removes the reminders first): never push it.
            if repository.reminder_drop(reminder=claimed, claim_id=self.claim_id, at=self.now):
                self.report.dropped += 1
            return None
        devices = self.devices(claimed.user_id)
        if not devices:
            self.release(claimed, "the owner has no registered device")
            return None
        name = getattr(batch, "name", None) or "your kefir"
        title = TITLES.get(claimed.kind, TITLES["custom"]).format(name=name)
        body = claimed.message or BODIES.get(claimed.kind, BODIES["custom"])
        data = {"reminder_id": claimed.id, "batch_id": claimed.batch_id, "kind": claimed.kind}
        messages = [expo.Message(d.token, title, body, data) for d in devices]
        return _Pending(claimed, devices, messages)

    def flush(self, wave: list[_Pending]) -> None:
        """Push a wave (<= 100 messages, whole reminders) in one request and settle its reminders."""
        messages = [m for pending in wave for m in pending.messages]
        if not messages:
            return
        self.report.expo_requests += 1
        self.report.messages_per_request.append(len(messages))
        try:
            results = expo.send(messages)
        except expo.ExpoUnavailable as exc:
            logger.warning("Expo push request failed", extra={"error": str(exc), "messages": len(messages)})
            self.report.push_failures += len(messages)
            for pending in wave:
                self.release(pending.reminder, "Expo did not answer")
            return
        self.report.messages += len(messages)
        tickets: list[Ticket] = []
        position = 0
        for pending in wave:
            delivered = False
            for device in pending.devices:
                result = results[position]
                position += 1
                if result.ok:
                    delivered = True
                    if result.ticket_id:
                        tickets.append(Ticket(result.ticket_id, device.user_id, device.id, device.token,
                                              pending.reminder.id, self.now_ms))
                    continue
                self.report.push_failures += 1
                if result.error == "DeviceNotRegistered":
                    self.forget_device(device)
            if delivered:
                self.mark_sent(pending.reminder)
            else:
                self.release(pending.reminder, "Expo refused every message")
        if tickets:
            repository.tickets_put(tickets=tickets, at=self.now)

    def check_receipts(self) -> None:
        """Read receipts of earlier runs' tickets; DeviceNotRegistered there removes the device too."""
        waiting = repository.tickets_waiting(
            now=self.now, sent_before_ms=self.now_ms - int(RECEIPT_DELAY.total_seconds() * 1000),
            lookback=RECEIPT_LOOKBACK,
        )
        if not waiting:
            return
        try:
            found = expo.receipts([t.ticket_id for t in waiting])
        except expo.ExpoUnavailable as exc:
            logger.warning("Expo receipts request failed", extra={"error": str(exc)})
            return
        done = [t for t in waiting if t.ticket_id in found]
        for ticket in done:
            error = found[ticket.ticket_id]
            if error is None:
                continue
            self.report.push_failures += 1
            if error == "DeviceNotRegistered":
                self.forget_device(Device(ticket.device_id, ticket.user_id, ticket.token, "", None, ""))
        self.report.receipts_checked += len(done)
        repository.tickets_delete(tickets=done)

    def run(self) -> RunReport:
        started = time.monotonic()
        budget_s = float(getattr(settings, "REMINDER_RUN_BUDGET_S", DEFAULT_RUN_BUDGET_S))
        self.check_receipts()
        due = repository.reminders_due(now=self.now, lookback=LOOKBACK)
        self.report.due = len(due)
        wave: list[_Pending] = []
        wave_size = 0
        for index, reminder in enumerate(due):
            if time.monotonic() - started > budget_s:
                self.report.skipped += len(due) - index  # the next run picks them up
                break
            pending = self.prepare(reminder)
            if pending is None:
                continue
            if wave and wave_size + len(pending.messages) > expo.MAX_MESSAGES_PER_REQUEST:
                self.flush(wave)
                wave, wave_size = [], 0
            wave.append(pending)
            wave_size += len(pending.messages)
        self.flush(wave)
        return self.report


def process_due(*, now: dt.datetime | None = None) -> RunReport:
    """One delivery run: push every due pending reminder, settle it, check earlier receipts."""
    report = _Run(now or clock.now()).run()
    emit_metrics(report)
    logger.info("reminder run completed", extra={
        "due": report.due, "sent": report.sent, "retried": report.retried, "failed": report.failed,
        "dropped": report.dropped, "skipped": report.skipped, "expo_requests": report.expo_requests,
        "push_failures": report.push_failures, "devices_removed": report.devices_removed,
    })
    return report


def metrics_document(report: RunReport, *, at: dt.datetime) -> dict:
    """The run's CloudWatch Embedded Metric Format document (names the alarms in infra/ rely on)."""
    names = ["RemindersSent", "PushFailures", "ReminderRunCompleted"]
    return {
        "_aws": {
            "Timestamp": int(at.timestamp() * 1000),
            "CloudWatchMetrics": [{
                "Namespace": "Kefir",
                "Dimensions": [["Stage"]],
                "Metrics": [{"Name": name, "Unit": "Count"} for name in names],
            }],
        },
        "Stage": settings.STAGE,
        "RemindersSent": report.sent,
        "PushFailures": report.push_failures,
        "ReminderRunCompleted": 1,
    }


def emit_metrics(report: RunReport) -> None:
    """Write the EMF line to stdout (Lambda ships stdout to CloudWatch Logs, which extracts the metrics)."""
    sys.stdout.write(json.dumps(metrics_document(report, at=clock.now()), separators=(",", ":")) + "\n")
    sys.stdout.flush()
