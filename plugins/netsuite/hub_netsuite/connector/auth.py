"""Request signing: Token-Based Authentication (OAuth 1.0a) and OAuth 2.0 client credentials.

TBA signs every prepared request anew (fresh nonce and timestamp), so a retried request never
replays a signature. OAuth 2.0 M2M mints a PS256/ES256 client assertion, trades it for a bearer
token at the token endpoint and reuses the token until shortly before it expires.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
import requests
from requests_oauthlib import OAuth1

from hub import AuthenticationError
from hub_netsuite.connector.config import NetSuiteConfig

TOKEN_PATH = "/auth/oauth2/v1/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Renew a bearer token this many seconds before NetSuite says it expires.
RENEW_MARGIN_SECONDS = 300
ASSERTION_LIFETIME_SECONDS = 300

M2M_CAUSES = [
    "the certificate ID does not match a certificate mapped to this integration "
    "(Setup > Integration > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup)",
    "the private key does not belong to that certificate, or the certificate was revoked "
    "or expired",
    "the client ID is not the consumer key of an integration with the Client Credentials "
    "grant enabled, or the integration is disabled",
    "the account id is wrong (the assertion audience is built from it)",
    "this machine's clock is off by more than a minute (check NTP)",
]


class TbaAuth(requests.auth.AuthBase):
    """HMAC-SHA256 OAuth 1.0a signature with ``realm`` = the canonical account id."""

    def __init__(self, config: NetSuiteConfig) -> None:
        c = config.credentials
        self._signer = OAuth1(
            c["consumer_key"],
            client_secret=c["consumer_secret"],
            resource_owner_key=c["token_id"],
            resource_owner_secret=c["token_secret"],
            signature_method="HMAC-SHA256",
            realm=config.account.realm,
        )

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        signed: requests.PreparedRequest = self._signer(request)
        return signed

    def invalidate(self) -> None:
        """Nothing cached: every request is signed with a new nonce anyway."""


def _algorithm(private_key_pem: str) -> str:
    """PS256 for RSA keys, ES256/384/512 for EC keys by curve size (RS256 is refused)."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key_pem.encode(), password=None)
    except (ValueError, TypeError):
        raise AuthenticationError(
            "the OAuth 2.0 private key is not a readable, unencrypted PEM private key",
            causes=["paste the PEM private key (-----BEGIN PRIVATE KEY-----) without a password"],
        ) from None
    if isinstance(key, rsa.RSAPrivateKey):
        return "PS256"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {256: "ES256", 384: "ES384", 521: "ES512"}.get(key.curve.key_size, "ES256")
    raise AuthenticationError(
        "the OAuth 2.0 private key must be RSA (PS256) or EC (ES256)",
        causes=["generate an RSA 3072/4096-bit or EC P-256 certificate for the M2M mapping"],
    )


class OAuth2M2MAuth(requests.auth.AuthBase):
    """Bearer auth with a client-credentials token, minted on demand and cached.

    :param send: performs the token request (the connector's HTTP client, so it is counted,
        throttled and retried like any other request).
    """

    def __init__(
        self,
        config: NetSuiteConfig,
        send: Callable[..., requests.Response],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._send = send
        self._clock = clock
        self._lock = threading.RLock()
        self._token: str | None = None
        self._expires_at = 0.0
        self._algorithm = _algorithm(config.credentials["private_key"])
        self.tokens_minted = 0

    @property
    def token_url(self) -> str:
        """The token endpoint this connection calls."""
        return f"{self._config.rest_url}{TOKEN_PATH}"

    def _assertion(self) -> str:
        c = self._config.credentials
        now = int(self._clock())
        payload: dict[str, Any] = {
            "iss": c["client_id"],
            "scope": ["rest_webservices"],
            "aud": self.token_url
            if self._config.base_url != self._config.account.default_base_url
            else self._config.account.canonical_token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(
            payload,
            c["private_key"],
            algorithm=self._algorithm,
            headers={"kid": c["certificate_id"], "typ": "JWT"},
        )

    def token(self) -> str:
        """A valid access token, minting a new one when none is cached or it is about to expire."""
        with self._lock:
            if self._token and self._clock() < self._expires_at - RENEW_MARGIN_SECONDS:
                return self._token
            form = {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self._assertion(),
            }
            response = self._send("POST", self.token_url, data=form, token_request=True)
            if response.status_code != 200:
                raise AuthenticationError(
                    f"NetSuite refused the OAuth 2.0 client assertion "
                    f"({_oauth_error(response)}, HTTP {response.status_code})",
                    causes=M2M_CAUSES,
                )
            body = response.json()
            self._token = str(body["access_token"])
            self._expires_at = self._clock() + float(body.get("expires_in", 3600))
            self.tokens_minted += 1
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token (after a 401) so the next request mints a new one."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        return request


def _oauth_error(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", "error"))
    except ValueError:
        return "error"
