"""`hubctl demo` end to end, as a user runs it: from an empty folder, through the printed URL
and login, to a reminder caught by the mail sink; SIGTERM leaves no process behind."""

from __future__ import annotations

import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from redis import Redis

from hub.web.demo import free_port

REDIS_URL = "redis://127.0.0.1:6379/10"
HUBCTL = [sys.executable, "-m", "hub.cli"]


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


def wait_for(lines: queue.Queue[str], pattern: str, timeout: float) -> tuple[re.Match[str], str]:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match, "".join(seen)
    raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n{''.join(seen)}")


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    with Redis.from_url(REDIS_URL) as redis_db:
        redis_db.flushdb()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "HUB_SECRET_KEY", "HUB_INSTANCE_PATH", "HUB_MAIL_SINK")
    }
    return {**env, "REDIS_URL": REDIS_URL, "HUB_DEMO_SMALL": "1"}


def test_demo_runs_end_to_end_and_stops_cleanly(tmp_path: Path, demo_env: dict[str, str]) -> None:
    port = free_port()
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(
        [*HUBCTL, "demo", "--port", str(port)],
        cwd=tmp_path,
        env=demo_env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=read_lines, args=(demo.stdout, lines), daemon=True).start()
    children: set[int] = set()
    try:
        url_match, _ = wait_for(lines, r"(http://127\.0\.0\.1:\d+/admin/)", timeout=120)
        login_match, _ = wait_for(lines, r"log in as (\S+) with password (\S+)", timeout=5)
        url = url_match.group(1)
        assert url == f"http://127.0.0.1:{port}/admin/"
        email, password = login_match.groups()
        children = descendants(demo.pid)
        assert len(children) >= 5  # mail sink, sandbox, worker, scheduler, web

        http = requests.Session()
        base = f"http://127.0.0.1:{port}"
        page = http.get(f"{base}/login", timeout=10).text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token
        form = {"email": email, "password": password, "csrf_token": token.group(1)}
        answer = http.post(f"{base}/login", data=form, allow_redirects=False, timeout=10)
        assert answer.status_code == 302

        database = tmp_path / "instance" / "hub.db"
        with sqlite3.connect(database) as db:
            open_numbers = [
                row[0]
                for row in db.execute("SELECT number FROM invoice WHERE status = 'open'")
                if row[0]
            ]
        assert open_numbers, "the small demo account must have open invoices"
        invoices = http.get(f"{base}/admin/invoice/?page_size=100", timeout=10).text
        assert any(number in invoices for number in open_numbers)

        run = subprocess.run(
            [*HUBCTL, "reminders", "run", "--json"],
            cwd=tmp_path,
            env=demo_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        mail = tmp_path / "instance" / "mail"
        deadline = time.monotonic() + 10
        while not list(mail.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(mail.glob("*.eml")), run.stdout
        sink_page = http.get(f"{base}/admin/mail/", timeout=10).text
        assert "billing@demo.local" in sink_page
        assert "No messages yet" not in sink_page
        outbox = http.get(f"{base}/admin/reminders/?flt0_status_equals=sent", timeout=10)
        assert outbox.status_code == 200
    finally:
        if not children:
            children = descendants(demo.pid)
        demo.send_signal(signal.SIGTERM)
        try:
            code = demo.wait(timeout=30)
        finally:
            log.close()
            if demo.poll() is None:
                demo.kill()
                demo.wait()
            if demo.stdout is not None:
                demo.stdout.close()
    assert code == 0, (tmp_path / "demo.log").read_text()[-3000:]
    left = [pid for pid in children if alive(pid)]
    assert left == [], f"processes left behind: {left}"
