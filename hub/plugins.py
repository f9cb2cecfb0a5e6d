"""The one facade over pluggy: loads plugins, isolates their failures, exposes typed accessors.

Nothing else in the hub calls ``pm.hook.*``. Plugins are found only through the ``hub`` entry-point
group (plus the hub's own built-in plugins, which use the same hooks). Loading is explicit and lazy:
importing this module does no work; :func:`get_plugin_host` loads on first use.

Environment:

* ``HUB_LOAD_PLUGINS=a,b`` — load only these entry points (empty = none of them).
* ``HUB_DISABLE_PLUGINS=a,b`` — never load these.
* ``HUB_TRACE_PLUGINS=1`` — print every hook call to stderr.

A plugin that fails to import, implements an unknown hook, raises while registering, or registers a
name another plugin already took is reported as a :class:`~hub.errors.PluginError` naming it; the
other plugins still load.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import pluggy

from hub import hookspecs
from hub.connectors import Connector
from hub.errors import ConfigError, PluginError
from hub.notifiers import DeliveryResult, Notifier

if TYPE_CHECKING:
    import click
    from sqlalchemy import Engine

    from hub.records import RecordChange

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "hub"
"""The entry-point group third-party plugins register in (contract)."""

BUILTIN_PLUGINS: tuple[str, ...] = (
    "hub.default_plugins.transforms",
    "hub.default_plugins.collections",
)
"""Modules shipped with the core and registered like any plugin (dogfooding the hooks)."""

T = TypeVar("T")


@dataclass(frozen=True)
class Registered(Generic[T]):
    """Something a plugin registered, with the plugin that registered it."""

    name: str
    value: T
    plugin: str
    description: str = ""


@dataclass
class PluginInfo:
    """What ``hubctl plugins`` shows for one plugin."""

    name: str
    version: str | None
    distribution: str | None
    builtin: bool
    hooks: list[str] = field(default_factory=list)
    registers: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "distribution": self.distribution,
            "builtin": self.builtin,
            "hooks": self.hooks,
            "registers": self.registers,
            "errors": self.errors,
        }


def _env_list(env: Mapping[str, str], key: str) -> list[str] | None:
    raw = env.get(key)
    if raw is None:
        return None
    return [part.strip() for part in raw.split(",") if part.strip()]


class PluginHost:
    """Owns the :class:`pluggy.PluginManager` and everything plugins registered.

    :param env: environment to read the ``HUB_*_PLUGINS`` switches from (default ``os.environ``).
    :param load_entrypoints: discover installed plugins; tests pass ``False`` and register inline.
    """

    def __init__(
        self, *, env: Mapping[str, str] | None = None, load_entrypoints: bool = True
    ) -> None:
        self._env = os.environ if env is None else env
        self._load_entrypoints = load_entrypoints
        self.pm = pluggy.PluginManager("hub")
        self.pm.add_hookspecs(hookspecs)
        self.errors: list[PluginError] = []
        self._distributions: dict[str, tuple[str, str]] = {}
        self._builtin: set[str] = set()
        self._loaded = False
        self._registry: _Registry | None = None

    # --- loading ------------------------------------------------------------------------------

    def load(self) -> PluginHost:
        """Register built-in plugins and installed entry points. Idempotent."""
        if self._loaded:
            return self
        self._loaded = True
        if self._env.get("HUB_TRACE_PLUGINS"):
            self.pm.add_hookcall_monitoring(_trace_before, _trace_after)
        for module_name in BUILTIN_PLUGINS:
            self._builtin.add(module_name)
            self.register(importlib.import_module(module_name), name=module_name)
        if self._load_entrypoints:
            self._load_entry_points()
        return self

    def _load_entry_points(self) -> None:
        allow = _env_list(self._env, "HUB_LOAD_PLUGINS")
        blocked = set(_env_list(self._env, "HUB_DISABLE_PLUGINS") or [])
        for name in blocked:
            self.pm.set_blocked(name)
        found: set[str] = set()
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.add(ep.name)
            if ep.name in blocked or (allow is not None and ep.name not in allow):
                continue
            if self.pm.has_plugin(ep.name):
                self._error(
                    ep.name,
                    f"another installed package already provides a plugin "
                    f"named {ep.name!r}; uninstall one of them",
                )
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # a broken plugin must not take the others down
                self._error(ep.name, f"failed to import {ep.value!r}: {type(exc).__name__}: {exc}")
                continue
            if ep.dist is not None:
                self._distributions[ep.name] = (ep.dist.name, ep.dist.version)
            self.register(plugin, name=ep.name)
        for name in allow or []:
            if name not in found:
                self._error(
                    name,
                    "named in HUB_LOAD_PLUGINS but no installed package provides it "
                    f"(installed: {', '.join(sorted(found)) or 'none'})",
                )

    def register(self, plugin: object, name: str) -> bool:
        """Register one plugin object (module or instance); return ``False`` and record an error if
        it implements hooks that do not exist."""
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            self._error(name, str(exc))
            return False
        unknown = [
            impl.function.__name__
            for caller in (self.pm.get_hookcallers(plugin) or [])
            if not caller.has_spec()
            for impl in caller.get_hookimpls()
            if impl.plugin is plugin
        ]
        if unknown:
            self.pm.unregister(plugin)
            self._error(
                name,
                f"implements unknown hook(s) {', '.join(sorted(unknown))}; "
                "check the spelling against docs/plugin-hooks.md",
            )
            return False
        self._registry = None
        return True

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name`` (used by tests)."""
        self.pm.unregister(name=name)
        self._registry = None

    def _error(self, plugin: str, message: str) -> None:
        error = PluginError(plugin, message)
        self.errors.append(error)
        print(f"hub: warning: {error}", file=sys.stderr)

    # --- calling registration hooks one plugin at a time -----------------------------------------

    def _call_each(self, hook_name: str, make_kwargs: Callable[[str], dict[str, Any]]) -> None:
        """Call ``hook_name`` on each plugin separately so a failure is attributed and contained."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            kwargs = make_kwargs(impl.plugin_name)
            try:
                impl.function(*[kwargs[arg] for arg in impl.argnames])
            except Exception as exc:  # isolate: report the plugin, keep the others
                self._error(impl.plugin_name, f"{hook_name} raised {type(exc).__name__}: {exc}")

    @property
    def registry(self) -> _Registry:
        self.load()
        if self._registry is None:
            self._registry = _Registry(self)
        return self._registry

    # --- typed accessors ----------------------------------------------------------------------

    def connectors(self) -> dict[str, Registered[type[Connector]]]:
        """Registered connector classes by name."""
        return dict(self.registry.connectors)

    def connector(self, name: str) -> type[Connector]:
        """The connector class called ``name``; :class:`ConfigError` listing the known ones if none."""
        found = self.registry.connectors.get(name)
        if found is None:
            known = ", ".join(sorted(self.registry.connectors)) or "none installed"
            raise ConfigError(
                f"no connector plugin called {name!r} (available: {known})",
                causes=[
                    "install the plugin's package with pip",
                    "check HUB_LOAD_PLUGINS / HUB_DISABLE_PLUGINS",
                ],
            )
        return found.value

    def notifiers(self) -> dict[str, Registered[type[Notifier]]]:
        """Registered notifier classes by name."""
        return dict(self.registry.notifiers)

    def notifier(self, name: str) -> type[Notifier]:
        """The notifier class called ``name``; :class:`ConfigError` listing the known ones if none."""
        found = self.registry.notifiers.get(name)
        if found is None:
            known = ", ".join(sorted(self.registry.notifiers)) or "none installed"
            raise ConfigError(f"no notifier plugin called {name!r} (available: {known})")
        return found.value

    def transforms(self) -> dict[str, Registered[hookspecs.Transform]]:
        """Registered mapping transforms by name."""
        return dict(self.registry.transforms)

    def register_admin_views(self, admin: Any, app: Any) -> None:
        """Let every plugin add its admin views to ``admin`` (a Flask-Admin ``Admin``) and ``app``.

        Each plugin is called in isolation: one raising is reported and the others still run.
        """
        self.load()
        self._call_each("register_admin_views", lambda _plugin: {"admin": admin, "app": app})

    def default_mapping(self, connector: str, object_type: str) -> dict[str, Any] | None:
        """The default mapping document of (connector, object type), or ``None``."""
        found = self.registry.default_mappings.get((connector, object_type))
        return None if found is None else found.value

    def default_mappings(self) -> dict[tuple[str, str], Registered[dict[str, Any]]]:
        """All default mapping documents, keyed by (connector, object type)."""
        return dict(self.registry.default_mappings)

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add their commands to ``cli`` (names they take are recorded per plugin)."""
        for name, command in self.registry.commands.items():
            if name not in cli.commands:
                cli.add_command(command.value, name)

    def has_listeners(self, hook_name: str = "records_changed") -> bool:
        """Whether any loaded plugin implements the event ``hook_name`` (skip building it if not)."""
        return bool(getattr(self.load().pm.hook, hook_name).get_hookimpls())

    def records_changed(
        self,
        connection_id: int,
        object_type: str,
        changes: Sequence[RecordChange],
        engine: Engine | None = None,
    ) -> None:
        """Fire the ``records_changed`` event (exceptions propagate to the caller)."""
        if changes:
            self.load().pm.hook.records_changed(
                connection_id=connection_id, object_type=object_type, changes=changes, engine=engine
            )

    def reminder_sent(self, reminder: dict[str, Any], channel: str, result: DeliveryResult) -> None:
        """Fire the ``reminder_sent`` event. Each implementation is called on its own; one that
        fails is logged and the others still run (the message is already out: an observer must
        neither undo it nor cause a retry)."""
        arguments = {"reminder": reminder, "channel": channel, "result": result}
        for impl in self.load().pm.hook.reminder_sent.get_hookimpls():
            try:
                impl.function(*(arguments[name] for name in impl.argnames))
            except Exception:  # noqa: BLE001 - observers must not undo a delivered message
                log.exception(
                    "plugin %s failed in reminder_sent for reminder %s",
                    impl.plugin_name,
                    reminder.get("id"),
                )

    def plugins(self) -> list[PluginInfo]:
        """Everything ``hubctl plugins`` shows: each plugin, its hooks, registrations and errors."""
        registry = self.registry
        infos: dict[str, PluginInfo] = {}
        for name, plugin in self.pm.list_name_plugin():
            if plugin is None:
                continue
            dist, version = self._distributions.get(name, (None, None))
            if name in self._builtin:
                dist = "collections-hub"
                version = importlib.metadata.version("collections-hub")
            hooks = sorted(c.name for c in (self.pm.get_hookcallers(plugin) or []))
            infos[name] = PluginInfo(name, version, dist, name in self._builtin, hooks)
        for kind, entries in registry.by_kind().items():
            for entry_name, owner in entries:
                if owner in infos:
                    infos[owner].registers.setdefault(kind, []).append(entry_name)
        for error in self.errors:
            infos.setdefault(error.plugin, PluginInfo(error.plugin, None, None, False))
            infos[error.plugin].errors.append(error.message)
        return sorted(infos.values(), key=lambda i: (not i.builtin, i.name))


class _Registry:
    """Everything plugins registered, collected once per set of plugins."""

    def __init__(self, host: PluginHost) -> None:
        from hub.jsonschemas import validate_config_schema

        self.connectors: dict[str, Registered[type[Connector]]] = {}
        self.notifiers: dict[str, Registered[type[Notifier]]] = {}
        self.transforms: dict[str, Registered[hookspecs.Transform]] = {}
        self.default_mappings: dict[tuple[str, str], Registered[dict[str, Any]]] = {}
        self.commands: dict[str, Registered[Any]] = {}

        def claim(
            table: dict[Any, Registered[Any]], key: Any, label: str, entry: Registered[Any]
        ) -> None:
            taken = table.get(key)
            if taken is not None:
                raise PluginError(
                    entry.plugin,
                    f"{label} {entry.name!r} is already registered by "
                    f"plugin {taken.plugin!r}; rename it or disable one plugin",
                )
            table[key] = entry

        def class_register(
            base: type[Any], table: dict[Any, Registered[Any]], label: str
        ) -> Callable[[str], dict[str, Any]]:
            """A register callback for plugin classes: subclasses of ``base`` with a ``name``."""

            def for_plugin(plugin: str) -> dict[str, Any]:
                def register(cls: type[Any]) -> None:
                    if not (isinstance(cls, type) and issubclass(cls, base)):
                        raise PluginError(plugin, f"{cls!r} is not a hub.{base.__name__} subclass")
                    name = getattr(cls, "name", None)
                    if not isinstance(name, str) or not name:
                        raise PluginError(plugin, f"{cls.__name__} has no `name`")
                    validate_config_schema(cls.config_schema, owner=name)
                    claim(table, name, label, Registered(name, cls, plugin, cls.title))

                return {"register": _guarded(host, plugin, register)}

            return for_plugin

        connector_register = class_register(Connector, self.connectors, "connector")
        notifier_register = class_register(Notifier, self.notifiers, "notifier")

        def transform_register(plugin: str) -> dict[str, Any]:
            def register(
                name: str, function: hookspecs.Transform, *, description: str = ""
            ) -> None:
                if not callable(function):
                    raise PluginError(plugin, f"transform {name!r} is not callable")
                claim(
                    self.transforms,
                    name,
                    "transform",
                    Registered(name, function, plugin, description or (function.__doc__ or "")),
                )

            return {"register": _guarded(host, plugin, register)}

        def mapping_register(plugin: str) -> dict[str, Any]:
            def register(connector: str, object_type: str, document: dict[str, Any]) -> None:
                from hub.mapping import validate_mapping_document

                validate_mapping_document(
                    document, transforms={n: r.value for n, r in self.transforms.items()}
                )
                label = f"{connector}/{object_type}"
                claim(
                    self.default_mappings,
                    (connector, object_type),
                    "default mapping",
                    Registered(label, document, plugin),
                )

            return {"register": _guarded(host, plugin, register)}

        def command_register(plugin: str) -> dict[str, Any]:
            import click

            scratch = click.Group()
            self._scratch[plugin] = scratch
            return {"cli": scratch}

        self._scratch: dict[str, click.Group] = {}
        host._call_each("register_connectors", connector_register)
        host._call_each("register_notifiers", notifier_register)
        host._call_each("register_transforms", transform_register)
        host._call_each("register_default_mappings", mapping_register)
        host._call_each("register_commands", command_register)
        for plugin, group in self._scratch.items():
            for name, command in group.commands.items():
                try:
                    claim(self.commands, name, "command", Registered(name, command, plugin))
                except PluginError as exc:
                    host.errors.append(exc)

    def by_kind(self) -> dict[str, list[tuple[str, str]]]:
        """(registered name, owning plugin) pairs per kind, for ``hubctl plugins``."""
        tables: dict[str, Mapping[Any, Registered[Any]]] = {
            "connectors": self.connectors,
            "notifiers": self.notifiers,
            "transforms": self.transforms,
            "default_mappings": self.default_mappings,
            "commands": self.commands,
        }
        return {kind: [(e.name, e.plugin) for e in t.values()] for kind, t in tables.items()}


def _guarded(host: PluginHost, plugin: str, register: Callable[..., None]) -> Callable[..., None]:
    """Wrap a register callback so one bad registration is reported and the rest go on."""

    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            register(*args, **kwargs)
        except PluginError as exc:
            host.errors.append(exc)
            print(f"hub: warning: {exc}", file=sys.stderr)
        except ConfigError as exc:
            host._error(plugin, f"registered something invalid: {exc}")

    return guarded


def _trace_before(hook_name: str, impls: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    names = ", ".join(impl.plugin_name for impl in impls)
    print(f"hub: trace: {hook_name}({', '.join(kwargs)}) -> [{names}]", file=sys.stderr)


def _trace_after(outcome: Any, hook_name: str, impls: Sequence[Any], kwargs: Any) -> None:
    print(f"hub: trace: {hook_name} done", file=sys.stderr)


_host: PluginHost | None = None


def get_plugin_host() -> PluginHost:
    """The process-wide :class:`PluginHost`, loaded on first use."""
    global _host
    if _host is None:
        _host = PluginHost().load()
    return _host


def set_plugin_host(host: PluginHost | None) -> None:
    """Replace the process-wide host (tests use this to inject a host with inline plugins)."""
    global _host
    _host = host


__all__ = [
    "BUILTIN_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PluginHost",
    "PluginInfo",
    "Registered",
    "get_plugin_host",
    "set_plugin_host",
]
