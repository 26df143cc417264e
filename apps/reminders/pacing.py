"""Time for a delivery run: its budget, its share of Expo's rate, and backoff waits, on a timer tests replace.

A run is paced, never hurried: it waits rather than exceed the shared rate, and waits (with exponential
backoff and full jitter) when Expo answers 429 or 5xx. Tests run inside `simulated()`, where a wait takes
no real time but moves the run's timer on, so a budget of 20 s of backoff runs in milliseconds.
"""

import contextlib
import random
import time
from collections.abc import Iterator

_timer = time.monotonic
_sleep = time.sleep

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 8.0


def monotonic() -> float:
    """Seconds on the run's timer (time.monotonic, or the simulated one)."""
    return _timer()


def sleep(seconds: float) -> None:
    """Wait (or, simulated, move the timer on)."""
    if seconds > 0:
        _sleep(seconds)


@contextlib.contextmanager
def simulated() -> Iterator[list[float]]:
    """Waits take no real time; the timer is real time plus every wait. Yields the list of waits."""
    global _timer, _sleep
    previous = _timer, _sleep
    waits: list[float] = []
    real = time.monotonic

    def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    _timer, _sleep = (lambda: real() + sum(waits)), fake_sleep
    try:
        yield waits
    finally:
        _timer, _sleep = previous


class Budget:
    """The seconds a run may spend, from its start."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.started = monotonic()

    def remaining(self) -> float:
        return self.seconds - (monotonic() - self.started)

    def exhausted(self) -> bool:
        return self.remaining() <= 0


class RateLimiter:
    """A token bucket: `rate_per_s` messages a second, bursts up to `burst` (one Expo request's 100)."""

    def __init__(self, rate_per_s: float, burst: int):
        self.rate_per_s = rate_per_s
        self.burst = max(burst, 1)
        self.tokens = float(self.burst)
        self.at = monotonic()

    def acquire(self, count: int, budget: Budget) -> bool:
        """Take `count` tokens, waiting for them; False (nothing taken) if the wait would outlast the budget."""
        now = monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate_per_s)
        self.at = now
        wait = max(0.0, (min(count, self.burst) - self.tokens) / self.rate_per_s)
        if wait > budget.remaining():
            return False
        sleep(wait)
        self.tokens += wait * self.rate_per_s - count
        self.at = monotonic()
        return True


def backoff_s(attempt: int, *, retry_after_s: float | None = None, rng: random.Random | None = None) -> float:
    """How long to wait before retry number `attempt` (0-based): full jitter over an exponential ceiling
    (AWS Architecture Blog, "Exponential Backoff And Jitter"), never less than a Retry-After."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** attempt))
    jittered = (rng or random).uniform(0, ceiling)
    return max(jittered, retry_after_s or 0.0)
