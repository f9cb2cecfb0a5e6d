"""User management (admin only): add users, change roles, deactivate."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlmodel import Session, select

from hub.web.admin_base import HubView, expose
from hub.web.auth import create_user
from hub.web.models import ROLES, User
from hub.web.services import engine


class UsersView(HubView):
    @expose("/")
    def index(self) -> ResponseReturnValue:
        with Session(engine()) as session:
            users = list(session.exec(select(User).order_by(User.email)))
        return self.render("hub/users.html", users=users, roles=ROLES)

    @expose("/add", methods=["POST"])
    def add(self) -> ResponseReturnValue:
        try:
            with Session(engine()) as session:
                user = create_user(
                    session,
                    request.form.get("email", ""),
                    request.form.get("password", ""),
                    request.form.get("role", ""),
                )
                email = user.email
                session.commit()
        except ValueError as exc:
            flash(f"Not added: {exc}", "error")
        else:
            flash(f"User {email} added.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:user_id>/update", methods=["POST"])
    def update(self, user_id: int) -> ResponseReturnValue:
        with Session(engine()) as session:
            user = session.get(User, user_id)
            if user is None:
                abort(404)
            if user.id == current_user.id:
                flash("You cannot change your own role or deactivate yourself.", "error")
                return redirect(url_for(".index"))
            role = request.form.get("role", user.role)
            if role not in ROLES:
                abort(400)
            user.role = role
            user.active = request.form.get("active") == "on"
            session.add(user)
            session.commit()
        flash("User updated.", "success")
        return redirect(url_for(".index"))


__all__ = ["UsersView"]
