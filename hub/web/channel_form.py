"""Channel forms: the notifier's ``config_schema`` drives the inputs (see ``connection_form``).

Secrets are write-only: their inputs are always empty and leaving one empty on edit keeps the
stored value. Checking a channel never sends a message; the diagnosis is redacted.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from hub.collections.channels import ChannelService
from hub.collections.models import Channel
from hub.connectors import CheckResult
from hub.errors import ConfigError, HubError
from hub.jsonschemas import split_secrets, validate_config
from hub.models import utcnow
from hub.redaction import redact

#: The notifier plugins offered on the Channels page.
NOTIFIERS = ("email_reminders", "sms_reminders")


def update_channel(service: ChannelService, channel: Channel, config: Mapping[str, Any]) -> None:
    """Validate ``config`` (secrets included) and store it on ``channel``; a changed config
    resets the status to ``never_tested``."""
    notifier_class = service.host.notifier(channel.plugin)
    validate_config(notifier_class.config_schema, dict(config), owner=channel.plugin)
    notifier_class(dict(config))  # the notifier's own cross-field checks
    public, hidden = split_secrets(notifier_class.config_schema, config)
    changed = service.full_config(channel) != dict(config)
    secrets = service._require_box().encrypt(hidden) if hidden else None
    with Session(service.engine) as session:
        row = session.get(Channel, channel.id)
        if row is None:
            raise ConfigError(f"channel {channel.name!r} no longer exists")
        row.config, row.secrets = public, secrets
        if changed:
            row.status, row.status_message = "never_tested", ""
        row.updated_at = utcnow()
        session.add(row)
        session.commit()


def check_channel(service: ChannelService, channel: Channel) -> CheckResult:
    """Run the notifier's ``check`` (no message sent) and record the outcome as the status."""
    try:
        result = service.notifier_for(channel).check()
    except HubError as exc:
        result = CheckResult(False, str(exc), causes=list(getattr(exc, "causes", []) or []))
    result = CheckResult(
        ok=result.ok,
        message=redact(result.message),
        causes=[redact(c) for c in result.causes],
        details={k: redact(str(v)) for k, v in result.details.items()},
    )
    set_status(service, channel, "active" if result.ok else "error", result.message)
    return result


def set_status(service: ChannelService, channel: Channel, status: str, message: str) -> None:
    with Session(service.engine) as session:
        row = session.get(Channel, channel.id)
        if row is not None:
            row.status, row.status_message, row.updated_at = status, redact(message), utcnow()
            session.add(row)
            session.commit()


def remove_channel(service: ChannelService, channel: Channel) -> None:
    with Session(service.engine) as session:
        row = session.get(Channel, channel.id)
        if row is not None:
            session.delete(row)
            session.commit()


__all__ = ["NOTIFIERS", "check_channel", "remove_channel", "set_status", "update_channel"]
