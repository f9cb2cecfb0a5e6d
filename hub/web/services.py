"""The hub services a request needs, built from the current app's configuration."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from typing import Any

from flask import current_app
from redis import Redis
from sqlalchemy import Engine

from hub.connections import ConnectionService
from hub.crypto import SecretBox
from hub.errors import ConfigError
from hub.plugins import PluginHost
from hub.web.db import engine_of


def engine() -> Engine:
    return engine_of(current_app)


def plugin_host() -> PluginHost:
    host: PluginHost = current_app.extensions["hub_plugins"]
    return host


def secret_box() -> SecretBox:
    box: SecretBox = current_app.extensions["hub_box"]
    return box


def connections() -> ConnectionService:
    return ConnectionService(engine(), plugin_host(), secret_box())


def redis_bytes() -> Redis:
    """A bytes Redis connection (RQ needs one; ``decode_responses`` breaks it)."""
    redis: Redis = current_app.extensions["hub_redis"]
    return redis


def webhook_secret(connection_name: str) -> str:
    """The per-connection webhook signing secret, derived from the hub's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"hub-webhook:{connection_name}".encode(), hashlib.sha256).hexdigest()


def sync_api(name: str) -> Any:
    """A function of the sync engine (``hub.sync`` or ``hub.queueing``) by name.

    :raises ConfigError: when the sync engine is not installed in this build.
    """
    for module_name in ("hub.queueing", "hub.sync"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise ConfigError(f"the sync engine does not provide {name} in this installation")


__all__ = [
    "connections",
    "engine",
    "plugin_host",
    "redis_bytes",
    "secret_box",
    "sync_api",
    "webhook_secret",
]
