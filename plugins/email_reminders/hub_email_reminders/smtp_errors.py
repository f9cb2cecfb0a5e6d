"""Translate what smtplib, ssl and sockets raise into the hub's error taxonomy.

Rule of thumb: the network or a 4xx reply → :class:`hub.TransientError` (retry later);
a 5xx reply or a TLS problem → :class:`hub.ConfigError` naming what the admin should check;
a 5xx reply to RCPT TO → :class:`~hub_email_reminders.errors.RecipientRejected`.
Messages quote the server's reply but never the password.
"""

from __future__ import annotations

import smtplib
import socket
import ssl

from hub import AuthenticationError, ConfigError, HubError, TransientError
from hub_email_reminders.errors import RecipientRejected
from hub_email_reminders.settings import SmtpSettings

_PORT_HINT = "port 465 expects security 'tls'; port 587 (and usually 25) expects 'starttls'"


def reply_text(raw: bytes | str) -> str:
    """An SMTP reply as one printable line."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())


def translate(exc: BaseException, step: str, settings: SmtpSettings) -> HubError:
    """Return the hub error for ``exc`` raised during ``step`` (connect, ehlo, tls, auth,
    mail_from, rcpt_to, data, noop)."""
    where = f"SMTP server {settings.endpoint}"
    if isinstance(exc, HubError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _tls_verify_error(exc, settings)
    if isinstance(exc, ssl.SSLError):
        return ConfigError(
            f"TLS handshake with {where} failed ({exc.reason or exc})",
            path="$.security",
            causes=[
                f"the security mode '{settings.security}' does not match the port: {_PORT_HINT}",
                "the server only offers TLS versions or ciphers this machine refuses (< TLS 1.2)",
            ],
        )
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _recipient_error(exc, where)
    if isinstance(exc, smtplib.SMTPNotSupportedError) and step == "auth":
        return ConfigError(
            f"{where} does not offer authentication (AUTH) on this connection",
            path="$.security",
            causes=[
                "the server offers AUTH only after STARTTLS: set security to 'starttls' or 'tls'",
                "the server needs no login: remove username and password",
            ],
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply_error(exc, step, settings, where)
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TransientError(f"{where} closed the connection during {step}: {exc}")
    if isinstance(exc, smtplib.SMTPException) and step == "auth":
        return ConfigError(
            f"could not log in to {where}: {exc}",
            path="$.username",
            causes=["the server offers no login method this client supports (PLAIN, LOGIN)"],
        )
    if isinstance(exc, socket.gaierror):
        if exc.errno == socket.EAI_NONAME:
            return ConfigError(
                f"the host name {settings.host!r} does not resolve",
                path="$.host",
                causes=["a typo in host", "the name exists only in another network's DNS"],
            )
        return TransientError(f"could not resolve {settings.host!r}: {exc.strerror}")
    if isinstance(exc, ConnectionRefusedError):
        return TransientError(f"{where} refused the connection (nothing listening there?)")
    if isinstance(exc, TimeoutError):
        return TransientError(f"{where} did not answer within {settings.timeout:g} s ({step})")
    if isinstance(exc, smtplib.SMTPException):
        return TransientError(f"{where} failed during {step}: {exc}")
    if isinstance(exc, OSError):
        return TransientError(f"network error talking to {where} during {step}: {exc}")
    raise exc


def _tls_verify_error(exc: ssl.SSLCertVerificationError, settings: SmtpSettings) -> ConfigError:
    detail = exc.verify_message or str(exc)
    return ConfigError(
        f"the TLS certificate of {settings.endpoint} could not be verified ({detail})",
        path="$.ca_file",
        causes=[
            "the server uses a private or self-signed CA: set ca_file to that CA's PEM file",
            f"host ({settings.host!r}) is not a name on the server's certificate: use that name",
            "the certificate has expired or the machine's clock is wrong",
            "verify: false skips the check, for local testing only",
        ],
    )


def _recipient_error(exc: smtplib.SMTPRecipientsRefused, where: str) -> HubError:
    recipient, (code, raw) = next(iter(exc.recipients.items()))
    reply = reply_text(raw)
    if 400 <= code < 500:
        return TransientError(f"{where} deferred recipient {recipient}: {code} {reply}")
    if "relay" in reply.lower():
        return ConfigError(
            f"{where} refuses to relay mail to {recipient}: {code} {reply}",
            path="$.username",
            causes=[
                "the server relays only for logged-in users: set username and password",
                "this machine's address is not allowed to relay through the server",
            ],
        )
    message = f"{where} refused recipient {recipient}: {code} {reply}"
    return RecipientRejected(recipient, message, code=code)


def _reply_error(
    exc: smtplib.SMTPResponseException, step: str, settings: SmtpSettings, where: str
) -> HubError:
    code, reply = exc.smtp_code, reply_text(exc.smtp_error)
    said = f"{where} answered {code} {reply} to {_COMMANDS.get(step, step)}"
    if 400 <= code < 500 or code == -1:
        return TransientError(said)
    if isinstance(exc, smtplib.SMTPAuthenticationError) or step == "auth":
        return AuthenticationError(said, path="$.password", causes=_AUTH_CAUSES)
    if code == 530:
        return ConfigError(
            said,
            path="$.username",
            causes=["the server requires a login: set username and password", *_TLS_FIRST],
        )
    causes = _CAUSES_5XX.get(step, ["the server refused the request permanently; see its reply"])
    path = "$.from_address" if step == "mail_from" else None
    return ConfigError(said, path=path, causes=causes)


_COMMANDS = {
    "connect": "the connection (greeting)",
    "ehlo": "EHLO",
    "tls": "STARTTLS",
    "auth": "AUTH",
    "mail_from": "MAIL FROM",
    "rcpt_to": "RCPT TO",
    "data": "DATA",
    "noop": "NOOP",
}
_AUTH_CAUSES = [
    "username or password is wrong (check for stray spaces or an expired password)",
    "the account needs an app-specific password because two-factor login is on",
    "the account is not allowed to send through SMTP (enable SMTP AUTH for it)",
]
_TLS_FIRST = ["the server allows login only over TLS: set security to 'starttls' or 'tls'"]
_CAUSES_5XX = {
    "connect": [
        "the server refuses connections from this machine's address (relay not allowed)",
        "host or port points at the wrong service",
    ],
    "ehlo": ["the server rejects the EHLO name: set local_hostname to a valid DNS name"],
    "mail_from": [
        "from_address is not an address this account may send as",
        "the sender's domain is not configured on the server (SPF/DKIM or allowed domains)",
    ],
    "data": [
        "the message was rejected by a content or spam policy; review the template",
        "the message is larger than the server accepts",
    ],
}
