"""One test per hook (named ``test_hook_<name>``), plus the meta-tests that keep it that way."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from hub import (
    CheckResult,
    Connector,
    DeliveryResult,
    Notifier,
    OutgoingMessage,
    RecordChange,
    hookimpl,
    hookspecs,
)
from hub.plugins import PluginHost, set_plugin_host

ROOT = Path(__file__).resolve().parents[2]


def hook_names() -> list[str]:
    host = PluginHost(load_entrypoints=False)
    return sorted(name for name in dir(host.pm.hook) if not name.startswith("_"))


def inline_host(plugin: object, name: str = "inline") -> PluginHost:
    host = PluginHost(load_entrypoints=False).load()
    assert host.register(plugin, name=name), host.errors
    return host


class Dummy(Connector):
    name = "dummy"
    title = "Dummy"
    config_schema = {
        "type": "object",
        "properties": {"token": {"type": "string", "title": "Token", "x-secret": True}},
    }

    def check(self) -> CheckResult:
        return CheckResult(True, "fine")

    def streams(self) -> list[Any]:
        return []

    def read(self, stream: str, state: Any) -> Any:
        return iter(())


class Pigeon(Notifier):
    name = "pigeon"
    channel = "email"

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        return DeliveryResult(provider_id=message.idempotency_key)

    def check(self) -> CheckResult:
        return CheckResult(True, "ready")


def test_hook_register_connectors() -> None:
    class Plugin:
        @hookimpl
        def register_connectors(self, register: Any) -> None:
            register(Dummy)

    host = inline_host(Plugin(), "dummy-plugin")
    assert host.connector("dummy") is Dummy
    info = {p.name: p for p in host.plugins()}["dummy-plugin"]
    assert info.registers["connectors"] == ["dummy"]
    assert info.hooks == ["register_connectors"]


def test_hook_register_notifiers() -> None:
    class Plugin:
        @hookimpl
        def register_notifiers(self, register: Any) -> None:
            register(Pigeon)

    host = inline_host(Plugin())
    notifier = host.notifier("pigeon")({})
    assert (
        notifier.send(OutgoingMessage(to="a@b.c", text="hi", idempotency_key="k1")).provider_id
        == "k1"
    )


def test_hook_register_transforms() -> None:
    def double(value: Any, factor: int = 2) -> Any:
        """Multiply by a factor."""
        return value * factor

    class Plugin:
        @hookimpl
        def register_transforms(self, register: Any) -> None:
            register("double", double)

    host = inline_host(Plugin())
    registered = host.transforms()["double"]
    assert registered.value(21) == 42 and registered.plugin == "inline"
    assert registered.description == "Multiply by a factor."


def test_hook_register_default_mappings() -> None:
    from hub.mapping import validate_mapping_document

    good = _a_valid_customer_mapping()
    validate_mapping_document(good)

    class Plugin:
        @hookimpl
        def register_default_mappings(self, register: Any) -> None:
            register("dummy", "customer", good)
            register("dummy", "invoice", {"object": "invoice", "fields": "not an object"})

    host = inline_host(Plugin())
    assert host.default_mapping("dummy", "customer") == good
    assert host.default_mapping("dummy", "invoice") is None
    [error] = host.errors
    assert error.plugin == "inline" and "registered something invalid" in error.message


def _a_valid_customer_mapping() -> dict[str, Any]:
    from hub.plugins import PluginHost as Host

    document = Host(load_entrypoints=True).load().default_mapping("example_csv", "customer")
    assert document is not None
    return document


def test_hook_register_commands() -> None:
    @click.command("hello")
    @click.argument("who")
    def hello(who: str) -> None:
        click.echo(f"hello {who}")

    class Plugin:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            cli.add_command(hello)

    host = inline_host(Plugin())
    set_plugin_host(host)
    try:
        from hub.cli import HubGroup, cli

        fresh = HubGroup(name="hubctl", commands=dict(cli.commands))
        result = CliRunner().invoke(fresh, ["hello", "world"])
    finally:
        set_plugin_host(None)
    assert result.exit_code == 0, result.output
    assert result.output == "hello world\n"
    assert {p.name: p for p in host.plugins()}["inline"].registers["commands"] == ["hello"]


def test_hook_records_changed(sqlite_engine: Any) -> None:
    seen: list[tuple[int, str, list[str], Any]] = []

    class Plugin:
        @hookimpl
        def records_changed(
            self, connection_id: int, object_type: str, changes: Any, engine: Any
        ) -> None:
            seen.append((connection_id, object_type, [c.external_id for c in changes], engine))

    host = inline_host(Plugin())
    marker = sqlite_engine  # the built-in collections listener really uses it
    host.records_changed(7, "payment", [RecordChange("P1", "created", {"external_id": "P1"})])
    host.records_changed(7, "payment", [])
    host.records_changed(8, "invoice", [RecordChange("I1", "deleted")], marker)
    assert seen == [(7, "payment", ["P1"], None), (8, "invoice", ["I1"], marker)]


def test_records_changed_errors_propagate() -> None:
    class Plugin:
        @hookimpl
        def records_changed(self) -> None:
            raise RuntimeError("collections engine unavailable")

    host = inline_host(Plugin())
    with pytest.raises(RuntimeError, match="collections engine unavailable"):
        host.records_changed(1, "invoice", [RecordChange("1", "deleted")])


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_has_a_test(name: str) -> None:
    sources = [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("plugins/*/tests/**/test_*.py")]
    pattern = re.compile(rf"def test_hook_{name}\b")
    assert any(pattern.search(p.read_text(encoding="utf-8")) for p in sources), (
        f"hook {name!r} has no test named test_hook_{name}"
    )


@pytest.mark.parametrize("name", hook_names())
def test_every_hook_is_documented_with_its_signature(name: str) -> None:
    spec = getattr(hookspecs, name)
    args = ", ".join(inspect.signature(spec).parameters)
    docs = (ROOT / "docs" / "plugin-hooks.md").read_text(encoding="utf-8")
    assert f"\n## {name}({args})\n" in docs, (
        f"docs/plugin-hooks.md needs a section headed `## {name}({args})`"
    )
