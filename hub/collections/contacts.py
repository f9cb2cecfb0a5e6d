"""Choosing who receives a reminder: contact roles with fallback, and their time zone."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hub.models import Contact, Customer

_BILLING = re.compile(r"billing|accounts? payable|\bap\b|finance|invoice", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{6,}$")


@dataclass(frozen=True)
class Recipient:
    """An address for one channel, with the role it was chosen for and its time zone (or None)."""

    role: str
    address: str
    timezone: str | None = None
    contact_external_id: str | None = None


def usable(address: str | None, channel: str) -> bool:
    """Whether ``address`` looks usable on ``channel`` (the notifier validates it fully)."""
    if not address:
        return False
    pattern = _EMAIL if channel == "email" else _PHONE
    return bool(pattern.match(address.strip()))


def _tz(record: Customer | Contact) -> str | None:
    data = record.data or {}
    custom = data.get("custom_fields") or {}
    value = data.get("timezone") or (custom.get("timezone") if isinstance(custom, dict) else None)
    return str(value) if value else None


def is_billing(contact: Contact) -> bool:
    role = str((contact.data or {}).get("role") or "")
    return bool(_BILLING.search(role) or _BILLING.search(contact.title or ""))


def _address(record: Customer | Contact, channel: str) -> str | None:
    return record.email if channel == "email" else record.phone


def candidates(
    role: str, customer: Customer | None, contacts: Sequence[Contact]
) -> list[Customer | Contact]:
    """Records that fill ``role``: ``billing``, ``primary``, ``customer`` or ``any``."""
    if role == "customer":
        return [customer] if customer is not None else []
    if role == "billing":
        return [c for c in contacts if is_billing(c)]
    if role == "primary":
        return [c for c in contacts if c.is_primary]
    return list(contacts)


def pick(
    roles: Sequence[str],
    customer: Customer | None,
    contacts: Sequence[Contact],
    channel: str,
) -> Recipient | None:
    """The first usable address on ``channel`` among ``roles`` in order; ``None`` if there is none."""
    customer_tz = _tz(customer) if customer is not None else None
    live = [c for c in contacts if not c.is_deleted]
    for role in roles:
        for record in candidates(role, customer, live):
            address = _address(record, channel)
            if usable(address, channel):
                assert address is not None
                contact_id = record.external_id if isinstance(record, Contact) else None
                return Recipient(role, address.strip(), _tz(record) or customer_tz, contact_id)
    return None


__all__ = ["Recipient", "candidates", "is_billing", "pick", "usable"]
