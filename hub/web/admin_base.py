"""Base classes of every admin view: role checks, and converters for SQLModel column types.

Flask-Admin does not know SQLModel's ``AutoString`` and ``UTCDateTime`` (it silently drops such
fields from forms and refuses them as filters), nor SQLAlchemy 2.1's ``Float``; the converters below
map them to the standard fields and filters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import wtforms
from flask import abort, redirect, request, url_for
from flask_admin import AdminIndexView, BaseView
from flask_admin import expose as _expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import DateTimeField
from flask_admin.model import filters as model_filters
from flask_admin.model import typefmt
from flask_admin.model.form import converts
from flask_login import current_user

F = TypeVar("F", bound=Callable[..., Any])


def expose(url: str = "/", methods: Sequence[str] = ("GET",)) -> Callable[[F], F]:
    """Flask-Admin's ``expose``, typed."""
    decorator: Callable[[F], F] = _expose(url, methods=tuple(methods))
    return decorator


class _TypedRender:
    """``render`` returning ``str`` (Flask-Admin's is untyped)."""

    def render(self, template: str, **kwargs: Any) -> str:
        page: str = super().render(template, **kwargs)  # type: ignore[misc]
        return page


def _aware(value: Any) -> Any:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class SQLModelConverter(AdminModelConverter):  # type: ignore[misc]
    """Form fields for SQLModel's column types."""

    @converts("AutoString")  # type: ignore[untyped-decorator]
    def conv_autostring(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        return self.conv_String(column=column, field_args=field_args, **extra)

    @converts("Float")  # type: ignore[untyped-decorator]
    def conv_float(self, column: Any, field_args: dict[str, Any], **extra: Any) -> Any:
        return wtforms.fields.FloatField(**field_args)

    @converts("UTCDateTime")  # type: ignore[untyped-decorator]
    def conv_utc_datetime(self, field_args: dict[str, Any], **extra: Any) -> Any:
        field_args.setdefault("filters", []).append(_aware)
        return DateTimeField(**field_args)


class SQLModelFilterConverter(FilterConverter):  # type: ignore[misc]
    """List filters for SQLModel's column types."""

    @model_filters.convert("autostring")  # type: ignore[untyped-decorator]
    def conv_autostring(self, column: Any, name: str, **kwargs: Any) -> Any:
        return self.conv_string(column, name, **kwargs)

    @model_filters.convert("utcdatetime")  # type: ignore[untyped-decorator]
    def conv_utc_datetime(self, column: Any, name: str, **kwargs: Any) -> Any:
        return self.conv_datetime(column, name, **kwargs)


def _role_allowed(roles: tuple[str, ...]) -> bool:
    return bool(current_user.is_authenticated and getattr(current_user, "role", None) in roles)


def _refuse(name: str, **kwargs: Any) -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    abort(403)


class HubView(_TypedRender, BaseView):  # type: ignore[misc]
    """A custom admin page; ``roles`` lists who may open it (admin only unless widened)."""

    roles: tuple[str, ...] = ("admin",)

    def is_accessible(self) -> bool:
        return _role_allowed(self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return _refuse(name, **kwargs)


def _short_datetime(view: Any, value: datetime, name: str) -> str:
    """Lists show minutes in UTC, not microseconds and offsets."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


class HubModelView(_TypedRender, ModelView):  # type: ignore[misc]
    """A model list over a hub table; read-only unless a subclass says otherwise."""

    roles: tuple[str, ...] = ("admin",)
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _short_datetime}
    model_form_converter = SQLModelConverter
    filter_converter = SQLModelFilterConverter()
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    page_size = 50
    can_set_page_size = True

    def is_accessible(self) -> bool:
        return _role_allowed(self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return _refuse(name, **kwargs)


class HubIndexView(_TypedRender, AdminIndexView):  # type: ignore[misc]
    """The admin's home page; subclassed by the dashboard."""

    roles: tuple[str, ...] = ("admin", "collector")

    def is_accessible(self) -> bool:
        return _role_allowed(self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return _refuse(name, **kwargs)


__all__ = [
    "expose",
    "HubIndexView",
    "HubModelView",
    "HubView",
    "SQLModelConverter",
    "SQLModelFilterConverter",
]
