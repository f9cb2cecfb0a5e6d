"""Installed plugins: versions, hooks implemented, what they registered, load errors."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from hub.web.admin_base import HubView, expose
from hub.web.services import plugin_host


class PluginsView(HubView):
    @expose("/")
    def index(self) -> ResponseReturnValue:
        host = plugin_host()
        return self.render(
            "hub/plugins.html",
            plugins=host.plugins(),
            errors=[str(e) for e in host.errors],
        )


__all__ = ["PluginsView"]
