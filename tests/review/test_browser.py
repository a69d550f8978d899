"""End to end in headless Debian chromium (Playwright with ``executable_path``): a steward signs
in, opens an item, sees its crop, links it with the keyboard and finds the decision in the next
export; a clerk uploads a batch and watches it processed by the real ``process-batch`` flow.

Set ``SCREENSHOT_DIR`` (e.g. ``docs/screenshots``) to save the queue and item pages there:

    SCREENSHOT_DIR=docs/screenshots .venv/bin/pytest tests/review/test_browser.py -k keyboard
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.dataset as ds
import pytest
import uvicorn

from civreg.db import shared_engine
from civreg.settings import get_settings
from flows.export import export_records
from matching.population_import import import_population
from review.app import create_app
from review.security import hash_password
from schemas.store import Party, Role, UploadState
from store.accounts import add_user
from store.matches import latest_decisions, load_candidates
from store.review import review_queue, uploads
from tests.review.conftest import PASSWORD, point_settings_at, process_review_batch

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def serve() -> Iterator:
    """Start the app with uvicorn in a thread; yields a function returning its base URL."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start() -> str:
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(get_settings()), host="127.0.0.1", port=port, log_level="warning"
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def chromium() -> Iterator:
    """A headless Debian chromium page (no browser download: the system one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(20_000)
        yield page
        browser.close()


def _add_users(store_url: str) -> None:
    store = shared_engine(store_url)
    hashed = hash_password(PASSWORD)
    add_user(store, "sam", hashed, Role.STEWARD)
    add_user(store, "cleo", hashed, Role.CLERK)


def _sign_in(page, base: str, username: str, start: str) -> None:
    page.goto(f"{base}{start}")
    assert "/login" in page.url  # no page without signing in
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _shoot(page, name: str) -> None:
    if SCREENSHOT_DIR:
        target = Path(SCREENSHOT_DIR)
        target.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target / name), full_page=True)


def test_steward_links_an_item_with_the_keyboard_and_the_export_has_it(
    review_batch, monkeypatch, tmp_path, serve, chromium
) -> None:
    processed = process_review_batch(
        review_batch, f"sqlite:///{tmp_path / 'browser.db'}", monkeypatch, tmp_path
    )
    _add_users(processed.settings.resolved_store_url)
    waiting = review_queue(processed.store)
    assert waiting
    base = serve()
    page = chromium

    _sign_in(page, base, "sam", "/queue")
    page.wait_for_url(f"{base}/queue")
    assert page.locator("#queue a.open-item").count() == len(waiting)
    _shoot(page, "queue.png")

    page.keyboard.press("Enter")  # start reviewing: the first free item opens
    page.wait_for_url(f"{base}/items/*")
    record_id = page.url.rsplit("/", 1)[1]
    crop = page.locator("#crop")
    crop.wait_for()
    page.wait_for_function("() => document.querySelector('#crop').complete")
    width = page.evaluate("() => document.querySelector('#crop').naturalWidth")
    assert width > 100, "the crop of the scan row did not load"
    _shoot(page, "item.png")

    first = load_candidates(processed.store, record_id, Party.SUBJECT)[0]
    page.keyboard.press("r")
    page.keyboard.type("checked the father's name")
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    page.wait_for_url(lambda url: not url.endswith(record_id))

    decision = latest_decisions(processed.store, [record_id])[(record_id, Party.SUBJECT)]
    assert (decision.actor, decision.personal_id, decision.reason) == (
        "sam",
        first.personal_id,
        "checked the father's name",
    )
    export_dir = processed.settings.resolved_export_dir
    export_records(processed.store, export_dir, "after-review")
    rows = ds.dataset(export_dir / "birth", partitioning="hive").to_table().to_pylist()
    row = next(r for r in rows if r["record_id"] == record_id)
    assert (row["match_status"], row["linked_personal_id"]) == ("steward_linked", first.personal_id)


@pytest.mark.usefixtures("prefect_server")
def test_clerk_uploads_a_batch_and_sees_it_processed(
    review_batch, monkeypatch, tmp_path, serve, chromium
) -> None:
    database_url = f"sqlite:///{tmp_path / 'upload.db'}"
    point_settings_at(database_url, monkeypatch, tmp_path)
    settings = get_settings()
    from civreg.migrate import upgrade_population, upgrade_store

    upgrade_store(database_url)
    upgrade_population(database_url)
    import_population(review_batch.population_csv, shared_engine(database_url))
    _add_users(database_url)
    files = tmp_path / "to-upload"
    files.mkdir()
    for pdf in sorted(review_batch.batch_dir.glob("*.pdf")):
        shutil.copy(pdf, files / pdf.name)
    broken = b"\x89PNG\r\n\x1a\n" + b"garbage" * 50 + b"\0\0\0\0IEND\xaeB`\x82"
    (files / "smudged.png").write_bytes(broken)
    base = serve()
    page = chromium

    _sign_in(page, base, "cleo", "/batches")
    page.wait_for_url(f"{base}/batches")
    page.fill("input[name=batch_id]", "ward-upload")
    page.set_input_files("input[name=files]", sorted(str(p) for p in files.iterdir()))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{base}/batches/ward-upload")
    # The page refreshes itself until the run is over.
    page.wait_for_selector("#batch-state[data-state=processed]", timeout=240_000)
    assert uploads(shared_engine(settings.resolved_store_url))["ward-upload"].state is (
        UploadState.DONE
    )
    quarantined = page.inner_text("#quarantined")
    assert "smudged.png" in quarantined and "truncated" in quarantined
    assert int(page.inner_text("#count-records")) > 0
