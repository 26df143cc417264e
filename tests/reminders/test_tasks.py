"""The Lambda entry points: the scheduled run fans out to shard workers through Zappa's async tasks."""

import datetime as dt
import os
from collections import Counter

from apps.reminders import repository, tasks
from apps.reminders.processor import process_due
from tests.reminders.conftest import NOW
from tests.reminders.test_processor import _population


def test_more_due_than_one_run_sends_fans_out_one_worker_per_shard_through_zappa(expo, frozen, settings):
    settings.REMINDER_SHARDS = 16
    settings.REMINDER_RUN_CAPACITY = 10
    # Zappa's @task sends a Lambda Event invoke only where AWS_LAMBDA_FUNCTION_NAME is set; here it calls
    # the worker in-process, through the same wrapper.
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    assert tasks.deliver_shard.service == "lambda" and callable(tasks.deliver_shard.sync)
    process_due()
    ids = _population(5, 40, NOW)
    frozen(dt.timedelta(minutes=5))

    report = process_due()

    assert report.workers == 16 and report.sent == 40
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}
    # each worker wrote its own shard's watermark
    marks = repository.watermarks_get()
    assert set(marks.due) == set(range(16)) and marks.receipts_from is not None
    assert process_due().due == 0
