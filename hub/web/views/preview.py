"""The 14-day preview: what the planner would schedule, hold or suppress on each coming day."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from hub.models import Connection
from hub.web.admin_base import HubView, expose
from hub.web.services import engine, plugin_host, secret_box


class PlanPreviewView(HubView):
    roles = ("admin", "collector")

    @expose("/")
    def index(self) -> ResponseReturnValue:
        from hub.collections import ChannelService, Planner

        try:
            days = max(1, min(int(request.args.get("days", "14")), 60))
        except ValueError:
            days = 14
        channels = ChannelService(engine(), plugin_host(), secret_box())
        with Session(engine()) as session:
            connections = list(session.exec(select(Connection).order_by(Connection.name)))
        rows: list[dict[str, Any]] = []
        for connection in connections:
            assert connection.id is not None
            for day, item in Planner(engine(), connection.id, channels).preview(days):
                rows.append({"day": day, "connection": connection.name, "item": item})
        counts: dict[str, int] = {}
        for row in rows:
            key = row["item"].status
            counts[key] = counts.get(key, 0) + 1
        return self.render("hub/plan_preview.html", rows=rows, days=days, counts=counts)


__all__ = ["PlanPreviewView"]
