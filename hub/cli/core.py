"""``hubctl init``, ``plugins``, ``export`` and ``rotate-key``."""

from __future__ import annotations

import json
import sys

import click

from hub.cli.context import HubContext, pass_hub
from hub.db import current_revision, migrate
from hub.export import iter_canonical
from hub.jsonschemas import CANONICAL_OBJECTS


@click.command()
@pass_hub
def init(hub: HubContext) -> None:
    """Create or migrate the database, and make a secret key for local use if none is set."""
    settings = hub.settings
    settings.ensure_instance()
    key_file = settings.generate_key_file()
    if key_file is not None:
        click.echo(f"Generated a secret key in {key_file} (set HUB_SECRET_KEY in production).")
    before = current_revision(hub.engine)
    migrate(hub.engine)
    after = current_revision(hub.engine)
    url = hub.engine.url.render_as_string(hide_password=True)
    if before == after:
        click.echo(f"Database {url} is up to date (schema {after}).")
    else:
        click.echo(f"Database {url} migrated from {before or 'empty'} to schema {after}.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def plugins(hub: HubContext, as_json: bool) -> None:
    """List installed plugins: version, hooks implemented and what each registers."""
    infos = hub.plugins.plugins()
    if as_json:
        click.echo(json.dumps([i.as_dict() for i in infos], indent=2))
        return
    for info in infos:
        origin = "built-in" if info.builtin else (info.distribution or "?")
        click.echo(f"{info.name} {info.version or ''} ({origin})")
        if info.hooks:
            click.echo(f"  hooks: {', '.join(info.hooks)}")
        for kind, names in sorted(info.registers.items()):
            click.echo(f"  {kind}: {', '.join(names)}")
        for error in info.errors:
            click.echo(f"  ERROR: {error}")
    if any(i.errors for i in infos):
        sys.exit(1)


def _object_type(value: str) -> str:
    name = value.strip().lower()
    singular = name[:-1] if name.endswith("s") else name
    if singular not in CANONICAL_OBJECTS:
        raise click.BadParameter(f"choose one of {', '.join(CANONICAL_OBJECTS)}")
    return singular


@click.command()
@click.argument("object_type", metavar="OBJECT", callback=lambda c, p, v: _object_type(v))
@click.option("--connection", "connection_name", help="Only records of this connection.")
@click.option("--include-deleted", is_flag=True, help="Also records deleted at the source.")
@pass_hub
def export(
    hub: HubContext, object_type: str, connection_name: str | None, include_deleted: bool
) -> None:
    """Print canonical records as JSON Lines (customers, contacts, invoices or payments)."""
    engine = hub.migrated_engine()
    if connection_name is not None:
        hub.connections().get(connection_name)  # a clear error for an unknown name
    for record in iter_canonical(
        engine, object_type, connection=connection_name, include_deleted=include_deleted
    ):
        sys.stdout.write(json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n")


@click.command("rotate-key")
@pass_hub
def rotate_key(hub: HubContext) -> None:
    """Re-encrypt stored credentials with the current HUB_SECRET_KEY.

    Put the previous key in HUB_SECRET_KEY_FALLBACKS first; drop it once this has run.
    """
    count = hub.connections().rotate_secrets()
    click.echo(f"Re-encrypted the credentials of {count} connection(s) with the current key.")
