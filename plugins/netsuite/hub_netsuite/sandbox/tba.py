"""Token-based authentication (OAuth 1.0a, RFC 5849) verified the way NetSuite does it.

HMAC-SHA256 only; ``realm`` must be the account id (upper case, underscore); every URL query
parameter and a form-urlencoded body are signed, a JSON body is not; ``oauth_version`` 1.0; nonce
at least 6 characters and never reused with the same timestamp; timestamp within ±300 s.
The signature is recomputed here from RFC 5849 §3.4 rather than delegated to a library.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

from hub_netsuite.sandbox.audit import hint
from hub_netsuite.sandbox.authtypes import AuthFailure, Principal
from hub_netsuite.sandbox.clock import SandboxClock
from hub_netsuite.sandbox.credentials import CredentialRegistry

REQUIRED = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_signature",
    "oauth_timestamp",
    "oauth_nonce",
)
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class SignedRequest:
    """What the verifier needs from an HTTP request."""

    method: str
    base_uri: str  # scheme://host[:port]/path as the client addressed it
    query: str  # raw query string
    authorization: str
    content_type: str = ""
    body: bytes = b""


def encode(value: str) -> str:
    """RFC 5849 §3.6 percent-encoding (unreserved characters kept)."""
    return quote(value, safe="~")


def parse_authorization(header: str) -> dict[str, str]:
    """The ``OAuth k="v", …`` header as a dict of decoded values.

    :raises AuthFailure: ``parameter_rejected`` for a malformed, duplicated or empty parameter.
    """
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "oauth":
        raise AuthFailure("MissingTokenPassportRequiredFields", "Authorization is not OAuth")
    params: dict[str, str] = {}
    for part in rest.split(","):
        part = part.strip()
        if not part:
            continue
        name, sep, quoted = part.partition("=")
        name = name.strip()
        if not sep or len(quoted) < 2 or not (quoted[0] == quoted[-1] == '"'):
            raise AuthFailure("parameter_rejected", f"malformed parameter {name!r}")
        if name in params:
            raise AuthFailure("parameter_rejected", f"parameter {name!r} sent twice")
        params[name] = unquote(quoted[1:-1])
    return params


def normalized_parameters(pairs: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encode each name/value, sort, join ``k=v`` with ``&``."""
    encoded = sorted((encode(k), encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, base_uri: str, pairs: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1: ``METHOD&enc(base URI)&enc(normalized parameters)``."""
    return "&".join((method.upper(), encode(base_uri), encode(normalized_parameters(pairs))))


def hmac_sha256_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """Base64 HMAC-SHA256 with key ``enc(consumer_secret)&enc(token_secret)``."""
    key = f"{encode(consumer_secret)}&{encode(token_secret)}".encode()
    digest = hmac.new(key, base_string.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_pairs(request: SignedRequest, oauth: dict[str, str]) -> list[tuple[str, str]]:
    """Header ``oauth_*`` parameters (minus signature/realm) + query + form body parameters."""
    pairs = [(k, v) for k, v in oauth.items() if k not in ("oauth_signature", "realm")]
    pairs += parse_qsl(request.query, keep_blank_values=True)
    if request.content_type.split(";")[0].strip().lower() == FORM_TYPE and request.body:
        pairs += parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
    return pairs


class NonceLedger:
    """Remembers nonce+timestamp pairs per token for as long as their timestamp is acceptable."""

    def __init__(self, window: float) -> None:
        self._window = window
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def use(self, token_id: str, nonce: str, timestamp: str, now: float) -> bool:
        """Record the pair; False when it was already used."""
        key = (token_id, nonce, timestamp)
        with self._lock:
            if now >= self._next_prune:
                horizon = now - 2 * self._window
                self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
                self._next_prune = now + 60
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class TbaVerifier:
    """Checks one TBA-signed request against the registered integrations and tokens."""

    def __init__(
        self,
        registry: CredentialRegistry,
        clock: SandboxClock,
        *,
        accept_lowercase_realm: bool = False,
        timestamp_window: float = 300.0,
        min_nonce_length: int = 6,
    ) -> None:
        self._registry = registry
        self._clock = clock
        self.accept_lowercase_realm = accept_lowercase_realm
        self.timestamp_window = timestamp_window
        self.min_nonce_length = min_nonce_length
        self._nonces = NonceLedger(timestamp_window)

    def verify(self, request: SignedRequest) -> Principal:
        """Return who signed ``request`` or raise :class:`AuthFailure` with the precise reason."""
        oauth = parse_authorization(request.authorization)
        missing = [name for name in REQUIRED if not oauth.get(name)]
        if missing:
            raise AuthFailure("MissingTokenPassportRequiredFields", f"missing {', '.join(missing)}")
        self._check_realm(oauth.get("realm"))
        if oauth["oauth_signature_method"] != "HMAC-SHA256":
            raise AuthFailure(
                "UnknownAlgorithm",
                f"{oauth['oauth_signature_method']} is not supported; the only supported "
                "algorithm is HMAC-SHA256",
            )
        if oauth.get("oauth_version", "1.0") != "1.0":
            raise AuthFailure("VersionRejected", f"oauth_version {oauth['oauth_version']!r}")
        nonce = oauth["oauth_nonce"]
        if len(nonce) < self.min_nonce_length:
            raise AuthFailure("nonce_rejected", f"nonce shorter than {self.min_nonce_length}")
        now = self._clock.now()
        try:
            timestamp = int(oauth["oauth_timestamp"])
        except ValueError:
            raise AuthFailure("parameter_rejected", "oauth_timestamp is not an integer") from None
        if abs(now - timestamp) > self.timestamp_window:
            raise AuthFailure(
                "InvalidTimestamp", f"timestamp is {int(timestamp - now)} s from server time"
            )
        consumer_key, token_id = oauth["oauth_consumer_key"], oauth["oauth_token"]
        integration = self._registry.integration_by_key(consumer_key)
        if integration is None:
            raise AuthFailure(
                "consumer_key_unknown",
                "no integration has this consumer key",
                integration=hint(consumer_key),
            )
        if not integration.enabled:
            raise AuthFailure(
                "consumer_key_refused",
                "the integration record is blocked",
                integration=integration.name,
            )
        token = self._registry.token_by_id(token_id)
        who = {"integration": integration.name, "token": hint(token_id)}
        if token is None:
            raise AuthFailure("token_rejected", "no access token has this id", **who)
        if token.integration_id != integration.id:
            raise AuthFailure("token_rejected", "the token belongs to another integration", **who)
        if not token.active:
            raise AuthFailure("token_rejected", "the token has been revoked", **who)
        base = signature_base_string(request.method, request.base_uri, signed_pairs(request, oauth))
        expected = hmac_sha256_signature(base, integration.consumer_secret, token.token_secret)
        if not hmac.compare_digest(expected, oauth["oauth_signature"]):
            raise AuthFailure("InvalidSignature", "the request is not signed correctly", **who)
        if not self._nonces.use(token_id, nonce, oauth["oauth_timestamp"], now):
            raise AuthFailure("NonceUsed", "nonce and timestamp were already used", **who)
        return Principal("TBA", integration.name, hint(token_id))

    def _check_realm(self, realm: str | None) -> None:
        account = self._registry.account_id
        if realm == account:
            return
        if self.accept_lowercase_realm and realm is not None:
            if realm.upper().replace("-", "_") == account:
                return
        raise AuthFailure("RealmMismatch", f"realm {realm!r} is not the account id {account!r}")
