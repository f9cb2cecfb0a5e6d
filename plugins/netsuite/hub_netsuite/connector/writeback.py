"""Write-back of customer contact details (bidirectional connections, opt-in).

Canonical changes become a REST ``PATCH /record/v1/customer/{id}``. Conflicts are settled by
last-modified time: when ``changes`` carries ``edited_at`` (the hub-side edit time, RFC 3339)
and NetSuite's ``lastmodifieddate`` is newer, NetSuite wins: nothing is written, the conflict is
logged and NetSuite's current row is returned so the hub can take it over. Echo loops are avoided
because the returned row is what the next poll reads, so the hub sees no change to send back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hub import ConfigError
from hub_netsuite.connector.client import NetSuiteClient

#: Canonical customer field → NetSuite REST record field.
CUSTOMER_FIELDS = {"name": "companyName", "email": "email", "phone": "phone"}
CONFLICT_KEY = "edited_at"


def customer_patch(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body for canonical ``changes``; ConfigError for fields that cannot be written."""
    unknown = sorted(k for k in changes if k not in CUSTOMER_FIELDS and k != CONFLICT_KEY)
    if unknown:
        raise ConfigError(
            f"cannot write customer fields {', '.join(unknown)} back to NetSuite",
            causes=[f"writable fields: {', '.join(CUSTOMER_FIELDS)}"],
        )
    return {CUSTOMER_FIELDS[k]: v for k, v in changes.items() if k in CUSTOMER_FIELDS}


def netsuite_time_utc(stamp: str, zone: ZoneInfo) -> datetime:
    """A ``TO_CHAR`` wall-clock time of the account zone as an aware UTC datetime."""
    return datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)


def _edited_at(value: Any) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def write_customer(
    client: NetSuiteClient,
    external_id: str,
    changes: Mapping[str, Any],
    fetch: Callable[[str], dict[str, Any] | None],
) -> dict[str, Any]:
    """PATCH one customer unless NetSuite changed it after the hub edit; return the raw row."""
    body = customer_patch(changes)
    current = fetch(external_id)
    if current is None:
        raise ConfigError(f"NetSuite customer {external_id} no longer exists")
    if CONFLICT_KEY in changes and current.get("lastmodified"):
        theirs = netsuite_time_utc(current["lastmodified"], client.config.timezone)
        ours = _edited_at(changes[CONFLICT_KEY])
        if theirs > ours:
            client.log.warning(
                "write-back conflict on NetSuite customer %s: NetSuite changed it at %s, after "
                "the hub edit at %s; NetSuite's version wins, fields %s not written",
                external_id,
                theirs.isoformat(),
                ours.isoformat(),
                ", ".join(sorted(body)),
            )
            return current
    if body:
        client.request(
            "PATCH",
            f"/record/v1/customer/{int(external_id)}",
            json=body,
        )
        client.log.info(
            "wrote fields %s of customer %s to NetSuite", ", ".join(sorted(body)), external_id
        )
    written = fetch(external_id)
    if written is None:
        raise ConfigError(f"NetSuite customer {external_id} vanished during write-back")
    return written
