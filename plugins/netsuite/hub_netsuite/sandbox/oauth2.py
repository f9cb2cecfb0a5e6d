"""OAuth 2.0 client credentials (M2M) with a certificate-signed JWT assertion, and bearer tokens.

Assertions must be signed PS256/384/512 or ES256/384/512 (RS256 is refused), carry the certificate
id as ``kid``, the integration's client id as ``iss``, the token URL as ``aud`` and live at most
one hour (``exp`` ≤ ``iat`` + 3600). Issued access tokens are opaque and valid for 3600 s.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hub_netsuite.sandbox.audit import hint
from hub_netsuite.sandbox.authdb import AuthDb
from hub_netsuite.sandbox.authtypes import AuthFailure, Principal
from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.credentials import CredentialRegistry

ALLOWED_ALGORITHMS = ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ACCESS_TOKEN_LIFETIME = 3600
MAX_ASSERTION_LIFETIME = 3600
KNOWN_SCOPES = frozenset({"restlets", "rest_webservices", "suite_analytics"})
CLOCK_LEEWAY = 60


class TokenEndpointError(Exception):
    """An RFC 6749 error answer of the token endpoint (``{"error": ...}``)."""

    def __init__(self, error: str, status: int, reason: str, detail: str) -> None:
        super().__init__(f"{error}: {reason}")
        self.error = error
        self.status = status
        self.reason = reason  # Login Audit Trail code
        self.detail = detail


@dataclass(frozen=True)
class IssuedToken:
    """A bearer token handed out by the token endpoint."""

    access_token: str
    expires_in: int
    principal: Principal

    def as_json(self) -> dict[str, Any]:
        """The token endpoint's success body."""
        return {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "token_type": "Bearer",
        }


def account_host(account_id: str) -> str:
    """``1234567_SB1`` → ``1234567-sb1.suitetalk.api.netsuite.com``."""
    return f"{account_id.lower().replace('_', '-')}.suitetalk.api.netsuite.com"


def canonical_token_url(account_id: str) -> str:
    """The token URL NetSuite expects as ``aud``."""
    return f"https://{account_host(account_id)}/services/rest/auth/oauth2/v1/token"


def load_public_key(pem: str) -> Any:
    """A public key from a PEM public key or x.509 certificate."""
    data = pem.encode()
    if b"BEGIN CERTIFICATE" in data:
        return x509.load_pem_x509_certificate(data).public_key()
    return serialization.load_pem_public_key(data)


def _scopes(claim: object) -> list[str]:
    if isinstance(claim, str):
        return [s for s in claim.replace(",", " ").split() if s]
    if isinstance(claim, list) and all(isinstance(s, str) for s in claim):
        return list(claim)
    return []


def _key_matches(algorithm: str, key: Any) -> bool:
    if algorithm.startswith("ES"):
        return isinstance(key, ec.EllipticCurvePublicKey)
    return isinstance(key, rsa.RSAPublicKey)


class OAuth2Service:
    """Token endpoint logic and bearer-token verification, backed by the sandbox tables."""

    def __init__(self, db: AuthDb, registry: CredentialRegistry, clock: SandboxClock) -> None:
        self._db = db
        self._registry = registry
        self._clock = clock

    def issue(self, form: Mapping[str, str], request_url: str) -> IssuedToken:
        """Handle a ``client_credentials`` token request; ``request_url`` is also a valid ``aud``."""
        grant = form.get("grant_type")
        if not grant:
            raise TokenEndpointError("invalid_request", 400, "MissingParameter", "no grant_type")
        if grant != "client_credentials":
            raise TokenEndpointError(
                "unsupported_grant_type", 400, "UnsupportedGrantType", f"grant_type {grant!r}"
            )
        if form.get("client_assertion_type") != ASSERTION_TYPE or not form.get("client_assertion"):
            raise TokenEndpointError(
                "invalid_request", 400, "MissingParameter", "client assertion missing or mistyped"
            )
        assertion = form["client_assertion"]
        claims, certificate_id, integration_name = self._verify_assertion(assertion, request_url)
        scopes = _scopes(claims.get("scope", form.get("scope")))
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            raise TokenEndpointError("invalid_scope", 400, "InvalidScope", f"scope {scopes!r}")
        token = secrets.token_urlsafe(48)
        now = self._clock.now()
        self._db.execute(
            "INSERT INTO sandbox_bearer_token(token_hash, certificate_id, scope, issued_at, "
            "expires_at) VALUES (?, ?, ?, ?, ?)",
            (_digest(token), certificate_id, " ".join(scopes), now, now + ACCESS_TOKEN_LIFETIME),
        )
        return IssuedToken(
            token,
            ACCESS_TOKEN_LIFETIME,
            Principal("OAuth2", integration_name, hint(certificate_id)),
        )

    def _verify_assertion(
        self, assertion: str, request_url: str
    ) -> tuple[dict[str, Any], str, str]:
        def client_error(reason: str, detail: str) -> TokenEndpointError:
            return TokenEndpointError("invalid_client", 401, reason, detail)

        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise client_error("InvalidAssertion", "the assertion is not a JWT") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise client_error("UnknownAlgorithm", f"alg {algorithm!r} is not accepted")
        certificate = self._registry.certificate(str(kid)) if kid else None
        if certificate is None:
            raise client_error("UnknownCertificate", "no certificate is registered under kid")
        if not certificate.active:
            raise client_error("CertificateRevoked", "the certificate mapping was revoked")
        integration = self._registry.integration_by_id(certificate.integration_id)
        if integration is None or not integration.enabled:
            raise client_error("consumer_key_refused", "the integration record is blocked")
        key = load_public_key(certificate.public_key_pem)
        if not _key_matches(str(algorithm), key):
            raise client_error("InvalidSignature", "alg does not match the certificate's key")
        audiences = [canonical_token_url(self._registry.account_id), request_url]
        try:
            claims: dict[str, Any] = jwt.decode(
                assertion,
                key,
                algorithms=[str(algorithm)],
                audience=audiences,
                issuer=integration.consumer_key,
                options={
                    "require": ["iss", "aud", "exp", "iat"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise client_error("InvalidSignature", "assertion signature does not verify") from None
        except jwt.InvalidAudienceError:
            raise TokenEndpointError(
                "invalid_grant", 400, "InvalidAudience", "aud is not the token URL"
            ) from None
        except jwt.InvalidIssuerError:
            raise client_error("InvalidIssuer", "iss is not the integration's client id") from None
        except jwt.PyJWTError as exc:
            raise TokenEndpointError(
                "invalid_grant", 400, "InvalidAssertion", type(exc).__name__
            ) from None
        self._check_times(claims)
        return claims, certificate.certificate_id, integration.name

    def _check_times(self, claims: Mapping[str, Any]) -> None:
        now = self._clock.now()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise TokenEndpointError(
                "invalid_grant", 400, "InvalidAssertion", "exp/iat not numeric"
            )
        if exp - iat > MAX_ASSERTION_LIFETIME:
            raise TokenEndpointError(
                "invalid_grant", 400, "AssertionLifetime", "exp is more than 60 minutes after iat"
            )
        if exp <= now - CLOCK_LEEWAY:
            raise TokenEndpointError("invalid_grant", 400, "AssertionExpired", "exp has passed")
        if iat > now + CLOCK_LEEWAY:
            raise TokenEndpointError("invalid_grant", 400, "InvalidTimestamp", "iat is in future")

    def verify_bearer(self, token: str) -> Principal:
        """Return who holds ``token`` or raise :class:`AuthFailure`."""
        rows = self._db.query(
            "SELECT b.expires_at, b.scope, c.certificate_id, c.state AS cert_state, "
            "i.name AS integration, i.state AS integration_state FROM sandbox_bearer_token b "
            "JOIN sandbox_m2m_certificate c ON c.certificate_id = b.certificate_id "
            "JOIN sandbox_integration i ON i.id = c.integration_id WHERE b.token_hash = ?",
            (_digest(token),),
        )
        if not rows:
            raise AuthFailure("InvalidToken", "unknown bearer token")
        row = rows[0]
        who = {"integration": row["integration"], "token": hint(row["certificate_id"])}
        if row["expires_at"] <= self._clock.now():
            raise AuthFailure("TokenExpired", "the access token has expired", **who)
        if row["cert_state"] != "active":
            raise AuthFailure("CertificateRevoked", "the certificate mapping was revoked", **who)
        if row["integration_state"] != "enabled":
            raise AuthFailure("consumer_key_refused", "the integration record is blocked", **who)
        if "rest_webservices" not in row["scope"].split():
            raise AuthFailure("ScopeMissing", "the token lacks the rest_webservices scope", **who)
        return Principal("OAuth2", row["integration"], hint(row["certificate_id"]))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class KeyPair:
    """A private key (PEM, PKCS#8) with its public key and the JWT algorithm to use."""

    private_key_pem: str
    public_key_pem: str
    algorithm: str


def generate_key_pair(kind: str = "EC") -> KeyPair:
    """A fresh key pair: ``"EC"`` → P-256 for ES256, ``"RSA-PSS"`` → RSA 3072 for PS256."""
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if kind == "EC":
        private, algorithm = ec.generate_private_key(ec.SECP256R1()), "ES256"
    elif kind == "RSA-PSS":
        private, algorithm = rsa.generate_private_key(public_exponent=65537, key_size=3072), "PS256"
    else:
        raise ValueError(f"unknown key kind {kind!r}; use 'EC' or 'RSA-PSS'")
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return KeyPair(private_pem, public_pem, algorithm)


def client_assertion(
    *,
    client_id: str,
    certificate_id: str,
    private_key_pem: str,
    audience: str,
    algorithm: str = "ES256",
    scope: Sequence[str] = ("rest_webservices",),
    issued_at: float,
    lifetime: int = 300,
) -> str:
    """A signed client-credentials assertion, as a NetSuite M2M client builds it."""
    payload = {
        "iss": client_id,
        "scope": list(scope),
        "aud": audience,
        "iat": int(issued_at),
        "exp": int(issued_at) + lifetime,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(
        payload, private_key_pem, algorithm=algorithm, headers={"kid": certificate_id}
    )
