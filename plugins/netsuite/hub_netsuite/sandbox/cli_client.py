"""Client side of the admin API, shared by the ``netsuite-sandbox`` commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
import requests

from hub_netsuite.sandbox.authdb import read_meta
from hub_netsuite.sandbox.authtypes import ADMIN_HEADER

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_DATA = "netsuite-sandbox.sqlite3"


class AdminClient:
    """Minimal client of a running sandbox's admin API."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        """Call ``/sandbox/<path>``; raise ClickException on an error answer."""
        try:
            response = requests.request(
                method,
                f"{self.url}/sandbox/{path}",
                json=body,
                params=params or None,
                headers={ADMIN_HEADER: self.token},
                timeout=60,
            )
        except requests.ConnectionError:
            raise click.ClickException(
                f"no sandbox answers at {self.url}; is it running?"
            ) from None
        payload = response.json() if response.content else None
        if response.status_code >= 400:
            message = payload.get("error") if isinstance(payload, dict) else response.text
            raise click.ClickException(f"sandbox refused ({response.status_code}): {message}")
        return payload


def admin_client(data: str, url: str | None, token: str | None) -> AdminClient:
    """The admin client of the sandbox named by ``--url``/``--admin-token`` or its data file."""
    url = url or read_meta(data, "base_url")
    token = token or read_meta(data, "admin_token")
    if not url or not token:
        raise click.ClickException(
            f"cannot find a sandbox: {data} has no server details; pass --url and --admin-token"
        )
    return AdminClient(url, token)


def connection_options(func: F) -> F:
    """Options shared by the commands that talk to a running sandbox."""
    func = click.option("--admin-token", envvar="NETSUITE_SANDBOX_ADMIN_TOKEN", default=None)(func)
    func = click.option(
        "--url",
        envvar="NETSUITE_SANDBOX_URL",
        default=None,
        help="base URL of the sandbox (default: read from --data)",
    )(func)
    func = click.option(
        "--data",
        default=DEFAULT_DATA,
        show_default=True,
        type=click.Path(dir_okay=False),
        help="the sandbox's SQLite file",
    )(func)
    return func


def emit(payload: Any) -> None:
    """Print ``payload`` as indented JSON."""
    click.echo(json.dumps(payload, indent=2, default=str))


def pairs(values: Sequence[str], what: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict."""
    out: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint=what)
        out[key] = val
    return out
