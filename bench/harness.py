"""What every benchmark needs: Django on the test settings, its own moto server, a signed-in user.

Benchmarks are not tests: they print figures (medians and ratios; these machines are shared and
noisy) and assert nothing about time.
"""

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402

_server = None
_process: subprocess.Popen | None = None


def start_emulator(*, separate_process: bool = False) -> str:
    """Start moto's server (once) and create the table, bucket and pool.

    By default it is a thread of this process. `separate_process=True` runs it as its own process:
    in-process, the emulator's threads compete with the code under measurement for the GIL, even
    after a response arrived (finishing the request, closing the connection), which inflates what we
    would call our own time; and its large queries grow this process's memory."""
    global _server, _process
    if _server is None and _process is None:
        from apps.core.auth import identity
        from apps.core.aws import bootstrap

        if separate_process:
            _process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(settings.TEST_AWS_PORT)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            _wait_for_port(settings.TEST_AWS_PORT)
        else:
            from moto.server import ThreadedMotoServer

            _server = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.TEST_AWS_PORT, verbose=False)
            _server.start()
        pool_id, client_id = bootstrap.ensure_all()
        settings.COGNITO_USER_POOL_ID, settings.COGNITO_APP_CLIENT_ID = pool_id, client_id
        identity.reset()
    return settings.AWS_ENDPOINT_URL


def _wait_for_port(port: int, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                stop_emulator()
                raise
            time.sleep(0.2)


def stop_emulator() -> None:
    global _server, _process
    if _server is not None:
        _server.stop()
        _server = None
    if _process is not None:
        _process.terminate()
        _process.wait(timeout=10)
        _process = None


def with_emulator(body: Callable[[], None], *, separate_process: bool = False) -> None:
    """Run `body` with the emulator up (see start_emulator), and stop it afterwards whatever happens."""
    start_emulator(separate_process=separate_process)
    try:
        body()
    finally:
        stop_emulator()


def signed_in_user(email: str | None = None):
    """A user with real tokens from the emulator's pool (see tests/factory.py)."""
    from tests import factory

    return factory.make_user(email)


def quiet_logs() -> None:
    """Keep writing the log lines (their cost is part of a request's) but to /dev/null, not the figures' output."""
    import logging

    devnull = open(os.devnull, "w")
    for logger in (logging.getLogger(), *logging.Logger.manager.loggerDict.values()):
        for handler in getattr(logger, "handlers", ()):
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)


def timed(fn: Callable[[], object], *, repeat: int) -> list[float]:
    """Wall-clock milliseconds of `repeat` calls of fn."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """A small aligned table on stdout."""
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n## {title}")
    for index, row in enumerate(cells):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
