"""A delivery process for the exactly-once test: Django's test settings with the table on dynalite.

    python -m tests.reminders.dynalite_run setup|seed USERS REMINDERS|run THREADS|statuses

The endpoint comes from KEFIR_DYNALITE_URL, Expo from EXPO_PUSH_URL (the parent's fake). dynalite has
atomic conditional writes but no transactions, so claims and settlements go one UpdateItem each
(settings.DYNAMODB_TRANSACTIONS = False). Prints one JSON line.
"""

import json
import os
import sys
import threading


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.test")
    import django

    django.setup()
    from django.conf import settings

    from apps.core.models import TableItem

    # Before the first request of this process: PynamoDB builds the table's connection from Meta on first use.
    TableItem.Meta.host = os.environ["KEFIR_DYNALITE_URL"]
    settings.DYNAMODB_TRANSACTIONS = False
    settings.REMINDER_RUN_BUDGET_S = 60


def main(mode: str, *args: str) -> dict:
    _setup_django()
    import datetime as dt

    from apps.core import clock
    from apps.core.models import TableItem

    if mode == "setup":
        TableItem.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        return {"ok": True}
    if mode == "seed":
        from apps.batches.services import batch_create
        from apps.devices.services import device_register
        from apps.reminders.services import reminder_schedule

        users, reminders = int(args[0]), int(args[1])
        batches = []
        for n in range(users):
            batch = batch_create(user_id=f"user-{n:03d}", name=f"Batch {n}", kind="milk")
            device_register(user_id=batch.user_id, token=f"ExponentPushToken[device-{n:03d}]", platform="ios")
            batches.append(batch)
        due_at = clock.now()
        ids = [reminder_schedule(user_id=batches[n % users].user_id, batch_id=batches[n % users].id, kind="strain",
                                 due_at=due_at).id for n in range(reminders)]
        return {"ids": ids}
    if mode == "run":
        from apps.reminders.processor import process_due

        threads, start = int(args[0]), threading.Barrier(int(args[0]))
        reports, errors = [], []
        now = clock.now() + dt.timedelta(seconds=5)

        def one_run() -> None:
            start.wait()
            try:
                reports.append(process_due(now=now))
            except Exception as exc:  # reported to the test
                errors.append(repr(exc))

        workers = [threading.Thread(target=one_run) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return {"sent": sum(r.sent for r in reports), "claimed": sum(r.claimed for r in reports),
                "skipped": sum(r.skipped for r in reports), "errors": errors}
    if mode == "statuses":
        from collections import Counter

        from apps.reminders import repository

        statuses = Counter(r.status for n in range(int(args[0]))
                           for r in repository.reminders_of(user_id=f"user-{n:03d}"))
        return dict(statuses)
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
