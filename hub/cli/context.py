"""What every ``hubctl`` command needs: settings, the database, plugins and the secret box."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import click
from sqlalchemy import Engine

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.db import current_revision, head_revision, make_engine
from hub.errors import ConfigError
from hub.plugins import PluginHost, get_plugin_host
from hub.settings import Settings


@dataclass
class HubContext:
    """Lazily opened resources of one CLI invocation."""

    settings: Settings = field(default_factory=Settings.from_env)

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    @cached_property
    def plugins(self) -> PluginHost:
        return get_plugin_host()

    @cached_property
    def box(self) -> SecretBox | None:
        key = self.settings.secret_key
        return SecretBox(key, self.settings.secret_key_fallbacks) if key else None

    def migrated_engine(self) -> Engine:
        """The engine, after checking the schema is current (else: run `hubctl init`)."""
        engine = self.engine
        current, head = current_revision(engine), head_revision(engine)
        if current != head:
            raise ConfigError(
                f"the database schema is at {current or 'nothing'}, this hub needs {head}",
                causes=[
                    "run `hubctl init` to create or migrate the database",
                    f"check DATABASE_URL (now {self.settings.database_url!r})",
                ],
            )
        return engine

    def reload_settings(self) -> None:
        """Read the settings again (e.g. after ``init`` wrote a secret key) and drop cached state."""
        self.close()
        self.__dict__.pop("box", None)
        self.settings = Settings.from_env()

    def close(self) -> None:
        """Release database connections opened by this invocation."""
        engine = self.__dict__.pop("engine", None)
        if engine is not None:
            engine.dispose()

    def connections(self) -> ConnectionService:
        return ConnectionService(self.migrated_engine(), self.plugins, self.box)


pass_hub = click.make_pass_decorator(HubContext, ensure=True)

__all__ = ["HubContext", "pass_hub"]
