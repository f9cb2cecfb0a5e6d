"""``hubctl mappings show | set | history | revert | reset``: versioned mapping documents."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlmodel import Session

from hub.cli.context import HubContext, pass_hub
from hub.cli.core import _object_type
from hub.errors import ConfigError
from hub.mappings import MappingService

_object = click.argument("object_type", metavar="OBJECT", callback=lambda c, p, v: _object_type(v))


@click.group()
def mappings() -> None:
    """Show and edit a connection's field mappings (every change is a new version)."""


@mappings.command("show")
@click.argument("connection")
@_object
@pass_hub
def show(hub: HubContext, connection: str, object_type: str) -> None:
    """Print the current mapping document of CONNECTION for OBJECT."""
    conn = hub.connections().get(connection)
    with Session(hub.engine) as session:
        current = MappingService(session, hub.plugins).current(conn.id or 0, object_type)
        if current is None:
            raise ConfigError(
                f"{connection!r} has no {object_type} mapping; "
                f"`hubctl mappings reset {connection} {object_type}` installs the default"
            )
        click.echo(json.dumps(current.document, indent=2))


@mappings.command("set")
@click.argument("connection")
@_object
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default="", help="Why you changed it (kept in the history).")
@pass_hub
def set_(hub: HubContext, connection: str, object_type: str, file: Path, comment: str) -> None:
    """Validate FILE and make it the current OBJECT mapping of CONNECTION."""
    conn = hub.connections().get(connection)
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    with Session(hub.engine) as session:
        row = MappingService(session, hub.plugins).save(
            conn.id or 0, object_type, document, author="cli", comment=comment
        )
        session.commit()
        click.echo(f"Saved {object_type} mapping of {connection!r} as version {row.version}.")


@mappings.command("history")
@click.argument("connection")
@_object
@pass_hub
def history(hub: HubContext, connection: str, object_type: str) -> None:
    """List the versions of CONNECTION's OBJECT mapping, newest first."""
    conn = hub.connections().get(connection)
    with Session(hub.engine) as session:
        for row in MappingService(session, hub.plugins).history(conn.id or 0, object_type):
            click.echo(
                f"v{row.version}  {row.created_at:%Y-%m-%d %H:%M}  {row.author or '-'}  "
                f"{row.comment}"
            )


@mappings.command("revert")
@click.argument("connection")
@_object
@click.argument("version", type=int)
@pass_hub
def revert(hub: HubContext, connection: str, object_type: str, version: int) -> None:
    """Make VERSION of the mapping current again (recorded as a new version)."""
    conn = hub.connections().get(connection)
    with Session(hub.engine) as session:
        row = MappingService(session, hub.plugins).revert(
            conn.id or 0, object_type, version, author="cli"
        )
        session.commit()
        click.echo(f"Reverted to version {version} (now version {row.version}).")


@mappings.command("reset")
@click.argument("connection")
@_object
@pass_hub
def reset(hub: HubContext, connection: str, object_type: str) -> None:
    """Make the plugin's default mapping current again (recorded as a new version)."""
    conn = hub.connections().get(connection)
    with Session(hub.engine) as session:
        row = MappingService(session, hub.plugins).reset_to_default(conn, object_type, author="cli")
        session.commit()
        click.echo(f"Reset to the default mapping (now version {row.version}).")
