"""Test kits for plugin authors: contract tests for connectors, fixtures for real databases.

* :class:`ConnectorContractTests` — subclass it to check a connector against the hub's contract.
* ``pytest_plugins = ["hub.testing.fixtures"]`` — ``engine`` (SQLite + PostgreSQL), ``sqlite_engine``
  and ``plugin_host`` fixtures.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # Imported lazily so `import hub.testing` does not import pytest in production processes.
    if name == "ConnectorContractTests":
        from hub.testing.connector import ConnectorContractTests

        return ConnectorContractTests
    raise AttributeError(name)


__all__ = ["ConnectorContractTests"]
