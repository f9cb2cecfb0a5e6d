"""Users of the web admin: an email, a password hash and one role (``admin`` or ``collector``)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from hub.models import utcnow

ROLES = ("admin", "collector")
"""``admin`` may do everything; ``collector`` works customers and invoices, never credentials."""


class User(SQLModel, table=True):
    """A person who can log in to the admin."""

    __tablename__ = "hub_user"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    role: str = Field(default="collector", max_length=20)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None

    # Flask-Login's user protocol -----------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def get_id(self) -> str:
        return str(self.id)

    def __str__(self) -> str:
        return self.email


__all__ = ["ROLES", "User"]
