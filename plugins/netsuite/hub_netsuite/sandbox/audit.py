"""The login audit trail: the real reason behind every (identical-looking) INVALID_LOGIN.

Reason codes follow NetSuite's Login Audit Trail for web services (``InvalidSignature``,
``UnknownAlgorithm``, ``InvalidTimestamp``, ``NonceUsed``, ``token_rejected``,
``consumer_key_refused`` …); a few sandbox-only codes cover checks NetSuite does not name
(``RealmMismatch``, ``UnknownHost``, ``ConcurrencyLimitLogin``). Secrets are never written: keys
and tokens appear only as their first 8 characters.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from hub_netsuite.sandbox.authdb import AuthDb


@dataclass(frozen=True)
class LoginAttempt:
    """One row of the trail."""

    at: str
    scheme: str
    outcome: str
    reason: str
    detail: str
    integration: str | None = None
    token: str | None = None
    ip: str | None = None
    method: str | None = None
    path: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The row as a JSON-ready dict."""
        return asdict(self)


def hint(value: str | None) -> str | None:
    """A non-secret hint of a key or token: its first 8 characters."""
    if not value:
        return None
    return value[:8] + "…"


class LoginAuditTrail:
    """Append-only log of authentication attempts stored in ``sandbox_login_audit``."""

    def __init__(self, db: AuthDb, *, record_successes: bool = True) -> None:
        self._db = db
        self.record_successes = record_successes

    def record(self, attempt: LoginAttempt) -> None:
        """Append ``attempt`` (successes only when ``record_successes``)."""
        if attempt.outcome == "Success" and not self.record_successes:
            return
        self._db.execute(
            "INSERT INTO sandbox_login_audit(at, scheme, outcome, reason, detail, integration, "
            "token, ip, method, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                attempt.at,
                attempt.scheme,
                attempt.outcome,
                attempt.reason,
                attempt.detail,
                attempt.integration,
                attempt.token,
                attempt.ip,
                attempt.method,
                attempt.path,
            ),
        )

    def entries(self, limit: int = 100, *, failures_only: bool = False) -> list[LoginAttempt]:
        """The latest ``limit`` attempts, newest first."""
        where = "WHERE outcome = 'Failure' " if failures_only else ""
        rows = self._db.query(
            "SELECT at, scheme, outcome, reason, detail, integration, token, ip, method, path "
            f"FROM sandbox_login_audit {where}ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [LoginAttempt(**dict(r)) for r in rows]

    def clear(self) -> None:
        """Forget every attempt."""
        self._db.execute("DELETE FROM sandbox_login_audit")


def utc_stamp(epoch: float) -> str:
    """An ISO-8601 UTC timestamp with milliseconds."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
