"""Managing connections: validating, encrypting, testing and instantiating connectors.

The sync settings ``objects``, ``frequency`` and ``direction`` are hub-level keys: they may appear in a
connection's config file (DESIGN.md section 6) and are stored as columns; every other key is the
plugin's, validated against its ``config_schema``. Fields the schema marks ``x-secret`` are encrypted
together; the rest is stored readable so the admin can show it without the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from hub.configstore import EncryptedConfigService
from hub.connectors import CheckResult, Connector, ConnectorContext
from hub.errors import ConfigError
from hub.jsonschemas import secret_fields, split_secrets, validate_config
from hub.mappings import MappingService
from hub.models import Connection, utcnow
from hub.redaction import mask_config, redact

SYNC_SETTING_KEYS = ("objects", "frequency", "direction")
FREQUENCIES = ("realtime", "15m", "30m", "60m", "manual")
DEFAULT_FREQUENCY = "15m"


class ConnectionService(EncryptedConfigService):
    """Create, read, test and remove connections.

    :param engine: the hub database.
    :param host: the plugin host that knows the connector classes.
    :param box: encrypts secrets; only needed to add, test or use connections.
    """

    # --- create / read / delete ---------------------------------------------------------------

    def add(self, name: str, plugin: str, config: Mapping[str, Any]) -> Connection:
        """Validate and store a new connection, with the plugin's default mappings as version 1."""
        self.check_name("connection", name)
        connector_class = self.host.connector(plugin)
        if not isinstance(config, Mapping):
            raise ConfigError("the connection config must be a JSON object")
        settings = {k: config[k] for k in SYNC_SETTING_KEYS if k in config}
        plugin_config = {k: v for k, v in config.items() if k not in SYNC_SETTING_KEYS}
        validate_config(connector_class.config_schema, plugin_config, owner=plugin)
        objects, frequency, direction = self._sync_settings(
            connector_class, plugin_config, settings
        )
        public, hidden = split_secrets(connector_class.config_schema, plugin_config)
        box = self._require_box()
        with Session(self.engine, expire_on_commit=False) as session:
            if session.exec(select(Connection).where(Connection.name == name)).first():
                raise ConfigError(
                    f"a connection named {name!r} already exists; "
                    "remove it first or pick another name"
                )
            connection = Connection(
                name=name,
                plugin=plugin,
                config=public,
                secrets=box.encrypt(hidden) if hidden else None,
                objects=objects,
                frequency=frequency,
                direction=direction,
            )
            session.add(connection)
            session.flush()
            assert connection.id is not None
            MappingService(session, self.host).install_defaults(connection, objects)
            session.commit()
        return connection

    def _sync_settings(
        self,
        connector_class: type[Connector],
        config: Mapping[str, Any],
        settings: Mapping[str, Any],
    ) -> tuple[list[str], str, str]:
        available = [s.object_type for s in connector_class(config).streams()]
        objects = settings.get("objects", available)
        if isinstance(objects, str):
            objects = [o.strip() for o in objects.split(",") if o.strip()]
        objects = [_singular(o) for o in objects]
        unknown = [o for o in objects if o not in available]
        if unknown or not objects:
            raise ConfigError(
                f"$.objects: unknown or empty object list {unknown or objects}; "
                f"this connector offers {', '.join(available)}"
            )
        frequency = str(settings.get("frequency", DEFAULT_FREQUENCY))
        if frequency not in FREQUENCIES:
            raise ConfigError(f"$.frequency: {frequency!r} is not one of {', '.join(FREQUENCIES)}")
        direction = str(settings.get("direction", f"{connector_class.name}_to_hub"))
        allowed = {f"{connector_class.name}_to_hub", "source_to_hub", "bidirectional"}
        if direction not in allowed:
            raise ConfigError(
                f"$.direction: {direction!r} is not one of {', '.join(sorted(allowed))}"
            )
        if direction == "bidirectional" and not connector_class.writable_objects:
            raise ConfigError(
                f"$.direction: connector {connector_class.name!r} cannot write back; "
                f"use {connector_class.name}_to_hub"
            )
        return objects, frequency, direction

    def list(self) -> list[Connection]:
        """Every connection, by name."""
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.exec(select(Connection).order_by(Connection.name)))

    def get(self, name: str) -> Connection:
        """The connection called ``name``; :class:`ConfigError` listing the existing ones if none."""
        with Session(self.engine, expire_on_commit=False) as session:
            found = session.exec(select(Connection).where(Connection.name == name)).first()
            if found is None:
                names = [c for c in session.exec(select(Connection.name))]
                raise ConfigError(
                    f"no connection called {name!r} "
                    f"(existing: {', '.join(sorted(names)) or 'none'})"
                )
            return found

    def remove(self, name: str) -> None:
        """Delete a connection and everything synced through it."""
        connection = self.get(name)
        with Session(self.engine) as session:
            row = session.get(Connection, connection.id)
            session.delete(row)
            session.commit()

    # --- configuration ------------------------------------------------------------------------

    def full_config(self, connection: Connection) -> dict[str, Any]:
        """The plugin config with secrets decrypted (never print it)."""
        config = dict(connection.config)
        if connection.secrets:
            config.update(self._require_box().decrypt(connection.secrets))
        return config

    def display_config(self, connection: Connection) -> dict[str, Any]:
        """The config as it may be shown: every secret that is set reads ``"set"``."""
        connector_class = self.host.connector(connection.plugin)
        names = secret_fields(connector_class.config_schema)
        shown = dict(connection.config)
        shown.update({n: "set" for n in names if connection.secrets})
        return mask_config(shown, names)

    def connector_for(
        self, connection: Connection, context: ConnectorContext | None = None
    ) -> Connector:
        """An instance of the connection's connector with its full configuration."""
        connector_class = self.host.connector(connection.plugin)
        return connector_class(self.full_config(connection), context)

    # --- testing ------------------------------------------------------------------------------

    def test(self, name: str) -> CheckResult:
        """Run the connector's check and record the outcome as the connection's status."""
        connection = self.get(name)
        connector = self.connector_for(connection)
        try:
            result = connector.check()
        except ConfigError as exc:
            result = CheckResult(False, exc.message, causes=exc.causes)
        finally:
            connector.close()
        result.message = redact(result.message)
        result.causes = [redact(c) for c in result.causes]
        with Session(self.engine) as session:
            row = session.get(Connection, connection.id)
            assert row is not None
            row.status = "active" if result.ok else "error"
            row.status_message = result.message
            row.checked_at = utcnow()
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        return result

    def rotate_secrets(self) -> int:
        """Re-encrypt every connection's secrets with the current key; return how many changed."""
        box = self._require_box()
        count = 0
        with Session(self.engine) as session:
            for row in session.exec(select(Connection)):
                if row.secrets:
                    row.secrets = box.rotate(row.secrets)
                    session.add(row)
                    count += 1
            session.commit()
        return count


def _singular(name: str) -> str:
    name = name.strip().lower()
    return name[:-1] if name.endswith("s") else name


__all__ = ["DEFAULT_FREQUENCY", "FREQUENCIES", "SYNC_SETTING_KEYS", "ConnectionService"]
