"""Managing reminder channels: validated, secrets encrypted, tested by sending one message.

Stored like connections (``hub.connections``): the notifier's ``config_schema`` validates the
config, fields marked ``x-secret`` are encrypted together with :class:`hub.crypto.SecretBox`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, col, select

from hub.collections.models import Channel
from hub.configstore import EncryptedConfigService
from hub.errors import ConfigError, HubError
from hub.jsonschemas import secret_fields, split_secrets, validate_config
from hub.models import utcnow
from hub.notifiers import DeliveryResult, Notifier, OutgoingMessage
from hub.redaction import mask_config, redact


class ChannelService(EncryptedConfigService):
    """Create, list, instantiate and test reminder channels."""

    def add(self, name: str, plugin: str, config: Mapping[str, Any]) -> Channel:
        """Validate ``config`` against the notifier's schema and store the channel."""
        self.check_name("channel", name)
        notifier_class = self.host.notifier(plugin)
        if not isinstance(config, Mapping):
            raise ConfigError("the channel config must be a JSON object")
        validate_config(notifier_class.config_schema, config, owner=plugin)
        notifier_class(config)  # the notifier's own checks (e.g. cross-field rules)
        public, hidden = split_secrets(notifier_class.config_schema, config)
        secrets = self._require_box().encrypt(hidden) if hidden else None
        with Session(self.engine, expire_on_commit=False) as session:
            if session.exec(select(Channel).where(col(Channel.name) == name)).first():
                raise ConfigError(f"a channel named {name!r} already exists")
            channel = Channel(
                name=name,
                plugin=plugin,
                kind=notifier_class.channel,
                config=public,
                secrets=secrets,
            )
            session.add(channel)
            session.commit()
        return channel

    def list(self) -> list[Channel]:
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(Channel).order_by(Channel.name)))

    def get(self, name: str) -> Channel:
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.exec(select(Channel).where(col(Channel.name) == name)).first()
            if found is None:
                names = sorted(session.exec(select(Channel.name)))
                raise ConfigError(
                    f"no channel called {name!r} (existing: {', '.join(names) or 'none'})"
                )
            return found

    def for_kind(self, kind: str, preferred: str | None = None) -> Channel | None:
        """The channel to use for ``kind`` (``email``/``sms``): ``preferred`` by name, else the
        first channel of that kind by name."""
        if preferred:
            return self.get(preferred)
        return next((c for c in self.list() if c.kind == kind), None)

    def full_config(self, channel: Channel) -> dict[str, Any]:
        """The config with secrets decrypted (never print it)."""
        config = dict(channel.config)
        if channel.secrets:
            config.update(self._require_box().decrypt(channel.secrets))
        return config

    def display_config(self, channel: Channel) -> dict[str, Any]:
        names = secret_fields(self.host.notifier(channel.plugin).config_schema)
        shown = dict(channel.config)
        shown.update({n: "set" for n in names if channel.secrets})
        return mask_config(shown, names)

    def notifier_for(self, channel: Channel) -> Notifier:
        return self.host.notifier(channel.plugin)(self.full_config(channel))

    def test(self, name: str, to: str) -> DeliveryResult:
        """Send one test message through channel ``name`` to ``to``; record the outcome."""
        channel = self.get(name)
        notifier = self.notifier_for(channel)
        message = OutgoingMessage(
            to=to,
            subject="Collections Hub test message",
            text=f"This is a test message from Collections Hub channel {name!r}.",
            idempotency_key=f"channel-test-{uuid.uuid4().hex}",
        )
        try:
            result = notifier.send(message)
        except HubError as exc:
            self._set_status(channel, "error", redact(str(exc)))
            raise
        self._set_status(channel, "active", f"test message sent to {to}")
        return result

    def _set_status(self, channel: Channel, status: str, message: str) -> None:
        with Session(self.engine) as session:
            row = session.get(Channel, channel.id)
            if row is not None:
                row.status, row.status_message, row.updated_at = status, message, utcnow()
                session.add(row)
                session.commit()


__all__ = ["ChannelService"]
