"""Lambda entry points of the delivery: Zappa's scheduled event (every 5 minutes) and the shard workers
the scheduled run fans out to through Zappa's async tasks."""

import os

from zappa.asynchronous import task


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
            "workers": report.workers}


@task
def deliver_shard(*, shard: int, now: str, since: str, workers: int, hop: int = 0) -> dict:
    """One shard worker: deliver the shard's due reminders at 1/workers of Expo's rate.

    On Lambda (AWS_LAMBDA_FUNCTION_NAME is set) calling this sends a Lambda Event invoke of this same
    function (zappa.asynchronous.LambdaAsyncResponse), which runs it in a new invocation and returns at once;
    elsewhere (local mode, tests) Zappa calls it in-process and the report comes back. Arguments travel as
    JSON, hence the ISO times. A worker whose budget ran out with work left hands on to a fresh invocation
    of itself (hop + 1), up to processor.continuations_allowed() times.
    """
    _django()
    from apps.core import clock
    from apps.reminders.processor import continuations_allowed, process_shard

    report = process_shard(shard=shard, now=clock.parse(now), since=clock.parse(since), workers=workers)
    result = report.as_dict()
    if report.unfinished and hop < continuations_allowed():
        more = deliver_shard(shard=shard, now=clock.isoformat(clock.now()), since=since, workers=workers, hop=hop + 1)
        if isinstance(more, dict):  # in-process: count the continuation in
            for name, value in more.items():
                if name == "messages_per_request":
                    result[name] = result[name] + value
                elif isinstance(value, int):
                    result[name] = (result[name] if name != "unfinished" else 0) + value
    return result
