"""Collections views: the reminder outbox, holds (pause/dispute/promise), the consent ledger,
timeline events, the 14-day preview and collector actions (collectors and admins); reminder
policies and templates (admins)."""

from __future__ import annotations

from typing import Any

from flask_admin import Admin

from hub.web.admin_base import HubModelView
from hub.web.views.actions import CollectorActionsView
from hub.web.views.policies import PoliciesView
from hub.web.views.preview import PlanPreviewView
from hub.web.views.reminder_templates import ReminderTemplatesView

BOTH_ROLES = ("admin", "collector")


class OutboxView(HubModelView):
    roles = BOTH_ROLES
    column_list = [
        "invoice_external_id",
        "step_key",
        "channel",
        "recipient",
        "status",
        "reason",
        "scheduled_for",
        "sent_at",
    ]
    column_filters = ["status", "channel", "reason", "customer_external_id", "scheduled_for"]
    column_searchable_list = ["invoice_external_id", "recipient"]
    column_default_sort = ("scheduled_for", True)
    column_labels = {
        "reason": "Suppression reason",
        "step_key": "Step",
        "invoice_external_id": "Invoice",
    }


class HoldView(HubModelView):
    roles = BOTH_ROLES
    column_list = [
        "scope",
        "external_id",
        "kind",
        "status",
        "reason",
        "until",
        "amount",
        "actor",
        "created_at",
    ]
    column_filters = ["kind", "status", "scope"]
    column_default_sort = ("created_at", True)


class TimelineView(HubModelView):
    roles = BOTH_ROLES
    column_list = [
        "created_at",
        "customer_external_id",
        "invoice_external_id",
        "kind",
        "message",
        "actor",
    ]
    column_filters = ["kind", "customer_external_id"]
    column_default_sort = ("created_at", True)


class ConsentView(HubModelView):
    roles = BOTH_ROLES
    column_list = ["created_at", "address", "channel", "action", "method", "actor", "detail"]
    column_filters = ["channel", "action"]
    column_searchable_list = ["address"]
    column_default_sort = ("created_at", True)


def add_collections_views(admin: Admin, db: Any) -> None:
    """Add the collections views when the collections engine's tables exist in this build."""
    try:
        from hub.collections import models
    except ImportError:  # pragma: no cover - collections engine not installed
        return
    from hub.web.views.channels import ChannelsView

    category = "Collections"
    admin.add_view(
        OutboxView(models.Reminder, db, name="Reminders", endpoint="reminders", category=category)
    )
    admin.add_view(
        HoldView(models.CollectionsHold, db, name="Holds", endpoint="holds", category=category)
    )
    admin.add_view(
        TimelineView(
            models.TimelineEvent, db, name="Timeline", endpoint="timeline", category=category
        )
    )
    admin.add_view(
        ConsentView(
            models.ConsentEvent, db, name="Consent ledger", endpoint="consent", category=category
        )
    )
    admin.add_view(PlanPreviewView(name="14-day preview", endpoint="plan", category=category))
    admin.add_view(PoliciesView(name="Policies", endpoint="policies", category=category))
    admin.add_view(ReminderTemplatesView(name="Templates", endpoint="templates", category=category))
    admin.add_view(ChannelsView(name="Channels", endpoint="channels", category=category))
    admin.add_view(CollectorActionsView(name="Actions", endpoint="actions"))


__all__ = ["add_collections_views"]
