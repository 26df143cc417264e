"""A SnapStart restore, simulated: what a user meets on a cold start of a published version.

One process plays Lambda's init: Django on the test settings, Zappa's LambdaHandler built as
INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT builds it, then the before-snapshot hooks
(`snapshot_restore_py.get_before_snapshot()`: apps.core.snapstart.prepare_snapshot). Then it forks one
child per run; a fork copies the process's memory as a snapshot restore does (each child first puts
back `random`'s state, which a fork reseeds and a restore does not). Each child runs the after-restore
hooks, serves its first authenticated `GET /api/v1/batches` through `kefir.lambda_handler` (Zappa's handler)
(an HTTP API v2 event), then WARM more of the same.

Reported per run and as medians of RUNS runs: the after-restore hooks (ms), the first request (ms), the
warm p50 (ms), first ÷ warm p50, the same two in this thread's CPU time (waiting for the emulator or for
a core left out: steadier on a shared machine), and the modules the first request imported (anything
imported there was not in the snapshot), and the minor page faults of the first request: a fork shares
the parent's memory copy-on-write, so the first write to each page (a reference count, a specialised
bytecode's counter, an allocation in a pool) copies it, as a SnapStart restore loads pages on first
touch. That, not code left to load, is most of what a first request costs more (bench/README.md). Log
lines are written, to /dev/null. Targets (issue 19): ratio <= 1.5 (median of 5 runs), hooks <= 10 ms; the
module count is also asserted in `make test` (tests/core/test_snapstart.py: <= 10).
The emulator runs in a process of its own. Lambda's own restore (resuming the microVM) is not in these
figures: it is the platform's, the same for any function of this size.

Run: `python -m bench restore` (`python -m bench.bench_restore --runs 9` for more runs). For the full
cold start without a snapshot, against a bare Django floor, see bench_cold_start (a reference figure).
"""

import argparse
import importlib
import resource
import statistics
import sys
import time

from bench import harness, zappa_events
from tests import snapstart

RUNS = 5
WARM = 30


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(sys.argv[1:] if __name__ == "__main__" else [])
    harness.with_emulator(lambda: _run(args.runs), separate_process=True)


def _run(runs: int) -> None:
    from django.conf import settings

    settings.ALLOWED_HOSTS.append(".execute-api.us-east-1.amazonaws.com")
    harness.quiet_logs()
    user = harness.signed_in_user()
    folder = zappa_events.write_zappa_settings(django_settings="kefir.settings.test")
    handler = zappa_events.lambda_handler(folder)
    context = zappa_events.LambdaContext()
    event = zappa_events.http_api_v2_event("GET", "/api/v1/batches", token=user.access_token)
    for n in range(3):
        response = handler(zappa_events.http_api_v2_event("POST", "/api/v1/batches", token=user.access_token,
                                                           body={"name": f"Restore {n}", "kind": "milk"}), context)
        assert response["statusCode"] == 201, response
    # Init as Lambda runs it for a SnapStart version: the handler built at import, then the hooks.
    importlib.import_module("zappa.handler").LambdaHandler()
    snapshot = snapstart.take_snapshot()
    results = [snapstart.restored(snapshot, lambda: _first_and_warm(handler, context, event)) for _ in range(runs)]

    columns = [("hooks_ms", "{:.2f}"), ("first_ms", "{:.1f}"), ("warm_p50_ms", "{:.1f}"), ("ratio", "{:.2f}"),
               ("first_cpu_ms", "{:.1f}"), ("warm_cpu_p50_ms", "{:.1f}"), ("cpu_ratio", "{:.2f}")]
    for r in results:
        r["ratio"], r["cpu_ratio"] = r["first_ms"] / r["warm_p50_ms"], r["first_cpu_ms"] / r["warm_cpu_p50_ms"]
    columns += [("first_page_faults", "{:.0f}")]
    rows = [[n + 1, *[fmt.format(r[name]) for name, fmt in columns], len(r["modules"])]
            for n, r in enumerate(results)]
    rows.append(["median", *[fmt.format(statistics.median(r[name] for r in results)) for name, fmt in columns],
                 statistics.median(len(r["modules"]) for r in results)])
    harness.print_table(
        f"SnapStart restore, simulated ({runs} forked copies; "
        f"before-snapshot hooks took {snapshot.hooks_ms:.0f} ms once)",
        ["run", "after-restore hooks ms", "first ms", f"warm p50 ms ({WARM})", "first / warm",
         "first CPU ms", "warm CPU p50 ms", "CPU first / warm", "first page faults", "modules"],
        rows,
    )
    print("targets: first / warm <= 1.5 (median of 5 runs); after-restore hooks <= 10 ms; modules <= 10")
    modules = sorted({m for r in results for m in r["modules"]})
    print(f"modules imported by a first request: {', '.join(modules) or 'none'}")


def _first_and_warm(handler, context, event) -> dict:
    loaded = set(sys.modules)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    started, started_cpu = time.perf_counter(), time.thread_time()
    response = handler(event, context)
    first_ms, first_cpu_ms = (time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000
    first_faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    modules = sorted(set(sys.modules) - loaded)
    if response["statusCode"] != 200:
        raise SystemExit(f"first request answered {response['statusCode']}: {response.get('body')}")
    warm, warm_cpu = [], []
    for _ in range(WARM):
        started, started_cpu = time.perf_counter(), time.thread_time()
        handler(event, context)
        warm.append((time.perf_counter() - started) * 1000)
        warm_cpu.append((time.thread_time() - started_cpu) * 1000)
    return {"first_page_faults": first_faults, "first_ms": first_ms,
            "warm_p50_ms": harness.median(warm),
            "first_cpu_ms": first_cpu_ms, "warm_cpu_p50_ms": harness.median(warm_cpu), "modules": modules}


if __name__ == "__main__":
    main()
