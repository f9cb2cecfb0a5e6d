"""The admin in a real browser (Playwright + Debian's chromium): log in, connect, test, sync
through a real RQ worker, send reminders into a mail sink (outbox and mail views), break and fix a
mapping, RQ dashboard, a collector pausing an invoice, screenshots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis import Redis
from sqlalchemy import Engine
from sqlmodel import Session, select
from webhelpers import PASSWORD
from werkzeug.serving import make_server

from conftest import SECRET_KEY, build_app
from hub.collections import ChannelService, PolicyService
from hub.collections.policies import DEFAULT_POLICY_NAME, DEFAULT_STEPS
from hub.models import Customer, Invoice
from hub.plugins import PluginHost
from hub.web.auth import create_user
from hub.web.demo import DEMO_POLICY_SETTINGS, free_port
from hub.web.mailsink import FolderHandler
from hub.web.services import secret_box

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
REDIS_URL = "redis://127.0.0.1:6379/11"
#: Screenshots go to docs/screenshots only when asked (HUB_UPDATE_SCREENSHOTS=1); otherwise a test
#: run would rewrite tracked files every time.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="run scripts/browser.sh")


@pytest.fixture
def netsuite(tmp_path: Path) -> Iterator[Any]:
    """A small NetSuite account served by the emulator on a loopback port."""
    from hub_netsuite.sandbox.api import run_sandbox

    with run_sandbox(tmp_path / "netsuite", customers=10, invoices=40, payments=15) as sandbox:
        yield sandbox


@pytest.fixture
def server(sqlite_engine: Engine, plugin_host: PluginHost, tmp_path: Path) -> Iterator[str]:
    with Redis.from_url(REDIS_URL) as redis_db:
        redis_db.flushdb()
    with Session(sqlite_engine) as session:
        create_user(session, "admin@example.test", PASSWORD, "admin")
        create_user(session, "clerk@example.test", PASSWORD, "collector")
        session.commit()
    database_url = sqlite_engine.url.render_as_string(hide_password=False)
    mail_dir = tmp_path / "mail"
    sink = Controller(FolderHandler(mail_dir), hostname="127.0.0.1", port=free_port())
    sink.start()
    app = build_app(sqlite_engine, REDIS_URL=REDIS_URL, HUB_MAIL_SINK=str(mail_dir))
    with app.app_context():
        channels = ChannelService(sqlite_engine, plugin_host, secret_box())
    channels.add(
        "mail",
        "email_reminders",
        {
            "host": "127.0.0.1",
            "port": sink.port,
            "security": "none",
            "from_address": "ar@acme.test",
        },
    )
    PolicyService(sqlite_engine).save(
        DEFAULT_POLICY_NAME, DEFAULT_STEPS, DEMO_POLICY_SETTINGS, default=True
    )
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "HUB_SECRET_KEY": SECRET_KEY,
        "HUB_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    hubctl = shutil.which("hubctl", path=str(Path(sys.executable).parent))
    assert hubctl
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([hubctl, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=log)
    (tmp_path / "env.json").write_text(json.dumps(env))
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()
        http.shutdown()
        sink.stop()
        with Redis.from_url(REDIS_URL) as redis_db:
            redis_db.flushdb()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/admin/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#current-user")


def customer_with_open_invoice(engine: Engine) -> str:
    """The name of a synced customer that has an open invoice (for the collector's tour)."""
    with Session(engine) as session:
        invoice = session.exec(select(Invoice).where(Invoice.status != "paid")).first()
        assert invoice is not None
        customer = session.exec(
            select(Customer).where(Customer.external_id == invoice.customer_external_id)
        ).one()
        assert customer.name
        return customer.name


def test_admin_tour_in_the_browser(
    server: str, browser: Any, netsuite: Any, sqlite_engine: Engine, tmp_path: Path
) -> None:
    config = netsuite.connection_config()
    shots = (
        DOCS_SCREENSHOTS if os.environ.get("HUB_UPDATE_SCREENSHOTS") else tmp_path / "screenshots"
    )
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    log_in(page, server, "admin@example.test")

    # Add a connection to the NetSuite emulator (TBA, base URL override).
    page.goto(f"{server}/admin/connections/")
    page.select_option("#plugin", "netsuite")
    page.click("button:text-is('Connect')")
    page.fill("#name", "netsuite-sb1")
    page.fill("#cfg_account_id", config["account_id"])
    page.select_option("#cfg_auth", "tba")
    for field in ("consumer_key", "consumer_secret", "token_id", "token_secret", "base_url"):
        page.fill(f"#cfg_{field}", config[field])
    page.select_option("#frequency", "manual")
    page.screenshot(path=str(shots / "connection-form.png"))
    page.click("#save-connection")
    assert page.locator("[data-status=never_tested]").first.is_visible()

    # Test Connection -> Active.
    page.click("text=Test Connection")
    page.wait_for_selector("text=Connection works")
    assert page.locator("h5 [data-status]").get_attribute("data-status") == "active"

    # Sync Now, and watch the live progress until the worker finishes.
    page.click("button:has-text('Sync Now')")
    page.wait_for_selector("#sync-progress[data-done='1']", timeout=60_000)
    status = page.get_attribute("#sync-progress", "data-status")
    assert status == "succeeded", page.inner_text("#sync-progress")
    assert "records fetched" in page.inner_text("#sync-progress")
    page.screenshot(path=str(shots / "connection.png"))

    # Reminders: a pass sends through the email channel into the mail sink.
    env = json.loads((tmp_path / "env.json").read_text())
    run = subprocess.run(
        [sys.executable, "-m", "hub.cli", "reminders", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    page.goto(f"{server}/admin/reminders/")
    outbox = page.inner_text("table.model-list")
    assert "sent" in outbox and ".example" in outbox, run.stdout
    page.screenshot(path=str(shots / "reminders.png"))
    page.goto(f"{server}/admin/mail/")
    assert "ar@acme.test" in page.content() and "No messages yet" not in page.content()

    # A broken mapping is refused with its JSON path; a valid change previews and saves.
    page.goto(f"{server}/admin/mappings/?connection=1&object=invoice")
    document = json.loads(page.input_value("#document"))
    broken = {**document, "bogus_setting": True}
    page.fill("#document", json.dumps(broken, indent=2))
    page.click("#save-mapping")
    error = page.inner_text("#mapping-error")
    assert error.startswith("$") and "bogus_setting" in error
    page.fill("#document", json.dumps(document, indent=2))
    page.click("#preview-mapping")
    page.wait_for_selector("#mapping-preview")
    assert "INV" in page.inner_text("#mapping-preview")
    page.screenshot(path=str(shots / "mapping-editor.png"), full_page=True)
    page.fill("input[name=comment]", "checked in the browser")
    page.click("#save-mapping")
    page.wait_for_selector("text=Saved as version 2")

    # Data and runs.
    page.goto(f"{server}/admin/invoice/")
    assert "INV1" in page.content()
    page.goto(f"{server}/admin/runs/")
    assert "succeeded" in page.inner_text("#runs")
    page.screenshot(path=str(shots / "sync-runs.png"))

    # RQ dashboard behind the same login.
    page.goto(f"{server}/admin/rq/")
    assert "RQ" in page.title() or "Queues" in page.content()

    # The dashboard, with its charts (server-side SVG, no CDN).
    page.goto(f"{server}/admin/")
    assert page.locator("[data-currency=USD] svg").count() == 1
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    # A collector sees customers and invoices, not connections or mappings.
    clerk = browser.new_page()
    log_in(clerk, server, "clerk@example.test")
    assert "Connections" not in clerk.inner_text("nav")
    assert clerk.goto(f"{server}/admin/connections/").status == 403
    assert clerk.goto(f"{server}/admin/mappings/").status == 403
    assert clerk.goto(f"{server}/admin/customer/").status == 200
    clerk.click(f"text={customer_with_open_invoice(sqlite_engine)}")
    row = clerk.locator("tr[data-invoice]", has=clerk.locator("summary")).first
    invoice_id = row.get_attribute("data-invoice")
    row.locator("summary").click()
    row.locator("button:text-is('Pause')").click()
    clerk.wait_for_selector("text=Paused invoice")
    paused = clerk.locator(f"tr[data-invoice='{invoice_id}'] [data-hold=pause]")
    assert paused.count() == 1
    assert "chasing paused" in clerk.inner_text("#timeline")
    clerk.set_viewport_size({"width": 1280, "height": 860})
    clerk.screenshot(path=str(shots / "customer.png"), full_page=True)
