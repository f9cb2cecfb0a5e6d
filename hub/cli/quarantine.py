"""``hubctl quarantine list | show | retry | dismiss``: records that failed mapping or validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hub.cli.context import HubContext, pass_hub
from hub.errors import ConfigError
from hub.sync import reprocess_quarantined
from hub.sync.quarantine import dismiss, get_quarantined, list_quarantined


@click.group()
def quarantine() -> None:
    """Inspect, fix and retry, or dismiss quarantined source records."""


@quarantine.command("list")
@click.option("--connection", "connection_name", help="Only this connection.")
@click.option("--all", "show_all", is_flag=True, help="Include resolved and dismissed records.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def list_(hub: HubContext, connection_name: str | None, show_all: bool, as_json: bool) -> None:
    """List open quarantined records (newest first)."""
    connection_id = hub.connections().get(connection_name).id if connection_name else None
    rows = list_quarantined(
        hub.migrated_engine(), connection_id=connection_id, status=None if show_all else "open"
    )
    if as_json:
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        click.echo("No quarantined records.")
        return
    for row in rows:
        first = row["errors"][0] if row["errors"] else {}
        more = f" (+{len(row['errors']) - 1} more)" if len(row["errors"]) > 1 else ""
        click.echo(
            f"{row['id']:>6}  {row['status']:<9} {row['object_type']:<8} "
            f"{row['external_id'] or '-':<14} {first.get('field', '')}: "
            f"{first.get('message', '')}{more}"
        )


@quarantine.command("show")
@click.argument("quarantine_id", type=int)
@pass_hub
def show(hub: HubContext, quarantine_id: int) -> None:
    """Show one quarantined record: its raw payload and every error (JSON)."""
    click.echo(json.dumps(get_quarantined(hub.migrated_engine(), quarantine_id), indent=2))


def _read_payload(path: Path) -> dict[str, Any]:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(payload, dict):
        raise ConfigError(f"{path} must hold the raw record as a JSON object")
    return payload


@quarantine.command("retry")
@click.argument("quarantine_id", type=int)
@click.option(
    "--payload",
    "payload_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An edited raw payload (JSON) to use instead of the stored one.",
)
@pass_hub
def retry(hub: HubContext, quarantine_id: int, payload_file: Path | None) -> None:
    """Map and validate a quarantined record again (optionally edited); store it if it passes."""
    engine = hub.migrated_engine()
    row = get_quarantined(engine, quarantine_id)
    payloads = {quarantine_id: _read_payload(payload_file)} if payload_file else None
    result = reprocess_quarantined(engine, row["connection_id"], [quarantine_id], payloads=payloads)
    if result["resolved"]:
        click.echo(f"Record {quarantine_id} passed and was stored.")
        return
    errors = get_quarantined(engine, quarantine_id)["errors"]
    raise ConfigError(
        f"record {quarantine_id} is still invalid",
        causes=[f"{e['field']}: {e['message']}" for e in errors],
    )


@quarantine.command("dismiss")
@click.argument("quarantine_id", type=int)
@pass_hub
def dismiss_(hub: HubContext, quarantine_id: int) -> None:
    """Close a quarantined record without importing it."""
    dismiss(hub.migrated_engine(), quarantine_id)
    click.echo(f"Dismissed quarantined record {quarantine_id}.")


__all__ = ["quarantine"]
