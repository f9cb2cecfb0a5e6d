"""A request-concurrency budget shared by every worker through Redis (a counting semaphore).

Each held slot is a member of a sorted set scored by its expiry time, so a slot held by a process
that died frees itself after ``slot_ttl`` seconds. Acquiring drops expired members and adds ours
only if fewer than ``limit`` remain, atomically in one Lua script using the Redis server's clock
(workers on different machines agree on it).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis import Redis

from hub.errors import TransientError

DEFAULT_CONCURRENCY = 4

_ACQUIRE = """
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('zremrangebyscore', KEYS[1], '-inf', now)
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('zadd', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('pexpire', KEYS[1], tonumber(ARGV[2]) * 2)
  return 1
end
return 0
"""


def budget_redis_key(budget_key: str) -> str:
    """The Redis key holding the slots of one account's budget."""
    return f"hub:budget:{budget_key}"


class RedisSemaphore:
    """At most ``limit`` holders at once, across processes and machines.

    :param slot_ttl: seconds after which a slot whose holder vanished is reclaimed.
    :param wait: seconds to wait for a slot before raising :class:`TransientError`.
    """

    def __init__(
        self,
        redis: Redis,
        budget_key: str,
        limit: int,
        *,
        slot_ttl: float = 120.0,
        wait: float = 300.0,
    ) -> None:
        if limit < 1:
            raise ValueError("a budget needs at least one slot")
        self.redis = redis
        self.key = budget_redis_key(budget_key)
        self.limit = limit
        self.slot_ttl_ms = int(slot_ttl * 1000)
        self.wait = wait

    def try_acquire(self) -> str | None:
        """Take a slot if one is free; return its token (for :meth:`release`) or ``None``."""
        token = secrets.token_hex(8)
        got = self.redis.eval(_ACQUIRE, 1, self.key, self.limit, self.slot_ttl_ms, token)
        return token if got else None

    def acquire(self) -> str:
        """Wait for a slot (polling with a short back-off)."""
        deadline = time.monotonic() + self.wait
        delay = 0.005
        while True:
            token = self.try_acquire()
            if token is not None:
                return token
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"no free request slot in budget {self.key} after {self.wait:.0f}s",
                    retry_after=30,
                )
            time.sleep(delay)
            delay = min(delay * 2, 0.2)

    def release(self, token: str) -> None:
        """Give a slot back."""
        self.redis.zrem(self.key, token)

    def holders(self) -> int:
        """How many slots are held now (expired ones included until the next acquire)."""
        return int(self.redis.zcard(self.key))

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot for the duration of the block."""
        token = self.acquire()
        try:
            yield
        finally:
            self.release(token)


class RedisContext:
    """A :class:`hub.ConnectorContext` whose request slots come from a shared Redis budget.

    :param redis: the Redis connection.
    :param budget_key: the source account (e.g. ``"netsuite:1234567_SB1"``); every connection and
        worker using the same key shares ``limit`` concurrent requests.
    :param limit: concurrent requests allowed for the account.
    """

    def __init__(
        self,
        redis: Redis,
        budget_key: str,
        limit: int = DEFAULT_CONCURRENCY,
        *,
        logger: logging.Logger | None = None,
        slot_ttl: float = 120.0,
    ) -> None:
        self.logger = logger or logging.getLogger("hub.connector")
        self.semaphore = RedisSemaphore(redis, budget_key, limit, slot_ttl=slot_ttl)
        self._count = 0
        self._lock = threading.Lock()

    @contextmanager
    def request_slot(self) -> Iterator[None]:
        """Count one request and hold a slot of the account's budget while it runs."""
        with self._lock:
            self._count += 1
        with self.semaphore.slot():
            yield

    @property
    def requests_made(self) -> int:
        return self._count


__all__ = [
    "DEFAULT_CONCURRENCY",
    "RedisContext",
    "RedisSemaphore",
    "budget_redis_key",
]
