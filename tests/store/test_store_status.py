"""Counts per stage, from the store and through ``civreg status``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import ModuleType

import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from schemas.enums import ChangeKind
from store import StageCounts, append_decisions, enqueue_change, stage_counts
from store.runs import set_watermark
from store.status import EXPORTED_ROWS_WATERMARK


def test_stage_counts_match_the_seeded_store(
    store_engine: Engine, seeded, samples: ModuleType
) -> None:
    decisions, expected = samples.sample_decisions(seeded)
    append_decisions(store_engine, decisions)
    enqueue_change(store_engine, ChangeKind.LINK, {"personal_id": "001198000001"})
    set_watermark(store_engine, EXPORTED_ROWS_WATERMARK, "10")

    counts = stage_counts(store_engine)

    assert counts == StageCounts(
        batches=1,
        documents=5,
        quarantined=2,
        duplicates=1,
        pages=4,
        entries=10,
        records=10,
        unmatched=2,  # a birth and a death without any decision
        to_review=2,  # a birth in review, a marriage whose wife is in review
        auto_linked=3,
        steward_linked=1,
        new_person=1,
        rejected=1,
        exported=10,
        outbox_pending=1,
    )
    assert counts.by_status() == Counter(expected.values())


def test_civreg_status_prints_the_counts(
    cli_app: typer.Typer, store_engine: Engine, seeded, samples: ModuleType
) -> None:
    append_decisions(store_engine, samples.sample_decisions(seeded)[0])
    url = store_engine.url.render_as_string(hide_password=False)

    result = CliRunner().invoke(cli_app, ["status", "--store-url", url], env={"COLUMNS": "120"})

    assert result.exit_code == 0, result.output
    lines = {" ".join(line.replace("│", " ").split()) for line in result.output.splitlines()}
    for expected in ("OCR pages 4", "entries 10", "to review 2", "auto-linked 3", "rejected 1"):
        assert expected in lines


def test_civreg_status_on_a_store_never_created(cli_app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app, ["status", "--store-url", f"sqlite:///{tmp_path / 'none.db'}"]
    )
    assert result.exit_code == 6
    assert "run: civreg db upgrade" in result.output
