"""The sandbox's server clock: wall time plus an adjustable offset (to test expiry without waiting)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class SandboxClock:
    """Server time used by authentication (timestamps, token expiry) and ``serverTime``."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, as the emulated NetSuite server sees them."""
        with self._lock:
            return time.time() + self._offset

    def now_utc(self) -> datetime:
        """The server time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance(self, seconds: float) -> None:
        """Move the server clock forward (or back, with a negative value)."""
        with self._lock:
            self._offset += seconds

    @property
    def offset(self) -> float:
        """How far the server clock is from the machine clock, in seconds."""
        with self._lock:
            return self._offset
