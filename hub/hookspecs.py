"""Every hook a plugin can implement, with its call semantics.

Three families, each registering through a host-owned ``register`` callback so the hub can record
which plugin registered what and refuse duplicates with a clear error:

* **connectors** — :func:`register_connectors`
* **mappers** — :func:`register_transforms` and :func:`register_default_mappings`
* **notifiers** — :func:`register_notifiers`

plus :func:`register_commands` for CLI commands and lifecycle events (:func:`records_changed`).

Implementations may accept any subset of a hook's arguments (pluggy's opt-in arguments), so new
arguments can be added later without breaking existing plugins. Registration hooks are called
once per plugin, in isolation: one plugin raising does not stop the others from registering.
Each hook has a section in ``docs/plugin-hooks.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    import click
    from sqlalchemy import Engine

    from hub.connectors import Connector
    from hub.notifiers import DeliveryResult, Notifier
    from hub.records import RecordChange

hookspec = pluggy.HookspecMarker("hub")
hookimpl = pluggy.HookimplMarker("hub")

#: A mapping transform: takes the value being mapped plus keyword parameters from the mapping
#: document, returns the new value; raises ``ValueError`` to reject the value.
Transform = Callable[..., Any]


class RegisterConnector(Protocol):
    def __call__(self, connector_class: type[Connector]) -> None: ...


class RegisterNotifier(Protocol):
    def __call__(self, notifier_class: type[Notifier]) -> None: ...


class RegisterTransform(Protocol):
    def __call__(self, name: str, function: Transform, *, description: str = "") -> None: ...


class RegisterDefaultMapping(Protocol):
    def __call__(self, connector: str, object_type: str, document: dict[str, Any]) -> None: ...


# --- connectors -------------------------------------------------------------------------------


@hookspec
def register_connectors(register: RegisterConnector) -> None:
    """Register ERP connector classes.

    :param register: call ``register(ConnectorSubclass)`` once per connector. The class's ``name``
        must be unique across all plugins; a duplicate is refused with an error naming both plugins.
    """


# --- mappers ----------------------------------------------------------------------------------


@hookspec
def register_transforms(register: RegisterTransform) -> None:
    """Register named value transforms that mapping documents can use (``"transform": "name"``).

    :param register: call ``register(name, function, description=...)``. ``function(value, **params)``
        returns the transformed value or raises ``ValueError`` with a message for the admin.
        Names are global; a duplicate is refused.
    """


@hookspec
def register_default_mappings(register: RegisterDefaultMapping) -> None:
    """Register the default mapping document of a connector's object type.

    :param register: call ``register(connector_name, object_type, document)``; the document must
        validate against ``schemas/mapping.schema.json``. New connections start from it, and
        "reset to default" in the admin returns to it. One default per (connector, object type).
    """


# --- notifiers --------------------------------------------------------------------------------


@hookspec
def register_notifiers(register: RegisterNotifier) -> None:
    """Register reminder channel classes (subclasses of :class:`hub.notifiers.Notifier`).

    :param register: call ``register(NotifierSubclass)``; the class's ``name`` must be unique.
    """


# --- command line -----------------------------------------------------------------------------


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands or command groups to ``hubctl``.

    :param cli: the root ``hubctl`` click group; call ``cli.add_command(...)`` or decorate with
        ``@cli.command()``. Called once when the CLI starts.
    """


# --- web admin --------------------------------------------------------------------------------


@hookspec
def register_admin_views(admin: Any, app: Any) -> None:
    """Add pages to the web admin.

    :param admin: the :class:`flask_admin.Admin` of the app; call ``admin.add_view(view)``.
        Views are admin-only unless their class sets ``roles = ("admin", "collector")``; every
        route still requires a logged-in user (the app-wide guard applies to plugin views too).
    :param app: the :class:`flask.Flask` app, e.g. to register a blueprint (its routes are
        guarded the same way; webhook receivers belong under the core's signed ``/webhooks``).

    Called once per app, when it is created; one plugin raising does not stop the others.
    """


# --- lifecycle events -------------------------------------------------------------------------


@hookspec
def records_changed(
    connection_id: int, object_type: str, changes: Sequence[RecordChange], engine: Engine | None
) -> None:
    """Called after canonical records were created, updated or deleted, once the change is committed.

    :param connection_id: the connection the records belong to.
    :param object_type: ``customer``, ``contact``, ``invoice`` or ``payment``.
    :param changes: one :class:`hub.records.RecordChange` per changed record (unchanged records are
        not reported). The collections engine uses this to cancel reminders the moment a payment lands.
    :param engine: the database the records were committed to (``None`` when the caller has none);
        use it rather than opening ``DATABASE_URL`` yourself.

    All implementations are called. The records are already committed when the event fires, and a
    retried sync would not announce them again (they are unchanged by then), so the sync engine
    logs a failing listener and carries on rather than failing the run; consumers that must not
    miss a change need a safety net of their own (the collections sender re-checks every invoice
    just before sending).
    """


@hookspec
def reminder_sent(reminder: dict[str, Any], channel: str, result: DeliveryResult) -> None:
    """Called once per outbox row after a reminder was handed to its channel and marked ``sent``.

    :param reminder: a snapshot of the outbox row (``id``, ``connection_id``,
        ``invoice_external_id``, ``customer_external_id``, ``step_key``, ``channel``, ``recipient``,
        ``message_key``, ``amount_due`` as :class:`~decimal.Decimal` or ``None``, ``sent_at``).
    :param channel: the configured channel name the message went through.
    :param result: the notifier's :class:`hub.DeliveryResult`.

    The message is already sent, so an exception is logged and swallowed, never retried.
    """


__all__ = [
    "RegisterConnector",
    "RegisterDefaultMapping",
    "RegisterNotifier",
    "RegisterTransform",
    "Transform",
    "hookimpl",
    "hookspec",
]
