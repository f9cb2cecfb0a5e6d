"""Every admin view of the core, added to Flask-Admin in menu order."""

from __future__ import annotations

from typing import Any

from flask_admin import Admin
from flask_admin.menu import MenuLink

from hub.models import Customer, Invoice, Payment
from hub.web.views.connections import ConnectionsView
from hub.web.views.data import CustomerView, InvoiceView, PaymentView
from hub.web.views.mappings import MappingsView
from hub.web.views.plugins import PluginsView
from hub.web.views.runs import QuarantineView, SyncRunsView
from hub.web.views.users import UsersView


def add_views(admin: Admin, db: Any) -> None:
    """Add the core's views to ``admin`` (``db``: the app's Flask-SQLAlchemy object)."""
    admin.add_view(CustomerView(Customer, db, name="Customers", endpoint="customer"))
    admin.add_view(InvoiceView(Invoice, db, name="Invoices", endpoint="invoice"))
    admin.add_view(PaymentView(Payment, db, name="Payments", endpoint="payment"))
    from hub.web.views.collections import add_collections_views

    add_collections_views(admin, db)
    from hub.web.views.mail import MailSinkView

    admin.add_view(MailSinkView(name="Mail sink", endpoint="mail", category="Collections"))
    sync = "Sync"
    admin.add_view(ConnectionsView(name="Connections", endpoint="connections", category=sync))
    admin.add_view(MappingsView(name="Mappings", endpoint="mappings", category=sync))
    admin.add_view(SyncRunsView(name="Sync runs", endpoint="runs", category=sync))
    admin.add_view(QuarantineView(name="Quarantine", endpoint="quarantine", category=sync))
    admin.add_link(MenuLink(name="RQ dashboard", url="/admin/rq/", category=sync))
    settings = "Settings"
    admin.add_view(UsersView(name="Users", endpoint="users", category=settings))
    admin.add_view(PluginsView(name="Plugins", endpoint="plugins", category=settings))


__all__ = ["add_views"]
