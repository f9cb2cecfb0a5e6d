"""The connector contract: what an ERP plugin implements so the hub can sync from it.

Modelled on Airbyte's spec/check/discover/read and on Singer state. A connector is a class with
a JSON Schema for its configuration, a :meth:`Connector.check` that diagnoses a connection, the
:meth:`Connector.streams` it offers, and :meth:`Connector.read`, which yields pages of *raw* source
records, each followed by the stream state that is valid once that page is committed. Mapping raw
records to canonical ones is the hub's job (see :mod:`hub.mapping`), not the connector's.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

#: Canonical object types, in dependency order (customers before the invoices that name them).
OBJECT_TYPES: tuple[str, ...] = ("customer", "contact", "invoice", "payment")


@dataclass(frozen=True)
class StreamSpec:
    """One stream a connector can read.

    :param name: stream name, e.g. ``"invoices"``.
    :param object_type: the canonical object its records map to, e.g. ``"invoice"``.
    :param primary_key: the raw field that holds the source's id (becomes ``external_id``).
    :param cursor_field: the raw field incremental reads are ordered by, or ``None`` if full only.
    """

    name: str
    object_type: str
    primary_key: str = "id"
    cursor_field: str | None = None
    description: str = ""


@dataclass
class Page:
    """A page of raw records and the state to store once the page is committed.

    :param records: raw source records (JSON-compatible dicts).
    :param state: the stream's state after this page; never ahead of the records in it.
    :param deleted: source ids deleted (or otherwise gone) at the source in this page's window.
    """

    records: list[dict[str, Any]]
    state: dict[str, Any]
    deleted: list[str] = field(default_factory=list)


@dataclass
class CheckResult:
    """The outcome of :meth:`Connector.check` or :meth:`hub.notifiers.Notifier.check`.

    :param ok: the connection works for everything that is enabled.
    :param message: one line for the admin.
    :param causes: when not ok, the likely causes to check, most likely first.
    :param details: per-object or per-step results, e.g. ``{"invoice": "ok"}``.
    """

    ok: bool
    message: str
    causes: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form, as printed by ``hubctl connections test --json``."""
        return {
            "ok": self.ok,
            "message": self.message,
            "causes": list(self.causes),
            "details": dict(self.details),
        }


@runtime_checkable
class ConnectorContext(Protocol):
    """Runtime services the hub lends a connector while it runs.

    The sync engine passes a context that shares a request budget across workers through Redis;
    :class:`LocalContext` is the in-process default used by the CLI and tests.
    """

    logger: logging.Logger

    def request_slot(self) -> AbstractContextManager[None]:
        """Hold one slot of the source account's concurrency budget for one HTTP request."""
        ...

    @property
    def requests_made(self) -> int:
        """How many requests were counted through :meth:`request_slot` so far."""
        ...


class LocalContext:
    """A :class:`ConnectorContext` for one process: counts requests, limits nothing across processes.

    :param max_concurrency: the most requests this process lets run at once (``None`` = no limit).
    """

    def __init__(self, max_concurrency: int | None = None, logger: logging.Logger | None = None):
        self.logger = logger or logging.getLogger("hub.connector")
        self._lock = threading.Lock()
        self._count = 0
        self._semaphore = threading.BoundedSemaphore(max_concurrency) if max_concurrency else None

    @contextmanager
    def request_slot(self) -> Iterator[None]:
        """Count one request and hold a local slot while it runs."""
        with self._lock:
            self._count += 1
        if self._semaphore is None:
            yield
            return
        with self._semaphore:
            yield

    @property
    def requests_made(self) -> int:
        return self._count


class Connector(ABC):
    """Base class of ERP connectors. Subclass it and register the class with ``register_connectors``.

    Class attributes declare the connector; instances hold one validated configuration.

    :cvar name: registry name used in ``hubctl connections add --plugin NAME`` (e.g. ``"netsuite"``).
    :cvar title: human name shown in the admin.
    :cvar config_schema: JSON Schema (Draft 2020-12) of the configuration; secret fields carry
        ``"x-secret": true`` so the hub encrypts, masks and redacts them.
    :cvar writable_objects: canonical object types :meth:`write` supports (empty = read-only).
    """

    name: ClassVar[str]
    title: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    writable_objects: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: Mapping[str, Any], context: ConnectorContext | None = None) -> None:
        self.config: Mapping[str, Any] = config
        self.context: ConnectorContext = context or LocalContext()

    @abstractmethod
    def check(self) -> CheckResult:
        """Probe the source with the configured credentials and diagnose any failure.

        Must not raise for expected failures (bad credentials, unreachable host): return a
        :class:`CheckResult` whose ``causes`` tell the admin what to check.
        """

    @abstractmethod
    def streams(self) -> Sequence[StreamSpec]:
        """Return the streams this connector offers, in the order they should be synced."""

    @abstractmethod
    def read(self, stream: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        """Yield pages of raw records of ``stream``, resuming after ``state`` (``None`` = from scratch).

        Each :class:`Page` carries the state to store once its records are committed; the hub
        commits records and state together, so a crash never loses or skips a page.
        Raise :class:`hub.errors.TransientError` for retryable failures and
        :class:`hub.errors.ConfigError` for ones the admin must fix.
        """

    def fetch(self, object_type: str, external_id: str) -> dict[str, Any] | None:
        """Return the current raw record of one object, or ``None`` if it no longer exists.

        Used for targeted refreshes (webhooks, re-checks before sending a reminder).
        """
        raise NotImplementedError(f"connector {self.name!r} cannot fetch single records")

    def write(
        self, object_type: str, external_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Write canonical ``changes`` of one record back to the source; return the new raw record.

        Only called for types in :attr:`writable_objects`.
        """
        raise NotImplementedError(f"connector {self.name!r} is read-only")

    def budget_key(self) -> str | None:
        """The key of the source account whose request budget this connection shares.

        Connections (and workers) that return the same key share one concurrency budget in Redis,
        e.g. ``"netsuite:1234567_SB1"``. ``None`` (the default) gives each connection its own.
        The budget's size is the config's ``concurrency`` setting.
        """
        return None

    def reference_table(self, table: str) -> Mapping[str, Mapping[str, Any]] | None:
        """Rows of a small reference table mapping lookups may use (``{key: {field: value}}``).

        E.g. ``"currency"`` for NetSuite's currency ids; ``None`` (the default) when unknown.
        Called at most once per table and sync run.
        """
        return None

    def close(self) -> None:  # noqa: B027  (optional; most connectors hold nothing to close)
        """Release network sessions and other resources. Safe to call twice."""

    def stream(self, name: str) -> StreamSpec:
        """Return the :class:`StreamSpec` called ``name``; :class:`KeyError` if there is none."""
        for spec in self.streams():
            if spec.name == name:
                return spec
        raise KeyError(name)


__all__ = [
    "OBJECT_TYPES",
    "CheckResult",
    "Connector",
    "ConnectorContext",
    "LocalContext",
    "Page",
    "StreamSpec",
]
