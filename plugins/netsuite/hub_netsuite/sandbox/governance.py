"""Governance of the emulated account: the shared concurrency limit, injected faults and latency,
slow 401s under load, and the counters tests and the CLI read.

NetSuite rejects (does not queue) a request over the account's concurrency limit with a 429 whose
body is fixed (see :func:`~hub_netsuite.sandbox.envelopes.concurrency_exceeded_response`); under
load it has also been seen answering a slow 401 INVALID_LOGIN instead, which ``slow_401_rate``
reproduces for that share of over-limit requests.
"""

from __future__ import annotations

import random
import string
import threading
from collections import Counter
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum
from typing import Any


@dataclass(frozen=True)
class GovernanceSettings:
    """Knobs of the emulated account; change them at runtime with :meth:`Governance.update`."""

    concurrency_limit: int = 5
    fault_rate: float = 0.0  # share of admitted requests answered 500 UNEXPECTED_ERROR
    latency_ms: float = 0.0  # added to every admitted request, while it holds its slot
    latency_jitter_ms: float = 0.0  # uniform extra latency in [0, jitter)
    slow_401_rate: float = 0.0  # share of over-limit requests answered 401 (slowly) not 429
    slow_401_delay_ms: float = 1500.0
    seed: int | None = None  # makes faults, jitter and error ids reproducible

    def validated(self) -> GovernanceSettings:
        """Self, or ValueError naming the bad knob."""
        if self.concurrency_limit < 1:
            raise ValueError("concurrency_limit must be at least 1")
        for name in ("fault_rate", "slow_401_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in ("latency_ms", "latency_jitter_ms", "slow_401_delay_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        return self


class Admission(Enum):
    """What the governor decided for an incoming request."""

    ADMITTED = "admitted"
    REJECTED = "rejected"  # 429
    SLOW_401 = "slow_401"


class Governance:
    """Thread-safe governor of one account (every ``/services`` endpoint shares it)."""

    def __init__(self, settings: GovernanceSettings | None = None) -> None:
        self._settings = (settings or GovernanceSettings()).validated()
        self._lock = threading.Lock()
        self._rng = random.Random(self._settings.seed)
        self._in_flight = 0
        self._reset_counters()

    def _reset_counters(self) -> None:
        self._requests: Counter[str] = Counter()
        self._statuses: Counter[int] = Counter()
        self._peak = 0
        self._rejected = 0
        self._slow_401 = 0
        self._faults = 0

    @property
    def settings(self) -> GovernanceSettings:
        """The current settings."""
        with self._lock:
            return self._settings

    def update(self, **changes: Any) -> GovernanceSettings:
        """Change settings at runtime (unknown names raise ValueError)."""
        known = {f.name for f in fields(GovernanceSettings)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown governance settings: {', '.join(sorted(unknown))}")
        with self._lock:
            new = replace(self._settings, **changes).validated()
            if "seed" in changes:
                self._rng = random.Random(new.seed)
            self._settings = new
            return new

    def enter(self, endpoint: str) -> Admission:
        """Count the request and take a concurrency slot if one is free."""
        with self._lock:
            self._requests[endpoint] += 1
            if self._in_flight >= self._settings.concurrency_limit:
                if (
                    self._settings.slow_401_rate
                    and self._rng.random() < self._settings.slow_401_rate
                ):
                    self._slow_401 += 1
                    return Admission.SLOW_401
                self._rejected += 1
                return Admission.REJECTED
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
            return Admission.ADMITTED

    def leave(self) -> None:
        """Give back the slot taken by an admitted request."""
        with self._lock:
            self._in_flight -= 1

    def latency_seconds(self) -> float:
        """How long an admitted request should be held before it is answered."""
        with self._lock:
            s = self._settings
            jitter = self._rng.random() * s.latency_jitter_ms if s.latency_jitter_ms else 0.0
            return (s.latency_ms + jitter) / 1000.0

    def slow_401_seconds(self) -> float:
        """How long a slow 401 takes."""
        return self.settings.slow_401_delay_ms / 1000.0

    def fault(self) -> str | None:
        """An Error ID (20 lowercase letters) when this request must fail with a 500, else None."""
        with self._lock:
            if not self._settings.fault_rate or self._rng.random() >= self._settings.fault_rate:
                return None
            self._faults += 1
            return "".join(self._rng.choice(string.ascii_lowercase) for _ in range(20))

    def record_status(self, status: int) -> None:
        """Count a response status."""
        with self._lock:
            self._statuses[status] += 1

    def snapshot(self) -> dict[str, Any]:
        """Counters and settings as a JSON-ready dict."""
        with self._lock:
            return {
                "requests": dict(sorted(self._requests.items())),
                "total_requests": sum(self._requests.values()),
                "statuses": {str(k): v for k, v in sorted(self._statuses.items())},
                "in_flight": self._in_flight,
                "peak_concurrency": self._peak,
                "rejected_429": self._rejected,
                "slow_401": self._slow_401,
                "faults_500": self._faults,
                "auth_failures": self._statuses.get(401, 0),
                "settings": asdict(self._settings),
            }

    def reset(self) -> None:
        """Zero every counter (current in-flight requests are kept)."""
        with self._lock:
            self._reset_counters()
            self._peak = self._in_flight
