"""A delivery process for the exactly-once test: Django's test settings with the table on dynalite.

    python -m tests.reminders.dynalite_run setup|seed USERS REMINDERS|run THREADS|statuses

The endpoint comes from KEFIR_DYNALITE_URL, Expo from EXPO_PUSH_URL (the parent's fake). dynalite has
atomic conditional writes but no transactions, so claims and settlements go one UpdateItem each, and an
automatic reminder's settlement one more for its batch's FOLLOW item (settings.DYNAMODB_TRANSACTIONS = False).
Prints one JSON line.
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

    from apps.core.aws.table import TableItem

    # Before the first request of this process: PynamoDB builds the table's connection from Meta on first use.
    TableItem.Meta.host = os.environ["KEFIR_DYNALITE_URL"]
    settings.DYNAMODB_TRANSACTIONS = False
    settings.REMINDER_RUN_BUDGET_S = 60


class _OneWriteEach:
    """Applies a repository WriteOp (made for a transaction) as single conditional writes, one request each."""

    def save(self, item, condition=None) -> None:
        item.save(condition=condition)

    def update(self, item, actions, condition=None) -> None:
        item.update(actions=actions, condition=condition)


def batches_of(user_id: str) -> list:
    from apps.batches.repository import batches_iter

    return list(batches_iter(user_id=user_id))


def read_one_each(reads: list) -> list:
    """ItemReads one GetItem each (dynalite has no TransactGetItems)."""
    found = []
    for read in reads:
        try:
            item = read.model.get(read.hash_key, read.range_key, consistent_read=True)
        except read.model.DoesNotExist:
            item = None
        found.append(read.convert(item))
    return found


def main(mode: str, *args: str) -> dict:
    _setup_django()
    import datetime as dt

    from apps.core import clock
    from apps.core import ids as ids_module
    from apps.core.aws.table import TableItem

    if mode == "setup":
        TableItem.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
        return {"ok": True}
    if mode == "seed":
        from apps.batches.services import batch_create
        from apps.devices.services import device_register
        from apps.reminders import repository
        from apps.reminders.follow import Cycle
        from apps.reminders.services import reminder_schedule

        users, reminders = int(args[0]), int(args[1])
        batches = []
        for n in range(users):
            # Automatic reminders are placed in transactions, which dynalite lacks: placed below one write each.
            batch = batch_create(user_id=f"user-{n:03d}", name=f"Batch {n}", kind="milk", auto_reminders=False)
            device_register(user_id=batch.user_id, token=f"ExponentPushToken[device-{n:03d}]", platform="ios")
            batches.append(batch)
        due_at = clock.now()
        ids = [reminder_schedule(user_id=batches[n % users].user_id, batch_id=batches[n % users].id, kind="strain",
                                 due_at=due_at).id for n in range(reminders)]
        for batch in batches:  # one automatic strain each, named in its batch's FOLLOW pending set
            auto = repository.Reminder(
                id=ids_module.new_id(at=due_at), user_id=batch.user_id, batch_id=batch.id, kind="strain",
                due_at=due_at, message=None, status="pending", sent_at=None, created_at=due_at, updated_at=due_at,
                source="auto", reason="seeded", model_due_at=due_at, spoils_at=due_at + dt.timedelta(days=1),
                reason_base="seeded")
            for op in (repository.reminder_place_op(reminder=auto),
                       repository.follow_write_op(user_id=batch.user_id, batch_id=batch.id, cycle=Cycle(),
                                                  pending={"strain": auto.id}, expected_rev=None)):
                op(_OneWriteEach())
            ids.append(auto.id)
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
    if mode == "pending_sets":  # what each batch's FOLLOW item still names as pending
        from apps.reminders import repository

        batches = [(f"user-{n:03d}", b.id) for n in range(int(args[0]))
                   for b in batches_of(f"user-{n:03d}")]
        states = read_one_each([repository.follow_read(user_id=u, batch_id=b) for u, b in batches])
        return {"pending": sorted(v for state in states for v in state.pending.values()),
                "revs": sorted({state.rev for state in states})}
    if mode == "statuses":
        from collections import Counter

        from apps.reminders import repository

        statuses = Counter(r.status for n in range(int(args[0]))
                           for r in repository.reminders_of(user_id=f"user-{n:03d}"))
        return dict(statuses)
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
