"""One Redis client per URL and process, closed at exit.

Clients hold a connection pool; building one per call and dropping it leaves sockets for the
garbage collector to close (a ResourceWarning, and a new TCP connection every time). Clients are
thread-safe, and redis-py resets a pool inherited across ``fork``, so one per URL serves the
whole process.
"""

from __future__ import annotations

import atexit
import threading

from redis import Redis

_clients: dict[str, Redis] = {}
_lock = threading.Lock()


def redis_client(url: str) -> Redis:
    """The process's client for ``url`` (bytes responses, as RQ needs)."""
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = Redis.from_url(url)
            _clients[url] = client
        return client


@atexit.register
def close_clients() -> None:
    """Close every client's pool (at exit; safe to call any time, clients reconnect on use)."""
    with _lock:
        for client in _clients.values():
            client.connection_pool.disconnect()


__all__ = ["close_clients", "redis_client"]
