"""The Lambda entry points: the scheduled run fans out to shard workers, each a Lambda Event invoke of this
function's published version (apps.core.aws.tasks.run_in_background), or in-process off Lambda."""

import datetime as dt
import os
from collections import Counter

from apps.reminders import repository
from apps.reminders.processor import process_due
from tests.reminders.conftest import NOW
from tests.reminders.test_processor import _population


def test_more_due_than_one_run_sends_fans_out_one_worker_per_shard(expo, frozen, settings):
    settings.REMINDER_SHARDS = 16
    settings.REMINDER_RUN_CAPACITY = 10
    # A Lambda Event invoke only where AWS_LAMBDA_FUNCTION_NAME is set; here each worker runs in-process.
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
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


def test_a_worker_out_of_budget_hands_on_to_a_fresh_invocation_of_itself(expo, frozen, settings, no_real_waits):
    settings.REMINDER_SHARDS = 1
    settings.REMINDER_RUN_CAPACITY = 10
    settings.EXPO_PUSH_RATE_PER_S = 40  # a burst of 100, then 2.5 s per 100: more than the 1 s budget
    settings.REMINDER_RUN_BUDGET_S = 1
    process_due()
    ids = _population(5, 250, NOW)
    frozen(dt.timedelta(minutes=5))

    report = process_due()

    assert report.workers == 1 and report.sent == 250 and report.unfinished == 0
    assert [len(request) for request in expo.push_requests] == [100, 100, 50]  # one request per invocation
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}


def test_on_lambda_a_worker_is_an_event_invoke_of_the_published_version_whose_payload_our_entry_runs(
        expo, frozen, settings, tmp_path, monkeypatch):
    """The Lambda path end to end but for AWS itself: on Lambda the scheduled run's fan-out sends an Event
    invoke of this function's PUBLISHED version (SnapStart restores only those; Zappa's @task would name
    `$LATEST`), captured here through botocore's Stubber, its public test API; that payload, handed to the
    function Lambda calls (zappa_settings.json's lambda_handler), runs the worker."""
    import json
    import logging

    import boto3
    from botocore.stub import Stubber
    from zappa import asynchronous
    from zappa.handler import LambdaHandler

    from bench import zappa_events

    settings.REMINDER_SHARDS = 1  # shard 0 holds every reminder
    settings.REMINDER_RUN_CAPACITY = 2  # 6 due: more than the run sends itself
    process_due()
    ids = _population(2, 6, NOW)
    frozen(dt.timedelta(minutes=5))

    client = boto3.client("lambda", region_name="us-east-1")
    sent = []
    client.meta.events.register("provide-client-params.lambda.Invoke", lambda params, **_: sent.append(params))
    stubber = Stubber(client)
    stubber.add_response("invoke", {"StatusCode": 202})
    monkeypatch.setattr(asynchronous, "LAMBDA_CLIENT", client)  # Zappa's client for Event invokes
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "kefir-app-dev")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")
    with stubber:
        report = process_due()
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_VERSION")

    assert report.workers == 1 and report.sent == 0 and expo.pushed_messages() == []  # handed to the worker
    (invoke,) = sent
    assert invoke["InvocationType"] == "Event" and invoke["FunctionName"] == "kefir-app-dev:7"
    payload = json.loads(invoke["Payload"])
    assert payload["command"] == "zappa.asynchronous.route_lambda_task"
    assert payload["task_path"] == "apps.reminders.tasks.deliver_shard"
    assert payload["kwargs"]["shard"] == 0 and payload["kwargs"]["workers"] == 1

    folder = zappa_events.write_zappa_settings("dev", folder=tmp_path)
    saved_env, root_level = dict(os.environ), logging.getLogger().level
    entry = zappa_events.lambda_handler(folder)
    LambdaHandler()
    os.environ.clear()
    os.environ.update(saved_env)
    logging.getLogger().setLevel(root_level)
    result = entry(payload, zappa_events.LambdaContext())

    assert result["sent"] == 6
    assert sorted(m["data"]["reminder_id"] for m in expo.pushed_messages()) == sorted(ids)
