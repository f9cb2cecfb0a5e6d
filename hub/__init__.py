"""Collections Hub: sync an ERP into an accounts-receivable collections layer.

This module is the public API for plugins: ``from hub import hookimpl, Connector, ...``.
Anything not re-exported here is internal and may change without notice.
"""

from __future__ import annotations

from typing import Any

from hub.connectors import (
    OBJECT_TYPES,
    CheckResult,
    Connector,
    ConnectorContext,
    LocalContext,
    Page,
    StreamSpec,
)
from hub.errors import (
    AuthenticationError,
    ConfigError,
    FieldError,
    HubError,
    PluginError,
    RecipientOptedOut,
    RecipientRejected,
    RecordError,
    TransientError,
)
from hub.hookspecs import hookimpl
from hub.notifiers import DeliveryResult, Notifier, OutgoingMessage
from hub.records import RecordChange


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("collections-hub")
    raise AttributeError(name)


__all__ = [
    "OBJECT_TYPES",
    "AuthenticationError",
    "CheckResult",
    "ConfigError",
    "Connector",
    "ConnectorContext",
    "DeliveryResult",
    "FieldError",
    "HubError",
    "LocalContext",
    "Notifier",
    "OutgoingMessage",
    "Page",
    "PluginError",
    "RecipientOptedOut",
    "RecipientRejected",
    "RecordChange",
    "RecordError",
    "StreamSpec",
    "TransientError",
    "hookimpl",
]
