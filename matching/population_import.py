"""Load a population extract (CSV or Parquet, ARCHITECTURE.md) into the population DB mock.

Every row is validated into :class:`schemas.records.Person`; a bad row is reported with its line
number and column and the rest loads. Good rows are written in chunks, one transaction each, as a
Core upsert on ``personal_id``: re-importing the same extract changes nothing, a changed row is
updated, and each created or updated person gets a ``person_changes`` entry (the feed the sync
reads). With ``strict``, the whole file is checked first and nothing is loaded if a row is bad.

Line numbers count the header as line 1. In a CSV they are the physical line where the row
starts (a quoted cell may span lines); in Parquet, data row *n* is line *n + 1*.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Engine, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from civreg.errors import PopulationImportError
from schemas.population_db import PersonChange, PersonChangeKind, PersonRow, name_key
from schemas.records import Person
from schemas.store import utcnow

PARQUET_MAGIC = b"PAR1"
REQUIRED_COLUMNS = ("personal_id", "full_name")
DATE_COLUMNS = ("date_of_birth", "date_of_death")
CONTRACT_COLUMNS = frozenset(Person.EXTRACT_COLUMNS)
LOOKUP_CHUNK = 5_000  # ids per "WHERE personal_id IN (...)": far below SQLite's 32,766 variables
UTF8_CHECK_BLOCK = 1 << 20

PEOPLE: Table = PersonRow.__table__  # type: ignore[assignment]
PERSON_CHANGES: Table = PersonChange.__table__  # type: ignore[assignment]
IMPORTED_COLUMNS = (
    *Person.EXTRACT_COLUMNS,
    "name_key",
    "birth_year",
    "extra",
)
"""Columns of ``people`` an import writes; the others (religion, other residences…) stay."""

ProgressCallback = Callable[[int, int], None]
"""Called with (rows read so far, estimated total rows)."""


class ExtractFormat(StrEnum):
    """File formats of the population extract, told apart by their first bytes."""

    CSV = "csv"
    PARQUET = "parquet"


class ImportOptions(BaseModel):
    """How to import an extract."""

    batch_size: int = Field(5_000, ge=1, description="Rows per chunk (one transaction each).")
    strict: bool = Field(False, description="Check the whole file first; load nothing if bad.")


class RowError(BaseModel):
    """One problem of one row."""

    model_config = ConfigDict(frozen=True)

    line: int = Field(description="Line number, the header being line 1.")
    column: str | None = Field(description="The column at fault; None for the row as a whole.")
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportReport(BaseModel):
    """What an import read, wrote and refused."""

    source: Path
    format: ExtractFormat
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = Field(default_factory=list)
    seconds: float = 0.0

    @property
    def bad_rows(self) -> int:
        """Rows refused (a row with several problems counts once)."""
        return len({error.line for error in self.errors})

    @property
    def loaded(self) -> int:
        """Rows now in the database as the extract has them."""
        return self.inserted + self.updated + self.unchanged

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0


class ExtractRejectedError(PopulationImportError):
    """A strict import found bad rows and loaded nothing; ``report`` lists them."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(
            f"{report.source}: {report.bad_rows} of {report.rows_read} rows are bad; nothing was "
            "loaded",
            hint="fix the lines listed, or import without --strict to load the good rows",
        )
        self.report = report


@dataclass(frozen=True)
class ExtractRow:
    """One data row as read: its line number, its cells by (lower-case) column name, and what
    made it unreadable as a row, if anything."""

    line: int
    cells: dict[str, Any]
    problem: str | None = None


@dataclass(frozen=True)
class Extract:
    """An extract file whose format and header have been checked."""

    path: Path
    format: ExtractFormat
    columns: tuple[str, ...]
    estimated_rows: int

    def chunks(self, size: int) -> Iterator[list[ExtractRow]]:
        """The data rows, ``size`` at a time."""
        reader = _csv_rows if self.format is ExtractFormat.CSV else _parquet_rows
        chunk: list[ExtractRow] = []
        for row in reader(self):
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def sniff_format(path: Path) -> ExtractFormat:
    """Parquet files start with ``PAR1``; anything else is read as CSV text."""
    with path.open("rb") as handle:
        return ExtractFormat.PARQUET if handle.read(4) == PARQUET_MAGIC else ExtractFormat.CSV


def open_extract(path: Path) -> Extract:
    """Check that ``path`` is a readable extract with the required columns."""
    if not path.exists():
        raise PopulationImportError(f"{path}: no such file")
    if not path.is_file():
        raise PopulationImportError(f"{path}: not a file")
    try:
        if path.stat().st_size == 0:
            raise PopulationImportError(f"{path}: the file is empty (expected a header line)")
        extract_format = sniff_format(path)
        if extract_format is ExtractFormat.PARQUET:
            columns, rows = _parquet_header(path)
        else:
            rows = _check_utf8(path) - 1  # newlines, less the header's
            columns = _csv_header(path)
    except OSError as exc:
        raise PopulationImportError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise PopulationImportError(f"{path}: column {duplicated[0]!r} appears twice in the header")
    for required in REQUIRED_COLUMNS:
        if required not in columns:
            raise PopulationImportError(
                f"{path}: required column {required!r} is missing from the header",
                hint=f"columns found: {', '.join(columns) or 'none'}",
            )
    return Extract(path, extract_format, tuple(columns), max(rows, 0))


def _normalize_header(names: list[str]) -> list[str]:
    return [name.strip().lower() for name in names]


def _check_utf8(path: Path) -> int:
    """Decode the whole file once, so that bad bytes stop the import before anything loads.

    Returns the number of newlines, which sizes the progress bar.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    with path.open("rb") as handle:
        while block := handle.read(UTF8_CHECK_BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                line = 1 + newlines + block[: exc.start].count(b"\n")
                raise PopulationImportError(
                    f"{path}: line {line} is not UTF-8 text (nor is the file Parquet)",
                    hint="save the extract as CSV UTF-8",
                ) from exc
            newlines += block.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise PopulationImportError(f"{path}: the file ends inside a UTF-8 character") from exc
    return newlines


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            header = next(csv.reader(handle))
        except StopIteration:
            header = []
        except csv.Error as exc:
            raise PopulationImportError(f"{path}: line 1: unreadable CSV header ({exc})") from exc
    return _normalize_header(header)


def _csv_rows(extract: Extract) -> Iterator[ExtractRow]:
    with extract.path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        line_after_previous = reader.line_num + 1
        width = len(extract.columns)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise PopulationImportError(
                    f"{extract.path}: line {line_after_previous}: unreadable CSV ({exc})"
                ) from exc
            line, line_after_previous = line_after_previous, reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # blank line
            if len(cells) != width:
                problem = f"has {len(cells)} cells where the header has {width} columns"
                yield ExtractRow(line, {}, problem)
                continue
            yield ExtractRow(line, dict(zip(extract.columns, cells, strict=True)))


def _parquet_header(path: Path) -> tuple[list[str], int]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise PopulationImportError(f"{path}: unreadable Parquet file ({exc})") from exc
    return _normalize_header(parquet.schema_arrow.names), parquet.metadata.num_rows


def _parquet_rows(extract: Extract) -> Iterator[ExtractRow]:
    line = 1
    try:
        parquet = pq.ParquetFile(extract.path)
        for batch in parquet.iter_batches(batch_size=10_000):
            for values in batch.to_pylist():
                line += 1
                yield ExtractRow(line, dict(zip(extract.columns, values.values(), strict=True)))
    except (pa.ArrowException, OSError) as exc:
        raise PopulationImportError(
            f"{extract.path}: unreadable Parquet data after line {line} ({exc})"
        ) from exc


def _contract_text(value: Any) -> str | None:
    """A cell of a contract column as NFC text, ``None`` when empty."""
    if value is None:
        return None
    if type(value) is not str:
        if isinstance(value, dt.datetime):
            value = value.date()
        value = value.isoformat() if isinstance(value, dt.date) else str(value)
    text = value.strip()
    if not text:
        return None
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _extra_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value))


def validate_row(row: ExtractRow) -> Person | list[RowError]:
    """The person of one row, or every problem of the row."""
    if row.problem is not None:
        return [RowError(line=row.line, column=None, message=row.problem)]
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, cell in row.cells.items():
        if name in CONTRACT_COLUMNS:
            text = _contract_text(cell)
            if text is not None:
                values[name] = text
        elif cell is not None and cell != "":
            extra[name] = _extra_value(cell)
    errors = [
        RowError(line=row.line, column=name, message="is empty, and it is required")
        for name in REQUIRED_COLUMNS
        if name not in values
    ]
    values["extra"] = extra
    try:
        person = Person.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors(include_url=False, include_input=False):
            column = str(error["loc"][0]) if error["loc"] else None
            if error["type"] == "missing" and column in REQUIRED_COLUMNS:
                continue  # reported above as empty
            if column in DATE_COLUMNS:
                message = f"{values.get(column)!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY"
            else:
                message = _message(error)
            if all(known.column != column for known in errors):  # one problem per cell
                errors.append(RowError(line=row.line, column=column, message=message))
        return errors
    return errors or person


def _message(error: Any) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "string_pattern_mismatch":
        return "must be 12 digits"
    if kind == "enum":
        return "must be M or F"
    return message.removeprefix("Value error, ")


def person_to_row(person: Person) -> dict[str, Any]:
    """The ``people`` columns an import writes for a person."""
    return {
        "personal_id": person.personal_id,
        "full_name": person.full_name,
        "name_key": name_key(person.full_name),
        "date_of_birth": person.date_of_birth.iso() if person.date_of_birth else None,
        "birth_year": person.date_of_birth.year if person.date_of_birth else None,
        "sex": person.sex,
        "place_of_birth": person.place_of_birth,
        "hometown": person.hometown,
        "ethnicity": person.ethnicity,
        "nationality": person.nationality,
        "permanent_residence": person.permanent_residence,
        "father_name": person.father_name,
        "father_id": person.father_id,
        "mother_name": person.mother_name,
        "mother_id": person.mother_id,
        "spouse_name": person.spouse_name,
        "spouse_id": person.spouse_id,
        "date_of_death": person.date_of_death.iso() if person.date_of_death else None,
        "extra": person.extra,
    }


def _upsert(connection: Connection) -> Any:
    dialect = connection.dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(PEOPLE)
    elif dialect == "sqlite":
        statement = sqlite.insert(PEOPLE)
    else:
        raise PopulationImportError(
            f"population import supports SQLite and PostgreSQL, not {dialect}"
        )
    updated = [*IMPORTED_COLUMNS, "updated_seq"]
    return statement.on_conflict_do_update(
        index_elements=[PEOPLE.c.personal_id],
        set_={name: statement.excluded[name] for name in updated if name != "personal_id"},
    )


def _existing(connection: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    columns = [PEOPLE.c[name] for name in IMPORTED_COLUMNS]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        part = ids[start : start + LOOKUP_CHUNK]
        for row in connection.execute(select(*columns).where(PEOPLE.c.personal_id.in_(part))):
            found[row.personal_id] = row._asdict()
    return found


def _load_chunk(engine: Engine, people: list[Person], report: ImportReport) -> None:
    """Write one chunk in one transaction: new and changed people, and their change entries."""
    rows = [person_to_row(person) for person in people]
    with engine.begin() as connection:
        existing = _existing(connection, [row["personal_id"] for row in rows])
        to_write, kinds = [], []
        for row in rows:
            before = existing.get(row["personal_id"])
            if before is None:
                kinds.append(PersonChangeKind.CREATED)
            elif before != row:
                kinds.append(PersonChangeKind.UPDATED)
            else:
                report.unchanged += 1
                continue
            to_write.append(row)
        if not to_write:
            return
        changes = [
            {"personal_id": row["personal_id"], "kind": kind}
            for row, kind in zip(to_write, kinds, strict=True)
        ]
        # ids are unique within a chunk, so RETURNING needs no row order (which SQLite lacks)
        written = connection.execute(
            insert(PERSON_CHANGES)
            .values(changed_at=utcnow())
            .returning(PERSON_CHANGES.c.personal_id, PERSON_CHANGES.c.seq),
            changes,
        )
        seq_of = dict(written.all())  # personal_id -> seq
        for row in to_write:
            row["updated_seq"] = seq_of[row["personal_id"]]
        connection.execute(_upsert(connection), to_write)
    report.inserted += kinds.count(PersonChangeKind.CREATED)
    report.updated += kinds.count(PersonChangeKind.UPDATED)


def _valid_chunks(
    extract: Extract,
    options: ImportOptions,
    report: ImportReport,
    on_progress: ProgressCallback | None,
) -> Iterator[list[Person]]:
    """The good rows, chunk by chunk; bad rows and repeated IDs go to ``report.errors``."""
    first_line: dict[str, int] = {}
    for chunk in extract.chunks(options.batch_size):
        people: list[Person] = []
        for row in chunk:
            report.rows_read += 1
            result = validate_row(row)
            if isinstance(result, list):
                report.errors.extend(result)
                continue
            seen_at = first_line.setdefault(result.personal_id, row.line)
            if seen_at != row.line:
                report.errors.append(
                    RowError(
                        line=row.line,
                        column="personal_id",
                        message=f"repeats the personal_id of line {seen_at}",
                    )
                )
                continue
            people.append(result)
        if on_progress is not None:
            on_progress(report.rows_read, max(extract.estimated_rows, report.rows_read))
        yield people


def import_population(
    path: Path,
    engine: Engine,
    options: ImportOptions | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    """Load the extract at ``path`` into the population DB behind ``engine`` (migrated)."""
    options = options or ImportOptions()
    started = time.perf_counter()
    extract = open_extract(path)
    report = ImportReport(source=path, format=extract.format)
    if options.strict:
        check = report.model_copy(deep=True)
        for _ in _valid_chunks(extract, options, check, on_progress=None):
            pass
        if check.errors:
            check.seconds = time.perf_counter() - started
            raise ExtractRejectedError(check)
    try:
        for people in _valid_chunks(extract, options, report, on_progress):
            if people:
                _load_chunk(engine, people, report)
    except SQLAlchemyError as exc:
        raise PopulationImportError(
            f"{path}: the population DB refused the rows after line "
            f"{report.rows_read + 1} ({exc.__class__.__name__}: {str(exc).splitlines()[0]})",
            hint="rows before that chunk are loaded; re-running the import is safe",
        ) from exc
    report.seconds = time.perf_counter() - started
    return report
