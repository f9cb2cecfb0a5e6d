"""A contract test suite every connector plugin can run against itself.

Subclass :class:`ConnectorContractTests` in your plugin's tests and provide two fixtures::

    from hub.testing import ConnectorContractTests

    class TestMyConnector(ConnectorContractTests):
        connector_name = "my_erp"

        @pytest.fixture
        def good_config(self, tmp_path):
            return {...}        # a config that reaches a real (test) source

        @pytest.fixture
        def bad_config(self, good_config):
            return {**good_config, "token_secret": "wrong"}

The suite checks the connector is registered through its entry point, that its config schema
follows the convention, that ``check()`` passes on a good config and diagnoses a bad one without
leaking secrets, that streams are declared, that ``read()`` yields pages whose records map cleanly
with the plugin's default mappings, that state resumes where it left off, and that ``fetch()``
agrees with ``read()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any, ClassVar

import pytest

from hub.connectors import OBJECT_TYPES, Connector, Page
from hub.jsonschemas import secret_fields, validate_config, validate_config_schema
from hub.plugins import PluginHost


class ConnectorContractTests:
    """Base class of a connector's contract tests (see the module docstring)."""

    #: The connector's registry name (``Connector.name``).
    connector_name: ClassVar[str]
    #: How many pages of each stream the read tests look at.
    max_pages: ClassVar[int] = 3

    # --- fixtures a subclass may override -----------------------------------------------------

    @pytest.fixture
    def hub_plugins(self) -> PluginHost:
        """The installed plugins, loaded through their entry points."""
        return PluginHost().load()

    @pytest.fixture
    def connector_class(self, hub_plugins: PluginHost) -> type[Connector]:
        return hub_plugins.connector(self.connector_name)

    @pytest.fixture
    def connector(
        self, connector_class: type[Connector], good_config: dict[str, Any]
    ) -> Iterator[Connector]:
        instance = connector_class(good_config)
        yield instance
        instance.close()

    @pytest.fixture
    def lookups(self) -> Any:
        """A :class:`hub.mapping.LookupSource` for mappings that use lookups (default: none)."""
        return None

    # --- helpers ------------------------------------------------------------------------------

    def read_pages(
        self, connector: Connector, stream: str, state: Mapping[str, Any] | None = None
    ) -> list[Page]:
        return list(islice(connector.read(stream, state), self.max_pages))

    # --- the contract -------------------------------------------------------------------------

    def test_registered_through_entry_point(self, hub_plugins: PluginHost) -> None:
        registered = hub_plugins.connectors()
        assert self.connector_name in registered, (
            f"connector {self.connector_name!r} not registered; plugin errors: {hub_plugins.errors}"
        )
        owner = registered[self.connector_name].plugin
        info = {p.name: p for p in hub_plugins.plugins()}[owner]
        assert info.distribution, "the connector must come from an installed distribution"
        assert not info.errors

    def test_config_schema_follows_convention(self, connector_class: type[Connector]) -> None:
        validate_config_schema(connector_class.config_schema, owner=connector_class.name)

    def test_good_config_is_valid(
        self, connector_class: type[Connector], good_config: dict[str, Any]
    ) -> None:
        plugin_config = {
            k: v for k, v in good_config.items() if k not in ("objects", "frequency", "direction")
        }
        validate_config(connector_class.config_schema, plugin_config, owner=connector_class.name)

    def test_check_passes_with_good_config(self, connector: Connector) -> None:
        result = connector.check()
        assert result.ok, f"check() failed: {result.message} {result.causes}"

    def test_check_diagnoses_bad_config(
        self, connector_class: type[Connector], bad_config: dict[str, Any]
    ) -> None:
        instance = connector_class(bad_config)
        try:
            result = instance.check()
        finally:
            instance.close()
        assert not result.ok
        assert result.message.strip(), "a failed check must say what failed"
        assert result.causes, "a failed check must list the likely causes to check"
        shown = json.dumps(result.as_dict())
        for name in secret_fields(connector_class.config_schema):
            value = bad_config.get(name)
            if isinstance(value, str) and len(value) >= 4:
                assert value not in shown, f"check() leaked the secret field {name!r}"

    def test_streams_are_declared(self, connector: Connector) -> None:
        streams = list(connector.streams())
        assert streams, "a connector must offer at least one stream"
        names = [s.name for s in streams]
        assert len(names) == len(set(names)), "stream names must be unique"
        for spec in streams:
            assert spec.object_type in OBJECT_TYPES
            assert spec.primary_key

    def test_default_mappings_exist(self, connector: Connector, hub_plugins: PluginHost) -> None:
        for spec in connector.streams():
            document = hub_plugins.default_mapping(self.connector_name, spec.object_type)
            assert document is not None, f"no default mapping for {spec.object_type}"

    def test_read_yields_pages_that_map_cleanly(
        self, connector: Connector, hub_plugins: PluginHost, lookups: Any
    ) -> None:
        from hub.mapping import Mapper

        transforms = {name: r.value for name, r in hub_plugins.transforms().items()}
        for spec in connector.streams():
            document = hub_plugins.default_mapping(self.connector_name, spec.object_type)
            assert document is not None
            mapper = Mapper.compile(document, transforms=transforms, lookups=lookups)
            pages = self.read_pages(connector, spec.name)
            assert pages, f"stream {spec.name} yielded no page; give the test source some data"
            for page in pages:
                json.dumps(page.state)  # state must be JSON-serialisable
                for raw in page.records:
                    assert spec.primary_key in raw, f"{spec.name} record lacks its primary key"
                    result = mapper.map(raw)
                    assert not result.errors, (
                        f"{spec.name} record {raw.get(spec.primary_key)} "
                        f"does not map cleanly: {[e.as_dict() for e in result.errors]}"
                    )

    def test_state_resumes_after_a_page(self, connector: Connector) -> None:
        resumed_any = False
        for spec in connector.streams():
            pages = list(connector.read(spec.name, None))
            if len(pages) < 2:
                continue
            resumed_any = True
            every = {str(r[spec.primary_key]) for p in pages for r in p.records}
            first = {str(r[spec.primary_key]) for r in pages[0].records}
            rest = {
                str(r[spec.primary_key])
                for p in connector.read(spec.name, pages[0].state)
                for r in p.records
            }
            assert first | rest == every, f"{spec.name}: resuming lost records"
            assert not first <= rest, f"{spec.name}: resuming restarted from scratch"
            after_last = {
                str(r[spec.primary_key])
                for p in connector.read(spec.name, pages[-1].state)
                for r in p.records
            }
            assert after_last <= every, f"{spec.name}: resuming at the end invented records"
        if not resumed_any:
            pytest.skip("no stream had two pages; give the test source more data to test resuming")

    def test_fetch_agrees_with_read(self, connector: Connector) -> None:
        for spec in connector.streams():
            pages = self.read_pages(connector, spec.name)
            if not pages or not pages[0].records:
                continue
            raw = pages[0].records[0]
            try:
                fetched = connector.fetch(spec.object_type, str(raw[spec.primary_key]))
            except NotImplementedError:
                pytest.skip("connector does not implement fetch()")
            assert fetched is not None
            assert str(fetched[spec.primary_key]) == str(raw[spec.primary_key])


__all__ = ["ConnectorContractTests"]
