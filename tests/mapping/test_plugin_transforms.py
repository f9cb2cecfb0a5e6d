"""Transforms contributed by a plugin through the real register_transforms hook."""

from __future__ import annotations

from typing import Any

from mapping_helpers import invoice_document, raw_invoice

from hub import hookimpl
from hub.default_plugins.transforms import BUILTIN_TRANSFORMS
from hub.mapping import Mapper, mapping_document_errors
from hub.plugins import PluginHost


class ReversePlugin:
    """A third-party style plugin registering one transform."""

    @hookimpl
    def register_transforms(self, register: Any) -> None:
        def reverse(value: Any, *, keep: int = 0) -> str:
            return str(value)[:keep] + str(value)[keep:][::-1]

        register("reverse", reverse, description="Reverse text after `keep` characters.")


class ClashingPlugin:
    @hookimpl
    def register_transforms(self, register: Any) -> None:
        register("strip", lambda value: value)


def test_plugin_transform_is_usable_in_documents() -> None:
    host = PluginHost(load_entrypoints=False)
    host.register(ReversePlugin(), name="reverse_plugin")
    host.load()
    registered = host.transforms()
    assert registered["reverse"].plugin == "reverse_plugin"
    assert registered["reverse"].description.startswith("Reverse text")
    assert set(BUILTIN_TRANSFORMS) <= set(registered)  # built-ins come through the same hook
    transforms = {name: entry.value for name, entry in registered.items()}

    document = invoice_document(
        number={
            "source": "tranid",
            "transform": ["strip", {"name": "reverse", "params": {"keep": 3}}],
        }
    )
    assert mapping_document_errors(document, transforms=transforms) == []
    record = Mapper.compile(document, transforms=transforms).map(raw_invoice()).record
    assert record is not None and record["number"] == "INV54001"

    host.unregister("reverse_plugin")
    without = {name: entry.value for name, entry in host.transforms().items()}
    assert [e.path for e in mapping_document_errors(document, transforms=without)] == [
        "$.fields.number.transform[1].name"
    ]


def test_duplicate_transform_name_is_refused_naming_the_plugin() -> None:
    host = PluginHost(load_entrypoints=False).load()  # built-ins first, as in production
    host.register(ClashingPlugin(), name="clash")
    assert host.transforms()["strip"].plugin == "hub.default_plugins.transforms"
    assert any(e.plugin == "clash" and "strip" in e.message for e in host.errors)


def test_default_mappings_register_through_the_hook_and_are_validated() -> None:
    class Defaults:
        @hookimpl
        def register_default_mappings(self, register: Any) -> None:
            register("demo", "invoice", invoice_document())
            register(
                "demo",
                "payment",
                {"format_version": 1, "object": "payment", "fields": {"amount": {"sorce": "x"}}},
            )

    host = PluginHost(load_entrypoints=False)
    host.register(Defaults(), name="defaults")
    host.load()
    assert host.default_mapping("demo", "invoice") == invoice_document()
    assert host.default_mapping("demo", "payment") is None
    assert any(e.plugin == "defaults" and "$.fields.amount.sorce" in e.message for e in host.errors)
