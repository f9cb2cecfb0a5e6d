"""Connection forms built from a connector's ``config_schema``; secrets are write-only.

A secret input is always rendered empty; leaving it empty on edit keeps the stored value, so a
stored secret never travels back to the browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from hub.connections import FREQUENCIES, ConnectionService
from hub.errors import ConfigError
from hub.jsonschemas import secret_fields, split_secrets, validate_config
from hub.models import Connection, utcnow

DIRECTIONS = ("source_to_hub", "bidirectional")


@dataclass(frozen=True)
class FormField:
    """One input of a connection form."""

    name: str
    title: str
    kind: str  # text | password | textarea | number | checkbox | select | list
    required: bool
    secret: bool
    choices: tuple[str, ...] = ()
    help: str = ""


def form_fields(schema: Mapping[str, Any]) -> list[FormField]:
    """The inputs for ``schema``'s top-level properties, in ``x-order`` order."""
    props: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    secrets = secret_fields(schema)
    ordered = sorted(props.items(), key=lambda kv: (kv[1].get("x-order", 1000), kv[0]))
    fields = []
    for name, spec in ordered:
        kind = "text"
        choices: tuple[str, ...] = ()
        multiline = spec.get("x-multiline") or "pem" in str(spec.get("title", "")).lower()
        if name in secrets:
            kind = "textarea" if multiline else "password"
        elif "enum" in spec:
            kind, choices = "select", tuple(str(c) for c in spec["enum"])
        elif spec.get("type") == "boolean":
            kind = "checkbox"
        elif spec.get("type") in ("integer", "number"):
            kind = "number"
        elif spec.get("type") == "array":
            kind = "list"
        elif multiline:
            kind = "textarea"
        fields.append(
            FormField(
                name=name,
                title=str(spec.get("title", name)),
                kind=kind,
                required=name in required,
                secret=name in secrets,
                choices=choices,
                help=str(spec.get("description", "")),
            )
        )
    return fields


def parse_form(
    schema: Mapping[str, Any], form: Mapping[str, str], stored: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The plugin config typed in ``form``; empty secrets keep their ``stored`` value."""
    config: dict[str, Any] = {}
    for field in form_fields(schema):
        raw = form.get(f"cfg_{field.name}", "")
        if field.kind == "checkbox":
            config[field.name] = raw in ("on", "true", "1", "y")
            continue
        raw = raw.strip() if field.kind != "textarea" else raw
        if raw == "" or raw.strip() == "":
            if field.secret and stored and field.name in stored:
                config[field.name] = stored[field.name]
            continue
        if field.kind == "number":
            try:
                config[field.name] = json.loads(raw)
            except ValueError:
                config[field.name] = raw  # the schema check reports it at its path
        elif field.kind == "list":
            config[field.name] = [part.strip() for part in raw.split(",") if part.strip()]
        else:
            config[field.name] = raw
    return config


def parse_settings(form: Mapping[str, Any], objects: list[str]) -> dict[str, Any]:
    """The sync settings part of the form (objects, frequency, direction)."""
    chosen = [o for o in objects if form.get(f"obj_{o}")]
    return {
        "objects": chosen,
        "frequency": str(form.get("frequency", "15m")),
        "direction": str(form.get("direction", "source_to_hub")),
    }


def update_connection(
    service: ConnectionService,
    connection: Connection,
    config: Mapping[str, Any],
    settings: Mapping[str, Any],
) -> None:
    """Validate and store new settings of an existing connection (secrets re-encrypted)."""
    connector_class = service.host.connector(connection.plugin)
    schema = connector_class.config_schema
    validate_config(schema, dict(config), owner=connection.plugin)
    available = available_objects(connector_class, config)
    objects = list(settings.get("objects") or [])
    unknown = [o for o in objects if o not in available]
    if unknown or not objects:
        raise ConfigError(
            f"pick at least one object to sync among {', '.join(available)}", path="$.objects"
        )
    frequency = str(settings.get("frequency"))
    if frequency not in FREQUENCIES:
        raise ConfigError(
            f"{frequency!r} is not one of {', '.join(FREQUENCIES)}", path="$.frequency"
        )
    direction = str(settings.get("direction"))
    if direction == "bidirectional" and not connector_class.writable_objects:
        raise ConfigError(f"{connection.plugin} cannot write back", path="$.direction")
    if direction not in (*DIRECTIONS, f"{connection.plugin}_to_hub"):
        raise ConfigError(f"{direction!r} is not a sync direction", path="$.direction")
    public, hidden = split_secrets(schema, config)
    box = service._require_box()
    credentials_changed = service.full_config(connection) != dict(config)
    with Session(service.engine) as session:
        row = session.get(Connection, connection.id)
        if row is None:
            raise ConfigError(f"connection {connection.name!r} no longer exists")
        row.config = public
        row.secrets = box.encrypt(hidden) if hidden else None
        row.objects = objects
        row.frequency = frequency
        row.direction = direction
        if credentials_changed:
            row.status, row.status_message = "never_tested", ""
        row.updated_at = utcnow()
        session.add(row)
        session.commit()


def available_objects(connector_class: Any, config: Mapping[str, Any]) -> list[str]:
    """Object types the connector can sync (falls back to the four canonical ones)."""
    try:
        return [s.object_type for s in connector_class(dict(config)).streams()]
    except Exception:  # a connector may need a complete config to list streams
        return ["customer", "contact", "invoice", "payment"]


__all__ = [
    "DIRECTIONS",
    "FormField",
    "available_objects",
    "form_fields",
    "parse_form",
    "parse_settings",
    "update_connection",
]
