"""Python API: start the NetSuite sandbox emulator on a loopback port (tests, demo, scripts).

with run_sandbox(tmp_path, customers=20, invoices=100, payments=40, seed=7) as sb:
    requests.get(f"{sb.rest_url}/record/v1/customer", auth=sb.oauth1())
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from requests_oauthlib import OAuth1

from hub_netsuite.sandbox.admin import AdminApi
from hub_netsuite.sandbox.audit import LoginAuditTrail
from hub_netsuite.sandbox.auth import Authenticator
from hub_netsuite.sandbox.authdb import AuthDb
from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.credentials import CredentialRegistry, TbaCredentials
from hub_netsuite.sandbox.governance import Governance, GovernanceSettings
from hub_netsuite.sandbox.handlers import ServiceHandlers
from hub_netsuite.sandbox.oauth2 import (
    OAuth2Service,
    canonical_token_url,
    client_assertion,
    generate_key_pair,
)
from hub_netsuite.sandbox.server import SandboxApp, SandboxHTTPServer
from hub_netsuite.sandbox.store import SandboxSettings, SandboxStore
from hub_netsuite.sandbox.tba import TbaVerifier
from hub_netsuite.sandbox.webhook import Signer, WebhookConfig, WebhookEmitter

DEFAULT_FILE_NAME = "netsuite-sandbox.sqlite3"


@dataclass(frozen=True)
class OAuth2Client:
    """An OAuth 2.0 M2M client registered with the sandbox (private key included)."""

    client_id: str
    certificate_id: str
    private_key_pem: str
    algorithm: str
    token_url: str  # the sandbox's token endpoint (loopback)
    audience: str  # NetSuite's canonical token URL (also accepted: ``token_url``)

    def assertion(
        self, issued_at: float, *, lifetime: int = 300, scope: Sequence[str] = ("rest_webservices",)
    ) -> str:
        """A signed client assertion for the token endpoint."""
        return client_assertion(
            client_id=self.client_id,
            certificate_id=self.certificate_id,
            private_key_pem=self.private_key_pem,
            audience=self.audience,
            algorithm=self.algorithm,
            scope=scope,
            issued_at=issued_at,
            lifetime=lifetime,
        )


def resolve_path(location: str | os.PathLike[str]) -> Path:
    """A directory means ``<dir>/netsuite-sandbox.sqlite3``; anything else is the file itself."""
    path = Path(location)
    return path / DEFAULT_FILE_NAME if path.is_dir() else path


class Sandbox:
    """A running emulator; build it with :func:`start_sandbox` or :func:`run_sandbox`."""

    def __init__(
        self,
        *,
        store: SandboxStore,
        path: Path,
        db: AuthDb,
        governance: Governance,
        clock: SandboxClock,
        registry: CredentialRegistry,
        audit: LoginAuditTrail,
        webhook: WebhookEmitter,
        credentials: TbaCredentials,
        admin_token: str,
        require_prefer_transient: bool,
        accept_lowercase_realm: bool,
        host: str,
        port: int,
        owns_store: bool,
    ) -> None:
        self.store = store
        self.path = path
        self.account_id = store.settings.account_id
        self.governance = governance
        self.clock = clock
        self.registry = registry
        self.audit = audit
        self.webhook = webhook
        self.tba_credentials = credentials
        self.admin_token = admin_token
        self._db = db
        self._owns_store = owns_store
        tba = TbaVerifier(registry, clock, accept_lowercase_realm=accept_lowercase_realm)
        oauth2 = OAuth2Service(db, registry, clock)
        self.authenticator = Authenticator(tba, oauth2, audit, clock, self.account_id)
        handlers = ServiceHandlers(
            store, governance, clock, require_prefer_transient=require_prefer_transient
        )
        admin = AdminApi(
            token=admin_token,
            store=store,
            registry=registry,
            audit=audit,
            governance=governance,
            clock=clock,
            webhook=webhook,
            info=self.info,
        )
        self.app = SandboxApp(handlers, self.authenticator, governance, self.account_id, admin)
        self._server = SandboxHTTPServer(self.app, host, port)
        self.base_url = f"http://{host}:{self._server.port}"
        self.rest_url = f"{self.base_url}/services/rest"
        db.set_meta("base_url", self.base_url)
        db.set_meta("account_id", self.account_id)

    # -- what clients need -------------------------------------------------------------------
    @property
    def credentials(self) -> dict[str, str]:
        """TBA credentials: consumer_key, consumer_secret, token_id, token_secret."""
        return self.tba_credentials.as_dict()

    @property
    def token_url(self) -> str:
        """The OAuth 2.0 token endpoint on loopback."""
        return f"{self.rest_url}/auth/oauth2/v1/token"

    def oauth1(self, credentials: Mapping[str, str] | None = None, **overrides: Any) -> OAuth1:
        """A requests-oauthlib signer for this account (HMAC-SHA256, realm = account id)."""
        c = dict(credentials or self.credentials)
        options: dict[str, Any] = {
            "client_secret": c["consumer_secret"],
            "resource_owner_key": c["token_id"],
            "resource_owner_secret": c["token_secret"],
            "signature_method": "HMAC-SHA256",
            "realm": self.account_id,
            **overrides,
        }
        return OAuth1(c["consumer_key"], **options)

    def connection_config(
        self, auth: str = "tba", client: OAuth2Client | None = None
    ) -> dict[str, Any]:
        """A hub NetSuite connection config (DESIGN.md §6) pointing at this sandbox."""
        config: dict[str, Any] = {
            "account_id": self.account_id,
            "auth": auth,
            "base_url": self.base_url,
        }
        if auth == "tba":
            config.update(self.credentials)
        else:
            m2m = client or self.oauth2_client()
            config.update(
                client_id=m2m.client_id,
                certificate_id=m2m.certificate_id,
                private_key=m2m.private_key_pem,
            )
        return config

    def oauth2_client(self, kind: str = "EC", *, certificate_id: str | None = None) -> OAuth2Client:
        """Generate a key pair (``"EC"`` P-256/ES256 or ``"RSA-PSS"``/PS256) and register it."""
        pair = generate_key_pair(kind)
        cert = self.registry.register_certificate(
            pair.public_key_pem, certificate_id=certificate_id
        )
        integration = self.registry.integration_by_id(cert.integration_id)
        assert integration is not None
        return OAuth2Client(
            client_id=integration.consumer_key,
            certificate_id=cert.certificate_id,
            private_key_pem=pair.private_key_pem,
            algorithm=pair.algorithm,
            token_url=self.token_url,
            audience=canonical_token_url(self.account_id),
        )

    # -- inspection and control --------------------------------------------------------------
    def counters(self) -> dict[str, Any]:
        """Requests per endpoint, statuses, in-flight and peak concurrency, 429s, faults."""
        return {**self.governance.snapshot(), "webhook": self.webhook.stats()}

    def reset_counters(self) -> None:
        """Zero the counters."""
        self.governance.reset()

    def audit_trail(self, limit: int = 100, *, failures_only: bool = False) -> list[dict[str, Any]]:
        """The login audit trail, newest first."""
        return [a.as_dict() for a in self.audit.entries(limit, failures_only=failures_only)]

    def set_governance(self, **changes: Any) -> GovernanceSettings:
        """Change concurrency_limit, fault_rate, latency_ms, slow_401_rate … at runtime."""
        return self.governance.update(**changes)

    def revoke_token(self, token_id: str | None = None) -> bool:
        """Revoke a TBA token (default: the sandbox's own)."""
        return self.registry.revoke_token(token_id or self.tba_credentials.token_id)

    def disable_integration(self, consumer_key: str | None = None) -> bool:
        """Block an integration (default: the sandbox's own)."""
        return self.registry.set_integration_state(consumer_key, False)

    def enable_integration(self, consumer_key: str | None = None) -> bool:
        """Re-enable an integration (default: the sandbox's own)."""
        return self.registry.set_integration_state(consumer_key, True)

    def set_webhook(self, url: str | None, *, secret: str | None = None) -> None:
        """Start (or stop, with ``None``) the afterSubmit-style callout."""
        self.webhook.configure(WebhookConfig(url, secret) if url else None)

    def info(self) -> dict[str, Any]:
        """Where the sandbox listens and how to log in (JSON-ready; contains secrets)."""
        return {
            "account_id": self.account_id,
            "base_url": self.base_url,
            "rest_url": self.rest_url,
            "token_url": self.token_url,
            "data_file": str(self.path),
            "credentials": self.credentials,
            "connection_config": self.connection_config(),
        }

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Serve in a background thread."""
        self._server.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (CLI)."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and release the files."""
        self._server.stop()
        self.webhook.close()
        self._db.close()
        if self._owns_store:
            self.store.close()


def open_store(
    path: Path,
    *,
    account_id: str,
    customers: int,
    invoices: int,
    payments: int,
    seed: int,
    settings: SandboxSettings | None,
    today: date | None,
) -> SandboxStore:
    """Open the account file, generating it first when it does not exist."""
    settings = settings or SandboxSettings(account_id=account_id)
    if path.exists():
        return SandboxStore(path, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SandboxStore.generate(
        path,
        customers=customers,
        invoices=invoices,
        payments=payments,
        seed=seed,
        settings=settings,
        today=today,
    )


def start_sandbox(
    location: str | os.PathLike[str],
    *,
    account_id: str = "1234567_SB1",
    customers: int = 50,
    invoices: int = 200,
    payments: int = 80,
    seed: int = 1,
    settings: SandboxSettings | None = None,
    today: date | None = None,
    store: SandboxStore | None = None,
    concurrency_limit: int = 5,
    fault_rate: float = 0.0,
    latency_ms: float = 0.0,
    slow_401_rate: float = 0.0,
    governance: GovernanceSettings | None = None,
    credentials: TbaCredentials | Mapping[str, str] | None = None,
    admin_token: str | None = None,
    require_prefer_transient: bool = True,
    accept_lowercase_realm: bool = False,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    webhook_signer: Signer | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Sandbox:
    """Open (or generate) the account in ``location`` and start serving it; call ``stop()``."""
    path = resolve_path(location)
    owns_store = store is None
    opened = store or open_store(
        path,
        account_id=account_id,
        customers=customers,
        invoices=invoices,
        payments=payments,
        seed=seed,
        settings=settings,
        today=today,
    )
    account = opened.settings.account_id
    db = AuthDb(path)
    clock = SandboxClock()
    registry = CredentialRegistry(db, account)
    explicit = (
        credentials
        if isinstance(credentials, TbaCredentials) or credentials is None
        else TbaCredentials(**dict(credentials))
    )
    tba = registry.ensure_default(seed=seed, explicit=explicit)
    token = admin_token or db.get_meta("admin_token") or secrets.token_urlsafe(24)
    db.set_meta("admin_token", token)
    knobs = governance or GovernanceSettings(
        concurrency_limit=concurrency_limit,
        fault_rate=fault_rate,
        latency_ms=latency_ms,
        slow_401_rate=slow_401_rate,
        seed=seed,
    )
    webhook = WebhookEmitter(account, webhook_signer)
    if webhook_url:
        webhook.configure(WebhookConfig(webhook_url, webhook_secret))
    opened.add_change_listener(webhook)
    sandbox = Sandbox(
        store=opened,
        path=path,
        db=db,
        governance=Governance(knobs),
        clock=clock,
        registry=registry,
        audit=LoginAuditTrail(db),
        webhook=webhook,
        credentials=tba,
        admin_token=token,
        require_prefer_transient=require_prefer_transient,
        accept_lowercase_realm=accept_lowercase_realm,
        host=host,
        port=port,
        owns_store=owns_store,
    )
    return sandbox


@contextmanager
def run_sandbox(location: str | os.PathLike[str], **options: Any) -> Iterator[Sandbox]:
    """Context manager around :func:`start_sandbox`: serves in a thread, stops cleanly."""
    sandbox = start_sandbox(location, **options).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()
