"""``civreg run batch`` and ``civreg run nightly`` show a progress bar per stage, ending full."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from civreg.settings import get_settings

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("flow-children")]


def _bars(output: str) -> dict[str, tuple[int, int]]:
    """Each bar's last shown state: label -> (done, total)."""
    found: dict[str, tuple[int, int]] = {}
    for match in re.finditer(r"^(\S[^\n]*?)\s+\S*\s+(\d+)/(\d+)\s+\d+:\d\d:\d\d$", output, re.M):
        found[match.group(1).strip()] = (int(match.group(2)), int(match.group(3)))
    return found


def _point_at(world, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in world.settings_env().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()


def _expected_entries(scanned_batch) -> int:
    return sum(1 for (name, _page, _row) in scanned_batch.truth if name.endswith(".pdf"))


def test_run_batch_shows_each_stage_done(
    prefect_server, cli_app, new_world, scanned_batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = new_world(files=lambda path: path.suffix == ".pdf")  # one born-digital page
    _point_at(world, monkeypatch)

    result = CliRunner().invoke(cli_app, ["run", "batch", str(world.batch_dir)])

    assert result.exit_code == 0, result.output
    bars = _bars(result.output)
    entries = _expected_entries(scanned_batch)
    assert bars["files ingested (batch-1)"] == (1, 1)
    assert bars["pages read (batch-1)"] == (1, 1)
    assert bars["records normalized (batch-1)"] == (entries, entries)
    linked, total = bars["parties matched (batch-1)"]
    assert linked == total >= entries  # every party of every record gets a decision
    assert bars["export partitions (batch-1)"][0] == bars["export partitions (batch-1)"][1] >= 1
    sent, attempted = bars["outbox messages acknowledged (batch-1)"]
    assert sent == attempted
    assert "exported rows (all batches)" in result.output  # the summary table follows


def test_run_nightly_shows_the_pending_batch_and_its_own_stages(
    prefect_server, cli_app, new_world, scanned_batch, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = new_world(files=lambda path: path.suffix == ".pdf")
    _point_at(world, monkeypatch)

    result = CliRunner().invoke(cli_app, ["run", "nightly"])

    assert result.exit_code == 0, result.output
    bars = _bars(result.output)
    entries = _expected_entries(scanned_batch)
    assert bars["pages read (batch-1)"] == (1, 1)
    assert bars["records normalized (batch-1)"] == (entries, entries)
    for stage in ("parties matched", "outbox messages acknowledged"):
        done, total = bars[f"{stage} (nightly)"]
        assert done == total
    done, total = bars["export partitions (nightly)"]
    assert done == total >= 1
    assert "exported rows" in result.output  # the summary table follows
