"""Exactly-once delivery on an engine whose conditional writes are atomic (dynalite), with real concurrency:
two processes, eight overlapping runs each, every reminder pushed once (counted at the fake Expo), the
automatic ones among them taken out of their batches' FOLLOW pending sets."""

import json
import os
import subprocess
import sys
from collections import Counter

from django.conf import settings

USERS, REMINDERS, THREADS = 10, 200, 8
TOTAL = REMINDERS + USERS  # and one automatic reminder per user's batch


def _run(dynalite, expo, *args, background=False):
    env = {**os.environ, "KEFIR_DYNALITE_URL": dynalite, "EXPO_PUSH_URL": expo.push_url,
           "DJANGO_SETTINGS_MODULE": "kefir.settings.test"}
    command = [sys.executable, "-m", "tests.reminders.dynalite_run", *map(str, args)]
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True)
    if background:
        return process
    return _result(process)


def _result(process):
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, out
    return json.loads(out.strip().splitlines()[-1])


def test_overlapping_runs_in_two_processes_push_every_reminder_exactly_once(dynalite, expo):
    _run(dynalite, expo, "setup")
    ids = _run(dynalite, expo, "seed", USERS, REMINDERS)["ids"]
    expo.delay_s = 0.02  # keep the runs in flight together

    processes = [_run(dynalite, expo, "run", THREADS, background=True) for _ in range(2)]
    results = [_result(process) for process in processes]

    assert [r["errors"] for r in results] == [[], []]
    deliveries = Counter(m["data"]["reminder_id"] for m in expo.pushed_messages())
    assert set(deliveries) == set(ids) and set(deliveries.values()) == {1}
    assert len(ids) == TOTAL
    assert sum(r["sent"] for r in results) == TOTAL
    assert sum(r["claimed"] for r in results) == TOTAL  # no reminder was claimed by two runs
    assert _run(dynalite, expo, "statuses", USERS) == {"sent": TOTAL}
    # Each sent automatic reminder left its batch's pending set (a second single write there), once.
    assert _run(dynalite, expo, "pending_sets", USERS) == {"pending": [], "revs": [2]}
