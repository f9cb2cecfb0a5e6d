"""``hubctl web``, ``hubctl users ...`` and ``hubctl demo``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session, select

from hub.cli.context import HubContext, pass_hub
from hub.errors import ConfigError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=5000, show_default=True, type=int)
@pass_hub
def web(hub: HubContext, host: str, port: int) -> None:
    """Run the web admin (Flask's threaded server; put a WSGI server in front in production)."""
    hub.migrated_engine()
    from hub.web import create_app

    app = create_app()
    click.echo(f"Collections Hub admin on http://{host}:{port}/admin/", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@click.group()
def users() -> None:
    """Manage the people who can log in to the web admin."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "collector"]), required=True)
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
@pass_hub
def users_add(hub: HubContext, email: str, role: str, password_stdin: bool) -> None:
    """Add a user; the password is prompted for (or read from stdin)."""
    from hub.web.auth import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with Session(hub.migrated_engine()) as session:
        try:
            user = create_user(session, email, password, role)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        session.commit()
        click.echo(f"added {user.email} ({user.role})")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@pass_hub
def users_list(hub: HubContext, as_json: bool) -> None:
    """List users: email, role, active."""
    from hub.web.models import User

    with Session(hub.migrated_engine()) as session:
        rows = list(session.exec(select(User).order_by(User.email)))
    data = [{"email": u.email, "role": u.role, "active": u.active} for u in rows]
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for item in data:
        flag = "" if item["active"] else " (inactive)"
        click.echo(f"{item['email']:<40} {item['role']}{flag}")


@click.command()
@click.option("--port", default=5000, show_default=True, type=int, help="web admin port (0: any)")
@click.option("--customers", default=30, show_default=True, type=int)
@click.option("--invoices", default=120, show_default=True, type=int)
@click.option("--payments", default=40, show_default=True, type=int)
@click.option(
    "--small",
    is_flag=True,
    envvar="HUB_DEMO_SMALL",
    help="a tiny sandbox account (5 customers, 20 invoices, 6 payments); env HUB_DEMO_SMALL=1",
)
@pass_hub
def demo(
    hub: HubContext, port: int, customers: int, invoices: int, payments: int, small: bool
) -> None:
    """Everything on embedded defaults: NetSuite sandbox, a connection to it, an initial sync,
    an email channel to a local mail sink, a worker, the scheduler and the web admin.
    Ctrl-C (or SIGTERM) stops every process it started."""
    from hub.collections import ChannelService
    from hub.db import make_engine, migrate
    from hub.web import demo as parts

    if small:
        customers, invoices, payments = 5, 20, 6
    settings = hub.settings
    settings.ensure_instance()
    env = dict(os.environ)
    env["HUB_INSTANCE_PATH"] = str(settings.instance_path)
    if settings.generate_key_file():
        click.echo(f"generated a secret key in {settings.instance_path}", err=True)
        hub.reload_settings()
        settings = hub.settings
    engine = make_engine(settings.database_url)
    migrate(engine)
    password = parts.reset_demo_user(engine)
    port = port or parts.free_port()
    processes: list[subprocess.Popen[Any]] = []
    hubctl = [sys.executable, "-m", "hub.cli"]
    parts.raise_on_sigterm()
    try:
        mail_port = parts.free_port()
        mail_dir = Path(settings.instance_path) / "mail"
        env["HUB_MAIL_SINK"] = str(mail_dir)
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "hub.web.mailsink", str(mail_port), str(mail_dir)], env=env
            )
        )
        click.echo(f"mail sink: smtp://127.0.0.1:{mail_port} (messages in the admin)", err=True)
        sandbox = subprocess.Popen(
            [
                *hubctl,
                "netsuite-sandbox",
                "serve",
                "--port",
                "0",
                "--customers",
                str(customers),
                "--invoices",
                str(invoices),
                "--payments",
                str(payments),
                "--data",
                str(Path(settings.instance_path) / "netsuite-sandbox.sqlite3"),
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(sandbox)
        assert sandbox.stdout is not None
        info = parts.read_json_object(sandbox.stdout)
        click.echo(f"NetSuite sandbox {info['account_id']} on {info['base_url']}", err=True)
        parts.upsert_connection(hub.connections(), info["connection_config"])
        service = hub.connections()
        result = service.test(parts.DEMO_CONNECTION)
        click.echo(f"connection test: {'active' if result.ok else result.message}", err=True)
        subprocess.run([*hubctl, "sync", parts.DEMO_CONNECTION], env=env, check=False)
        parts.setup_collections(engine, ChannelService(engine, hub.plugins, hub.box), mail_port)
        click.echo(f"email channel {parts.DEMO_CHANNEL!r} sends to the mail sink", err=True)
        processes.append(subprocess.Popen([*hubctl, "worker"], env=env))
        processes.append(subprocess.Popen([*hubctl, "scheduler"], env=env))
        processes.append(subprocess.Popen([*hubctl, "web", "--port", str(port)], env=env))
        url = f"http://127.0.0.1:{port}/admin/"
        parts.wait_for_http(f"http://127.0.0.1:{port}/login", processes, timeout=60)
        parts.say()
        parts.say(f"  Collections Hub demo: {url}")
        parts.say(f"  log in as {parts.DEMO_EMAIL} with password {password}")
        parts.say("  Ctrl-C stops everything.")
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        click.echo("a demo process exited; stopping the others", err=True)
    except (KeyboardInterrupt, parts.Stopped):
        click.echo("stopping the demo ...", err=True)
    finally:
        parts.stop_all(processes)
        engine.dispose()


__all__ = ["demo", "users", "web"]
