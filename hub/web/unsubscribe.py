"""The public unsubscribe link of reminder emails: ``/unsubscribe/<token>``.

GET shows a confirmation page; POST records the opt-out in the consent ledger. The signed token
is the authorization (no login), so the blueprint is CSRF-exempt: mail clients send RFC 8058
one-click ``List-Unsubscribe-Post`` requests without any form token.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from hub.web.services import engine

log = logging.getLogger(__name__)

unsubscribe = Blueprint("unsubscribe", __name__)


def verify_token(token: str) -> tuple[str, str] | None:
    """``(address, channel)`` named by a token signed with the app's secret key (or one of its
    fallback keys, so links in old emails survive a key rotation), else None."""
    from hub.collections.consent import verify_unsubscribe_token

    keys = [str(current_app.config["SECRET_KEY"])]
    keys += [str(k) for k in current_app.config.get("HUB_SECRET_KEY_FALLBACKS") or ()]
    for key in keys:
        found = verify_unsubscribe_token(token, secret_key=key)
        if found is not None:
            return found
    return None


def mask(address: str) -> str:
    """``a***@example.com`` / ``+1415***0100``: enough to recognise, not to harvest."""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address[:5] + "***" + address[-4:] if len(address) > 9 else "***"


@unsubscribe.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_page(token: str) -> ResponseReturnValue:
    found = verify_token(token)
    if found is None:
        abort(404)
    address, channel = found
    done = False
    if request.method == "POST":
        from hub.collections import ConsentLedger

        ConsentLedger(engine()).record(
            address, channel, "opt_out", actor="recipient", method="unsubscribe_link"
        )
        log.info("unsubscribe link used (%s)", channel)
        done = True
    return render_template(
        "hub/unsubscribe.html", address=mask(address), channel=channel, done=done
    )


__all__ = ["mask", "unsubscribe", "verify_token"]
