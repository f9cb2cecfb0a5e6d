"""Small shared auth definitions: verifier outcomes and the admin API's header name."""

from __future__ import annotations

from dataclasses import dataclass

#: Header carrying the per-sandbox admin token on ``/sandbox/...`` calls.
ADMIN_HEADER = "X-Sandbox-Admin-Token"


@dataclass(frozen=True)
class Principal:
    """Who a request authenticated as."""

    scheme: str  # "TBA" or "OAuth2"
    integration: str
    token: str | None = None  # a non-secret hint


class AuthFailure(Exception):
    """A rejected login; ``reason`` is the Login Audit Trail code, never shown to the client."""

    def __init__(
        self,
        reason: str,
        detail: str,
        *,
        integration: str | None = None,
        token: str | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.integration = integration
        self.token = token
