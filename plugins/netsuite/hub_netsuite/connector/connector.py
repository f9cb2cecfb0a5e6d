"""``NetSuiteConnector``: the hub's connector for Oracle NetSuite (SuiteQL over REST)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from hub import CheckResult, ConfigError, Connector, ConnectorContext, Page, StreamSpec
from hub_netsuite.connector.client import NetSuiteClient
from hub_netsuite.connector.config import CONFIG_SCHEMA, NetSuiteConfig, parse_config
from hub_netsuite.connector.diagnosis import CHECK_RETRIES, diagnose
from hub_netsuite.connector.streams import StreamReader
from hub_netsuite.connector.writeback import write_customer

STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec("customers", "customer", "id", "lastmodified", "NetSuite customers"),
    StreamSpec("contacts", "contact", "id", "lastmodified", "Contacts of customers"),
    StreamSpec("invoices", "invoice", "id", "lastmodified", "Invoices with item lines"),
    StreamSpec("payments", "payment", "id", "lastmodified", "Customer payments + applications"),
)


class NetSuiteConnector(Connector):
    """Syncs customers, contacts, invoices and payments from NetSuite through SuiteQL."""

    name: ClassVar[str] = "netsuite"
    title: ClassVar[str] = "Oracle NetSuite"
    config_schema: ClassVar[dict[str, Any]] = CONFIG_SCHEMA
    writable_objects: ClassVar[frozenset[str]] = frozenset({"customer"})

    def __init__(self, config: Mapping[str, Any], context: ConnectorContext | None = None) -> None:
        super().__init__(config, context)
        self._parsed: NetSuiteConfig | None = None
        self._client: NetSuiteClient | None = None

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def settings(self) -> NetSuiteConfig:
        """The parsed config (ConfigError when invalid)."""
        if self._parsed is None:
            self._parsed = parse_config(self.config)
        return self._parsed

    @property
    def client(self) -> NetSuiteClient:
        """The HTTP client, created on first use."""
        if self._client is None:
            self._client = NetSuiteClient(self.settings, self.context, budget_key=self.budget_key())
        return self._client

    def budget_key(self) -> str:
        """Connections to the same NetSuite account share one request budget."""
        try:
            return f"netsuite:{self.settings.account.realm}"
        except ConfigError:
            return f"netsuite:{str(self.config.get('account_id', '')).strip().upper()}"

    def reference_table(self, table: str) -> Mapping[str, Mapping[str, Any]] | None:
        """``currency``: NetSuite currency id → ``{"code": ISO code, "name": ...}``."""
        if table != "currency":
            return None
        rows = self.client.suiteql_all(
            "SELECT cur.id, cur.symbol, cur.name FROM currency cur ORDER BY cur.id"
        )
        return {row["id"]: {"code": row.get("symbol"), "name": row.get("name")} for row in rows}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _reader(self, object_type: str) -> StreamReader:
        return StreamReader(self.client, self.settings, object_type)

    # -- contract -------------------------------------------------------------------------------
    def check(self) -> CheckResult:
        try:
            settings = self.settings
        except ConfigError as exc:
            return CheckResult(False, exc.message, causes=exc.causes or ["fix the config"])
        return diagnose(
            self.client,
            settings.objects,
            lambda object_type: self._reader(object_type).probe(max_retries=CHECK_RETRIES),
        )

    def streams(self) -> Sequence[StreamSpec]:
        return STREAMS

    def read(self, stream: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        return self._reader(self.stream(stream).object_type).read(state)

    def fetch(self, object_type: str, external_id: str) -> dict[str, Any] | None:
        if object_type not in {s.object_type for s in STREAMS}:
            raise ConfigError(f"NetSuite connector has no object type {object_type!r}")
        return self._reader(object_type).fetch(external_id)

    def write(
        self, object_type: str, external_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        if object_type not in self.writable_objects:
            raise ConfigError(f"NetSuite write-back supports customers only, not {object_type}")
        return write_customer(
            self.client, external_id, changes, lambda i: self.fetch("customer", i)
        )
