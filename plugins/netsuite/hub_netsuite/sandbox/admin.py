"""The sandbox's admin API under ``/sandbox/...`` (not part of NetSuite's surface).

Authenticated by the per-sandbox token in the ``X-Sandbox-Admin-Token`` header. It drives the
account forward (mutations), reads counters and the login audit trail, manages credentials and
changes governance, the clock and the webhook at runtime. Bodies and answers are plain JSON.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from werkzeug.wrappers import Request, Response

from hub_netsuite.sandbox.audit import LoginAuditTrail
from hub_netsuite.sandbox.authtypes import ADMIN_HEADER
from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.credentials import CredentialRegistry
from hub_netsuite.sandbox.governance import Governance
from hub_netsuite.sandbox.store import RecordError, SandboxStore, SuiteQLError
from hub_netsuite.sandbox.webhook import WebhookConfig, WebhookEmitter

MONEY_KEYS = frozenset({"amount", "rate", "quantity", "creditlimit", "creditLimit"})
DATE_KEYS = frozenset({"trandate", "duedate"})


class AdminError(Exception):
    """A bad admin request (answered ``{"error": message}``)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _reply(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, default=str), status=status, content_type="application/json")


def _decimal(value: Any, name: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise AdminError(f"{name} must be a decimal number, got {value!r}") from None


def _date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise AdminError(f"{name} must be a YYYY-MM-DD date, got {value!r}") from None


def _money_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k: _decimal(v, k) if k in MONEY_KEYS and isinstance(v, str | int | float) else v
        for k, v in fields.items()
    }


def _need(body: Mapping[str, Any], name: str) -> Any:
    if name not in body:
        raise AdminError(f"missing '{name}'")
    return body[name]


class AdminApi:
    """WSGI-level handler for ``/sandbox/<path>``."""

    def __init__(
        self,
        *,
        token: str,
        store: SandboxStore,
        registry: CredentialRegistry,
        audit: LoginAuditTrail,
        governance: Governance,
        clock: SandboxClock,
        webhook: WebhookEmitter,
        info: Callable[[], dict[str, Any]],
    ) -> None:
        self._token = token
        self.store = store
        self.registry = registry
        self.audit = audit
        self.governance = governance
        self.clock = clock
        self.webhook = webhook
        self._info = info
        self._routes: dict[tuple[str, str], Callable[[Request, dict[str, Any]], Any]] = {
            ("GET", "info"): lambda r, b: self._info(),
            ("GET", "counters"): lambda r, b: self._counters(),
            ("POST", "counters/reset"): self._reset_counters,
            ("GET", "audit"): self._audit,
            ("POST", "audit/clear"): self._clear_audit,
            ("GET", "tokens"): lambda r, b: self.registry.tokens(),
            ("POST", "tokens"): self._new_token,
            ("POST", "tokens/revoke"): self._revoke_token,
            ("POST", "integrations/disable"): lambda r, b: self._integration(b, False),
            ("POST", "integrations/enable"): lambda r, b: self._integration(b, True),
            ("POST", "oauth2/clients"): self._register_client,
            ("POST", "oauth2/clients/revoke"): self._revoke_client,
            ("GET", "governance"): lambda r, b: self._governance_settings(),
            ("POST", "governance"): self._update_governance,
            ("POST", "clock/advance"): self._advance_clock,
            ("GET", "webhook"): lambda r, b: self.webhook.stats(),
            ("POST", "webhook"): self._set_webhook,
            ("GET", "counts"): lambda r, b: self.store.counts(),
        }
        self._mutations: dict[str, Callable[[dict[str, Any]], Any]] = {
            "create_customer": lambda b: {"id": self.store.create_customer(**b)},
            "update_customer": self._update_customer,
            "update_contact": self._update_contact,
            "create_invoice": self._create_invoice,
            "record_payment": self._record_payment,
            "void_invoice": self._void_invoice,
            "approve_invoice": self._approve_invoice,
            "apply_credit_memo": self._apply_credit_memo,
            "delete_record": self._delete_record,
        }

    def __call__(self, request: Request, path: str) -> Response:
        """Answer one admin request."""
        given = request.headers.get(ADMIN_HEADER, "")
        if not hmac.compare_digest(given.encode(), self._token.encode()):
            return _reply({"error": f"missing or wrong {ADMIN_HEADER} header"}, 401)
        path = path.strip("/")
        try:
            body = self._body(request)
            if path.startswith("mutations/") and request.method == "POST":
                name = path.removeprefix("mutations/")
                if name not in self._mutations:
                    raise AdminError(f"unknown mutation {name!r}", 404)
                return _reply(self._mutations[name](body))
            route = self._routes.get((request.method, path))
            if route is None:
                raise AdminError(f"no admin endpoint {request.method} /sandbox/{path}", 404)
            return _reply(route(request, body))
        except AdminError as exc:
            return _reply({"error": str(exc)}, exc.status)
        except (RecordError, SuiteQLError) as exc:
            return _reply({"error": exc.detail, "code": exc.code}, exc.status)
        except (TypeError, ValueError) as exc:
            return _reply({"error": str(exc)}, 400)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data(cache=True)
        if not raw:
            return {}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            raise AdminError("the body must be JSON") from None
        if not isinstance(body, dict):
            raise AdminError("the body must be a JSON object")
        return body

    # -- counters, audit, credentials --------------------------------------------------------
    def _counters(self) -> dict[str, Any]:
        return {**self.governance.snapshot(), "webhook": self.webhook.stats()}

    def _reset_counters(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        self.governance.reset()
        return self._counters()

    def _audit(self, request: Request, body: dict[str, Any]) -> list[dict[str, Any]]:
        limit = int(request.args.get("limit", "100"))
        failures = request.args.get("failures", "").lower() in ("1", "true", "yes")
        return [a.as_dict() for a in self.audit.entries(limit, failures_only=failures)]

    def _clear_audit(self, request: Request, body: dict[str, Any]) -> dict[str, bool]:
        self.audit.clear()
        return {"cleared": True}

    def _new_token(self, request: Request, body: dict[str, Any]) -> dict[str, str]:
        integration = self.registry.default_integration()
        if integration is None:
            raise AdminError("the sandbox has no integration")
        token = self.registry.create_token(integration, str(body.get("name", "Additional token")))
        return {
            "consumer_key": integration.consumer_key,
            "consumer_secret": integration.consumer_secret,
            "token_id": token.token_id,
            "token_secret": token.token_secret,
        }

    def _revoke_token(self, request: Request, body: dict[str, Any]) -> dict[str, bool]:
        if not self.registry.revoke_token(str(_need(body, "token_id"))):
            raise AdminError("no active token with that id", 404)
        return {"revoked": True}

    def _integration(self, body: dict[str, Any], enabled: bool) -> dict[str, bool]:
        key = body.get("consumer_key")
        if not self.registry.set_integration_state(str(key) if key else None, enabled):
            raise AdminError("no such integration", 404)
        return {"enabled": enabled}

    def _register_client(self, request: Request, body: dict[str, Any]) -> dict[str, str]:
        cert = self.registry.register_certificate(
            str(_need(body, "public_key_pem")),
            certificate_id=body.get("certificate_id"),
        )
        integration = self.registry.integration_by_id(cert.integration_id)
        assert integration is not None
        return {"client_id": integration.consumer_key, "certificate_id": cert.certificate_id}

    def _revoke_client(self, request: Request, body: dict[str, Any]) -> dict[str, bool]:
        if not self.registry.revoke_certificate(str(_need(body, "certificate_id"))):
            raise AdminError("no active certificate with that id", 404)
        return {"revoked": True}

    # -- governance, clock, webhook ----------------------------------------------------------
    def _governance_settings(self) -> dict[str, Any]:
        return dict(self.governance.snapshot()["settings"])

    def _update_governance(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        self.governance.update(**body)
        return self._governance_settings()

    def _advance_clock(self, request: Request, body: dict[str, Any]) -> dict[str, float]:
        self.clock.advance(float(_need(body, "seconds")))
        return {"offset_seconds": self.clock.offset}

    def _set_webhook(self, request: Request, body: dict[str, Any]) -> dict[str, Any]:
        url = body.get("url")
        self.webhook.configure(
            WebhookConfig(
                url=str(url),
                secret=body.get("secret"),
                connect_timeout=float(body.get("connect_timeout", 5.0)),
                read_timeout=float(body.get("read_timeout", 45.0)),
            )
            if url
            else None
        )
        return self.webhook.stats()

    # -- mutations ---------------------------------------------------------------------------
    def _update_customer(self, body: dict[str, Any]) -> dict[str, str]:
        customer_id = str(_need(body, "id"))
        self.store.update_customer(customer_id, **_money_fields(body.get("fields", {})))
        return {"id": customer_id}

    def _update_contact(self, body: dict[str, Any]) -> dict[str, str]:
        contact_id = str(_need(body, "id"))
        self.store.update_contact(contact_id, **body.get("fields", {}))
        return {"id": contact_id}

    def _create_invoice(self, body: dict[str, Any]) -> dict[str, str]:
        lines = _need(body, "lines")
        if not isinstance(lines, list) or not lines:
            raise AdminError("'lines' must be a non-empty array")
        invoice_id = self.store.create_invoice(
            str(_need(body, "customer_id")),
            [_money_fields(line) for line in lines],
            currency=body.get("currency"),
            trandate=_date(body.get("trandate"), "trandate"),
            duedate=_date(body.get("duedate"), "duedate"),
            approved=bool(body.get("approved", True)),
        )
        return {"id": invoice_id}

    def _record_payment(self, body: dict[str, Any]) -> dict[str, str]:
        applications = body.get("applications")
        payment_id = self.store.record_payment(
            str(_need(body, "customer_id")),
            _decimal(_need(body, "amount"), "amount"),
            {str(k): _decimal(v, f"applications[{k}]") for k, v in applications.items()}
            if isinstance(applications, dict)
            else None,
            trandate=_date(body.get("trandate"), "trandate"),
        )
        return {"id": payment_id}

    def _void_invoice(self, body: dict[str, Any]) -> dict[str, str]:
        invoice_id = str(_need(body, "id"))
        self.store.void_invoice(invoice_id)
        return {"id": invoice_id}

    def _approve_invoice(self, body: dict[str, Any]) -> dict[str, str]:
        invoice_id = str(_need(body, "id"))
        self.store.approve_invoice(invoice_id)
        return {"id": invoice_id}

    def _apply_credit_memo(self, body: dict[str, Any]) -> dict[str, str]:
        memo_id = str(_need(body, "id"))
        applications = body.get("applications")
        if applications is not None and not isinstance(applications, dict):
            raise AdminError("'applications' must be an object {invoice id: amount}")
        self.store.apply_credit_memo(
            memo_id,
            {str(k): _decimal(v, f"applications[{k}]") for k, v in applications.items()}
            if applications is not None
            else None,
        )
        return {"id": memo_id}

    def _delete_record(self, body: dict[str, Any]) -> dict[str, str]:
        record_id = str(_need(body, "id"))
        self.store.delete_record(str(_need(body, "record_type")), record_id)
        return {"id": record_id}
