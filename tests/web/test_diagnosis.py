"""Test Connection leaves a persistent diagnosis panel: message, per-object details, causes."""

from __future__ import annotations

from typing import Any

from flask import Flask
from webhelpers import ACCOUNT_TOKEN_SCHEMA, csrf_token, login

from hub import CheckResult, Connector, StreamSpec, hookimpl
from hub.plugins import PluginHost


class PickyConnector(Connector):
    name = "picky"
    title = "Picky"
    config_schema = ACCOUNT_TOKEN_SCHEMA

    def check(self) -> CheckResult:
        if self.config["account"] == "good":
            return CheckResult(True, "reached the account", details={"invoice": "ok"})
        return CheckResult(
            False,
            "invoices cannot be read",
            causes=["the role lacks Transactions > Invoice (View)", "the account ID is wrong"],
            details={"customer": "ok", "invoice": "403 INSUFFICIENT_PERMISSION"},
        )

    def streams(self) -> list[StreamSpec]:
        return [StreamSpec("customers", "customer")]

    def read(self, stream: str, state: Any) -> Any:
        return iter(())


class PickyPlugin:
    @hookimpl
    def register_connectors(self, register: Any) -> None:
        register(PickyConnector)


def test_diagnosis_panel_persists_until_the_next_test(app: Flask, plugin_host: PluginHost) -> None:
    plugin_host.register(PickyPlugin(), name="picky")
    client = app.test_client()
    login(client, "admin@example.test")
    token = csrf_token(client, "/admin/connections/new?plugin=picky")
    form = {
        "csrf_token": token,
        "plugin": "picky",
        "name": "acme",
        "cfg_account": "bad",
        "cfg_token": "tok-value-123",
        "obj_customer": "on",
        "frequency": "manual",
        "direction": "picky_to_hub",
    }
    created = client.post("/admin/connections/new", data=form)
    assert created.status_code == 302
    detail = created.location
    assert 'id="diagnosis"' not in client.get(detail).get_data(as_text=True)

    client.post("/admin/connections/1/test", data={"csrf_token": token})
    page = client.get(detail).get_data(as_text=True)  # a fresh load: no flash any more
    assert 'id="diagnosis" data-ok="0"' in page
    assert "invoices cannot be read" in page
    assert "403 INSUFFICIENT_PERMISSION" in page
    assert page.index("the role lacks") < page.index("the account ID is wrong")
    assert client.get(detail).get_data(as_text=True).count('id="diagnosis"') == 1

    edit = {**form, "cfg_account": "good", "cfg_token": ""}
    assert client.post("/admin/connections/1/edit", data=edit).status_code == 302
    client.post("/admin/connections/1/test", data={"csrf_token": token})
    page = client.get(detail).get_data(as_text=True)
    assert 'id="diagnosis" data-ok="1"' in page and "invoices cannot be read" not in page
