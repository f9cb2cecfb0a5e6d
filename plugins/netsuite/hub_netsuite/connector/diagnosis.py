"""Test Connection: probe every enabled object with real SuiteQL and explain any failure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from hub import CheckResult, ConfigError
from hub_netsuite.connector.client import NetSuiteClient
from hub_netsuite.connector.config import NetSuiteConfig
from hub_netsuite.connector.errors import (
    ConcurrencyExhausted,
    InvalidLogin,
    QueryRefused,
    ServerError,
    Unreachable,
)

#: Check gives up quickly: the admin is waiting for an answer.
CHECK_RETRIES = 3
CLOCK_SKEW_SECONDS = 240


def unreachable_causes(config: NetSuiteConfig) -> list[str]:
    """Why no HTTP answer came back."""
    causes = []
    if config.base_url == config.account.default_base_url:
        causes.append(
            f"no NetSuite account answers at {config.base_url}: check the account id "
            f"{config.account.realm!r} (sandboxes end in _SB1)"
        )
    else:
        causes.append(f"the base_url {config.base_url} is wrong or that server is down")
    causes += [
        "a firewall or proxy blocks outgoing HTTPS to *.suitetalk.api.netsuite.com",
        "DNS does not resolve the host from this machine",
    ]
    return causes


def concurrency_causes(config: NetSuiteConfig) -> list[str]:
    """Why every attempt was throttled."""
    return [
        "other integrations use all of the account's concurrent requests right now; "
        "retry later or ask NetSuite admins which integrations run at this time",
        "allocate a share of the account limit to this integration "
        "(Setup > Integration > Integration Management > Integration Governance)",
        f"lower this connection's concurrency (now {config.concurrency}) or buy SuiteCloud Plus "
        "licences (each adds 10 concurrent requests)",
    ]


def _clock_skew(date_header: str | None) -> float | None:
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    return abs((datetime.now(UTC) - server).total_seconds())


def login_causes(client: NetSuiteClient) -> list[str]:
    """The INVALID_LOGIN causes, most likely first (clock skew first when it is measured)."""
    from hub_netsuite.connector.auth import M2M_CAUSES
    from hub_netsuite.connector.errors import INVALID_LOGIN_CAUSES

    causes = list(INVALID_LOGIN_CAUSES if client.config.auth == "tba" else M2M_CAUSES)
    if client.config.auth == "oauth2_m2m":
        causes.append(
            "the M2M mapping's role lacks 'REST Web Services' or SuiteQL access, or the "
            "mapping was cleared by a sandbox refresh"
        )
    skew = _clock_skew(client.last_failure.date_header)
    if skew is not None and skew > CLOCK_SKEW_SECONDS:
        causes.insert(0, f"this machine's clock differs from NetSuite's by {int(skew)} s: sync it")
    return causes


def diagnose(
    client: NetSuiteClient,
    objects: Sequence[str],
    probe: Callable[[str], None],
) -> CheckResult:
    """Probe each object; ok only when every probe returned rows or an empty page."""
    details: dict[str, str] = {}
    for object_type in objects:
        try:
            probe(object_type)
        except Unreachable:
            return CheckResult(
                False,
                f"cannot reach NetSuite at {client.config.base_url}",
                causes=unreachable_causes(client.config),
                details={object_type: "unreachable"},
            )
        except InvalidLogin:
            return CheckResult(
                False,
                "NetSuite refused the login: 401 INVALID_LOGIN (retried with fresh signatures)",
                causes=login_causes(client),
                details={object_type: "INVALID_LOGIN"},
            )
        except ConcurrencyExhausted:
            return CheckResult(
                False,
                "NetSuite's concurrency limit is exhausted: every attempt got 429 "
                "CONCURRENCY_LIMIT_EXCEEDED",
                causes=concurrency_causes(client.config),
                details={**details, object_type: "CONCURRENCY_LIMIT_EXCEEDED"},
            )
        except QueryRefused as exc:
            if exc.hidden_table:
                details[object_type] = f"no permission on table {exc.hidden_table}"
            else:
                details[object_type] = f"{exc.code}: {exc.detail}"
        except ServerError as exc:
            details[object_type] = f"server error: {exc}"
        except ConfigError as exc:  # e.g. an M2M token refusal
            return CheckResult(
                False, exc.message, causes=exc.causes, details={object_type: "refused"}
            )
        else:
            details[object_type] = "ok"
    failed = {k: v for k, v in details.items() if v != "ok"}
    if not failed:
        return CheckResult(
            True,
            f"connected to NetSuite account {client.config.account.realm}; SuiteQL works for "
            + ", ".join(objects),
            details=details,
        )
    causes = []
    for object_type, problem in failed.items():
        if problem.startswith("no permission on table "):
            table = problem.removeprefix("no permission on table ")
            causes.append(
                f"{object_type}: the role cannot see the {table} table; add the permission "
                f"(Setup > Users/Roles > Manage Roles > Permissions: {_permission(table)})"
            )
        else:
            causes.append(f"{object_type}: {problem}")
    return CheckResult(
        False,
        "logged in, but SuiteQL failed for " + ", ".join(failed),
        causes=causes,
        details=details,
    )


def _permission(table: str) -> str:
    return {
        "customer": "Lists > Customers",
        "contact": "Lists > Contacts",
        "transaction": "Transactions > Invoice and Customer Payment (View)",
        "transactionline": "Transactions > Invoice (View)",
        "currency": "Lists > Currency",
        "nexttransactionlinelink": "Transactions > Customer Payment (View)",
    }.get(table.lower(), f"the record type behind {table}")
