"""``hubctl customers update``: write a customer's contact details back to the source."""

from __future__ import annotations

import json

import click

from hub.cli.context import HubContext
from hub.writeback import write_back_customer

pass_hub = click.make_pass_decorator(HubContext, ensure=True)

#: Exit code when the source's newer values won a conflict (nothing was written).
EXIT_CONFLICT = 3


@click.command("update")
@click.argument("connection")
@click.argument("external_id")
@click.option("--name", default=None, help="New customer (company) name.")
@click.option("--email", default=None, help="New billing email address.")
@click.option("--phone", default=None, help="New phone number.")
@click.option("--by", "author", default="cli", show_default=True, help="Who made the edit.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_hub
def update_customer(
    hub: HubContext,
    connection: str,
    external_id: str,
    name: str | None,
    email: str | None,
    phone: str | None,
    author: str,
    as_json: bool,
) -> None:
    """Write NAME/EMAIL/PHONE of customer EXTERNAL_ID back to CONNECTION's source.

    Only for bidirectional connections. Exit codes: 0 written, 3 conflict (the source changed the
    customer after this edit; its values were kept), 2 refused (not bidirectional, bad field or
    value, unknown customer), 1 other errors.
    """
    changes = {
        key: value
        for key, value in (("name", name), ("email", email), ("phone", phone))
        if value is not None
    }
    if not changes:
        raise click.UsageError("give at least one of --name, --email, --phone")
    service = hub.connections()
    row = service.get(connection)
    assert row.id is not None
    result = write_back_customer(
        hub.migrated_engine(), row.id, external_id, changes, author=author, connections=service
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "status": result.status,
                    "fields": list(result.fields),
                    "kept": result.kept,
                    "record": result.record,
                },
                default=str,
                sort_keys=True,
            )
        )
    elif result.written:
        click.echo(f"Wrote {', '.join(result.fields)} of customer {external_id} to {connection}.")
    else:
        kept = ", ".join(f"{k}={v!r}" for k, v in result.kept.items())
        click.echo(
            f"Conflict: {connection} changed customer {external_id} after this edit; "
            f"its values were kept ({kept}). Nothing was written.",
            err=True,
        )
    if not result.written:
        raise SystemExit(EXIT_CONFLICT)


__all__ = ["EXIT_CONFLICT", "update_customer"]
