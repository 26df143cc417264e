"""Reminder delivery throughput: 5,000 due reminders, 50 users with 2 devices each, ONE run.

Against its own emulator (moto over HTTP) and a fake Expo on loopback. Prints messages per Expo
request (Expo's ceiling is 100), DynamoDB requests per reminder (by operation) and reminders per second.
Run: `python -m bench.bench_reminders` (or `python -m bench reminders`).
"""

import datetime as dt
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from bench import harness

USERS = 50
DEVICES_PER_USER = 2
REMINDERS = 5_000


def _seed(now: dt.datetime) -> None:
    from apps.batches import services as batches
    from apps.core import clock, ids
    from apps.devices.repository import Device, device_put
    from apps.reminders.repository import Reminder, reminder_put

    def one_user(index: int) -> None:
        user_id = str(uuid.uuid4())
        with clock.frozen(now - dt.timedelta(hours=20)):
            # No automatic reminder: the bench places its own (and moto serialises no concurrent transactions).
            batch = batches.batch_create(user_id=user_id, name=f"Batch {index}", kind="milk", temperature_c=23,
                                         auto_reminders=False)
        for n in range(DEVICES_PER_USER):
            device_put(device=Device(ids.new_id(), user_id, f"ExponentPushToken[bench{index:03d}x{n}xxxxxxxx]",
                                     "ios", None, clock.isoformat(now)))
        for n in range(REMINDERS // USERS):
            due = now - dt.timedelta(seconds=1 + (index * 997 + n * 37) % 3600)  # spread over the last hour
            reminder_put(reminder=Reminder(ids.new_id(at=due), user_id, batch.id, "strain", due, None, "pending",
                                           None, due, due))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one_user, range(USERS)))


def main() -> None:
    from apps.core.aws.table import TableItem

    # moto answers a GSI Query by scanning its whole table in Python: with 5,000+ items one page takes
    # seconds, past the 3 s read timeout meant for DynamoDB. Give the emulator room (the bench only).
    TableItem.Meta.read_timeout_seconds = 60
    harness.start_emulator()
    from django.conf import settings

    from apps.core import clock
    from apps.core.aws.counting import count_requests
    from apps.reminders.processor import process_due
    from tests.fakes.expo import FakeExpo
    from tests.fakes.moto_transactions import table_copied_once

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    try:
        with FakeExpo() as expo:
            settings.EXPO_PUSH_URL = expo.push_url
            # One run must cover all 5,000 on the (slow) emulator; deployed runs stop after REMINDER_RUN_BUDGET_S.
            settings.REMINDER_RUN_BUDGET_S = 3600
            settings.REMINDER_RUN_CAPACITY = 10**6  # the run itself sends them all (no shard workers)
            seed_started = time.perf_counter()
            _seed(now)
            print(f"seeded {REMINDERS} reminders for {USERS} users in {time.perf_counter() - seed_started:.1f} s")
            # The emulator runs in this process: its per-item table copies in transactions would dominate.
            with table_copied_once(), clock.frozen(now), count_requests() as counter:
                started = time.perf_counter()
                report = process_due()
                elapsed = time.perf_counter() - started
            sizes = report.messages_per_request
            by_operation = {op: counter.operations.count(op) for op in sorted(set(counter.operations))}
            harness.print_table("Reminder delivery, one run", ["figure", "value"], [
                ["reminders due / sent", f"{report.due} / {report.sent}"],
                ["Expo push requests", report.expo_requests],
                ["messages per Expo request (mean / min / max)",
                 f"{statistics.mean(sizes):.1f} / {min(sizes)} / {max(sizes)}" if sizes else "-"],
                ["messages pushed (fake Expo saw)", len(expo.pushed_messages())],
                ["DynamoDB requests", counter.count],
                ["DynamoDB requests per reminder", f"{counter.count / max(1, report.due):.3f}"],
                ["  by operation", ", ".join(f"{k} {v}" for k, v in by_operation.items())],
                ["run wall time (s)", f"{elapsed:.2f}"],
                ["reminders per second", f"{report.sent / elapsed:.0f}"],
            ])
    finally:
        harness.stop_emulator()


if __name__ == "__main__":
    main()
