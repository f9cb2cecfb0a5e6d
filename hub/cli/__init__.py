"""``hubctl``: the command-line interface of Collections Hub (contract: DESIGN.md section 5)."""

from __future__ import annotations

import sys
from typing import Any

import click

from hub.cli.collections import channels, invoices, optout, policies, reminders
from hub.cli.collections import customers as customer_commands
from hub.cli.connections import connections
from hub.cli.context import HubContext
from hub.cli.core import export, init, plugins, rotate_key
from hub.cli.customers import update_customer
from hub.cli.mappings import mappings
from hub.cli.quarantine import quarantine
from hub.cli.sync import sync
from hub.cli.web import demo, users, web
from hub.cli.worker import scheduler, worker
from hub.errors import ConfigError, HubError
from hub.redaction import redact


class HubGroup(click.Group):
    """The root group: adds plugin commands on first use and turns hub errors into clear exits."""

    _plugin_commands_loaded = False

    def _load_plugin_commands(self) -> None:
        if not self._plugin_commands_loaded:
            self._plugin_commands_loaded = True
            from hub.plugins import get_plugin_host

            get_plugin_host().add_commands(self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None:
            self._load_plugin_commands()
            command = super().get_command(ctx, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(redact(f"Error: {exc}"), err=True)
            sys.exit(2)
        except HubError as exc:
            click.echo(redact(f"Error: {exc}"), err=True)
            sys.exit(1)


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="collections-hub", prog_name="hubctl")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Collections Hub: sync your ERP into collections, chase invoices, stop when paid.

    Settings come from the environment: DATABASE_URL, REDIS_URL, HUB_SECRET_KEY,
    HUB_INSTANCE_PATH (see docs/operations.md).
    """
    hub = ctx.ensure_object(HubContext)
    ctx.call_on_close(hub.close)


for command in (
    init,
    plugins,
    export,
    rotate_key,
    connections,
    mappings,
    sync,
    quarantine,
    worker,
    scheduler,
    channels,
    reminders,
    customer_commands,
    invoices,
    optout,
    policies,
    web,
    users,
    demo,
):
    cli.add_command(command)

# ``customers`` (collector actions, hub.cli.collections) gains ``update`` (write-back,
# hub.cli.customers; that module's name shadows ``customers`` here, hence the alias).
customer_commands.add_command(update_customer)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="hubctl")


__all__ = ["cli", "main"]
