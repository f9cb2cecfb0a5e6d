"""The email channel's configuration: its JSON Schema and the typed settings parsed from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from hub import ConfigError
from hub_email_reminders.addresses import normalize_email_address

Security = Literal["none", "starttls", "tls"]

#: The port each security mode uses unless ``port`` is set.
DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}
DEFAULT_SECURITY: Security = "starttls"
DEFAULT_TIMEOUT = 30.0

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Email (SMTP) channel",
    "type": "object",
    "required": ["host", "from_address"],
    "additionalProperties": False,
    "properties": {
        "host": {
            "type": "string",
            "title": "SMTP server host name",
            "minLength": 1,
        },
        "port": {
            "type": "integer",
            "title": "SMTP server port",
            "description": "Defaults to 587 for starttls, 465 for tls and 25 for none.",
            "minimum": 1,
            "maximum": 65535,
        },
        "security": {
            "type": "string",
            "title": "Connection security",
            "description": "starttls: upgrade a plain connection (port 587); tls: implicit TLS "
            "from the first byte (port 465); none: no encryption (local relays only).",
            "enum": ["none", "starttls", "tls"],
            "default": DEFAULT_SECURITY,
        },
        "username": {
            "type": "string",
            "title": "SMTP user name",
            "description": "Leave empty when the server needs no authentication.",
        },
        "password": {"type": "string", "title": "SMTP password", "x-secret": True},
        "from_address": {"type": "string", "title": "Sender address", "format": "email"},
        "from_name": {"type": "string", "title": "Sender display name"},
        "reply_to": {"type": "string", "title": "Reply-To address", "format": "email"},
        "ca_file": {
            "type": "string",
            "title": "CA certificate file (PEM)",
            "description": "Trust this CA bundle instead of the system store, e.g. for an "
            "internal relay with a private CA.",
        },
        "verify": {
            "type": "boolean",
            "title": "Verify the server certificate",
            "description": "Turn off only for local testing: without verification anyone on "
            "the path can read the password and the mail.",
            "default": True,
        },
        "timeout": {
            "type": "number",
            "title": "Network timeout (seconds)",
            "exclusiveMinimum": 0,
            "maximum": 600,
            "default": DEFAULT_TIMEOUT,
        },
        "local_hostname": {
            "type": "string",
            "title": "Host name announced in EHLO",
            "description": "Defaults to this machine's fully qualified name.",
        },
        "message_id_domain": {
            "type": "string",
            "title": "Domain used in Message-ID headers",
            "description": "Defaults to the domain of the sender address.",
        },
    },
}


@dataclass(frozen=True)
class SmtpSettings:
    """Validated email channel settings. ``password`` never appears in ``repr``."""

    host: str
    from_address: str
    security: Security = DEFAULT_SECURITY
    port: int = DEFAULT_PORTS[DEFAULT_SECURITY]
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    from_name: str | None = None
    reply_to: str | None = None
    ca_file: str | None = None
    verify: bool = True
    timeout: float = DEFAULT_TIMEOUT
    local_hostname: str | None = None
    message_id_domain: str | None = None

    @property
    def endpoint(self) -> str:
        """``host:port``, for messages."""
        return f"{self.host}:{self.port}"


def parse_settings(config: Mapping[str, Any]) -> SmtpSettings:
    """Check ``config`` against :data:`CONFIG_SCHEMA` and return typed settings.

    :raises hub.ConfigError: naming the offending key (``path``) and what to change.
    """
    unknown = sorted(set(config) - set(CONFIG_SCHEMA["properties"]))
    if unknown:
        raise ConfigError(
            f"unknown email channel setting {unknown[0]!r}",
            path=f"$.{unknown[0]}",
            causes=["a typo in the key name; the known keys are listed in docs/channels.md"],
        )
    host = _text(config, "host", required=True)
    assert host is not None
    security = _text(config, "security") or DEFAULT_SECURITY
    if security not in DEFAULT_PORTS:
        raise ConfigError(
            f"security must be one of none, starttls, tls (got {security!r})", path="$.security"
        )
    port = config.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ConfigError("port must be a whole number between 1 and 65535", path="$.port")
    username = _text(config, "username") or None
    password = _text(config, "password") or None
    if password and not username:
        raise ConfigError("a password is set but no username", path="$.username")
    verify = config.get("verify", True)
    if not isinstance(verify, bool):
        raise ConfigError("verify must be true or false", path="$.verify")
    timeout = config.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ConfigError("timeout must be a number of seconds between 0 and 600", path="$.timeout")
    return SmtpSettings(
        host=host,
        port=port,
        security=cast(Security, security),
        username=username,
        password=password,
        from_address=_address(config, "from_address", normalize_email_address, required=True),
        from_name=_text(config, "from_name") or None,
        reply_to=_address(config, "reply_to", normalize_email_address) or None,
        ca_file=_text(config, "ca_file") or None,
        verify=verify,
        timeout=float(timeout),
        local_hostname=_text(config, "local_hostname") or None,
        message_id_domain=_text(config, "message_id_domain") or None,
    )


def _text(config: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = config.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{key} is required", path=f"$.{key}")
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string", path=f"$.{key}")
    value = value.strip()
    if required and not value:
        raise ConfigError(f"{key} must not be empty", path=f"$.{key}")
    return value


def _address(
    config: Mapping[str, Any],
    key: str,
    normalize: Callable[[str], str],
    *,
    required: bool = False,
) -> str:
    value = _text(config, key, required=required)
    if not value:
        return ""
    try:
        return normalize(value)
    except ValueError as exc:
        raise ConfigError(f"{key} is not a usable email address: {exc}", path=f"$.{key}") from None
