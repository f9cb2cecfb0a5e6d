"""What connections and reminder channels share: a plugin name, a config validated against the
plugin's schema, and the schema's ``x-secret`` fields encrypted together.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from hub.crypto import SecretBox
from hub.errors import ConfigError
from hub.plugins import PluginHost

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class EncryptedConfigService:
    """Base of the services that store plugin configs with encrypted secrets.

    :param engine: the hub database.
    :param host: the plugin host that knows the plugin classes.
    :param box: encrypts secrets; only needed to add, test or use what is stored.
    """

    def __init__(self, engine: Engine, host: PluginHost, box: SecretBox | None = None) -> None:
        self.engine = engine
        self.host = host
        self.box = box

    def require_box(self) -> SecretBox:
        """The secret box, or a :class:`ConfigError` that says how to configure a key."""
        if self.box is None:
            raise ConfigError("no secret key configured; set HUB_SECRET_KEY or run `hubctl init`")
        return self.box

    # The web forms and older callers use the underscored name.
    _require_box = require_box

    @staticmethod
    def check_name(kind: str, name: str) -> None:
        """Refuse names that would not work in URLs, job ids and commands."""
        if not _NAME.match(name):
            raise ConfigError(
                f"invalid {kind} name {name!r}: use letters, digits, '_', '-', '.' "
                "(at most 100 characters, starting with a letter or digit)"
            )


__all__ = ["EncryptedConfigService"]
