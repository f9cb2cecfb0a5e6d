"""Crash safety: a sync process killed with SIGKILL at random instants, many times, then re-run,
leaves exactly the database an uninterrupted run leaves."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import Engine

from hub.sync import run_sync

from .conftest import Factory
from .helpers import set_config, snapshot

WORKER = (
    "import sys\n"
    "from hub.db import make_engine\n"
    "from hub.sync import run_sync\n"
    "engine = make_engine(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "run_sync(engine, int(sys.argv[2]))\n"
)
DATA = {"customers": 40, "invoices": 160, "page_size": 6, "bad_every": 9, "sleep": 0.004}


def _sync_in_subprocess(env: dict[str, str], url: str, cid: int, kill_after: float | None) -> bool:
    """Run a sync in a child process; SIGKILL it ``kill_after`` seconds after it is ready."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(cid)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    killed = False
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            killed = True
    proc.wait(timeout=180)  # generous: CI machines shared by parallel suites run slow
    proc.stdout.close()
    return killed


def test_sigkill_at_random_points_then_rerun_gives_the_uninterrupted_result(
    engine: Engine, make_connection: Factory, hub_env: dict[str, str]
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    kills = 16 if engine.dialect.name == "sqlite" else 6
    crashed = make_connection("crashed", **DATA)
    reference = make_connection("reference", **DATA)
    rng = random.Random(4)

    # Phase 1: initial sync; phase 2: the source changes (updates, deletions, invalid records).
    for phase in (0, 1):
        if phase:
            for cid in (crashed, reference):
                set_config(engine, cid, version=1, deleted=["I7", "I30", "C3"])
        started = time.monotonic()
        run_sync(engine, reference)
        duration = max(time.monotonic() - started, 0.2)
        killed = 0
        for _ in range(kills // 2):
            killed += _sync_in_subprocess(hub_env, url, crashed, rng.uniform(0, duration))
        assert killed >= 1, "no kill landed mid-sync: the test would prove nothing"
        _sync_in_subprocess(hub_env, url, crashed, None)
        assert snapshot(engine, crashed) == snapshot(engine, reference)
    final = snapshot(engine, crashed)
    assert sum(r[3] for r in final["invoice"]) == 2 and len(final["invoice"]) == 142
    assert final["quarantine"]


@pytest.mark.parametrize("unused", [None])
def test_snapshot_detects_a_difference(
    engine: Engine, make_connection: Factory, hub_env: dict[str, str], unused: None
) -> None:
    """Guards the crash test: two connections with different data do not compare equal."""
    a = make_connection("a", customers=3, invoices=3)
    b = make_connection("b", customers=3, invoices=4)
    run_sync(engine, a)
    run_sync(engine, b)
    assert snapshot(engine, a) != snapshot(engine, b)
