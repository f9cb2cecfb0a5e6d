"""``netsuite-sandbox`` command group (mounted by ``hubctl``; also ``python -m hub_netsuite.sandbox``).

``serve`` runs the emulator in the foreground; every other command talks to a running sandbox's
admin API, found through its data file (``--data``) or ``--url`` + ``--admin-token``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from hub_netsuite.sandbox.cli_admin_commands import COMMANDS
from hub_netsuite.sandbox.cli_client import DEFAULT_DATA, admin_client, connection_options, emit

DEFAULT_PORT = 8790


@click.group(name="netsuite-sandbox")
def netsuite_sandbox() -> None:
    """Offline NetSuite sandbox emulator (SuiteTalk REST + SuiteQL, TBA and OAuth 2.0)."""


@netsuite_sandbox.command()
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="0 = any free port")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--data",
    "data",
    type=click.Path(dir_okay=False),
    default=DEFAULT_DATA,
    show_default=True,
    help="SQLite file of the account (generated when missing)",
)
@click.option("--account-id", default="1234567_SB1", show_default=True)
@click.option("--customers", type=int, default=50, show_default=True)
@click.option("--invoices", type=int, default=200, show_default=True)
@click.option("--payments", type=int, default=80, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--concurrency-limit", type=int, default=5, show_default=True)
@click.option(
    "--fault-rate",
    type=float,
    default=0.0,
    show_default=True,
    help="share of requests answered 500 UNEXPECTED_ERROR",
)
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option(
    "--slow-401-rate",
    type=float,
    default=0.0,
    show_default=True,
    help="share of over-limit requests answered with a slow 401 instead of 429",
)
@click.option("--webhook-url", default=None, help="afterSubmit-style callout target")
@click.option("--webhook-secret", default=None, envvar="NETSUITE_SANDBOX_WEBHOOK_SECRET")
@click.option("--admin-token", default=None, envvar="NETSUITE_SANDBOX_ADMIN_TOKEN")
@click.option("--lenient-prefer", is_flag=True, help="accept SuiteQL without 'Prefer: transient'")
def serve(
    port: int,
    host: str,
    data: str,
    account_id: str,
    customers: int,
    invoices: int,
    payments: int,
    seed: int,
    concurrency_limit: int,
    fault_rate: float,
    latency_ms: float,
    slow_401_rate: float,
    webhook_url: str | None,
    webhook_secret: str | None,
    admin_token: str | None,
    lenient_prefer: bool,
) -> None:
    """Run the emulator until Ctrl-C; prints the base URL and credentials as JSON."""
    from hub_netsuite.sandbox.api import start_sandbox

    path = Path(data)
    if not path.exists():
        click.echo(
            f"Generating {path} ({customers} customers, {invoices} invoices, "
            f"{payments} payments, seed {seed}) …",
            err=True,
        )
    sandbox = start_sandbox(
        path,
        account_id=account_id,
        customers=customers,
        invoices=invoices,
        payments=payments,
        seed=seed,
        concurrency_limit=concurrency_limit,
        fault_rate=fault_rate,
        latency_ms=latency_ms,
        slow_401_rate=slow_401_rate,
        admin_token=admin_token,
        require_prefer_transient=not lenient_prefer,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        host=host,
        port=port,
    )
    info = sandbox.info()
    info["admin_token"] = sandbox.admin_token
    click.echo(json.dumps(info, indent=2))
    click.echo(
        f"NetSuite sandbox {sandbox.account_id} listening on {sandbox.base_url} (Ctrl-C to stop)",
        err=True,
    )
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


@netsuite_sandbox.command()
@connection_options
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def stats(data: str, url: str | None, admin_token: str | None, as_json: bool) -> None:
    """Requests per endpoint, peak concurrency, 429s, faults and webhook deliveries."""
    counters = admin_client(data, url, admin_token).call("GET", "counters")
    if as_json:
        emit(counters)
        return
    settings = counters["settings"]
    click.echo(
        f"requests: {counters['total_requests']}  in flight: {counters['in_flight']}  "
        f"peak concurrency: {counters['peak_concurrency']}/{settings['concurrency_limit']}"
    )
    click.echo(
        f"429s: {counters['rejected_429']}  slow 401s: {counters['slow_401']}  "
        f"faults (500): {counters['faults_500']}  auth failures: {counters['auth_failures']}"
    )
    for endpoint, count in counters["requests"].items():
        click.echo(f"  {endpoint:<28} {count}")
    click.echo("statuses: " + ", ".join(f"{k}×{v}" for k, v in counters["statuses"].items()))
    hook = counters["webhook"]
    if hook["url"]:
        click.echo(f"webhook {hook['url']}: {hook['delivered']} delivered, {hook['failed']} failed")


@netsuite_sandbox.command()
@connection_options
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--failures", is_flag=True, help="only failed logins")
@click.option("--json", "as_json", is_flag=True)
def audit(
    data: str, url: str | None, admin_token: str | None, limit: int, failures: bool, as_json: bool
) -> None:
    """The login audit trail (the real reason behind each INVALID_LOGIN)."""
    params = {"limit": str(limit), **({"failures": "true"} if failures else {})}
    rows = admin_client(data, url, admin_token).call("GET", "audit", **params)
    if as_json:
        emit(rows)
        return
    for row in rows:
        click.echo(
            f"{row['at']}  {row['scheme']:<6} {row['outcome']:<7} {row['reason']:<32} "
            f"{row['method'] or ''} {row['path'] or ''}  {row['detail']}"
        )


for _command in COMMANDS:
    netsuite_sandbox.add_command(_command)


def main() -> None:
    """Entry point of ``python -m hub_netsuite.sandbox``."""
    netsuite_sandbox(prog_name="netsuite-sandbox", auto_envvar_prefix=None)
