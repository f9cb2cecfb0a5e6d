"""One SMTP connection, opened step by step so that every failure names the step that failed."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from hub import ConfigError, HubError
from hub_email_reminders.settings import SmtpSettings
from hub_email_reminders.smtp_errors import reply_text, translate


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """The client TLS context: system CAs (or ``ca_file``), TLS 1.2 or later, host name checked
    unless ``verify`` is false."""
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"cannot load ca_file {settings.ca_file!r}: {exc}",
            path="$.ca_file",
            causes=["the file does not exist or is not readable", "it is not a PEM certificate"],
        ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not settings.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


@cache
def default_ehlo_name() -> str:
    """This machine's fully qualified name, looked up once per process (it may query DNS)."""
    return socket.getfqdn()


class SmtpSession:
    """An SMTP connection to the configured server.

    Call :meth:`open` (connect, EHLO, TLS, AUTH as configured) or the steps one by one, then
    :meth:`send` any number of messages, then :meth:`close`. Every method raises only hub errors
    (see :mod:`hub_email_reminders.smtp_errors`).
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.tls_version: str | None = None
        #: The step (``connect``, ``mail_from``, ...) of the last failure, for diagnostics.
        self.failed_step: str | None = None
        self._conn: smtplib.SMTP | None = None

    @property
    def is_open(self) -> bool:
        """Whether a connection is established (it may still have been dropped by the server)."""
        return self._conn is not None and self._conn.sock is not None

    def open(self) -> None:
        """Connect and get ready to send: connect, EHLO, STARTTLS, AUTH as configured."""
        self.connect()
        self.ehlo()
        if self.settings.security == "starttls":
            self.start_tls()
        if self.settings.username:
            self.authenticate()

    def connect(self) -> None:
        """Open the TCP connection (and TLS at once for ``security: tls``); read the greeting."""
        s = self.settings
        name = s.local_hostname or default_ehlo_name()
        with self._step("connect"):
            if s.security == "tls":
                self._conn = smtplib.SMTP_SSL(
                    s.host, s.port, name, timeout=s.timeout, context=tls_context(s)
                )
                self.tls_version = self._tls_version()
            else:
                self._conn = smtplib.SMTP(s.host, s.port, name, timeout=s.timeout)

    def ehlo(self) -> None:
        """Say EHLO (falling back to HELO for very old servers)."""
        with self._step("ehlo"):
            self._connection().ehlo_or_helo_if_needed()

    def start_tls(self) -> None:
        """Upgrade the connection with STARTTLS and say EHLO again."""
        conn = self._connection()
        if not conn.has_extn("starttls"):
            self.failed_step = "tls"
            self.close(polite=True)
            raise ConfigError(
                f"SMTP server {self.settings.endpoint} does not offer STARTTLS",
                path="$.security",
                causes=[
                    "the server expects implicit TLS: set security to 'tls' (usually port 465)",
                    "the server has no TLS at all: use security 'none' only on a trusted network",
                ],
            )
        with self._step("tls"):
            conn.starttls(context=tls_context(self.settings))
            self.tls_version = self._tls_version()
            conn.ehlo()

    def authenticate(self) -> None:
        """Log in with ``username`` and ``password`` using a mechanism both sides support."""
        with self._step("auth"):
            self._connection().login(self.settings.username or "", self.settings.password or "")

    def noop(self) -> None:
        """Send NOOP: proves the session is alive."""
        with self._step("noop"):
            code, reply = self._connection().noop()
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)

    def check_sender(self) -> None:
        """Announce ``from_address`` with MAIL FROM, then RSET: proves the server accepts it."""
        conn = self._connection()
        with self._step("mail_from"):
            code, reply = conn.mail(self.settings.from_address)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, self.settings.from_address)
        with self._step("rset"):
            conn.rset()

    def send(self, recipient: str, data: bytes) -> str:
        """Run one SMTP transaction (MAIL FROM, RCPT TO, DATA) and return the server's reply to
        DATA, which often carries its queue id. A refused transaction is reset, so the session
        stays usable for the next message."""
        conn = self._connection()
        sender = self.settings.from_address
        try:
            with self._step("mail_from"):
                code, reply = conn.mail(sender)
                if code != 250:
                    raise smtplib.SMTPSenderRefused(code, reply, sender)
            with self._step("rcpt_to"):
                code, reply = conn.rcpt(recipient)
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            with self._step("data"):
                code, reply = conn.data(data)
                if code != 250:
                    raise smtplib.SMTPDataError(code, reply)
        except HubError:
            self._reset()
            raise
        return f"{code} {reply_text(reply)}"

    def close(self, *, polite: bool = True) -> None:
        """Say QUIT when ``polite`` (errors ignored) and close the socket."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if polite and conn.sock is not None:
                conn.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            conn.close()

    def _reset(self) -> None:
        """After a refused transaction: RSET, or drop the connection if it is unusable."""
        conn = self._conn
        if conn is None or conn.sock is None:
            self.close(polite=False)
            return
        try:
            conn.rset()
        except (smtplib.SMTPException, OSError):
            self.close(polite=False)

    def _connection(self) -> smtplib.SMTP:
        if self._conn is None:
            raise RuntimeError("the SMTP session is not connected; call open() first")
        return self._conn

    def _tls_version(self) -> str | None:
        sock = self._conn.sock if self._conn is not None else None
        return sock.version() if isinstance(sock, ssl.SSLSocket) else None

    @contextmanager
    def _step(self, step: str) -> Iterator[None]:
        try:
            yield
        except HubError:
            self.failed_step = step
            raise
        except OSError as exc:  # smtplib and ssl errors are OSErrors too
            self.failed_step = step
            error = translate(exc, step, self.settings)
            if _connection_is_lost(exc):
                self.close(polite=False)
            raise error from exc


def _connection_is_lost(exc: BaseException) -> bool:
    """Whether the connection is unusable after ``exc``: any network error, and the replies
    that end a session (``421``, also to MAIL FROM, where a server's idle-timeout notice is
    read by a client that reused the connection)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421 or exc.smtp_code < 0
    return True
