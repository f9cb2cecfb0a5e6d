"""The sandbox's own tables (prefixed ``sandbox_``) inside the account's SQLite file.

They hold credentials, OAuth 2.0 certificates and bearer tokens, the login audit trail and a few
settings (admin token, where the server listens). One serialised connection: these tables are tiny and
every statement is short, so a lock is cheaper than a connection per server thread.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

_DDL = """
CREATE TABLE IF NOT EXISTS sandbox_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_integration (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    consumer_key TEXT NOT NULL UNIQUE,
    consumer_secret TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'enabled',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_access_token (
    id INTEGER PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES sandbox_integration(id),
    name TEXT NOT NULL,
    token_id TEXT NOT NULL UNIQUE,
    token_secret TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS sandbox_m2m_certificate (
    id INTEGER PRIMARY KEY,
    integration_id INTEGER NOT NULL REFERENCES sandbox_integration(id),
    certificate_id TEXT NOT NULL UNIQUE,
    public_key_pem TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'active',
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_bearer_token (
    token_hash TEXT PRIMARY KEY,
    certificate_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_login_audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    scheme TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    integration TEXT,
    token TEXT,
    ip TEXT,
    method TEXT,
    path TEXT
);
"""


class AuthDb:
    """A locked sqlite3 connection to the sandbox file with the ``sandbox_*`` tables created."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self._conn = sqlite3.connect(
            os.fspath(path), check_same_thread=False, isolation_level=None, timeout=30.0
        )
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA busy_timeout = 30000")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.executescript(_DDL)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement; return the last row id."""
        with self._lock:
            cursor = self._conn.execute(sql, params)
            return int(cursor.lastrowid or 0)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Run one read statement and fetch every row."""
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Several statements committed together (or not at all)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        """A value from ``sandbox_meta``."""
        rows = self.query("SELECT value FROM sandbox_meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` in ``sandbox_meta``."""
        self.execute(
            "INSERT INTO sandbox_meta(key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


def read_meta(path: str | os.PathLike[str], key: str) -> str | None:
    """Read one ``sandbox_meta`` value from a sandbox file without creating anything."""
    if not os.path.exists(path):
        return None
    conn = sqlite3.connect(f"file:{os.fspath(path)}?mode=ro", uri=True, timeout=10.0)
    try:
        row = conn.execute("SELECT value FROM sandbox_meta WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return str(row[0]) if row else None
