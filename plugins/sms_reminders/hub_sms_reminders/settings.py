"""The SMS channel's configuration: its JSON Schema and the typed settings parsed from it."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from hub import ConfigError
from hub_sms_reminders.phone import normalize_phone_number

DEFAULT_BASE_URL = "https://api.twilio.com"
DEFAULT_TIMEOUT = 15.0
_ACCOUNT_SID = r"^AC[0-9a-fA-F]{32}$"
_SERVICE_SID = r"^MG[0-9a-fA-F]{32}$"
_ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "SMS channel (Twilio-compatible REST provider)",
    "type": "object",
    "required": ["provider", "account_sid", "auth_token"],
    "oneOf": [{"required": ["from_number"]}, {"required": ["messaging_service_sid"]}],
    "additionalProperties": False,
    "properties": {
        "provider": {
            "type": "string",
            "title": "Provider",
            "enum": ["twilio"],
            "default": "twilio",
        },
        "account_sid": {"type": "string", "title": "Account SID", "pattern": _ACCOUNT_SID},
        "auth_token": {"type": "string", "title": "Auth token", "x-secret": True},
        "from_number": {
            "type": "string",
            "title": "Sender number",
            "description": "E.164 number (+14155550100) or an alphanumeric sender ID where the "
            "destination country allows it. Set this or messaging_service_sid, not both.",
        },
        "messaging_service_sid": {
            "type": "string",
            "title": "Messaging service SID",
            "pattern": _SERVICE_SID,
        },
        "base_url": {
            "type": "string",
            "title": "API base URL",
            "description": "Override for a compatible provider or a local test server; plain "
            "http is accepted for loopback addresses only.",
            "format": "uri",
            "default": DEFAULT_BASE_URL,
        },
        "status_callback": {
            "type": "string",
            "title": "Delivery status callback URL",
            "format": "uri",
        },
        "default_region": {
            "type": "string",
            "title": "Default country for numbers without +",
            "description": "ISO 3166 alpha-2 code such as US or GB.",
            "pattern": "^[A-Za-z]{2}$",
        },
        "timeout": {
            "type": "number",
            "title": "Network timeout (seconds)",
            "exclusiveMinimum": 0,
            "maximum": 120,
            "default": DEFAULT_TIMEOUT,
        },
    },
}


@dataclass(frozen=True)
class SmsSettings:
    """Validated SMS channel settings. ``auth_token`` never appears in ``repr``."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str | None = None
    messaging_service_sid: str | None = None
    provider: str = "twilio"
    base_url: str = DEFAULT_BASE_URL
    status_callback: str | None = None
    default_region: str | None = None
    timeout: float = DEFAULT_TIMEOUT


def parse_settings(config: Mapping[str, Any]) -> SmsSettings:
    """Check ``config`` against :data:`CONFIG_SCHEMA` and return typed settings.

    :raises hub.ConfigError: naming the offending key (``path``) and what to change.
    """
    unknown = sorted(set(config) - set(CONFIG_SCHEMA["properties"]))
    if unknown:
        raise ConfigError(
            f"unknown SMS channel setting {unknown[0]!r}",
            path=f"$.{unknown[0]}",
            causes=["a typo in the key name; the known keys are listed in docs/channels.md"],
        )
    provider = _text(config, "provider") or "twilio"
    if provider != "twilio":
        raise ConfigError(f"provider must be 'twilio' (got {provider!r})", path="$.provider")
    account_sid = _text(config, "account_sid", required=True)
    if not re.match(_ACCOUNT_SID, account_sid):
        raise ConfigError(
            "account_sid must look like AC followed by 32 hexadecimal characters",
            path="$.account_sid",
            causes=["the auth token or an API key SID was pasted into account_sid"],
        )
    from_number = _text(config, "from_number") or None
    service_sid = _text(config, "messaging_service_sid") or None
    if (from_number is None) == (service_sid is None):
        raise ConfigError(
            "set exactly one of from_number and messaging_service_sid",
            path="$.from_number",
        )
    if service_sid is not None and not re.match(_SERVICE_SID, service_sid):
        raise ConfigError(
            "messaging_service_sid must look like MG followed by 32 hexadecimal characters",
            path="$.messaging_service_sid",
        )
    region = _text(config, "default_region") or None
    if region is not None and not re.fullmatch(r"[A-Za-z]{2}", region):
        raise ConfigError(
            "default_region must be a two-letter country code", path="$.default_region"
        )
    timeout = config.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise ConfigError("timeout must be a number of seconds between 0 and 120", path="$.timeout")
    status_callback = _text(config, "status_callback") or None
    if status_callback is not None:
        _url(status_callback, "status_callback", remote_http=True)
    return SmsSettings(
        provider=provider,
        account_sid=account_sid,
        auth_token=_text(config, "auth_token", required=True),
        from_number=_sender(from_number, region) if from_number else None,
        messaging_service_sid=service_sid,
        base_url=_url(_text(config, "base_url") or DEFAULT_BASE_URL, "base_url"),
        status_callback=status_callback,
        default_region=region.upper() if region else None,
        timeout=float(timeout),
    )


def _text(config: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = config.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ConfigError(f"{key} is required", path=f"$.{key}")
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string", path=f"$.{key}")
    return value.strip()


def _sender(value: str, region: str | None) -> str:
    if _ALPHANUMERIC_SENDER.match(value):
        return value
    try:
        return normalize_phone_number(value, region)
    except ValueError as exc:
        raise ConfigError(
            f"from_number is neither a phone number nor an alphanumeric sender ID: {exc}",
            path="$.from_number",
        ) from None


def _url(value: str, key: str, *, remote_http: bool = False) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{key} must be an http(s) URL", path=f"$.{key}")
    if parts.scheme == "http" and not remote_http and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"{key} uses plain http to a remote host; use https",
            path=f"$.{key}",
            causes=["plain http would expose the auth token; it is allowed for loopback only"],
        )
    return value.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
