"""The Parquet export: one dataset per register type, partitioned by registration year and ward.

Layout: ``<export_dir>/<register_type>/year=YYYY/commune=NNNNN/data.parquet``
(hive style; a missing year or ward is the folder key ``unknown``). Columns are
:func:`schemas.arrow.export_schema`, partition keys included, so every file stands on its own and
ward codes keep their leading zeros; the file metadata holds the schema version, the run id and
the partition's content fingerprint.

- **Atomic**: a partition is written to a hidden temporary file beside its target, synced, then
  ``os.replace``d over it; a run that dies leaves the previous file whole (and a stray temporary
  file that the next run removes).
- **Nothing rewritten for nothing**: the fingerprint (a hash of the schema, each record's content
  hash and its link) is compared with the one in the existing file; an unchanged partition keeps
  its file, and with it the run id of the run that wrote it. A steward's new decision (a match
  or a field correction) changes the fingerprint of its record's partition only.
- **Stewards' corrections win**: each record's latest correction of a field is read like the
  register's text (:mod:`normalize.corrections`) and exported as that field's value, with
  confidence 1.0 and the field named in the ``corrected_fields`` column. A correction that gives
  no value keeps the value read, and is counted in the report. A corrected registration date
  moves the record to its year's partition.

Reading, as they are: ``duckdb.read_parquet('<dir>/birth/**/*.parquet', hive_partitioning=true)``,
``pyarrow.parquet.read_table('<dir>/birth')``, ``pandas.read_parquet('<dir>/birth')``. The
folder keys are named ``year`` and ``commune`` (the 5-digit ward code) so that the readers that
add them from the paths do not clash with the ``registration_year``, ``ward`` and ``ward_code``
columns (which keep leading zeros).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from civreg.errors import DataValidationError, StoreError
from normalize.corrections import ReadCorrections, apply_corrections, read_corrections
from schemas.arrow import (
    EXPORT_SCHEMA_VERSION,
    METADATA_RUN_ID,
    ExportLink,
    MarriageExportLink,
    PartyLink,
    export_schema,
    record_to_row,
    rows_to_table,
)
from schemas.enums import DecisionKind, MatchStatus, RegisterType
from schemas.records import CivilRecordBase
from schemas.store import Party
from store import (
    PARTIES,
    RecordKey,
    StoredDecision,
    content_hash,
    latest_decisions,
    load_records,
    record_keys,
    record_status,
    set_watermark,
)
from store.review import corrected_fields
from store.status import EXPORTED_ROWS_WATERMARK

log = logging.getLogger(__name__)

NULL_PARTITION = "unknown"
"""Folder key of a partition whose year or ward is missing.

Not Hive's ``__HIVE_DEFAULT_PARTITION__``: pyarrow's directory reader (and so pandas) cannot yet
unify a partition dictionary that holds a null, and would refuse the whole dataset.
"""
FINGERPRINT_KEY = b"civreg.export_fingerprint"
LAST_RUN_WATERMARK = "export.run_id"
TEMP_SUFFIX = ".tmp"
_SAFE_KEY = re.compile(r"^[0-9A-Za-z_-]{1,32}$")
_SAFE_RUN_ID = re.compile(r"^[0-9A-Za-z._-]{1,64}$")

LINKED_KINDS = frozenset({DecisionKind.AUTO_LINK, DecisionKind.STEWARD_LINK})


class ExportOptions(BaseModel):
    """What to export and how to compress it."""

    register_types: tuple[RegisterType, ...] = tuple(RegisterType)
    compression: str = Field("zstd", description="Parquet codec (zstd, snappy, gzip, none).")
    file_name: str = Field("data.parquet", pattern=r"^[^/\\.][^/\\]*\.parquet$")


class PartitionAction(StrEnum):
    """What an export run did to one partition's file."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"
    REMOVED = "removed"


class PartitionResult(BaseModel):
    """One partition file: where, how many rows, and which run's data it holds."""

    model_config = ConfigDict(frozen=True)

    register_type: RegisterType
    path: Path = Field(description="Relative to the export folder.")
    rows: int
    action: PartitionAction
    run_id: str | None = Field(description="The run whose data the file holds (None: removed).")


class ExportReport(BaseModel):
    """What an export run did, and what the datasets hold after it."""

    run_id: str
    export_dir: Path
    partitions: list[PartitionResult] = Field(default_factory=list)
    rows_by_status: dict[RegisterType, dict[MatchStatus, int]] = Field(default_factory=dict)
    corrections_applied: int = Field(0, description="Field corrections in force, exported.")
    corrections_rejected: int = Field(
        0, description="Field corrections in force whose text gave no value (the read one stays)."
    )

    def count(self, action: PartitionAction) -> int:
        return sum(1 for p in self.partitions if p.action is action)

    @property
    def rows(self) -> int:
        """Rows in the datasets after this run (written and unchanged partitions)."""
        return sum(p.rows for p in self.partitions if p.action is not PartitionAction.REMOVED)

    @property
    def rows_written(self) -> int:
        return sum(p.rows for p in self.partitions if p.action is PartitionAction.WRITTEN)


@dataclass(frozen=True, order=True)
class PartitionKey:
    """A partition of a dataset: registration year and ward code (either may be missing)."""

    registration_year: int | None
    ward_code: str | None

    def relative_dir(self) -> Path:
        year = NULL_PARTITION if self.registration_year is None else str(self.registration_year)
        ward = NULL_PARTITION if self.ward_code is None else self.ward_code
        return Path(f"year={year}") / f"commune={ward}"

    @classmethod
    def of(cls, key: RecordKey, corrections: ReadCorrections | None = None) -> PartitionKey:
        """The partition of a record: its registration year as corrected, and its ward."""
        year = key.registration_year
        corrected = corrections.readings.get("registration_date") if corrections else None
        if corrected is not None:
            year = corrected.value.year if corrected.value is not None else None
        if key.ward_code is not None and not _SAFE_KEY.match(key.ward_code):
            raise DataValidationError(
                f"record {key.record_id}: ward_code {key.ward_code!r} cannot name a partition "
                "folder (letters, digits, '-' and '_' only)"
            )
        return cls(year, key.ward_code)


def _party_link(decision: StoredDecision | None) -> PartyLink:
    if decision is None:
        return PartyLink()
    linked = decision.kind in LINKED_KINDS
    return PartyLink(
        linked_personal_id=decision.personal_id if linked else None,
        match_status=decision.status,
        match_score=decision.score if linked else None,
    )


def build_link(
    register_type: RegisterType,
    record_id: str,
    decisions: Mapping[tuple[str, Party], StoredDecision],
) -> ExportLink | MarriageExportLink:
    """A record's link columns, from the decisions in force."""
    parties = {party: decisions.get((record_id, party)) for party in PARTIES[register_type]}
    if register_type is RegisterType.MARRIAGE:
        return MarriageExportLink(
            husband=_party_link(parties[Party.HUSBAND]),
            wife=_party_link(parties[Party.WIFE]),
            match_status=record_status(register_type, parties),
        )
    subject = _party_link(parties[Party.SUBJECT])
    return ExportLink(**subject.model_dump())


def partition_fingerprint(
    register_type: RegisterType,
    keys: list[RecordKey],
    links: Mapping[str, ExportLink | MarriageExportLink],
    corrections: Mapping[str, Mapping[str, str | None]] | None = None,
) -> str:
    """A hash of everything a partition's file is made of, run id excepted.

    ``corrections`` are the stewards' texts in force per record and field: a new one changes
    the hash (a record without any hashes as it did before corrections were exported).
    """
    corrections = corrections or {}

    def row(key: RecordKey) -> list[object]:
        found: list[object] = [
            key.record_id,
            key.content_hash,
            links[key.record_id].model_dump(mode="json"),
        ]
        if corrections.get(key.record_id):
            found.append(sorted(corrections[key.record_id].items()))
        return found

    return content_hash(
        {
            "export_schema_version": EXPORT_SCHEMA_VERSION,
            "schema": export_schema(register_type).to_string(show_schema_metadata=False),
            "rows": [row(key) for key in sorted(keys, key=lambda k: k.record_id)],
        }
    )


def _existing_file(path: Path) -> tuple[str | None, str | None, int]:
    """(fingerprint, run id, rows) of an export file; Nones when absent or unreadable."""
    if not path.is_file():
        return None, None, 0
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException):
        log.warning("export file %s is unreadable: it will be rewritten", path)
        return None, None, 0
    values = metadata.metadata or {}
    fingerprint = values.get(FINGERPRINT_KEY)
    run_id = values.get(METADATA_RUN_ID)
    return (
        fingerprint.decode() if fingerprint else None,
        run_id.decode() if run_id else None,
        metadata.num_rows,
    )


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def write_atomically(table: pa.Table, target: Path, run_id: str, compression: str) -> None:
    """Write ``table`` beside ``target`` under a hidden name, sync it, then rename it over."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{run_id}{TEMP_SUFFIX}")
    try:
        with temporary.open("wb") as handle:
            pq.write_table(table, handle, compression=compression)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _remove_stray_temporaries(dataset_dir: Path, file_name: str) -> None:
    for stray in dataset_dir.glob(f"year=*/commune=*/.{file_name}.*{TEMP_SUFFIX}"):
        stray.unlink(missing_ok=True)
        log.info("removed %s, left by an export that did not finish", stray)


def _sort_key(record: CivilRecordBase) -> tuple[int, str]:
    number = record.registration_number.value
    return (number if number is not None else 1 << 62, record.record_id)


@dataclass(frozen=True)
class _ExportRun:
    """What every partition of one export run shares."""

    store_engine: Engine
    decisions: Mapping[tuple[str, Party], StoredDecision]
    corrections: Mapping[str, Mapping[str, str | None]]
    export_dir: Path
    run_id: str
    options: ExportOptions


def _export_partition(
    run: _ExportRun,
    register_type: RegisterType,
    relative: Path,
    keys: list[RecordKey],
    corrections: Mapping[str, ReadCorrections],
) -> tuple[PartitionResult, list[MatchStatus]]:
    """Write one partition unless its file already holds exactly this content."""
    links = {key.record_id: build_link(register_type, key.record_id, run.decisions) for key in keys}
    statuses = [link.match_status for link in links.values()]
    fingerprint = partition_fingerprint(register_type, keys, links, run.corrections)
    old_fingerprint, old_run_id, old_rows = _existing_file(run.export_dir / relative)
    if old_fingerprint == fingerprint and old_rows == len(keys):
        unchanged = PartitionResult(
            register_type=register_type,
            path=relative,
            rows=old_rows,
            action=PartitionAction.UNCHANGED,
            run_id=old_run_id,
        )
        return unchanged, statuses
    stored = load_records(run.store_engine, record_ids=list(links))
    if len(stored) != len(keys):
        raise StoreError(
            f"export of {relative}: {len(keys) - len(stored)} records vanished while exporting"
        )
    records = sorted(
        (apply_corrections(s.record, corrections[s.record.record_id]) for s in stored),
        key=_sort_key,
    )
    rows = [
        record_to_row(
            record,
            links[record.record_id],
            run.run_id,
            corrections[record.record_id].fields,
        )
        for record in records
    ]
    table = rows_to_table(register_type, rows, run.run_id)
    metadata = {**(table.schema.metadata or {}), FINGERPRINT_KEY: fingerprint.encode()}
    write_atomically(
        table.replace_schema_metadata(metadata),
        run.export_dir / relative,
        run.run_id,
        run.options.compression,
    )
    written = PartitionResult(
        register_type=register_type,
        path=relative,
        rows=len(rows),
        action=PartitionAction.WRITTEN,
        run_id=run.run_id,
    )
    return written, statuses


def _remove_stale(
    run: _ExportRun, register_type: RegisterType, keep: set[Path]
) -> list[PartitionResult]:
    """Delete partition files no record belongs to any more (e.g. a corrected ward)."""
    removed = []
    dataset_dir = run.export_dir / register_type.value
    for stale in sorted(dataset_dir.glob(f"year=*/commune=*/{run.options.file_name}")):
        relative = stale.relative_to(run.export_dir)
        if relative in keep:
            continue
        rows = _existing_file(stale)[2]
        stale.unlink()
        with contextlib.suppress(OSError):  # folders holding anything else stay
            stale.parent.rmdir()
            stale.parent.parent.rmdir()
        removed.append(
            PartitionResult(
                register_type=register_type,
                path=relative,
                rows=rows,
                action=PartitionAction.REMOVED,
                run_id=None,
            )
        )
    return removed


def _read_corrections(
    run: _ExportRun, report: ExportReport, register_type: RegisterType, key: RecordKey
) -> ReadCorrections:
    """A record's corrections in force, read; those that give no value are logged and counted."""
    read = read_corrections(
        register_type, run.corrections.get(key.record_id, {}), key.registration_year
    )
    report.corrections_applied += len(read.readings)
    report.corrections_rejected += len(read.rejected)
    for name in read.rejected:  # the field, never the text: it may be a name or an ID
        log.warning(
            "record %s: the steward's correction of %s gives no %s value; "
            "the value read is exported",
            key.record_id,
            name,
            register_type.value,
        )
    return read


def _export_type(run: _ExportRun, register_type: RegisterType, report: ExportReport) -> None:
    _remove_stray_temporaries(run.export_dir / register_type.value, run.options.file_name)
    partitions: dict[Path, list[RecordKey]] = defaultdict(list)
    corrections: dict[str, ReadCorrections] = {}
    for key in record_keys(run.store_engine, register_type):
        corrections[key.record_id] = read = _read_corrections(run, report, register_type, key)
        relative = Path(register_type.value) / PartitionKey.of(key, read).relative_dir()
        partitions[relative / run.options.file_name].append(key)
    statuses: Counter[MatchStatus] = Counter()
    for relative in sorted(partitions):
        result, partition_statuses = _export_partition(
            run, register_type, relative, partitions[relative], corrections
        )
        report.partitions.append(result)
        statuses.update(partition_statuses)
    report.partitions += _remove_stale(run, register_type, set(partitions))
    report.rows_by_status[register_type] = {status: statuses[status] for status in MatchStatus}


def dataset_rows(export_dir: Path, options: ExportOptions | None = None) -> int:
    """Rows in every dataset under ``export_dir`` (read from the file footers)."""
    file_name = (options or ExportOptions()).file_name
    return sum(
        _existing_file(path)[2]
        for register_type in RegisterType
        for path in (export_dir / register_type.value).glob(f"year=*/commune=*/{file_name}")
    )


def export_records(
    store_engine: Engine,
    export_dir: Path,
    run_id: str,
    options: ExportOptions | None = None,
) -> ExportReport:
    """Bring the Parquet datasets in line with the work store; rewrite only what changed."""
    options = options or ExportOptions()
    if not _SAFE_RUN_ID.match(run_id):
        raise DataValidationError(
            f"run id {run_id!r} cannot name a temporary file (letters, digits, '.', '-', '_')"
        )
    export_dir = Path(export_dir)
    report = ExportReport(run_id=run_id, export_dir=export_dir)
    run = _ExportRun(
        store_engine,
        latest_decisions(store_engine),
        corrected_fields(store_engine),
        export_dir,
        run_id,
        options,
    )
    for register_type in options.register_types:
        _export_type(run, register_type, report)
    set_watermark(store_engine, EXPORTED_ROWS_WATERMARK, str(dataset_rows(export_dir, options)))
    set_watermark(store_engine, LAST_RUN_WATERMARK, run_id)
    log.info(
        "export %s: %d partitions written, %d unchanged, %d removed; %d rows in %s; "
        "%d field corrections applied, %d rejected",
        run_id,
        report.count(PartitionAction.WRITTEN),
        report.count(PartitionAction.UNCHANGED),
        report.count(PartitionAction.REMOVED),
        report.rows,
        export_dir,
        report.corrections_applied,
        report.corrections_rejected,
    )
    return report
