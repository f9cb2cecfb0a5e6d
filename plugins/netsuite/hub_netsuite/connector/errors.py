"""What can go wrong talking to NetSuite, in the hub's error taxonomy (config / transient)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from hub import AuthenticationError, ConfigError, TransientError

INVALID_LOGIN_CAUSES = [
    "wrong consumer key/secret or token id/secret (copy them again; NetSuite shows secrets "
    "only once)",
    "the access token was revoked or its user is inactive (Setup > Users/Roles > Access Tokens)",
    "the integration record is disabled or blocked (Setup > Integration > Manage Integrations: "
    "State must be Enabled, Token-Based Authentication ticked)",
    "the token's role lacks 'REST Web Services' or 'Log in using Access Tokens' "
    "(Setup > Users/Roles > Manage Roles > Permissions > Setup), or SuiteQL access to the "
    "records",
    "the account id does not match the token's account (a sandbox id ends in _SB1)",
    "this machine's clock is more than 5 minutes off NetSuite's (check NTP)",
    "the exact reason is in NetSuite's Login Audit Trail "
    "(Setup > Users/Roles > User Management > View Login Audit Trail)",
]

_TABLE_HIDDEN = re.compile(r"Record '([^']+)' was not found", re.IGNORECASE)


def error_details(body: Any) -> tuple[str, str]:
    """``(o:errorCode, detail)`` of a NetSuite error envelope (first detail), best effort."""
    if isinstance(body, dict):
        details = body.get("o:errorDetails")
        if isinstance(details, list) and details and isinstance(details[0], dict):
            first = details[0]
            return str(first.get("o:errorCode", "")), str(first.get("detail", ""))
        return str(body.get("o:errorCode", body.get("error", ""))), str(body.get("title", ""))
    return "", ""


class InvalidLogin(AuthenticationError):
    """401 INVALID_LOGIN that persisted through fresh-signature retries."""

    def __init__(self, message: str, causes: Sequence[str] = INVALID_LOGIN_CAUSES) -> None:
        super().__init__(message, causes=causes)


class Unreachable(TransientError):
    """No HTTP answer at all: DNS, refused connection, TLS or timeout."""


class ConcurrencyExhausted(TransientError):
    """429 CONCURRENCY_LIMIT_EXCEEDED through every retry."""


class ServerError(TransientError):
    """5xx through every retry (NetSuite's UNEXPECTED_ERROR carries an Error ID)."""


class NotFound(ConfigError):
    """404 from the record service."""


class QueryRefused(ConfigError):
    """A 400 NetSuite answered to a SuiteQL query or record request (never retried).

    :param code: ``o:errorCode`` (e.g. ``INVALID_PARAMETER``).
    :param detail: NetSuite's detail text.
    """

    def __init__(self, code: str, detail: str, *, status: int = 400) -> None:
        self.code = code
        self.detail = detail
        self.status = status
        hidden = _TABLE_HIDDEN.search(detail)
        self.hidden_table: str | None = hidden.group(1) if hidden else None
        if self.hidden_table:
            message = (
                f"the NetSuite role cannot see the {self.hidden_table!r} records "
                f"(NetSuite: {detail})"
            )
            causes = [
                f"give the token's role permission to view {self.hidden_table} records "
                "(Setup > Users/Roles > Manage Roles > Permissions: Lists/Transactions)",
            ]
        else:
            message = f"NetSuite refused the request: {code} {detail}".strip()
            causes = []
        super().__init__(message, causes=causes)
