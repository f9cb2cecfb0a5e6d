"""``hubctl channels ...``, ``hubctl reminders ...`` and the collector actions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from hub.cli.connections import _read_config
from hub.cli.context import HubContext, pass_hub
from hub.collections.actions import CollectorActions
from hub.collections.channels import ChannelService
from hub.collections.consent import CHANNELS, ConsentLedger
from hub.collections.models import Reminder
from hub.collections.planner import Planner
from hub.collections.policies import POLICY_SCHEMA, PolicyService
from hub.collections.service import connection_ids, run_reminders
from hub.collections.settings import CollectionsSettings
from hub.errors import ConfigError
from hub.jsonschemas import validate_config
from hub.models import Connection


def _channels(hub: HubContext) -> ChannelService:
    return ChannelService(hub.migrated_engine(), hub.plugins, hub.box)


def _connection_id(hub: HubContext, name: str | None) -> int:
    engine = hub.migrated_engine()
    with Session(engine) as session:
        rows = list(session.exec(select(Connection)))
    if name is None:
        if len(rows) != 1:
            raise ConfigError("more than one connection (or none): pass --connection NAME")
        assert rows[0].id is not None
        return rows[0].id
    for row in rows:
        if row.name == name and row.id is not None:
            return row.id
    raise ConfigError(f"no connection called {name!r}")


# --- channels ---------------------------------------------------------------------------------


@click.group()
def channels() -> None:
    """Manage reminder channels (email, SMS)."""


@channels.command("add")
@click.argument("name")
@click.option("--plugin", required=True, help="Notifier plugin: email_reminders or sms_reminders.")
@click.option(
    "--config",
    "config_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON file with the channel settings (docs/channels.md).",
)
@pass_hub
def channels_add(hub: HubContext, name: str, plugin: str, config_file: Path) -> None:
    """Add channel NAME using notifier PLUGIN."""
    channel = _channels(hub).add(name, plugin, _read_config(config_file))
    click.echo(
        f"Added {channel.kind} channel {channel.name!r}. Next: hubctl channels test {name} --to ADDRESS"
    )


@channels.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def channels_list(hub: HubContext, as_json: bool) -> None:
    """List channels (secrets are never shown)."""
    service = _channels(hub)
    rows = [
        {
            "name": c.name,
            "plugin": c.plugin,
            "channel": c.kind,
            "status": c.status,
            "status_message": c.status_message,
            "config": service.display_config(c),
        }
        for c in service.list()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['name']}  {row['channel']}  {row['plugin']}  {row['status']}")
    if not rows:
        click.echo("No channels yet. Add one with: hubctl channels add NAME --plugin ...")


@channels.command("test")
@click.argument("name")
@click.option("--to", "to", required=True, help="Address or phone number to send the test to.")
@pass_hub
def channels_test(hub: HubContext, name: str, to: str) -> None:
    """Send one test message through channel NAME."""
    result = _channels(hub).test(name, to)
    click.echo(f"OK: test message sent to {to} ({result.provider_id})")


# --- reminders --------------------------------------------------------------------------------


@click.group()
def reminders() -> None:
    """Plan, preview, send and list reminders."""


@reminders.command("preview")
@click.option("--days", default=14, show_default=True, help="How many days ahead to simulate.")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def reminders_preview(hub: HubContext, days: int, as_json: bool) -> None:
    """Show what would go out in the next DAYS days, and what would be suppressed and why."""
    service = _channels(hub)
    rows: list[dict[str, Any]] = []
    for cid in connection_ids(service.engine):
        for day, item in Planner(service.engine, cid, service).preview(days):
            rows.append(
                {
                    "date": day.isoformat(),
                    "invoice": item.invoice_external_id,
                    "customer": item.customer_external_id,
                    "step": item.step_key,
                    "channel": item.channel,
                    "recipient": item.recipient,
                    "status": "would_send" if item.status == "scheduled" else item.status,
                    "reason": item.reason,
                    "amount_due": str(item.amount_due) if item.amount_due is not None else None,
                }
            )
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['date']}  {r['invoice']:<12} {r['step']:<12} {r['channel']:<5} "
            f"{r['recipient'] or '-':<30} {r['status']}{' (' + r['reason'] + ')' if r['reason'] else ''}"
        )
    click.echo(
        f"{sum(r['status'] == 'would_send' for r in rows)} would be sent, "
        f"{sum(r['status'] != 'would_send' for r in rows)} suppressed or held"
    )


@reminders.command("run")
@click.option("--dry-run", is_flag=True, help="Render what is due without writing or sending.")
@click.option(
    "--safe-to", default=None, help="Safe mode: send every email to this address instead."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_hub
def reminders_run(hub: HubContext, dry_run: bool, safe_to: str | None, as_json: bool) -> None:
    """Plan and send what is due now, in the foreground."""
    service = _channels(hub)
    settings = CollectionsSettings.from_env()
    if safe_to:
        settings = CollectionsSettings(**{**settings.__dict__, "safe_mode_email": safe_to})
    from hub.collections.sender import Sender

    def factory(engine: Engine, channels: ChannelService, **kwargs: Any) -> Sender:
        return Sender(
            engine, channels, settings, instance_path=hub.settings.instance_path, **kwargs
        )

    summary = run_reminders(service.engine, service, factory, dry_run=dry_run)
    if as_json:
        out = summary.as_dict()
        if dry_run:
            out["messages"] = [
                {"to": m.to, "subject": m.subject, "text": m.text} for m in summary.messages
            ]
        click.echo(json.dumps(out, indent=2))
        return
    for m in summary.messages:
        click.echo(f"--- to {m.to}: {m.subject}\n{m.text}")
    click.echo(
        f"planned {summary.planned}, sent {summary.sent}"
        + "".join(f", {reason}: {n}" for reason, n in sorted(summary.suppressed.items()))
    )


@reminders.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--status", default=None, help="Only rows in this status.")
@pass_hub
def reminders_list(hub: HubContext, as_json: bool, status: str | None) -> None:
    """The outbox: each reminder with its status and suppression reason."""
    with Session(hub.migrated_engine()) as session:
        query = select(Reminder).order_by(col(Reminder.id))
        if status:
            query = query.where(col(Reminder.status) == status)
        rows = [
            {
                "invoice": r.invoice_external_id,
                "step": r.step_key,
                "channel": r.channel,
                "recipient": r.recipient,
                "status": r.status,
                "reason": r.reason,
                "scheduled_for": r.scheduled_for.isoformat(),
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }
            for r in session.exec(query)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(
            f"{r['invoice']:<12} {r['step']:<12} {r['channel']:<5} {r['recipient'] or '-':<30} "
            f"{r['status']}{' (' + r['reason'] + ')' if r['reason'] else ''}"
        )


# --- collector actions ------------------------------------------------------------------------

_connection_option = click.option(
    "--connection",
    "connection",
    default=None,
    help="Connection name (needed when there are several).",
)
_actor_option = click.option("--by", "actor", default="cli", show_default=True, help="Who acts.")


def _actions(hub: HubContext, connection: str | None, actor: str) -> CollectorActions:
    return CollectorActions(hub.migrated_engine(), _connection_id(hub, connection), actor)


def _scope_group(scope: str) -> click.Group:
    @click.group(name=f"{scope}s", help=f"Collector actions on {scope}s.")
    def group() -> None:
        pass

    @group.command("pause", help=f"Stop chasing a {scope}.")
    @click.argument("external_id")
    @click.option("--reason", default="")
    @click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None)
    @_connection_option
    @_actor_option
    @pass_hub
    def pause(
        hub: HubContext,
        external_id: str,
        reason: str,
        until: Any,
        connection: str | None,
        actor: str,
    ) -> None:
        _actions(hub, connection, actor).pause(
            scope, external_id, reason, until.date() if until else None
        )
        click.echo(f"Paused {scope} {external_id}.")

    @group.command("resume", help=f"Resume chasing a {scope}.")
    @click.argument("external_id")
    @_connection_option
    @_actor_option
    @pass_hub
    def resume(hub: HubContext, external_id: str, connection: str | None, actor: str) -> None:
        count = _actions(hub, connection, actor).resume(scope, external_id)
        click.echo(f"Resumed {scope} {external_id} ({count} pause(s) ended).")

    return group


customers = _scope_group("customer")
invoices = _scope_group("invoice")


@customers.command("note")
@click.argument("external_id")
@click.argument("text")
@_connection_option
@_actor_option
@pass_hub
def customers_note(
    hub: HubContext, external_id: str, text: str, connection: str | None, actor: str
) -> None:
    """Add a note to a customer's timeline."""
    _actions(hub, connection, actor).note(external_id, text)
    click.echo("Note added.")


@invoices.command("dispute")
@click.argument("external_id")
@click.option("--reason", required=True)
@click.option("--resolve", is_flag=True, help="Resolve the dispute instead.")
@_connection_option
@_actor_option
@pass_hub
def invoices_dispute(
    hub: HubContext,
    external_id: str,
    reason: str,
    resolve: bool,
    connection: str | None,
    actor: str,
) -> None:
    """Record (or resolve) a dispute on an invoice."""
    actions = _actions(hub, connection, actor)
    if resolve:
        actions.resolve_dispute(external_id)
        click.echo(f"Dispute on {external_id} resolved.")
    else:
        actions.dispute(external_id, reason)
        click.echo(f"Invoice {external_id} disputed; it will not be chased.")


@invoices.command("promise")
@click.argument("external_id")
@click.option("--date", "until", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--amount", default=None)
@_connection_option
@_actor_option
@pass_hub
def invoices_promise(
    hub: HubContext,
    external_id: str,
    until: Any,
    amount: str | None,
    connection: str | None,
    actor: str,
) -> None:
    """Record a promise to pay by DATE: chasing pauses until then, resumes if it is broken."""
    try:
        value = Decimal(amount) if amount is not None else None
    except InvalidOperation:
        raise ConfigError(f"--amount {amount!r} is not a number") from None
    promised: date = until.date()
    _actions(hub, connection, actor).promise(external_id, promised, value)
    click.echo(f"Promise recorded: {external_id} by {promised}.")


@click.command("optout")
@click.argument("address")
@click.option("--channel", type=click.Choice(CHANNELS), default="all", show_default=True)
@click.option("--undo", is_flag=True, help="Record an opt-in (the contact agreed again).")
@click.option("--reason", default="", help="How the request came in.")
@_actor_option
@pass_hub
def optout(
    hub: HubContext, address: str, channel: str, undo: bool, reason: str, actor: str
) -> None:
    """Record that ADDRESS opted out of (or, with --undo, back into) a channel."""
    ConsentLedger(hub.migrated_engine()).record(
        address, channel, "opt_in" if undo else "opt_out", actor=actor, method="cli", detail=reason
    )
    click.echo(f"{'Opt-in' if undo else 'Opt-out'} recorded for {address} on {channel}.")


@click.group()
def policies() -> None:
    """Reminder policies: list, show, set from a JSON file, assign to customers or segments."""


@policies.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_hub
def policies_list(hub: HubContext, as_json: bool) -> None:
    """Every policy with its steps and where it is assigned."""
    service = PolicyService(hub.migrated_engine())
    default_name = service.ensure_default().name
    assigned: dict[str, list[str]] = {}
    for name, cid, customer, segment in service.assignments():
        target = f"customer {customer}" if customer else f"segment {segment}"
        assigned.setdefault(name, []).append(f"{target} (connection {cid})")
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "default": p.name == default_name,
            "steps": [f"{s.key}@{s.offset_days:+d}d:{'+'.join(s.channels)}" for s in p.steps],
            "assigned_to": assigned.get(p.name, []),
        }
        for p in service.list()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        flag = " (default)" if row["default"] else ""
        click.echo(f"{row['name']}{flag}: {', '.join(row['steps'])}")
        for target in row["assigned_to"]:
            click.echo(f"  assigned to {target}")


@policies.command("show")
@click.argument("name")
@pass_hub
def policies_show(hub: HubContext, name: str) -> None:
    """Print policy NAME as a policy file (edit it and load it back with `policies set`)."""
    click.echo(json.dumps(PolicyService(hub.migrated_engine()).document(name), indent=2))


@policies.command("set")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help='Policy name (default: the file\'s "name").')
@click.option("--default", "make_default", is_flag=True, help="Make it the fallback policy.")
@pass_hub
def policies_set(hub: HubContext, file: Path, name: str | None, make_default: bool) -> None:
    """Create or replace a policy from a JSON FILE (hub/schemas/policy.schema.json)."""
    document = _read_config(file)
    validate_config(POLICY_SCHEMA, document, owner=str(file))
    name = name or document.get("name")
    if not name:
        raise ConfigError(f"{file}: give the policy a name", path="$.name")
    policy = PolicyService(hub.migrated_engine()).save(
        name,
        document["steps"],
        document.get("settings") or {},
        default=make_default or bool(document.get("default")),
    )
    click.echo(f"Policy {policy.name!r} saved with {len(policy.steps)} steps.")


@policies.command("assign")
@click.argument("name")
@click.option("--customer", default=None, help="Customer external id.")
@click.option("--segment", default=None, help="Segment (customer field collections_segment).")
@_connection_option
@pass_hub
def policies_assign(
    hub: HubContext,
    name: str,
    customer: str | None,
    segment: str | None,
    connection: str | None,
) -> None:
    """Assign policy NAME to one customer or to a customer segment."""
    PolicyService(hub.migrated_engine()).assign(
        name, _connection_id(hub, connection), customer_external_id=customer, segment=segment
    )
    target = f"customer {customer}" if customer else f"segment {segment}"
    click.echo(f"Policy {name!r} assigned to {target}.")


COMMANDS = (channels, reminders, customers, invoices, optout, policies)

__all__ = ["COMMANDS", "channels", "customers", "invoices", "optout", "policies", "reminders"]
