"""Lambda entry points of the delivery: Zappa's scheduled event (every 5 minutes) and the shard workers
the scheduled run fans out to, started with apps.core.aws.tasks.run_in_background: a Lambda Event invoke of
this function's own published version (the one SnapStart restores; Zappa's @task would invoke `$LATEST`,
paying a full init per worker), or in-process off Lambda."""

import os

from apps.core.aws.tasks import run_in_background


def _django() -> None:
    # Zappa may call a scheduled function or an async task before anything set Django up in this container.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.aws")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def process_due_reminders(event, context):
    """One delivery run (the same code as `manage.py process_reminders`); returns its counts."""
    _django()
    from apps.reminders.processor import process_due

    report = process_due()
    return {"due": report.due, "sent": report.sent, "retried": report.retried, "failed": report.failed,
            "dropped": report.dropped, "skipped": report.skipped, "push_failures": report.push_failures,
            "workers": report.workers, "placed": report.placed}


def start_shard(*, shard: int, now: str, since: str, workers: int, hop: int = 0) -> dict | None:
    """Start one shard worker: in a new invocation on Lambda (None: it reports through its own metrics), or
    right here elsewhere (local mode, tests: its report). Arguments travel as JSON, hence the ISO times."""
    result = run_in_background(deliver_shard, shard=shard, now=now, since=since, workers=workers, hop=hop)
    return result if isinstance(result, dict) else None


def deliver_shard(*, shard: int, now: str, since: str, workers: int, hop: int = 0) -> dict:
    """One shard worker: deliver the shard's due reminders at 1/workers of Expo's rate.

    On Lambda this runs in its own invocation, called by Zappa's handler from start_shard's Event invoke
    payload (zappa.asynchronous.route_lambda_task). A worker whose budget ran out with work left hands on to
    a fresh invocation of itself (hop + 1), up to processor.continuations_allowed() times.
    """
    _django()
    from apps.core import clock
    from apps.reminders.processor import continuations_allowed, process_shard

    report = process_shard(shard=shard, now=clock.parse(now), since=clock.parse(since), workers=workers)
    result = report.as_dict()
    if report.unfinished and hop < continuations_allowed():
        more = start_shard(shard=shard, now=clock.isoformat(clock.now()), since=since, workers=workers, hop=hop + 1)
        if more is not None:  # in-process: count the continuation in
            for name, value in more.items():
                if name == "messages_per_request":
                    result[name] = result[name] + value
                elif isinstance(value, int):
                    result[name] = (result[name] if name != "unfinished" else 0) + value
    return result
