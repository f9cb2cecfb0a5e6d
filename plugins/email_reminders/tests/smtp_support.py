"""Test support for the email channel: a scriptable aiosmtpd server on loopback and TLS certs.

Loaded by ``conftest.py`` under a unique module name (pytest runs with ``--import-mode=importlib``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nobody listens on right now (aiosmtpd cannot use port 0)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One message the server accepted (or refused at DATA), parsed from the raw bytes."""

    peer: tuple[str, int]
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: str | None

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class ScriptedHandler:
    """An aiosmtpd handler whose refusals are set by the test.

    :param fail_mail: replies to give to the first MAIL FROM commands.
    :param fail_data: replies to give to the first DATA commands (e.g. ``["451 4.3.0 later"]``).
    :param fail_rcpt: replies to give to the first RCPT commands.
    :param refuse_recipients: address → permanent reply for that recipient, every time.
    :param refuse_sender: a reply for every MAIL FROM.
    """

    fail_mail: list[str] = field(default_factory=list)
    fail_data: list[str] = field(default_factory=list)
    fail_rcpt: list[str] = field(default_factory=list)
    refuse_recipients: dict[str, str] = field(default_factory=dict)
    refuse_sender: str | None = None
    delivered: list[Received] = field(default_factory=list)
    refused_data: list[Received] = field(default_factory=list)
    #: Connections that said EHLO (the EHLO repeated after STARTTLS is not counted again), and
    #: QUITs received.
    connections: int = 0
    quits: int = 0

    async def handle_EHLO(
        self, server: Any, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # what aiosmtpd does itself when there is no hook
        after_starttls = server.tls_context is not None and session.ssl is not None
        if not after_starttls:
            self.connections += 1
        return responses

    async def handle_QUIT(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.quits += 1
        return "221 Bye"

    async def handle_MAIL(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse_sender:
            return self.refuse_sender
        if self.fail_mail:
            return self.fail_mail.pop(0)
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        if self.fail_rcpt:
            return self.fail_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        login = session.auth_data.login.decode() if session.auth_data else None
        raw = envelope.original_content or b""
        item = Received(session.peer, envelope.mail_from or "", list(envelope.rcpt_tos), raw, login)
        if self.fail_data:
            self.refused_data.append(item)
            return self.fail_data.pop(0)
        self.delivered.append(item)
        return f"250 2.0.0 Ok: queued as Q{len(self.delivered)}"


class Authenticator:
    """Accepts one user name and password and records the mechanism each attempt used."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password
        self.mechanisms: list[str] = []

    def __call__(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        self.mechanisms.append(mechanism)
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.username
            and data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


@dataclass(frozen=True)
class Certs:
    """A private CA and a server certificate for 127.0.0.1 / localhost signed by it."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certs(directory: Path, names: tuple[str, ...] = ("localhost", HOST)) -> Certs:
    """Write a CA and a server certificate (EC P-256, valid for a day) for ``names`` (DNS names
    or IP addresses) into ``directory``."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hub Test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([_general_name(name) for name in names]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    certs = Certs(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    certs.ca_file.write_bytes(ca_cert.public_bytes(pem))
    certs.cert_file.write_bytes(cert.public_bytes(pem))
    certs.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return certs


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


@dataclass
class RunningServer:
    """A started aiosmtpd controller and the handler recording what it received."""

    controller: Controller
    handler: ScriptedHandler
    port: int

    def stop(self) -> None:
        self.controller.stop()


def start_server(
    handler: ScriptedHandler,
    *,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    authenticator: Authenticator | None = None,
    **smtp_kwargs: Any,
) -> RunningServer:
    """Start an SMTP server on 127.0.0.1 at a free port.

    ``starttls`` offers STARTTLS with that context; ``implicit_tls`` speaks TLS from the first
    byte; ``authenticator`` enables AUTH (after TLS only when TLS is configured).
    """
    port = free_port()
    kwargs: dict[str, Any] = dict(smtp_kwargs)
    if starttls is not None:
        kwargs["tls_context"] = starttls
    if authenticator is not None:
        kwargs["authenticator"] = authenticator
        kwargs.setdefault("auth_require_tls", starttls is not None or implicit_tls is not None)
    controller = Controller(
        handler,
        hostname=HOST,
        port=port,
        ssl_context=implicit_tls,
        server_hostname="localhost",
        **kwargs,
    )
    controller.start()
    return RunningServer(controller, handler, port)
