"""Runtime settings, read from the environment (contract: DESIGN.md section 5).

* ``DATABASE_URL`` — SQLAlchemy URL; default: a SQLite file ``hub.db`` in the instance folder.
* ``REDIS_URL`` — default ``redis://127.0.0.1:6379/0``.
* ``HUB_SECRET_KEY`` — signs sessions and derives the key that encrypts stored credentials.
  Without it, the key kept in ``<instance>/secret_key`` (written by ``hubctl init``) is used.
* ``HUB_SECRET_KEY_FALLBACKS`` — comma-separated previous keys, still accepted for decryption
  while ``hubctl rotate-key`` re-encrypts everything with the current key.
* ``HUB_INSTANCE_PATH`` — the instance folder (default ``./instance``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hub.errors import ConfigError

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY_FILE = "secret_key"


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one hub process."""

    instance_path: Path
    database_url: str
    redis_url: str = DEFAULT_REDIS_URL
    secret_key: str | None = field(default=None, repr=False)
    secret_key_fallbacks: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``env`` (default: the process environment)."""
        env = os.environ if env is None else env
        instance = Path(env.get("HUB_INSTANCE_PATH") or "instance").resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'hub.db'}"
        key = env.get("HUB_SECRET_KEY") or _read_key_file(instance)
        fallbacks = tuple(
            k.strip() for k in env.get("HUB_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
        )
        return cls(
            instance, database_url, env.get("REDIS_URL") or DEFAULT_REDIS_URL, key, fallbacks
        )

    def require_secret_key(self) -> str:
        """The secret key, or a :class:`ConfigError` that says how to set one."""
        if not self.secret_key:
            raise ConfigError(
                "no secret key: stored credentials cannot be encrypted or read",
                causes=[
                    "set HUB_SECRET_KEY in the environment (e.g. `openssl rand -hex 32`)",
                    f"or run `hubctl init` to generate {self.instance_path / SECRET_KEY_FILE}",
                ],
            )
        return self.secret_key

    def ensure_instance(self) -> None:
        """Create the instance folder if it is missing."""
        self.instance_path.mkdir(parents=True, exist_ok=True)

    def generate_key_file(self) -> Path | None:
        """Write a random key to the instance folder unless a key is already configured."""
        if self.secret_key:
            return None
        self.ensure_instance()
        path = self.instance_path / SECRET_KEY_FILE
        path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
        path.chmod(0o600)
        return path


def _read_key_file(instance: Path) -> str | None:
    path = instance / SECRET_KEY_FILE
    if path.is_file():
        return path.read_text(encoding="utf-8").strip() or None
    return None


__all__ = ["DEFAULT_REDIS_URL", "Settings"]
