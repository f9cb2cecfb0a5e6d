"""Plugin discovery through entry points, the HUB_*_PLUGINS switches, and error isolation."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from hub import CheckResult, Connector, Notifier, hookimpl
from hub.plugins import PluginHost

BUNDLED = {"netsuite", "email_reminders", "sms_reminders"}


def make_dist(root: Path, dist: str, entry_points: dict[str, str], modules: dict[str, str]) -> None:
    """Write an installed-looking distribution (dist-info + modules) under ``root``."""
    info = root / f"{dist.replace('-', '_')}-0.3.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.3.1\n")
    lines = "\n".join(f"{name} = {target}" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[hub]\n{lines}\n")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source))


def host_with(env: dict[str, str] | None = None) -> PluginHost:
    return PluginHost(env=env or {}).load()


def by_name(host: PluginHost) -> dict[str, Any]:
    return {info.name: info for info in host.plugins()}


def test_bundled_plugins_are_discovered_through_entry_points() -> None:
    host = host_with()
    infos = by_name(host)
    assert BUNDLED <= set(infos)
    assert infos["netsuite"].distribution == "hub-netsuite"
    assert infos["email_reminders"].distribution == "hub-email-reminders"
    assert infos["netsuite"].version
    assert not infos["netsuite"].builtin
    assert infos["hub.default_plugins.transforms"].builtin


def test_third_party_plugin_installed_with_pip_appears_the_same_way() -> None:
    host = host_with()
    info = by_name(host)["example_csv"]
    assert info.distribution == "hub-example-csv" and info.version == "0.1.0"
    assert "register_connectors" in info.hooks
    assert info.registers["connectors"] == ["example_csv"]
    assert host.connector("example_csv").__name__ == "CsvConnector"


def test_hub_load_plugins_limits_loading() -> None:
    infos = by_name(host_with({"HUB_LOAD_PLUGINS": "netsuite,example_csv"}))
    assert {n for n, i in infos.items() if not i.builtin} == {"netsuite", "example_csv"}


def test_hub_load_plugins_empty_loads_none() -> None:
    infos = by_name(host_with({"HUB_LOAD_PLUGINS": ""}))
    assert all(i.builtin for i in infos.values())


def test_hub_load_plugins_names_a_missing_plugin() -> None:
    host = host_with({"HUB_LOAD_PLUGINS": "netsuite,nope"})
    assert [e.plugin for e in host.errors] == ["nope"]
    assert "no installed package provides it" in host.errors[0].message


def test_hub_disable_plugins_blocks_names() -> None:
    infos = by_name(host_with({"HUB_DISABLE_PLUGINS": "sms_reminders, example_csv"}))
    assert "sms_reminders" not in infos and "example_csv" not in infos
    assert "netsuite" in infos


def test_broken_plugin_is_reported_and_others_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist(
        tmp_path,
        "hub-broken",
        {"broken": "hub_broken_mod"},
        {"hub_broken_mod": "import a_module_that_does_not_exist\n"},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    host = host_with()
    infos = by_name(host)
    assert infos["broken"].errors == [
        "failed to import 'hub_broken_mod': ModuleNotFoundError: "
        "No module named 'a_module_that_does_not_exist'"
    ]
    assert BUNDLED <= set(infos)
    assert "example_csv" in host.connectors()


def test_duplicate_registration_names_both_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_dist(
        tmp_path,
        "hub-copycat",
        {"copycat": "hub_copycat_mod"},
        {
            "hub_copycat_mod": """
        from hub import hookimpl, Connector, CheckResult

        class Copy(Connector):
            name = "example_csv"
            def check(self): return CheckResult(True, "")
            def streams(self): return []
            def read(self, stream, state): return iter(())

        class Own(Copy):
            name = "copycat_own"

        @hookimpl
        def register_connectors(register):
            register(Copy)
            register(Own)
        """
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    host = host_with()
    connectors = host.connectors()
    winner = connectors["example_csv"].plugin  # the first plugin registered keeps the name
    loser = {"example_csv", "copycat"} - {winner}
    assert connectors["copycat_own"].plugin == "copycat"  # the rest of the plugin still works
    [error] = host.errors
    assert {error.plugin} == loser
    assert error.message == (
        f"connector 'example_csv' is already registered by plugin {winner!r}; "
        "rename it or disable one plugin"
    )
    assert by_name(host)[error.plugin].errors


def test_misspelt_hook_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_dist(
        tmp_path,
        "hub-typo",
        {"typo": "hub_typo_mod"},
        {
            "hub_typo_mod": """
        from hub import hookimpl

        @hookimpl
        def register_conectors(register):
            pass
        """
        },
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    host = host_with()
    [error] = [e for e in host.errors if e.plugin == "typo"]
    assert "unknown hook(s) register_conectors" in error.message
    assert "typo" not in {name for name, _ in host.pm.list_name_plugin()}


def test_plugin_raising_while_registering_is_contained() -> None:
    class Exploding:
        @hookimpl
        def register_notifiers(self, register: Any) -> None:
            raise RuntimeError("boom")

    host = PluginHost(env={}).load()
    host.register(Exploding(), name="exploding")
    assert "email_reminders" in host.notifiers()
    assert [str(e) for e in host.errors] == [
        "plugin 'exploding': register_notifiers raised RuntimeError: boom"
    ]


def test_invalid_registrations_are_refused() -> None:
    class BadSchema(Connector):
        name = "bad_schema"
        config_schema = {"type": "object", "properties": {"x": {"type": "nonsense"}}}

        def check(self) -> CheckResult:
            return CheckResult(True, "")

        def streams(self) -> list[Any]:
            return []

        def read(self, stream: str, state: Any) -> Any:
            return iter(())

    class Plugin:
        @hookimpl
        def register_connectors(self, register: Any) -> None:
            register(object)
            register(BadSchema)

    host = PluginHost(load_entrypoints=False).load()
    host.register(Plugin(), name="bad")
    assert host.connectors() == {}
    errors = [str(e) for e in host.errors]
    assert errors[0] == "plugin 'bad': <class 'object'> is not a hub.Connector subclass"
    assert "config_schema of 'bad_schema' is not valid JSON Schema" in errors[1]


def test_unknown_connector_lists_available_ones() -> None:
    from hub.errors import ConfigError

    with pytest.raises(
        ConfigError, match=r"no connector plugin called 'sap' \(available: .*example_csv"
    ):
        host_with().connector("sap")


def test_hubctl_plugins_json_in_a_subprocess(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "plugins", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    listed = {p["name"]: p for p in json.loads(out.stdout)}
    assert BUNDLED | {"example_csv"} <= set(listed)
    for name in BUNDLED:
        assert listed[name]["version"] == "0.1.0"
        assert listed[name]["hooks"], f"{name} implements no hook"
    assert "netsuite" in listed["netsuite"]["registers"]["connectors"]
    assert listed["email_reminders"]["registers"]["notifiers"] == ["email_reminders"]
    assert listed["sms_reminders"]["registers"]["notifiers"] == ["sms_reminders"]


def test_hubctl_plugins_exits_nonzero_when_a_plugin_is_broken(tmp_path: Path) -> None:
    make_dist(
        tmp_path,
        "hub-broken",
        {"broken": "hub_broken_mod"},
        {"hub_broken_mod": "raise RuntimeError('bad plugin')\n"},
    )
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "plugins"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
    )
    assert out.returncode == 1
    assert "ERROR: failed to import 'hub_broken_mod': RuntimeError: bad plugin" in out.stdout
    assert "netsuite" in out.stdout


def test_notifier_registration_rejects_non_notifiers() -> None:
    class NotANotifier:
        name = "x"

    class Plugin:
        @hookimpl
        def register_notifiers(self, register: Any) -> None:
            register(NotANotifier)

    host = PluginHost(load_entrypoints=False).load()
    host.register(Plugin(), name="p")
    assert host.notifiers() == {}
    assert "is not a hub.Notifier subclass" in str(host.errors[0])
    assert issubclass(host_with().notifier("email_reminders"), Notifier)
