"""Messages caught by the local mail sink (``hubctl demo``): what reminders really look like."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask.typing import ResponseReturnValue

from hub.web.admin_base import HubView, expose
from hub.web.mailsink import read_messages


class MailSinkView(HubView):
    roles = ("admin", "collector")

    def is_visible(self) -> bool:
        return bool(current_app.config.get("HUB_MAIL_SINK"))

    @expose("/")
    def index(self) -> ResponseReturnValue:
        folder = str(current_app.config.get("HUB_MAIL_SINK") or "")
        messages = read_messages(Path(folder)) if folder else []
        return self.render("hub/mail.html", messages=messages, folder=folder)


__all__ = ["MailSinkView"]
