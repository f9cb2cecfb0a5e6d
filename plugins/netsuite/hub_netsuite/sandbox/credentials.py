"""Provisioning of the sandbox's integrations, access tokens and OAuth 2.0 M2M certificates.

As in NetSuite, an integration record's consumer key doubles as its OAuth 2.0 client ID; an access
token (TBA) belongs to one integration; an M2M certificate maps a public key to an integration.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from hub_netsuite.sandbox.authdb import AuthDb

MAX_ACTIVE_CERTIFICATES = 5


@dataclass(frozen=True)
class TbaCredentials:
    """The four TBA secrets a NetSuite admin hands to an integration."""

    consumer_key: str
    consumer_secret: str
    token_id: str
    token_secret: str

    def as_dict(self) -> dict[str, str]:
        """The credentials as a plain dict (keys as in the hub's NetSuite connection config)."""
        return asdict(self)


@dataclass(frozen=True)
class Integration:
    """An integration record."""

    id: int
    name: str
    consumer_key: str
    consumer_secret: str
    state: str

    @property
    def enabled(self) -> bool:
        """False when the integration is blocked/disabled."""
        return self.state == "enabled"


@dataclass(frozen=True)
class AccessToken:
    """A TBA access token."""

    id: int
    integration_id: int
    name: str
    token_id: str
    token_secret: str
    state: str

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.state == "active"


@dataclass(frozen=True)
class Certificate:
    """An OAuth 2.0 client-credentials mapping: certificate id → public key → integration."""

    integration_id: int
    certificate_id: str
    public_key_pem: str
    state: str

    @property
    def active(self) -> bool:
        """False once revoked."""
        return self.state == "active"


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def derived_hex(account_id: str, seed: int, label: str) -> str:
    """64 hex characters derived from the seed (deterministic sandbox credentials)."""
    return hashlib.sha256(f"netsuite-sandbox/{account_id}/{seed}/{label}".encode()).hexdigest()


class CredentialRegistry:
    """Create, look up, revoke and disable sandbox credentials."""

    def __init__(self, db: AuthDb, account_id: str) -> None:
        self._db = db
        self.account_id = account_id

    # -- provisioning ------------------------------------------------------------------------
    def create_integration(
        self,
        name: str = "Collections Hub",
        *,
        consumer_key: str | None = None,
        consumer_secret: str | None = None,
    ) -> Integration:
        """Register an integration record (random 64-hex key/secret unless given)."""
        key = consumer_key or secrets.token_hex(32)
        secret = consumer_secret or secrets.token_hex(32)
        row_id = self._db.execute(
            "INSERT INTO sandbox_integration(name, consumer_key, consumer_secret, created_at) "
            "VALUES (?, ?, ?, ?)",
            (name, key, secret, _now_iso()),
        )
        return Integration(row_id, name, key, secret, "enabled")

    def create_token(
        self,
        integration: Integration,
        name: str = "Collections Hub token",
        *,
        token_id: str | None = None,
        token_secret: str | None = None,
    ) -> AccessToken:
        """Issue a TBA access token for ``integration`` (random 64-hex id/secret unless given)."""
        tid = token_id or secrets.token_hex(32)
        tsecret = token_secret or secrets.token_hex(32)
        row_id = self._db.execute(
            "INSERT INTO sandbox_access_token(integration_id, name, token_id, token_secret, "
            "created_at) VALUES (?, ?, ?, ?, ?)",
            (integration.id, name, tid, tsecret, _now_iso()),
        )
        return AccessToken(row_id, integration.id, name, tid, tsecret, "active")

    def ensure_default(
        self, *, seed: int | None = None, explicit: TbaCredentials | None = None
    ) -> TbaCredentials:
        """The sandbox's TBA credentials, created on first use.

        ``explicit`` values are registered if missing. Otherwise the first active token of the
        file is reused; a fresh file gets credentials derived from ``seed`` (random without one).
        """
        if explicit is not None:
            integration = self.integration_by_key(explicit.consumer_key)
            if integration is None:
                integration = self.create_integration(
                    consumer_key=explicit.consumer_key, consumer_secret=explicit.consumer_secret
                )
            if self.token_by_id(explicit.token_id) is None:
                self.create_token(
                    integration, token_id=explicit.token_id, token_secret=explicit.token_secret
                )
            return explicit
        existing = self._db.query(
            "SELECT i.consumer_key, i.consumer_secret, t.token_id, t.token_secret "
            "FROM sandbox_access_token t JOIN sandbox_integration i ON i.id = t.integration_id "
            "WHERE t.state = 'active' ORDER BY t.id LIMIT 1"
        )
        if existing:
            row = existing[0]
            return TbaCredentials(
                row["consumer_key"], row["consumer_secret"], row["token_id"], row["token_secret"]
            )

        def value(label: str) -> str | None:
            return None if seed is None else derived_hex(self.account_id, seed, label)

        integration = self.default_integration() or self.create_integration(
            consumer_key=value("consumer_key"), consumer_secret=value("consumer_secret")
        )
        token = self.create_token(
            integration, token_id=value("token_id"), token_secret=value("token_secret")
        )
        return TbaCredentials(
            integration.consumer_key,
            integration.consumer_secret,
            token.token_id,
            token.token_secret,
        )

    def register_certificate(
        self,
        public_key_pem: str,
        *,
        integration: Integration | None = None,
        certificate_id: str | None = None,
    ) -> Certificate:
        """Map a public key (or x.509 certificate PEM) to an integration for OAuth 2.0 M2M."""
        target = integration or self.default_integration()
        if target is None:
            raise ValueError("create an integration before registering a certificate")
        active = self._db.query(
            "SELECT COUNT(*) AS n FROM sandbox_m2m_certificate "
            "WHERE integration_id = ? AND state = 'active'",
            (target.id,),
        )[0]["n"]
        if active >= MAX_ACTIVE_CERTIFICATES:
            raise ValueError(
                f"an integration can have at most {MAX_ACTIVE_CERTIFICATES} active certificates"
            )
        cert_id = certificate_id or secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO sandbox_m2m_certificate(integration_id, certificate_id, public_key_pem, "
            "created_at) VALUES (?, ?, ?, ?)",
            (target.id, cert_id, public_key_pem, _now_iso()),
        )
        return Certificate(target.id, cert_id, public_key_pem, "active")

    # -- state changes -----------------------------------------------------------------------
    def revoke_token(self, token_id: str) -> bool:
        """Revoke a TBA token; False when no such active token exists."""
        return self._set_state(
            "UPDATE sandbox_access_token SET state = 'revoked', revoked_at = ? "
            "WHERE token_id = ? AND state = 'active'",
            (_now_iso(), token_id),
        )

    def revoke_certificate(self, certificate_id: str) -> bool:
        """Revoke an M2M certificate mapping (its bearer tokens stop working too)."""
        return self._set_state(
            "UPDATE sandbox_m2m_certificate SET state = 'revoked' "
            "WHERE certificate_id = ? AND state = 'active'",
            (certificate_id,),
        )

    def set_integration_state(self, consumer_key: str | None, enabled: bool) -> bool:
        """Enable or disable (block) an integration; ``None`` means the default integration."""
        target = (
            self.integration_by_key(consumer_key) if consumer_key else self.default_integration()
        )
        if target is None:
            return False
        self._db.execute(
            "UPDATE sandbox_integration SET state = ? WHERE id = ?",
            ("enabled" if enabled else "blocked", target.id),
        )
        return True

    def _set_state(self, sql: str, params: tuple[str, ...]) -> bool:
        with self._db.transaction() as conn:
            changed = conn.execute(sql, params).rowcount
        return changed > 0

    # -- look-ups ----------------------------------------------------------------------------
    def default_integration(self) -> Integration | None:
        """The first integration of the file."""
        rows = self._db.query("SELECT * FROM sandbox_integration ORDER BY id LIMIT 1")
        return _integration(rows[0]) if rows else None

    def integration_by_key(self, consumer_key: str) -> Integration | None:
        """The integration whose consumer key (= OAuth 2.0 client id) is ``consumer_key``."""
        rows = self._db.query(
            "SELECT * FROM sandbox_integration WHERE consumer_key = ?", (consumer_key,)
        )
        return _integration(rows[0]) if rows else None

    def integration_by_id(self, integration_id: int) -> Integration | None:
        """The integration with row id ``integration_id``."""
        rows = self._db.query("SELECT * FROM sandbox_integration WHERE id = ?", (integration_id,))
        return _integration(rows[0]) if rows else None

    def token_by_id(self, token_id: str) -> AccessToken | None:
        """The access token whose public id is ``token_id``."""
        rows = self._db.query("SELECT * FROM sandbox_access_token WHERE token_id = ?", (token_id,))
        if not rows:
            return None
        r = rows[0]
        return AccessToken(
            r["id"], r["integration_id"], r["name"], r["token_id"], r["token_secret"], r["state"]
        )

    def certificate(self, certificate_id: str) -> Certificate | None:
        """The M2M mapping registered under ``certificate_id``."""
        rows = self._db.query(
            "SELECT * FROM sandbox_m2m_certificate WHERE certificate_id = ?", (certificate_id,)
        )
        if not rows:
            return None
        r = rows[0]
        return Certificate(
            r["integration_id"], r["certificate_id"], r["public_key_pem"], r["state"]
        )

    def tokens(self) -> list[dict[str, str]]:
        """Every access token (name, state, integration) without secrets, for the admin API."""
        rows = self._db.query(
            "SELECT t.name, t.token_id, t.state, i.name AS integration, i.state AS "
            "integration_state FROM sandbox_access_token t "
            "JOIN sandbox_integration i ON i.id = t.integration_id ORDER BY t.id"
        )
        return [
            {
                "name": r["name"],
                "token_id": r["token_id"],
                "state": r["state"],
                "integration": r["integration"],
                "integration_state": r["integration_state"],
            }
            for r in rows
        ]


def _integration(r: sqlite3.Row) -> Integration:
    return Integration(r["id"], r["name"], r["consumer_key"], r["consumer_secret"], r["state"])
