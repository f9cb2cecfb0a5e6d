"""Turn a hub :class:`~hub.OutgoingMessage` into a MIME email ready for SMTP."""

from __future__ import annotations

import email.policy
import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from hub import ConfigError, OutgoingMessage
from hub_email_reminders.addresses import normalize_email_address
from hub_email_reminders.errors import RecipientRejected
from hub_email_reminders.settings import SmtpSettings

#: Headers the notifier owns; ``OutgoingMessage.headers`` may not set them.
RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "subject",
        "date",
        "message-id",
        "reply-to",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
_HEADER_NAME = re.compile(r"^[!-9;-~]+$")  # printable ASCII except ':' (RFC 5322 ftext)
_POLICY = email.policy.SMTP


def message_id_for(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the message sent for ``idempotency_key``: the same key, the same id.

    The key is hashed, so it may hold any characters and reveals nothing in the header.
    """
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}.reminder@{domain}>"


def build_message(
    message: OutgoingMessage, settings: SmtpSettings, *, now: datetime | None = None
) -> EmailMessage:
    """Build the MIME message: text part, optional HTML alternative and every header.

    ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) is added when the
    ``List-Unsubscribe`` header offers an https URI and the caller did not set it.

    :raises RecipientRejected: when the recipient address is malformed.
    :raises hub.ConfigError: when Reply-To or a custom header is unusable.
    """
    if not message.idempotency_key:
        raise ConfigError("the message has no idempotency key; refusing to send it")
    try:
        to = normalize_email_address(message.to)
    except ValueError as exc:
        raise RecipientRejected(message.to, f"the recipient address is unusable: {exc}") from None
    reply_to = message.reply_to or settings.reply_to
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = formataddr((settings.from_name or "", settings.from_address))
    msg["To"] = to
    msg["Subject"] = _single_line(message.subject, "subject")
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    domain = settings.message_id_domain or settings.from_address.rsplit("@", 1)[1]
    msg["Message-ID"] = message_id_for(message.idempotency_key, domain)
    if reply_to:
        msg["Reply-To"] = _address(reply_to, "Reply-To")
    _add_custom_headers(msg, message.headers)
    msg.set_content(message.text, cte=_transfer_encoding(message.text))
    if message.html is not None:
        msg.add_alternative(message.html, subtype="html", cte=_transfer_encoding(message.html))
    return msg


def _add_custom_headers(msg: EmailMessage, headers: dict[str, str]) -> None:
    names = {name.lower() for name in headers}
    for name, value in headers.items():
        if not _HEADER_NAME.match(name):
            raise ConfigError(f"{name!r} is not a valid email header name")
        if name.lower() in RESERVED_HEADERS:
            raise ConfigError(
                f"the {name} header is set by the email channel and cannot be overridden",
                causes=["pass the recipient, subject and reply_to as message fields instead"],
            )
        msg[name] = _single_line(value, f"the {name} header")
        if name.lower() == "list-unsubscribe" and "list-unsubscribe-post" not in names:
            if "<https://" in value.lower():
                msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"


def _address(address: str, what: str) -> str:
    try:
        return normalize_email_address(address)
    except ValueError as exc:
        raise ConfigError(f"the {what} address is unusable: {exc}") from None


def _single_line(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise ConfigError(f"{what} must be a single line (it contains a line break)")
    return value


def _transfer_encoding(text: str) -> str | None:
    """7bit for ASCII; quoted-printable otherwise, so no 8BITMIME support is needed."""
    return None if text.isascii() else "quoted-printable"
