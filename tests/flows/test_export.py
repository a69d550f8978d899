"""The Parquet export: read back with DuckDB, pyarrow and pandas; atomic; rewrites only changes."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import store_samples as samples
from sqlalchemy import Engine

from flows.export import (
    FINGERPRINT_KEY,
    ExportReport,
    PartitionAction,
    export_records,
)
from schemas.arrow import EXPORT_SCHEMA_VERSION, METADATA_RUN_ID, METADATA_SCHEMA_VERSION
from schemas.enums import DecisionKind, MatchStatus, RegisterType
from store import (
    DecisionInput,
    append_decision,
    append_decisions,
    batch_documents,
    load_raw_entries,
    save_records,
    stage_counts,
)

PROVENANCE = ("batch_id", "source_path", "source_sha256", "page_number", "row_index", "bbox")
PAGE_WIDTH, PAGE_HEIGHT = 2480, 3508  # as seeded


@pytest.fixture
def decided(store_engine: Engine, tmp_path: Path):
    """A seeded store with decisions of every outcome; the expected status per record."""
    seeded = samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
    decisions, expected = samples.sample_decisions(seeded)
    append_decisions(store_engine, decisions)
    return seeded, expected


def _query(export_dir: Path, register_type: RegisterType, select: str) -> list[tuple]:
    source = (
        f"read_parquet('{export_dir / register_type.value}/**/*.parquet', "
        "hive_partitioning=true, filename=true)"
    )
    with duckdb.connect() as connection:
        return connection.execute(select.format(source=source)).fetchall()


def _files(export_dir: Path) -> dict[Path, tuple[int, int]]:
    """(inode, mtime_ns) of every export file."""
    return {
        path.relative_to(export_dir): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in export_dir.rglob("*")
        if path.is_file()
    }


def test_export_reads_back_with_duckdb_statuses_and_provenance(
    store_engine: Engine, decided, tmp_path: Path
) -> None:
    _, expected = decided
    export_dir = tmp_path / "export"

    report = export_records(store_engine, export_dir, "run-1")

    statuses: dict[str, str] = {}
    for register_type in RegisterType:
        statuses |= dict(
            _query(export_dir, register_type, "SELECT record_id, match_status FROM {source}")
        )
    assert statuses == {rid: status.value for rid, status in expected.items()}
    store_counts = stage_counts(store_engine).by_status()
    exported_counts = Counter(MatchStatus(s) for s in statuses.values())
    assert {s: exported_counts[s] for s in MatchStatus} == store_counts
    assert report.rows == len(expected) == stage_counts(store_engine).exported
    assert report.rows_by_status[RegisterType.BIRTH] == {
        MatchStatus.AUTO_LINKED: 2,
        MatchStatus.STEWARD_LINKED: 0,
        MatchStatus.NEW_PERSON: 1,
        MatchStatus.UNMATCHED: 2,
        MatchStatus.REJECTED: 1,
    }

    # Every row points at the scan region it was read from, as saved in the store.
    entries = {e.entry_id: e.provenance for e in load_raw_entries(store_engine, samples.BATCH_ID)}
    shas = {d.relative_path: d.sha256 for d in batch_documents(store_engine, samples.BATCH_ID)}
    for register_type in RegisterType:
        rows = _query(
            export_dir,
            register_type,
            f"SELECT record_id, {', '.join(PROVENANCE)}, run_id FROM {{source}}",
        )
        for record_id, batch_id, path, sha, page, row, bbox, run_id in rows:
            provenance = entries[record_id]
            assert (batch_id, path, sha, page, row) == (
                provenance.batch_id,
                provenance.source_path,
                provenance.source_sha256,
                provenance.page_number,
                provenance.row_index,
            )
            assert shas[path] == sha
            assert bbox == provenance.bbox.as_list()
            assert 0 <= bbox[0] < bbox[2] <= PAGE_WIDTH and 0 <= bbox[1] < bbox[3] <= PAGE_HEIGHT
            assert run_id == "run-1"

    # Partition keys as DuckDB reads them: ward codes keep their zeros, a missing year is null.
    births = _query(
        export_dir,
        RegisterType.BIRTH,
        "SELECT registration_year, ward_code, count(*) FROM {source} GROUP BY ALL ORDER BY ALL",
    )
    assert births == [
        (1998, "00103", 2),
        (1998, "00106", 1),
        (1999, "00103", 2),
        (None, "00103", 1),
    ]
    marriage = _query(
        export_dir,
        RegisterType.MARRIAGE,
        "SELECT husband_linked_personal_id, wife_linked_personal_id, husband_match_score, "
        "match_status FROM {source} WHERE wife_match_status = 'auto_linked'",
    )
    assert marriage == [("001075000005", "001178000006", 14.25, "auto_linked")]


def test_export_files_are_readable_by_pyarrow_and_pandas_with_their_metadata(
    store_engine: Engine, decided, tmp_path: Path
) -> None:
    export_dir = tmp_path / "export"
    export_records(store_engine, export_dir, "run-1")
    dataset_dir = export_dir / "birth"

    table = ds.dataset(dataset_dir, format="parquet").to_table()
    frame = pd.read_parquet(dataset_dir)
    assert pq.read_table(dataset_dir).num_rows == len(frame)
    one_file = dataset_dir / "year=1998" / "commune=00103" / "data.parquet"
    single = pd.read_parquet(one_file)

    assert table.num_rows == len(frame) == 6
    assert sorted(frame["ward_code"].unique()) == ["00103", "00106"]
    assert list(single["full_name"]) == ["Nguyễn Văn An", "Lê Thị Hồng Nhung"]  # by number
    metadata = pq.read_metadata(one_file).metadata
    assert metadata[METADATA_SCHEMA_VERSION] == EXPORT_SCHEMA_VERSION.encode()
    assert metadata[METADATA_RUN_ID] == b"run-1"
    assert len(metadata[FINGERPRINT_KEY]) == 64


def test_unchanged_data_rewrites_nothing_and_a_new_decision_one_partition(
    store_engine: Engine, decided, tmp_path: Path
) -> None:
    seeded, _ = decided
    export_dir = tmp_path / "export"
    first = export_records(store_engine, export_dir, "run-1")
    files = _files(export_dir)

    again = export_records(store_engine, export_dir, "run-2")

    assert _files(export_dir) == files
    assert again.count(PartitionAction.UNCHANGED) == len(again.partitions) == 7
    assert {p.run_id for p in again.partitions} == {"run-1"}
    assert again.rows == first.rows

    # A steward links the death record nobody had decided: its partition alone changes.
    undecided_death = next(
        rid
        for rid, spec in seeded.specs.items()
        if spec.register_type is RegisterType.DEATH and spec.ward_code == "00106"
    )
    append_decision(
        store_engine,
        DecisionInput(
            record_id=undecided_death,
            kind=DecisionKind.STEWARD_LINK,
            actor=samples.STEWARD,
            personal_id="001150000007",
        ),
    )
    third = export_records(store_engine, export_dir, "run-3")

    changed = Path("death/year=2001/commune=00106/data.parquet")
    after = _files(export_dir)
    assert {path for path in files if after[path] != files[path]} == {changed}
    assert [p.path for p in third.partitions if p.action is PartitionAction.WRITTEN] == [changed]
    rows = _query(
        export_dir, RegisterType.DEATH, "SELECT record_id, match_status, run_id FROM {source}"
    )
    assert (undecided_death, "steward_linked", "run-3") in rows
    assert {run_id for _, _, run_id in rows} == {"run-1", "run-3"}


def test_a_crash_before_the_rename_keeps_the_previous_file_and_the_next_run_completes(
    store_engine: Engine, decided, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded, _ = decided
    export_dir = tmp_path / "export"
    export_records(store_engine, export_dir, "run-1")
    target = export_dir / "birth" / "year=1999" / "commune=00103" / "data.parquet"
    before = target.read_bytes()
    new_person_birth = next(  # matching had found nobody: now it finds someone
        rid
        for rid, spec in seeded.specs.items()
        if spec.register_type is RegisterType.BIRTH
        and spec.page_number == 1
        and spec.row_index == 4
    )
    append_decision(
        store_engine,
        DecisionInput(
            record_id=new_person_birth, kind=DecisionKind.AUTO_LINK, personal_id="001199000008"
        ),
    )

    def die_before_rename(source: os.PathLike, destination: os.PathLike) -> None:
        assert Path(source).stat().st_size > 0  # the temporary file is written...
        raise OSError("killed between the write and the rename")  # ...and the process dies

    monkeypatch.setattr("flows.export.os.replace", die_before_rename)
    with pytest.raises(OSError, match="killed between"):
        export_records(store_engine, export_dir, "run-2")
    monkeypatch.undo()

    assert target.read_bytes() == before
    assert pq.read_metadata(target).metadata[METADATA_RUN_ID] == b"run-1"
    stray = target.with_name(".data.parquet.run-dead.tmp")  # what a killed process leaves
    stray.write_bytes(b"PAR1 half a file")

    report = export_records(store_engine, export_dir, "run-3")

    assert not stray.exists()
    assert not list(export_dir.rglob("*.tmp"))
    assert [p.path for p in report.partitions if p.action is PartitionAction.WRITTEN] == [
        target.relative_to(export_dir)
    ]
    rows = _query(
        export_dir,
        RegisterType.BIRTH,
        f"SELECT match_status, linked_personal_id, run_id FROM {{source}} "
        f"WHERE record_id = '{new_person_birth}'",
    )
    assert rows == [("auto_linked", "001199000008", "run-3")]


def test_a_record_that_moves_partition_leaves_no_stale_file(
    store_engine: Engine, decided, tmp_path: Path
) -> None:
    seeded, _ = decided
    export_dir = tmp_path / "export"
    export_records(store_engine, export_dir, "run-1")
    (moved_id,) = [
        rid
        for rid, spec in seeded.specs.items()
        if spec.register_type is RegisterType.BIRTH and spec.ward_code == "00106"
    ]
    moved = seeded.records[moved_id].model_copy(update={"ward_code": "00091"})
    save_records(store_engine, [moved])

    report: ExportReport = export_records(store_engine, export_dir, "run-2")

    actions = {(p.path.parts[1], p.path.parts[2], p.action) for p in report.partitions}
    assert ("year=1998", "commune=00106", PartitionAction.REMOVED) in actions
    assert ("year=1998", "commune=00091", PartitionAction.WRITTEN) in actions
    assert not (export_dir / "birth" / "year=1998" / "commune=00106").exists()
    assert _query(export_dir, RegisterType.BIRTH, "SELECT count(*) FROM {source}") == [(6,)]
    assert report.rows == 10
