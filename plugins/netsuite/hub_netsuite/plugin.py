"""Hook implementations of the NetSuite plugin (loaded through the ``hub`` entry point)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl
from hub.hookspecs import RegisterConnector, RegisterDefaultMapping

if TYPE_CHECKING:
    import click

CONNECTOR_NAME = "netsuite"


@hookimpl
def register_connectors(register: RegisterConnector) -> None:
    """The NetSuite connector (SuiteQL over REST, TBA or OAuth 2.0 M2M)."""
    from hub_netsuite.connector import NetSuiteConnector

    register(NetSuiteConnector)


@hookimpl
def register_default_mappings(register: RegisterDefaultMapping) -> None:
    """The default NetSuite -> canonical mapping of every object type."""
    from hub_netsuite.mappings import load_default_mappings

    for object_type, document in load_default_mappings().items():
        register(CONNECTOR_NAME, object_type, document)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """``hubctl netsuite-sandbox ...``: the offline NetSuite emulator."""
    from hub_netsuite.sandbox.cli import netsuite_sandbox

    cli.add_command(netsuite_sandbox, "netsuite-sandbox")
