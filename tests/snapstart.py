"""A SnapStart life cycle played in one process, for tests and the restore benchmark.

`take_snapshot()` runs the before-snapshot hooks (what Lambda does after init on a published version) and
returns what a restore must bring back that a fork would not: `random`'s state (CPython reseeds it in a
forked child, a snapshot restore copies it as it was). `restored(snapshot, work)` forks a child standing
for a restored execution environment: it puts that state back, runs the after-restore hooks, then `work()`,
and returns `work`'s JSON-serialisable result to the parent. A fork shares memory copy-on-write, as a
restore loads the snapshot's pages on first touch.
"""

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Snapshot:
    random_state: tuple
    hooks_ms: float


def take_snapshot() -> Snapshot:
    from snapshot_restore_py import get_before_snapshot

    started = time.perf_counter()
    for function, args, kwargs in get_before_snapshot():
        function(*args, **kwargs)
    return Snapshot(random_state=random.getstate(), hooks_ms=(time.perf_counter() - started) * 1000)


def restored(snapshot: Snapshot, work: Callable[[], dict]) -> dict:
    """`work()`'s result in a forked child after the after-restore hooks; `hooks_ms` is added to it."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(read)
            from snapshot_restore_py import get_after_restore

            random.setstate(snapshot.random_state)
            started = time.perf_counter()
            for function, args, kwargs in get_after_restore():
                function(*args, **kwargs)
            hooks_ms = (time.perf_counter() - started) * 1000
            result = {**work(), "hooks_ms": hooks_ms}
        except BaseException as exc:  # reported to the parent, which raises it
            result, code = {"error": f"{type(exc).__name__}: {exc}"}, 1
        with os.fdopen(write, "w") as pipe:
            pipe.write(json.dumps(result))
        os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        result = json.loads(pipe.read() or "{}")
    os.waitpid(pid, 0)
    if "error" in result:
        raise RuntimeError(f"the restored child failed: {result['error']}")
    return result
