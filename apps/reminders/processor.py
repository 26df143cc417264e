"""The due-reminder processor: find, claim, push and settle due reminders, within Expo's rate.

The scheduled run (every 5 minutes, `process_due`):
1. reads the watermarks (one Query) and the push receipts of earlier runs' tickets;
2. queries each shard's due-index hours since its watermark (repository.py explains both);
3. sends the due reminders itself if there are at most REMINDER_RUN_CAPACITY of them; otherwise it invokes
   one worker per shard (`tasks.start_shard`) asynchronously (a Lambda Event invoke of this function's
   published version, apps.core.aws.tasks.run_in_background; outside Lambda the worker runs in-process),
   each with 1/REMINDER_SHARDS of Expo's rate. A static split costs no DynamoDB request, where a shared
   token-bucket item would cost one per Expo request and be the one item every worker writes; the shards
   are near-even (a hash of ids).
4. writes the watermarks of what it completed.

Delivery, per chunk of up to 100 due reminders (fewer by one per batch with automatic reminders in it,
whose FOLLOW update the settlement carries: `_chunks`): ONE conditional claim (a TransactWriteItems; the lease lasts
CLAIM_FOR, well past a run's budget), ONE BatchGetItem for their batches, one Query per user not seen yet
for the devices, pushes of at most 100 messages per Expo request (gzipped, paced to the run's share of
600/s), then ONE settlement transaction, conditional on still holding the claim, which also takes the
automatic reminders that leave pending out of their batches' FOLLOW pending sets (one update per batch, in
the same transaction as its reminders, so a set never names a reminder that is no longer pending), and a
BatchWriteItem per 25 push tickets. On 429, 5xx or a timeout the run keeps its claims and retries with
exponential backoff and jitter while its budget lasts; when the budget runs out the reminders go back to
pending ("unsent", no attempt counted), never failed. So none is lost (a dead worker's claims expire; the next run takes
them) and none is pushed twice (only the claim holder pushes; a lease outlives the budget).
A crash after Expo accepted a push but before the settlement is the one case that can push twice.

`_Delivery.delivered` is the one place where "these reminders were delivered" is settled: what must follow
a delivery belongs there. It places the next weekly feed of grains resting in the fridge after an automatic
`feed` was sent (services.follow_next_feed: one read and one transaction, once a week per resting batch).
"""

import datetime as dt
import json
import logging
import sys
from dataclasses import asdict, dataclass, field

from django.conf import settings

from apps.core import clock, ids
from apps.devices import repository as devices_repository
from apps.devices import services as devices_services
from apps.devices.repository import Device
from apps.reminders import expo, pacing, repository
from apps.reminders.repository import Reminder, Settlement, Ticket

logger = logging.getLogger("kefir.reminders")

MAX_ATTEMPTS = 3  # runs that found no device to push to (or Expo refused every message) before "failed"
CLAIM_FOR = dt.timedelta(minutes=10)
LOOKBACK = dt.timedelta(hours=48)
# The watermark stays this far behind a run's start: a reminder is never indexed before the hour it is
# written in (repository.due_index_keys), but the index lags its table by up to a second or so, and the
# clocks of the writer and of the run may differ a little.
WATERMARK_MARGIN = dt.timedelta(minutes=10)
# Expo's receipts are ready some minutes after the push and kept for a day; one still missing after
# RECEIPT_GIVE_UP is not waited for again.
RECEIPT_DELAY = dt.timedelta(minutes=15)
RECEIPT_LOOKBACK = dt.timedelta(hours=24)
RECEIPT_GIVE_UP = dt.timedelta(hours=1)
DEFAULT_RUN_BUDGET_S = 20
SCHEDULE_EVERY = dt.timedelta(minutes=5)  # zappa_settings.json's rate(5 minutes)
CHUNK = repository.TRANSACTION_ITEMS
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
    """What one run (or worker) did (also emitted as CloudWatch metrics)."""

    due: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    skipped: int = 0  # claimed by another run, or left pending for the next run (budget, Expo unavailable)
    unfinished: int = 0  # of those, left because the budget ran out (a shard worker continues with them)
    messages: int = 0
    expo_requests: int = 0
    expo_retries: int = 0
    push_failures: int = 0
    devices_removed: int = 0
    receipts_checked: int = 0
    workers: int = 0  # shard workers the run fanned out to
    placed: int = 0  # automatic weekly feeds placed after one was sent
    messages_per_request: list[int] = field(default_factory=list)
    by_workers: "WorkerTotals" = field(default_factory=lambda: WorkerTotals())

    def add(self, other: dict) -> None:
        """Count in a worker's report (one that ran in-process)."""
        for name, value in other.items():
            if name == "messages_per_request":
                self.messages_per_request.extend(value)
            elif isinstance(value, int) and name != "workers":
                setattr(self, name, getattr(self, name) + value)
        self.by_workers.sent += other.get("sent", 0)
        self.by_workers.push_failures += other.get("push_failures", 0)

    def as_dict(self) -> dict:
        return {name: value for name, value in asdict(self).items() if name != "by_workers"}


@dataclass
class WorkerTotals:
    sent: int = 0
    push_failures: int = 0


@dataclass
class _Pending:
    reminder: Reminder
    devices: list[Device]
    messages: list[expo.Message]


def _budget() -> pacing.Budget:
    return pacing.Budget(float(getattr(settings, "REMINDER_RUN_BUDGET_S", DEFAULT_RUN_BUDGET_S)))


class _Delivery:
    """Claims, pushes and settles due reminders for one run or shard worker."""

    def __init__(self, now: dt.datetime, *, rate_per_s: float, budget: pacing.Budget, report: RunReport):
        self.now = now
        self.now_ms = int(now.timestamp() * 1000)
        self.claim_id = ids.new_id(at=now)
        self.report = report
        self.budget = budget
        self.limiter = pacing.RateLimiter(rate_per_s, expo.MAX_MESSAGES_PER_REQUEST)
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

    def load_batches(self, reminders: list[Reminder]) -> None:
        from apps.batches.repository import batches_get_many  # the batches app's public read

        wanted = [(r.user_id, r.batch_id) for r in reminders if (r.user_id, r.batch_id) not in self._batches]
        if wanted:
            found = batches_get_many(keys_of=wanted)
            for key in wanted:
                self._batches[key] = found.get(key)

    def forget_device(self, device: Device) -> None:
        if devices_services.device_remove_unregistered(user_id=device.user_id, device_id=device.id,
                                                       token=device.token):
            self.report.devices_removed += 1
        cached = self._devices.get(device.user_id)
        if cached is not None:
            self._devices[device.user_id] = [d for d in cached if d.id != device.id]

    # -- delivering ----------------------------------------------------------------------------------
    def deliver(self, due: list[Reminder]) -> list[Reminder]:
        """Deliver what can be of `due` (soonest first); the reminders left pending."""
        self.report.due += len(due)
        left: list[Reminder] = []
        for chunk in _chunks(due):
            if self.budget.exhausted():
                left += chunk
                self.report.skipped += len(chunk)
                self.report.unfinished += len(chunk)
                continue
            left += self.deliver_chunk(chunk)
        return left

    def deliver_chunk(self, chunk: list[Reminder]) -> list[Reminder]:
        claimed = repository.reminders_claim(
            reminders=chunk, claim_id=self.claim_id, now_ms=self.now_ms,
            until_ms=self.now_ms + int(CLAIM_FOR.total_seconds() * 1000),
        )
        self.report.claimed += len(claimed)
        ours = {r.id for r in claimed}
        left = [r for r in chunk if r.id not in ours]  # another run holds or changed them
        self.report.skipped += len(left)
        if not claimed:
            return left
        self.load_batches(claimed)
        settlements: list[Settlement] = []
        pending: list[_Pending] = []
        for reminder in claimed:
            prepared = self.prepare(reminder, settlements)
            if prepared is not None:
                pending.append(prepared)
        tickets: list[Ticket] = []
        wave: list[_Pending] = []
        size = 0
        for item in pending:
            if wave and size + len(item.messages) > expo.MAX_MESSAGES_PER_REQUEST:
                self.push(wave, settlements, tickets)
                wave, size = [], 0
            wave.append(item)
            size += len(item.messages)
        self.push(wave, settlements, tickets)
        self.settle(settlements)
        if tickets:
            repository.tickets_put(tickets=tickets, at=self.now)
        return left + [s.reminder for s in settlements if s.outcome in ("retry", "unsent")]

    def prepare(self, reminder: Reminder, settlements: list[Settlement]) -> _Pending | None:
        """Build one claimed reminder's messages; None (and its settlement) if there is nothing to push."""
        batch = self._batches.get((reminder.user_id, reminder.batch_id))
        if batch is None:
            # The batch was deleted (its receiver normally removes the reminders first): never push it.
            settlements.append(Settlement(reminder, "cancelled"))
            return None
        devices = self.devices(reminder.user_id)
        if not devices:
            settlements.append(self.retry(reminder, "the owner has no registered device"))
            return None
        name = getattr(batch, "name", None) or "your kefir"
        title = TITLES.get(reminder.kind, TITLES["custom"]).format(name=name)
        body = reminder.message or BODIES.get(reminder.kind, BODIES["custom"])
        data = {"reminder_id": reminder.id, "batch_id": reminder.batch_id, "kind": reminder.kind}
        return _Pending(reminder, devices, [expo.Message(d.token, title, body, data) for d in devices])

    def retry(self, reminder: Reminder, why: str) -> Settlement:
        attempts = reminder.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            logger.warning("reminder failed", extra={"reminder_id": reminder.id, "why": why})
            return Settlement(reminder, "failed", attempts)
        return Settlement(reminder, "retry", attempts)

    def send(self, messages: list[expo.Message]) -> list[expo.TicketResult] | None:
        """One Expo request, paced and retried within the budget; None if the budget ran out first."""
        attempt = 0
        while True:
            if not self.limiter.acquire(len(messages), self.budget):
                return None
            self.report.expo_requests += 1
            try:
                return expo.send(messages)
            except expo.ExpoUnavailable as exc:
                logger.warning("Expo push request failed", extra={"error": str(exc), "status": exc.status,
                                                                  "messages": len(messages)})
                wait = pacing.backoff_s(attempt, retry_after_s=exc.retry_after_s)
                if wait >= self.budget.remaining():
                    return None
                pacing.sleep(wait)
                attempt += 1
                self.report.expo_retries += 1

    def push(self, wave: list[_Pending], settlements: list[Settlement], tickets: list[Ticket]) -> None:
        """Push a wave (<= 100 messages, whole reminders) in one request; note how each reminder ends."""
        messages = [m for item in wave for m in item.messages]
        if not messages:
            return
        results = self.send(messages)
        if results is None:
            # Out of time with Expo throttling or down: back to pending for the next run, no attempt counted.
            self.report.push_failures += len(messages)
            settlements.extend(Settlement(item.reminder, "unsent") for item in wave)
            return
        self.report.messages += len(messages)
        self.report.messages_per_request.append(len(messages))
        position = 0
        for item in wave:
            delivered = False
            for device in item.devices:
                result = results[position]
                position += 1
                if result.ok:
                    delivered = True
                    if result.ticket_id:
                        tickets.append(Ticket(result.ticket_id, device.user_id, device.id, device.token,
                                              item.reminder.id, self.now_ms))
                    continue
                self.report.push_failures += 1
                if result.error == "DeviceNotRegistered":
                    self.forget_device(device)
            settlements.append(Settlement(item.reminder, "sent") if delivered
                               else self.retry(item.reminder, "Expo refused every message"))

    def settle(self, settlements: list[Settlement]) -> None:
        if not settlements:
            return
        written = repository.reminders_settle(settlements=settlements, claim_id=self.claim_id, at=self.now)
        if len(written) < len(settlements):
            logger.warning("claims lost before settling", extra={"lost": len(settlements) - len(written)})
        counts = {outcome: 0 for outcome in repository.OUTCOMES}
        for settlement in written:
            counts[settlement.outcome] += 1
        self.report.retried += counts["retry"]
        self.report.failed += counts["failed"]
        self.report.dropped += counts["cancelled"]
        self.report.skipped += counts["unsent"]
        self.report.unfinished += counts["unsent"]
        self.delivered([s.reminder for s in written if s.outcome == "sent"])

    def delivered(self, reminders: list[Reminder]) -> None:
        """THE place where delivery is settled: `reminders` were pushed and are now stored as sent (the
        settlement above committed, under our claim, and an automatic one left its batch's pending set in
        it). Whatever must follow a delivery goes here: for grains resting in the fridge, the next weekly
        feed is placed when one is sent (API.md)."""
        self.report.sent += len(reminders)
        for reminder in reminders:
            if reminder.source == "auto" and reminder.kind == "feed":
                self.next_feed(reminder)

    def next_feed(self, sent: Reminder) -> None:
        # The follow rules: only runs that send a weekly feed need them. One read and one transaction (2
        # requests) per feed sent, once a week per resting batch.
        from apps.reminders import services

        try:
            if services.follow_next_feed(sent=sent) is not None:
                self.report.placed += 1
        except Exception:  # a failure here must not undo or repeat the push that just went out
            logger.exception("the next weekly feed was not placed", extra={"reminder_id": sent.id})


def _chunks(due: list[Reminder]) -> list[list[Reminder]]:
    """`due` in order, cut so that each chunk's settlement fits in ONE transaction of at most CHUNK items: a
    reminder each, plus one FOLLOW update per batch with automatic reminders in the chunk (repository.py)."""
    chunks: list[list[Reminder]] = []
    chunk: list[Reminder] = []
    batches: set[tuple[str, str]] = set()
    for reminder in due:
        follow = (reminder.user_id, reminder.batch_id) if reminder.source == "auto" else None
        need = 1 + (1 if follow is not None and follow not in batches else 0)
        if chunk and len(chunk) + len(batches) + need > CHUNK:
            chunks.append(chunk)
            chunk, batches = [], set()
        chunk.append(reminder)
        if follow is not None:
            batches.add(follow)
    if chunk:
        chunks.append(chunk)
    return chunks


def _due_since(watermark: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    oldest = now - LOOKBACK
    return oldest if watermark is None or watermark < oldest else watermark


def _next_watermark(now: dt.datetime, left: list[Reminder]) -> dt.datetime:
    """Where the next run reads from: the hour of the earliest reminder left pending, at the latest the
    hour of now - WATERMARK_MARGIN. A reminder written already past due is indexed under a later hour than
    its due_at's (repository.due_index_keys): its due_at's hour is then earlier than needed, never later."""
    position = min([now - WATERMARK_MARGIN, *(r.due_at for r in left)])
    return position.replace(minute=0, second=0, microsecond=0)


def _check_receipts(now: dt.datetime, since: dt.datetime | None, report: RunReport) -> dt.datetime:
    """Read the receipts of tickets sent since the receipts watermark (and ready); the new watermark.
    DeviceNotRegistered in a receipt removes the device, as in a ticket."""
    cutoff = now - RECEIPT_DELAY
    start = max(since or now - RECEIPT_LOOKBACK, now - RECEIPT_LOOKBACK)
    if start >= cutoff:
        return start
    waiting = repository.tickets_sent_between(since=start, until=cutoff)
    if not waiting:
        return cutoff
    try:
        found = expo.receipts([t.ticket_id for t in waiting])
    except expo.ExpoUnavailable as exc:
        logger.warning("Expo receipts request failed", extra={"error": str(exc)})
        return start
    removed: set[str] = set()
    hold = cutoff
    give_up_ms = int((now - RECEIPT_GIVE_UP).timestamp() * 1000)
    for ticket in waiting:
        if ticket.ticket_id not in found:
            if ticket.sent_at_ms > give_up_ms:  # not ready yet: read it again next run
                hold = min(hold, dt.datetime.fromtimestamp(ticket.sent_at_ms / 1000, dt.UTC))
            continue
        report.receipts_checked += 1
        error = found[ticket.ticket_id]
        if error is None:
            continue
        report.push_failures += 1
        if error == "DeviceNotRegistered" and ticket.device_id not in removed:
            removed.add(ticket.device_id)
            if devices_services.device_remove_unregistered(user_id=ticket.user_id, device_id=ticket.device_id,
                                                           token=ticket.token):
                report.devices_removed += 1
    return hold


def _capacity() -> int:
    return int(getattr(settings, "REMINDER_RUN_CAPACITY", 2000))


def _rate() -> float:
    return float(getattr(settings, "EXPO_PUSH_RATE_PER_S", 600))


def run_scheduled(*, now: dt.datetime) -> RunReport:
    """The scheduled run: receipts, the due query, then deliver itself or fan out to shard workers."""
    report = RunReport()
    budget = _budget()
    marks = repository.watermarks_get()
    receipts_from = _check_receipts(now, marks.receipts_from, report)
    shards = range(repository.shard_count())
    since = {shard: _due_since(marks.due.get(shard), now) for shard in shards}
    capacity = _capacity()
    due: dict[int, list[Reminder]] = {}
    total = 0
    for shard in shards:
        due[shard] = repository.reminders_due(shard=shard, since=since[shard], now=now, limit=capacity - total + 1)
        total += len(due[shard])
        if total > capacity:
            break
    if total > capacity:
        # More than one run sends in its budget: one worker per shard, each with its share of Expo's rate.
        repository.watermarks_put(due={}, receipts_from=receipts_from, at=now)
        from apps.reminders import tasks  # the workers' entry point (only needed here)

        for shard in shards:
            result = tasks.start_shard(shard=shard, now=clock.isoformat(now), since=clock.isoformat(since[shard]),
                                       workers=len(shards))
            report.workers += 1
            if result is not None:  # run in-process (not on Lambda): its report
                report.add(result)
        return report
    delivery = _Delivery(now, rate_per_s=_rate(), budget=budget, report=report)
    # All shards' reminders together, soonest first, so Expo requests stay full.
    left = delivery.deliver(sorted((r for found in due.values() for r in found), key=lambda r: (r.due_at, r.id)))
    left_by_shard: dict[int, list[Reminder]] = {shard: [] for shard in shards}
    for reminder in left:
        left_by_shard[repository.reminder_shard(reminder.id)].append(reminder)
    watermarks = {shard: _next_watermark(now, left_by_shard[shard]) for shard in shards}
    repository.watermarks_put(due=watermarks, receipts_from=receipts_from, at=now)
    return report


def run_shard(*, shard: int, now: dt.datetime, since: dt.datetime, workers: int) -> RunReport:
    """One fanned-out worker: deliver one shard's due reminders at 1/workers of Expo's rate, then write
    the shard's watermark."""
    report = RunReport()
    budget = _budget()
    rate = _rate() / max(1, workers)
    delivery = _Delivery(now, rate_per_s=rate, budget=budget, report=report)
    # Read no more than this invocation can send (its budget at its rate, plus a burst and a chunk): a busy
    # shard is read a slice per invocation, not whole every time.
    limit = int(budget.seconds * rate) + expo.MAX_MESSAGES_PER_REQUEST + CHUNK
    due = repository.reminders_due(shard=shard, since=since, now=now, limit=limit)
    left = delivery.deliver(due)
    if len(due) >= limit:
        # Not read: due at or after the last one read. Hold the watermark there, and hand on.
        left.append(due[-1])
        report.unfinished += 1
    watermark = _next_watermark(now, left)
    repository.watermarks_put(due={shard: watermark}, receipts_from=None, at=now)
    return report


def _log(report: RunReport, message: str) -> None:
    logger.info(message, extra={
        "due": report.due, "sent": report.sent, "retried": report.retried, "failed": report.failed,
        "dropped": report.dropped, "skipped": report.skipped, "expo_requests": report.expo_requests,
        "expo_retries": report.expo_retries, "push_failures": report.push_failures,
        "devices_removed": report.devices_removed, "workers": report.workers,
    })


def process_due(*, now: dt.datetime | None = None) -> RunReport:
    """One scheduled delivery run: push every due pending reminder (itself, or through shard workers),
    settle it, check earlier receipts."""
    report = run_scheduled(now=now or clock.now())
    emit_metrics(report)
    _log(report, "reminder run completed")
    return report


def continuations_allowed() -> int:
    """How many times a shard worker that ran out of budget with work left may hand on to a fresh
    invocation of itself: enough to keep sending at its share of Expo's rate until the next scheduled run
    (every 5 minutes) takes over, so a peak drains at Expo's pace, not at one budget per five minutes."""
    budget_s = float(getattr(settings, "REMINDER_RUN_BUDGET_S", DEFAULT_RUN_BUDGET_S))
    return max(0, int(SCHEDULE_EVERY.total_seconds() // max(budget_s, 1)) - 2)


def process_shard(*, shard: int, now: dt.datetime, since: dt.datetime, workers: int) -> RunReport:
    """One shard worker's run (tasks.deliver_shard)."""
    report = run_shard(shard=shard, now=now, since=since, workers=workers)
    emit_metrics(report, completed=0)
    _log(report, "reminder shard worker completed")
    return report


def metrics_document(report: RunReport, *, at: dt.datetime, completed: int = 1) -> dict:
    """The run's CloudWatch Embedded Metric Format document (names the alarms in infra/ rely on). A shard
    worker reports its own pushes (completed=0: ReminderRunCompleted counts scheduled runs); the scheduled
    run's figures leave out what its workers reported."""
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
        "RemindersSent": report.sent - report.by_workers.sent,
        "PushFailures": report.push_failures - report.by_workers.push_failures,
        "ReminderRunCompleted": completed,
    }


def emit_metrics(report: RunReport, *, completed: int = 1) -> None:
    """Write the EMF line to stdout (Lambda ships stdout to CloudWatch Logs, which extracts the metrics)."""
    document = metrics_document(report, at=clock.now(), completed=completed)
    sys.stdout.write(json.dumps(document, separators=(",", ":")) + "\n")
    sys.stdout.flush()
