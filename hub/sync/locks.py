"""A Redis lock that survives a crashed holder: it expires unless its holder keeps renewing it.

The holder renews the lock from a background thread (heartbeat). A process killed with SIGKILL
stops renewing, so the lock frees itself after ``ttl`` seconds and another worker can take over.
Release and renewal only act if the lock still carries the holder's random token.
"""

from __future__ import annotations

import secrets
import threading
from types import TracebackType

from redis import Redis

from hub.errors import HubError, TransientError

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class LockBusy(TransientError):
    """Another process holds the lock (e.g. a sync of the same connection is running); retry later."""


class LockLost(HubError):
    """The lock expired or was taken over while we held it; stop before writing more."""


def sync_lock_key(connection_id: int) -> str:
    """The Redis key of a connection's sync lock."""
    return f"hub:lock:sync:{connection_id}"


class HeartbeatLock:
    """An expiring Redis lock renewed by a heartbeat thread while held.

    :param redis: any Redis connection.
    :param key: the lock's key.
    :param ttl: seconds the lock outlives its holder's last heartbeat.
    """

    def __init__(self, redis: Redis, key: str, ttl: float = 60.0) -> None:
        self.redis = redis
        self.key = key
        self.ttl = ttl
        self.token = secrets.token_hex(16)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def acquire(self) -> bool:
        """Take the lock if it is free; start renewing it. Return whether we got it."""
        got = bool(self.redis.set(self.key, self.token, nx=True, px=int(self.ttl * 1000)))
        if got:
            self.lost = False
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._beat, name=f"heartbeat {self.key}", daemon=True
            )
            self._thread.start()
        return got

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                renewed = self.redis.eval(_RENEW, 1, self.key, self.token, int(self.ttl * 1000))
            except Exception:  # Redis unreachable: try again next beat; check() reports loss
                continue
            if not renewed:
                self.lost = True
                return

    def check(self) -> None:
        """Raise :class:`LockLost` if we no longer hold the lock (call before each commit)."""
        if self.lost or self.redis.get(self.key) != self._token_value():
            self.lost = True
            raise LockLost(f"lost the lock {self.key}; another worker may have taken over")

    def _token_value(self) -> bytes | str:
        decode = self.redis.get_connection_kwargs().get("decode_responses", False)
        return self.token if decode else self.token.encode()

    def release(self) -> None:
        """Stop renewing and free the lock if it is still ours."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        try:
            self.redis.eval(_RELEASE, 1, self.key, self.token)
        except Exception:  # it will expire on its own
            pass

    def __enter__(self) -> HeartbeatLock:
        if not self.acquire():
            raise LockBusy(f"{self.key} is held by another process")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def is_locked(redis: Redis, key: str) -> bool:
    """Whether someone holds ``key`` right now."""
    return bool(redis.exists(key))


__all__ = ["HeartbeatLock", "LockBusy", "LockLost", "is_locked", "sync_lock_key"]
