"""The NetSuite connector: TBA / OAuth 2.0 M2M auth, SuiteQL streams, diagnosis, write-back."""

from __future__ import annotations

from hub_netsuite.connector.config import CONFIG_SCHEMA, AccountId, NetSuiteConfig, parse_config
from hub_netsuite.connector.connector import STREAMS, NetSuiteConnector

__all__ = [
    "CONFIG_SCHEMA",
    "STREAMS",
    "AccountId",
    "NetSuiteConfig",
    "NetSuiteConnector",
    "parse_config",
]
