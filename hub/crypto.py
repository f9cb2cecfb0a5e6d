"""Encryption of stored credentials, with key rotation.

Keys are derived from ``HUB_SECRET_KEY`` (and any fallbacks) with HKDF-SHA256, then used as Fernet
keys (AES-128-CBC + HMAC-SHA256, authenticated, timestamped). :class:`SecretBox` encrypts with the
current key and decrypts with any of them, so keys can be rotated without downtime: deploy the new key
with the old one as a fallback, run ``hubctl rotate-key``, then drop the fallback.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hub.errors import ConfigError
from hub.redaction import remember_secrets

_SALT = b"collections-hub/credentials"
_INFO = b"fernet-key-v1"


def derive_fernet_key(secret: str) -> bytes:
    """Derive a Fernet key from an arbitrary-length secret string."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode("utf-8")
    )
    return base64.urlsafe_b64encode(raw)


class SecretBox:
    """Encrypts and decrypts JSON objects of secrets.

    :param current: the current secret key (encrypts).
    :param fallbacks: previous keys, still accepted for decryption.
    """

    def __init__(self, current: str, fallbacks: Sequence[str] = ()) -> None:
        self._fernet = MultiFernet([Fernet(derive_fernet_key(k)) for k in (current, *fallbacks)])

    def encrypt(self, values: Mapping[str, Any]) -> str:
        """Encrypt a JSON-compatible mapping; returns an opaque ASCII token."""
        return self._fernet.encrypt(json.dumps(dict(values), sort_keys=True).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        """Decrypt a token made by :meth:`encrypt` with the current or a fallback key.

        Decrypted values are remembered by the log redactor so they never reach logs or errors.
        """
        try:
            data = self._fernet.decrypt(token.encode())
        except InvalidToken:
            raise ConfigError(
                "stored credentials cannot be decrypted with the configured secret key",
                causes=[
                    "HUB_SECRET_KEY changed: put the old key in HUB_SECRET_KEY_FALLBACKS and "
                    "run `hubctl rotate-key`",
                    "the database was copied from another installation",
                ],
            ) from None
        values: dict[str, Any] = json.loads(data)
        remember_secrets(values.values())
        return values

    def rotate(self, token: str) -> str:
        """Re-encrypt a token with the current key (after a key change)."""
        return self._fernet.rotate(token.encode()).decode()


__all__ = ["SecretBox", "derive_fernet_key"]
