"""Builders of mapping documents and raw records shared by the mapping tests."""

from __future__ import annotations

import copy
from typing import Any

BASE_INVOICE_FIELDS: dict[str, Any] = {
    "external_id": {"source": "id"},
    "number": {"source": "tranid"},
    "customer_external_id": {"source": "entity"},
    "issue_date": {"source": "trandate"},
    "due_date": {"source": "duedate"},
    "currency": {"source": "currency_code"},
    "exchange_rate": {"source": "exchangerate", "default": "1"},
    "total": {"source": "foreigntotal"},
    "amount_due": {"source": "foreignamountunpaid", "default": "0"},
    "status": {"const": "open"},
    "lines": {"source": "lines", "items": {"fields": {"amount": {"source": "amount"}}}},
    "custom_fields": {"collect": {"prefixes": ["custbody_"]}},
}

BASE_RAW: dict[str, Any] = {
    "id": "5012",
    "tranid": "INV10045",
    "entity": "1843",
    "trandate": "2024-05-01",
    "duedate": "2024-05-31",
    "currency_code": "USD",
    "exchangerate": "1",
    "foreigntotal": "1250",
    "foreignamountunpaid": "250",
    "lines": [{"amount": "1000"}, {"amount": "250"}],
}


def invoice_document(timezone: str | None = None, **fields: Any) -> dict[str, Any]:
    """A valid invoice mapping document; keyword arguments replace or add target fields
    (``None`` removes one)."""
    merged = copy.deepcopy(BASE_INVOICE_FIELDS)
    for name, spec in fields.items():
        if spec is None:
            merged.pop(name, None)
        else:
            merged[name] = spec
    document: dict[str, Any] = {"format_version": 1, "object": "invoice", "fields": merged}
    if timezone is not None:
        document["settings"] = {"timezone": timezone}
    return document


def raw_invoice(**values: Any) -> dict[str, Any]:
    """A raw invoice row; keyword arguments replace keys (``None`` removes one)."""
    raw = copy.deepcopy(BASE_RAW)
    for key, value in values.items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw
