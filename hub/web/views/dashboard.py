"""The home page: aging per currency, DSO, reminders and sync health, drawn as inline SVG."""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from hub.web.admin_base import HubIndexView, expose
from hub.web.charts import bar_chart, status_dots
from hub.web.metrics import BUCKETS, aging, reminder_counts, sync_health
from hub.web.services import engine


class DashboardView(HubIndexView):
    """Everyone who logs in lands here."""

    @expose("/")
    def index(self) -> ResponseReturnValue:
        per_currency = aging(engine())
        charts = [
            (
                entry,
                bar_chart(
                    f"Open receivables, {entry.currency}",
                    BUCKETS,
                    [entry.buckets[b] for b in BUCKETS],
                ),
            )
            for entry in per_currency
        ]
        health = sync_health(engine())
        dots = status_dots(
            [
                (
                    f"{h.name}: {h.status}, last run {h.last_run_status or 'never'}, "
                    f"{h.open_quarantine} quarantined",
                    "ok"
                    if h.status == "active" and h.last_run_status in (None, "succeeded")
                    else ("error" if h.status == "error" or h.last_run_status == "failed" else ""),
                )
                for h in health
            ]
        )
        return self.render(
            "hub/dashboard.html",
            charts=charts,
            health=health,
            health_chart=dots,
            reminders=reminder_counts(engine()),
        )


__all__ = ["DashboardView"]
