"""The NetSuite connection config (DESIGN.md §6): JSON Schema, parsing and account-id forms.

NetSuite spells one account id three ways: the canonical id (``1234567_SB1``, upper case with an
underscore) is the TBA ``realm``; the host slug (``1234567-sb1``, lower case with a hyphen) builds
``https://<slug>.suitetalk.api.netsuite.com``. Admins paste any of them, so all are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub import ConfigError

OBJECTS: tuple[str, ...] = ("customer", "contact", "invoice", "payment")
DEFAULT_CONCURRENCY = 2
DEFAULT_PAGE_SIZE = 1000
DEFAULT_OVERLAP_MINUTES = 30
DEFAULT_TIMEZONE = "America/Los_Angeles"
_ACCOUNT = re.compile(r"^[A-Z0-9]+(?:_(?:SB|RP|TD)\d*)?$")
_CUSTOM_FIELD = re.compile(r"^(?:custentity|custbody|custcol)_[a-z0-9_]+$")
_SYNC_KEYS = ("objects", "frequency", "direction")

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "title": "Oracle NetSuite",
    "required": ["account_id"],
    "additionalProperties": False,
    "properties": {
        "account_id": {
            "type": "string",
            "title": "Account ID",
            "description": "Setup > Company > Company Information, e.g. 1234567 or 1234567_SB1.",
            "minLength": 1,
            "x-order": 1,
        },
        "auth": {
            "type": "string",
            "title": "Authentication",
            "enum": ["tba", "oauth2_m2m"],
            "default": "tba",
            "x-order": 2,
        },
        "consumer_key": {"type": "string", "title": "Consumer key (TBA)", "x-order": 3},
        "consumer_secret": {
            "type": "string",
            "title": "Consumer secret (TBA)",
            "x-secret": True,
            "x-order": 4,
        },
        "token_id": {"type": "string", "title": "Token ID (TBA)", "x-order": 5},
        "token_secret": {
            "type": "string",
            "title": "Token secret (TBA)",
            "x-secret": True,
            "x-order": 6,
        },
        "client_id": {"type": "string", "title": "Client ID (OAuth 2.0)", "x-order": 7},
        "certificate_id": {
            "type": "string",
            "title": "Certificate ID (OAuth 2.0)",
            "x-order": 8,
        },
        "private_key": {
            "type": "string",
            "title": "Private key, PEM (OAuth 2.0)",
            "x-secret": True,
            "x-order": 9,
        },
        "base_url": {
            "type": "string",
            "title": "REST base URL override",
            "description": "Custom domain, proxy or sandbox emulator; default derived from the "
            "account id.",
            "pattern": "^https?://",
            "x-order": 10,
        },
        "concurrency": {
            "type": "integer",
            "title": "Concurrent requests",
            "description": "Most parallel requests this connection may use (the account limit "
            "is shared with every other integration).",
            "minimum": 1,
            "maximum": 50,
            "default": DEFAULT_CONCURRENCY,
            "x-order": 11,
        },
        "timezone": {
            "type": "string",
            "title": "Account time zone",
            "description": "Setup > Company > Company Information > Time Zone.",
            "default": DEFAULT_TIMEZONE,
            "x-order": 12,
        },
        "page_size": {
            "type": "integer",
            "title": "SuiteQL page size",
            "minimum": 1,
            "maximum": 1000,
            "default": DEFAULT_PAGE_SIZE,
            "x-order": 13,
        },
        "overlap_minutes": {
            "type": "integer",
            "title": "Incremental overlap window (minutes)",
            "minimum": 0,
            "maximum": 1440,
            "default": DEFAULT_OVERLAP_MINUTES,
            "x-order": 14,
        },
        "invoice_lines": {
            "type": "boolean",
            "title": "Sync invoice lines",
            "default": True,
            "x-order": 15,
        },
        "aggregate_children": {
            "type": "boolean",
            "title": "Read lines and applications inside their invoice or payment row",
            "description": "One SuiteQL row per invoice/payment with its lines or applications "
            "packed by LISTAGG (about 1 request per 1,000 records). Falls back to separate "
            "rows by itself when NetSuite refuses it; turn off to always read separate rows.",
            "default": True,
            "x-order": 15,
        },
        "custom_fields": {
            "type": "object",
            "title": "Custom fields to sync",
            "description": 'Per object, e.g. {"customer": ["custentity_region"], '
            '"invoice": ["custbody_disputed"]}.',
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "x-order": 16,
        },
        "max_retries": {
            "type": "integer",
            "title": "Retries of throttled or failed requests",
            "minimum": 0,
            "maximum": 20,
            "default": 8,
            "x-order": 17,
        },
        "retry_base_seconds": {
            "type": "number",
            "title": "First backoff delay (seconds)",
            "minimum": 0,
            "default": 1.0,
            "x-order": 18,
        },
        "timeout_seconds": {
            "type": "number",
            "title": "Request timeout (seconds)",
            "minimum": 1,
            "default": 300,
            "x-order": 19,
        },
    },
}


@dataclass(frozen=True)
class AccountId:
    """One NetSuite account id in its canonical (realm) and host-slug forms."""

    realm: str
    slug: str

    @classmethod
    def parse(cls, raw: str) -> AccountId:
        """Accept ``1234567``, ``1234567_SB1``, ``1234567-sb1`` or a pasted host name."""
        text = raw.strip()
        text = re.sub(r"^https?://", "", text, flags=re.IGNORECASE)
        text = text.split(".", 1)[0].split("/", 1)[0]
        realm = text.replace("-", "_").upper()
        if not _ACCOUNT.match(realm):
            raise ConfigError(
                f"$.account_id: {raw!r} is not a NetSuite account id",
                causes=[
                    "copy the Account ID from Setup > Company > Company Information "
                    "(e.g. 1234567, or 1234567_SB1 for a sandbox)"
                ],
            )
        return cls(realm=realm, slug=realm.lower().replace("_", "-"))

    @property
    def default_base_url(self) -> str:
        """``https://<slug>.suitetalk.api.netsuite.com``."""
        return f"https://{self.slug}.suitetalk.api.netsuite.com"

    @property
    def canonical_token_url(self) -> str:
        """The token endpoint URL NetSuite expects as a client assertion's ``aud``."""
        return f"{self.default_base_url}/services/rest/auth/oauth2/v1/token"


@dataclass(frozen=True)
class NetSuiteConfig:
    """A parsed, validated connection config."""

    account: AccountId
    auth: str
    base_url: str
    credentials: Mapping[str, str]
    concurrency: int = DEFAULT_CONCURRENCY
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    page_size: int = DEFAULT_PAGE_SIZE
    overlap_minutes: int = DEFAULT_OVERLAP_MINUTES
    invoice_lines: bool = True
    aggregate_children: bool = True
    custom_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    objects: tuple[str, ...] = OBJECTS
    max_retries: int = 8
    retry_base_seconds: float = 1.0
    timeout_seconds: float = 300.0

    @property
    def rest_url(self) -> str:
        """``<base_url>/services/rest``."""
        return f"{self.base_url}/services/rest"


_REQUIRED = {
    "tba": ("consumer_key", "consumer_secret", "token_id", "token_secret"),
    "oauth2_m2m": ("client_id", "certificate_id", "private_key"),
}


def parse_config(raw: Mapping[str, Any]) -> NetSuiteConfig:
    """Parse a config mapping; :class:`ConfigError` naming every problem (never a secret)."""
    account = AccountId.parse(str(raw.get("account_id", "")))
    auth = str(raw.get("auth") or "tba")
    if auth not in _REQUIRED:
        raise ConfigError(f"$.auth: {auth!r} is not one of tba, oauth2_m2m")
    missing = [name for name in _REQUIRED[auth] if not str(raw.get(name) or "").strip()]
    if missing:
        raise ConfigError(
            f"missing {auth} credentials: {', '.join(missing)}",
            causes=[f"fill in {name}" for name in missing],
        )
    base_url = str(raw.get("base_url") or account.default_base_url).rstrip("/")
    base_url = re.sub(r"/services/rest$", "", base_url)
    zone_name = str(raw.get("timezone") or DEFAULT_TIMEZONE)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"$.timezone: unknown time zone {zone_name!r}") from None
    return NetSuiteConfig(
        account=account,
        auth=auth,
        base_url=base_url,
        credentials={name: str(raw[name]).strip() for name in _REQUIRED[auth]},
        concurrency=int(raw.get("concurrency") or DEFAULT_CONCURRENCY),
        timezone=zone,
        page_size=int(raw.get("page_size") or DEFAULT_PAGE_SIZE),
        overlap_minutes=int(raw.get("overlap_minutes", DEFAULT_OVERLAP_MINUTES)),
        invoice_lines=bool(raw.get("invoice_lines", True)),
        aggregate_children=bool(raw.get("aggregate_children", True)),
        custom_fields=_custom_fields(raw.get("custom_fields") or {}),
        objects=_objects(raw.get("objects")),
        max_retries=int(raw.get("max_retries", 8)),
        retry_base_seconds=float(raw.get("retry_base_seconds", 1.0)),
        timeout_seconds=float(raw.get("timeout_seconds", 300)),
    )


def _custom_fields(raw: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for object_type, names in raw.items():
        if object_type not in OBJECTS:
            raise ConfigError(f"$.custom_fields: unknown object {object_type!r}")
        cleaned = tuple(str(n).strip().lower() for n in names)
        bad = [n for n in cleaned if not _CUSTOM_FIELD.match(n)]
        if bad:
            raise ConfigError(
                f"$.custom_fields.{object_type}: {', '.join(bad)} are not custom field ids",
                causes=["use script ids starting with custentity_, custbody_ or custcol_"],
            )
        out[object_type] = cleaned
    return out


def _objects(raw: Any) -> tuple[str, ...]:
    if not raw:
        return OBJECTS
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    names = [str(i).strip().lower().removesuffix("s") for i in items if str(i).strip()]
    return tuple(o for o in OBJECTS if o in names) or OBJECTS


def plugin_keys(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The config without the hub-level sync settings (objects, frequency, direction)."""
    return {k: v for k, v in raw.items() if k not in _SYNC_KEYS}
