"""``hubctl connections add | list | test | remove | show``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from hub.cli.context import HubContext, pass_hub
from hub.errors import ConfigError


@click.group()
def connections() -> None:
    """Manage connections to ERP accounts."""


def _read_config(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path} must hold a JSON object of settings")
    return loaded


@connections.command("add")
@click.argument("name")
@click.option("--plugin", required=True, help="Connector plugin, e.g. netsuite.")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file with the connection settings (DESIGN.md section 6 for NetSuite).",
)
@pass_hub
def add(hub: HubContext, name: str, plugin: str, config_file: Path) -> None:
    """Add a connection NAME using PLUGIN, configured from a JSON file."""
    connection = hub.connections().add(name, plugin, _read_config(config_file))
    click.echo(
        f"Added connection {connection.name!r} ({plugin}; objects: "
        f"{', '.join(connection.objects)}; every {connection.frequency}). "
        f"Next: hubctl connections test {connection.name}"
    )


@connections.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def list_(hub: HubContext, as_json: bool) -> None:
    """List connections with their status (secrets are never shown)."""
    service = hub.connections()
    rows: list[dict[str, Any]] = [
        {
            "name": c.name,
            "plugin": c.plugin,
            "status": c.status,
            "status_message": c.status_message,
            "checked_at": c.checked_at.isoformat() if c.checked_at else None,
            "objects": c.objects,
            "frequency": c.frequency,
            "direction": c.direction,
            "config": service.display_config(c),
        }
        for c in service.list()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No connections yet. Add one with: hubctl connections add NAME --plugin ...")
    for row in rows:
        click.echo(
            f"{row['name']}  {row['plugin']}  {row['status']}  "
            f"objects={','.join(row['objects'])}  every {row['frequency']}"
        )


@connections.command("test")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the diagnosis as JSON.")
@pass_hub
def test(hub: HubContext, name: str, as_json: bool) -> None:
    """Check that connection NAME works; exit 0 if it does, 1 with the likely causes if not."""
    result = hub.connections().test(name)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo(("OK: " if result.ok else "FAILED: ") + result.message)
        for key, value in result.details.items():
            click.echo(f"  {key}: {value}")
        if result.causes:
            click.echo("Likely causes:")
            for cause in result.causes:
                click.echo(f"  - {cause}")
    sys.exit(0 if result.ok else 1)


@connections.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_hub
def remove(hub: HubContext, name: str, yes: bool) -> None:
    """Remove connection NAME and every record synced through it."""
    service = hub.connections()
    service.get(name)
    if not yes:
        click.confirm(f"Remove {name!r} and all its synced records?", abort=True)
    service.remove(name)
    click.echo(f"Removed connection {name!r}.")
