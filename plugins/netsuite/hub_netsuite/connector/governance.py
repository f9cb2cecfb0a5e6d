"""Request budget per NetSuite account and retry delays (exponential backoff, full jitter)."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_SEMAPHORES: dict[tuple[str, int], threading.BoundedSemaphore] = {}
BACKOFF_CAP_SECONDS = 60.0


@contextmanager
def account_slot(budget_key: str, concurrency: int) -> Iterator[None]:
    """Hold one of ``concurrency`` in-process slots shared by every connector of the account."""
    with _LOCK:
        semaphore = _SEMAPHORES.get((budget_key, concurrency))
        if semaphore is None:
            semaphore = threading.BoundedSemaphore(concurrency)
            _SEMAPHORES[(budget_key, concurrency)] = semaphore
    with semaphore:
        yield


def backoff_delay(
    attempt: int, base: float, cap: float = BACKOFF_CAP_SECONDS, rng: random.Random | None = None
) -> float:
    """Full jitter: a uniform delay in ``[0, min(cap, base * 2**attempt)]`` (AWS style)."""
    ceiling = min(cap, base * (2**attempt))
    return (rng or random).uniform(0, ceiling)
