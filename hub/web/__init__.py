"""The web admin: a Flask app with Flask-Admin under ``/admin`` and the RQ dashboard.

Importing this package does no work; :func:`create_app` builds the application.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the admin application (see :func:`hub.web.app.create_app`)."""
    from hub.web.app import create_app as build

    return build(test_config)


__all__ = ["create_app"]
