"""Loading the canonical JSON Schemas and enforcing the plugin config-schema convention.

Schemas live in ``hub/schemas/`` (``schemas/`` at the repository root points there) and ship as
package data, so they load the same from a checkout, an editable install or a wheel.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from hub.errors import ConfigError

CANONICAL_OBJECTS = ("customer", "contact", "invoice", "payment")


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Return the schema ``schemas/<name>.schema.json`` (e.g. ``"invoice"``, ``"mapping"``)."""
    path = resources.files("hub").joinpath("schemas", f"{name}.schema.json")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyError(f"no schema called {name!r}") from None
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def schema_names() -> list[str]:
    """Names of every shipped schema."""
    folder = resources.files("hub").joinpath("schemas")
    suffix = ".schema.json"
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix))


def json_path(parts: Any) -> str:
    """Render a jsonschema error path (deque of keys and indexes) as ``$.a.b[0]``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def validate_config_schema(schema: Mapping[str, Any], *, owner: str) -> None:
    """Check that a plugin's ``config_schema`` is valid JSON Schema and follows the convention."""
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise ConfigError(
            f"config_schema of {owner!r} is not valid JSON Schema: {exc.message}",
            path=json_path(exc.absolute_path),
        ) from None
    validator = jsonschema.Draft202012Validator(load_schema("connection-config"))
    error = best_match(validator.iter_errors(schema))
    if error is not None:
        raise ConfigError(
            f"config_schema of {owner!r} breaks the convention: {error.message}",
            path=json_path(error.absolute_path),
        )


def secret_fields(schema: Mapping[str, Any]) -> set[str]:
    """Names of the top-level properties marked ``"x-secret": true``."""
    props = schema.get("properties", {})
    return {name for name, spec in props.items() if isinstance(spec, dict) and spec.get("x-secret")}


def split_secrets(
    schema: Mapping[str, Any], config: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``config`` into (readable settings, secret settings) by the schema's ``x-secret``."""
    names = secret_fields(schema)
    public = {k: v for k, v in config.items() if k not in names}
    hidden = {k: v for k, v in config.items() if k in names}
    return public, hidden


def iter_config_errors(schema: Mapping[str, Any], config: Any) -> Iterator[str]:
    """Yield one readable message per problem of ``config`` against ``schema``, secrets masked."""
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    secrets = secret_fields(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path)):
        path = json_path(error.absolute_path)
        message = error.message
        top = error.absolute_path[0] if error.absolute_path else None
        if top in secrets and error.validator not in ("required",):
            message = f"invalid value ({error.validator} check failed)"
        yield f"{path}: {message}"


def validate_config(schema: Mapping[str, Any], config: Any, *, owner: str) -> None:
    """Raise :class:`ConfigError` listing every problem of ``config``; secrets never appear in it."""
    problems = list(iter_config_errors(schema, config))
    if problems:
        raise ConfigError(f"invalid configuration for {owner!r}", causes=problems)


__all__ = [
    "CANONICAL_OBJECTS",
    "iter_config_errors",
    "json_path",
    "load_schema",
    "schema_names",
    "secret_fields",
    "split_secrets",
    "validate_config",
    "validate_config_schema",
]
