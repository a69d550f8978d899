"""A process-batch run killed with SIGKILL mid-OCR or mid-export, then run again, leaves exactly
what one clean run leaves: the same documents, pages, entries, records, candidates, decisions,
outbox, population changes and Parquet rows, and no temporary file.

Each run is a child process (``flow_child.py``) reporting to the session's Prefect server; the
kill is a real ``SIGKILL`` of the child's whole process group (Tesseract included).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("flow-children")]

DEADLINE = 300.0


def _kill(child: subprocess.Popen[str]) -> None:
    os.killpg(child.pid, signal.SIGKILL)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGKILL


def _pages_saved(url: str) -> int | None:
    engine = create_engine(url, connect_args={"timeout": 0.1})
    try:
        with engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(text("pages")))
    except OperationalError:  # not created yet, or locked by the writer this instant
        return None
    finally:
        engine.dispose()


def test_killed_mid_ocr_then_rerun_leaves_exactly_one_clean_run(
    prefect_server: str, clean_run, new_world
) -> None:
    world = new_world()
    total_pages = clean_run.summary["pages_read"]

    child = world.start(prefect_server)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and child.poll() is None:
        saved = _pages_saved(world.store_url)
        if saved and saved < total_pages:
            break
        time.sleep(0.05)
    assert child.poll() is None, "the run ended before it could be killed mid-OCR"
    _kill(child)

    # Killed with some pages read and others not: nothing normalized, linked or exported yet.
    after_kill = world.state()
    assert 0 < len(after_kill["store"]["pages"]) < total_pages
    assert after_kill["store"]["records"] == [] and after_kill["export"] == {}

    world.run(prefect_server)

    assert world.differences_from(clean_run.state) == []


def test_killed_mid_export_then_rerun_leaves_exactly_one_clean_run(
    prefect_server: str, clean_run, new_world, tmp_path: Path
) -> None:
    assert len(clean_run.state["export"]) >= 2, "a kill between partitions needs two of them"
    world = new_world()
    marker = tmp_path / "frozen-at"

    child = world.start(prefect_server, "2", str(marker))
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline and child.poll() is None and not marker.exists():
        time.sleep(0.05)
    assert marker.exists(), "the run never reached its second export partition"
    _kill(child)

    # Killed before the second partition's rename: one file in place, the next one whole under
    # its temporary name, nothing synced yet.
    assert Path(marker.read_text(encoding="utf-8")).stat().st_size > 0
    after_kill = world.state()
    assert 1 <= len(after_kill["export"]) < len(clean_run.state["export"])
    assert after_kill["store"]["records"] == clean_run.state["store"]["records"]
    assert after_kill["store"]["sync_outbox"] == []

    world.run(prefect_server)

    assert not list(world.export_dir.rglob("*.tmp"))
    assert world.differences_from(clean_run.state) == []
