"""Stewards' field corrections in the Parquet export: applied, marked, latest wins, kept across
re-runs, and a correction that gives no value reported (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import store_samples as samples
from sqlalchemy import Engine

from certificates.facts import certified_facts
from flows.export import ExportReport, PartitionAction, export_records
from normalize.corrections import apply_corrections, read_corrections
from schemas.enums import DecisionKind, RegisterType
from schemas.store import Party
from store import DecisionInput, StoredDecision, append_decision, append_decisions, save_records
from store.review import correction_target, latest_corrections

BIRTH_1998 = Path("birth/year=1998/commune=00103/data.parquet")
MARRIAGE_2005 = Path("marriage/year=2005/commune=00103/data.parquet")


@pytest.fixture
def seeded(store_engine: Engine, tmp_path: Path):
    seeded = samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
    append_decisions(store_engine, samples.sample_decisions(seeded)[0])
    return seeded


def _ids(seeded, register_type: RegisterType) -> list[str]:
    return [rid for rid, spec in seeded.specs.items() if spec.register_type is register_type]


def _correct(
    engine: Engine,
    record_id: str,
    record_field: str | None,
    value: str | None,
    *,
    party: Party = Party.SUBJECT,
    field: str | None = None,
) -> None:
    """Append a correction as the review app does (``record_field`` None: an older payload)."""
    payload: dict = {"field": field or record_field, "value": value}
    if record_field is not None:
        payload["record_field"] = record_field
    append_decision(
        engine,
        DecisionInput(
            record_id=record_id,
            party=party,
            kind=DecisionKind.STEWARD_CORRECT_FIELD,
            actor=samples.STEWARD,
            payload=payload,
        ),
    )


def _rows(export_dir: Path, relative: Path) -> dict[str, dict]:
    return {row["record_id"]: row for row in pq.read_table(export_dir / relative).to_pylist()}


def _files(export_dir: Path) -> dict[Path, tuple[int, int]]:
    return {
        path.relative_to(export_dir): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in export_dir.rglob("*.parquet")
    }


def _written(report: ExportReport) -> set[Path]:
    return {p.path for p in report.partitions if p.action is PartitionAction.WRITTEN}


def test_name_date_and_sex_corrections_show_in_the_next_export_with_the_marker(
    store_engine: Engine, seeded, tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    first = export_records(store_engine, export_dir, "run-1")
    assert first.corrections_applied == first.corrections_rejected == 0
    birth, other_birth = _ids(seeded, RegisterType.BIRTH)[:2]
    marriage = _ids(seeded, RegisterType.MARRIAGE)[0]
    before = _rows(export_dir, BIRTH_1998)[birth]
    assert before["corrected_fields"] == []
    assert (before["full_name"], before["date_of_birth"]) == ("Nguyễn Văn An", "1950-08-12")

    _correct(store_engine, birth, "full_name", "nguyễn  văn ân")  # read like a register cell
    _correct(store_engine, birth, "date_of_birth", "08/1950")  # only the month is known
    _correct(store_engine, birth, "sex", "Nữ")
    # an older payload without record_field: the wife's party names the field
    _correct(store_engine, marriage, None, "Dương Thị Yên", party=Party.WIFE, field="full_name")

    report = export_records(store_engine, export_dir, "run-2")

    assert _written(report) == {BIRTH_1998, MARRIAGE_2005}
    assert (report.corrections_applied, report.corrections_rejected) == (4, 0)
    row = _rows(export_dir, BIRTH_1998)[birth]
    assert (row["full_name"], row["date_of_birth"], row["sex"]) == ("Nguyễn Văn Ân", "1950-08", "F")
    assert row["corrected_fields"] == ["date_of_birth", "full_name", "sex"]
    assert row["full_name_confidence"] == row["date_of_birth_confidence"] == 1.0
    assert row["sex_confidence"] == 1.0
    # what was read, and where, stays: a reader can still find the scan region
    assert row["full_name_raw_text"] == before["full_name_raw_text"] == "Nguyễn Văn An"
    assert row["full_name_bbox"] == before["full_name_bbox"] is not None
    assert row["run_id"] == "run-2"
    untouched = _rows(export_dir, BIRTH_1998)[other_birth]
    assert (untouched["full_name"], untouched["corrected_fields"]) == ("Lê Thị Hồng Nhung", [])
    spouses = _rows(export_dir, MARRIAGE_2005)[marriage]
    assert (spouses["wife_full_name"], spouses["husband_full_name"]) == (
        "Dương Thị Yên",
        "Ngô Văn Tuấn",
    )
    assert spouses["corrected_fields"] == ["wife_full_name"]


def test_a_later_correction_overrides_and_an_unchanged_store_rewrites_nothing(
    store_engine: Engine, seeded, tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    birth = _ids(seeded, RegisterType.BIRTH)[0]
    _correct(store_engine, birth, "full_name", "Nguyễn Văn Ân")
    _correct(store_engine, birth, "date_of_birth", "1950-08-21")
    export_records(store_engine, export_dir, "run-1")
    files = _files(export_dir)

    again = export_records(store_engine, export_dir, "run-2")
    assert _files(export_dir) == files
    assert again.count(PartitionAction.UNCHANGED) == len(again.partitions)
    assert again.corrections_applied == 2, "corrections in force are counted on every run"

    _correct(store_engine, birth, "full_name", "Nguyễn Văn Ấn")
    third = export_records(store_engine, export_dir, "run-3")

    assert _written(third) == {BIRTH_1998}
    after = _files(export_dir)
    assert {path for path in files if after[path] != files[path]} == {BIRTH_1998}
    row = _rows(export_dir, BIRTH_1998)[birth]
    assert (row["full_name"], row["date_of_birth"]) == ("Nguyễn Văn Ấn", "1950-08-21")
    assert row["corrected_fields"] == ["date_of_birth", "full_name"]


def test_re_running_linking_and_normalization_does_not_overturn_a_correction(
    store_engine: Engine, seeded, tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    birth = _ids(seeded, RegisterType.BIRTH)[0]
    _correct(store_engine, birth, "full_name", "Nguyễn Văn Ân")
    export_records(store_engine, export_dir, "run-1")

    # A new batch run reads the entry again (another OCR text) and links it to someone else.
    record = seeded.records[birth]
    reread = record.model_copy(
        update={"full_name": record.full_name.replace(value="Nguyễn Vân An")}
    )
    save_records(store_engine, [reread])
    append_decision(
        store_engine,
        DecisionInput(
            record_id=birth, kind=DecisionKind.AUTO_LINK, personal_id="001198000009", score=15.0
        ),
    )
    report = export_records(store_engine, export_dir, "run-2")

    assert _written(report) == {BIRTH_1998}
    row = _rows(export_dir, BIRTH_1998)[birth]
    assert (row["full_name"], row["linked_personal_id"]) == ("Nguyễn Văn Ân", "001198000009")
    assert row["corrected_fields"] == ["full_name"]
    assert row["full_name_confidence"] == 1.0


def test_a_correction_that_gives_no_value_keeps_the_read_value_and_is_reported(
    store_engine: Engine, seeded, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    export_dir = tmp_path / "export"
    birth = _ids(seeded, RegisterType.BIRTH)[0]
    read = seeded.records[birth]
    _correct(store_engine, birth, "date_of_birth", "31/02/1950")  # no such day
    _correct(store_engine, birth, "sex", "không rõ")
    _correct(store_engine, birth, "full_name", "Nguyễn Văn Ân")  # this one applies

    with caplog.at_level(logging.WARNING, logger="flows.export"):
        report = export_records(store_engine, export_dir, "run-1")

    assert (report.corrections_applied, report.corrections_rejected) == (1, 2)
    row = _rows(export_dir, BIRTH_1998)[birth]
    assert (row["date_of_birth"], row["sex"], row["full_name"]) == (
        "1950-08-12",
        None,
        "Nguyễn Văn Ân",
    )
    assert row["date_of_birth_confidence"] == pytest.approx(read.date_of_birth.confidence)
    assert row["corrected_fields"] == ["full_name"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all(birth in message for message in warnings)
    assert any("date_of_birth" in m for m in warnings) and any("sex" in m for m in warnings)
    for personal in ("31/02/1950", "không rõ", "Nguyễn", "Ân"):
        assert not any(personal in message for message in warnings), "no personal data in logs"


def test_a_corrected_registration_date_moves_the_record_to_its_year(
    store_engine: Engine, seeded, tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    export_records(store_engine, export_dir, "run-1")
    moved = _ids(seeded, RegisterType.BIRTH)[2]  # the only record of 1998 in ward 00106
    _correct(store_engine, moved, "registration_date", "05/03/2000")

    report = export_records(store_engine, export_dir, "run-2")

    actions = {(p.path, p.action) for p in report.partitions}
    assert (Path("birth/year=1998/commune=00106/data.parquet"), PartitionAction.REMOVED) in actions
    target = Path("birth/year=2000/commune=00106/data.parquet")
    assert (target, PartitionAction.WRITTEN) in actions
    row = _rows(export_dir, target)[moved]
    assert (row["registration_date"], row["registration_year"]) == ("2000-03-05", 2000)
    assert row["corrected_fields"] == ["registration_date"]


def _stored(decision_id: int, record_id: str, party: Party, payload: dict) -> StoredDecision:
    return StoredDecision(
        decision_id=decision_id,
        record_id=record_id,
        party=party,
        kind=DecisionKind.STEWARD_CORRECT_FIELD,
        actor=samples.STEWARD,
        personal_id=None,
        score=None,
        reason=None,
        payload=payload,
    )


def test_an_extract_certifies_the_values_the_export_holds() -> None:
    """Extracts and the export apply corrections with the same code: same values, same fallback."""
    _, record = samples.build(samples.DEFAULT_SPECS[0])
    rid = record.record_id
    corrections = [
        _stored(1, rid, Party.SUBJECT, {"field": "full_name", "value": "Nguyễn Văn Ấn"}),
        _stored(2, rid, Party.SUBJECT, {"field": "full_name", "value": "nguyễn văn ân"}),
        _stored(3, rid, Party.SUBJECT, {"field": "date_of_birth", "value": "08/1950"}),
        _stored(4, rid, Party.SUBJECT, {"field": "sex", "value": "không rõ"}),  # gives no value
    ]
    latest = latest_corrections((c.party, c.payload) for c in corrections)
    facts = certified_facts(record, {Party.SUBJECT: None}, latest)
    assert facts.value("full_name") == "Nguyễn Văn Ân"  # the latest, read as a register cell
    assert facts.value("date_of_birth") == "08/1950"  # month precision kept
    assert facts.value("sex") is None  # nothing was read, and the correction gave nothing

    read = read_corrections(
        RegisterType.BIRTH,
        {"full_name": "nguyễn văn ân", "date_of_birth": "08/1950", "sex": "không rõ"},
        record.registration_year,
    )
    exported = apply_corrections(record, read)
    assert read.rejected == ("sex",) and read.fields == ("date_of_birth", "full_name")
    assert exported.full_name.value == facts.value("full_name")
    assert exported.date_of_birth.value.iso() == "1950-08"


def test_a_spouse_correction_without_record_field_targets_that_spouse() -> None:
    assert correction_target(Party.HUSBAND, {"field": "full_name", "value": "x"}) == (
        "husband_full_name"
    )
    assert correction_target(Party.WIFE, {"field": "permanent_residence"}) == "wife_residence"
    assert correction_target(Party.SUBJECT, {"field": "sex", "record_field": "sex"}) == "sex"
    assert correction_target(Party.SUBJECT, {"value": "x"}) is None
