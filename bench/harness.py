"""What every benchmark needs: Django on the test settings, its own moto server, a signed-in user.

Benchmarks are not tests: they print figures (medians and ratios; these machines are shared and
noisy) and assert nothing about time.
"""

import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefir.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402

_server = None


def start_emulator() -> str:
    """Start moto's server for this process (once) and create the table, bucket and pool."""
    global _server
    if _server is None:
        from moto.server import ThreadedMotoServer

        from apps.core import bootstrap, identity

        _server = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.TEST_AWS_PORT, verbose=False)
        _server.start()
        pool_id, client_id = bootstrap.ensure_all()
        settings.COGNITO_USER_POOL_ID, settings.COGNITO_APP_CLIENT_ID = pool_id, client_id
        identity.reset()
    return settings.AWS_ENDPOINT_URL


def stop_emulator() -> None:
    global _server
    if _server is not None:
        _server.stop()
        _server = None


def with_emulator(body: Callable[[], None]) -> None:
    """Run `body` with this process's emulator up, and stop it afterwards whatever happens."""
    start_emulator()
    try:
        body()
    finally:
        stop_emulator()


def signed_in_user(email: str | None = None):
    """A user with real tokens from the emulator's pool (see tests/factory.py)."""
    from tests import factory

    return factory.make_user(email)


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
