"""The population DB adapter: the only code of matching that reads the population DB.

Narrow on purpose (DOMAIN.md §5): candidates for a batch of records, fetched in bulk by the
batch's blocking keys (a few ``IN`` queries per batch, never one per record), the whole
population as columns for large runs, the current state of given people, and the changes since
a watermark. SQLAlchemy Core on the tables of :mod:`schemas.population_db`; SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from civreg.db import is_transient
from civreg.errors import StoreError, TransientError
from matching.civil import POPULATION_COLUMNS, MatchRecord, PopulationFrame
from matching.text import name_key_variants
from schemas.personal_id import PersonalIdError, parse_personal_id
from schemas.population_db import PersonChange, PersonChangeKind, PersonRow
from schemas.records import Person
from schemas.values import PartialDate

IN_CHUNK = 500
"""Values per ``IN (...)`` list: below SQLite's variable limit, cheap for PostgreSQL."""

_PEOPLE = PersonRow.__table__
_CHANGES = PersonChange.__table__
_FRAME_COLUMNS = [_PEOPLE.c[name] for name in POPULATION_COLUMNS]


@dataclass(frozen=True)
class ChangeFeed:
    """Changes after a watermark: who changed, how, and the watermark to resume from."""

    changes: list[tuple[int, str, PersonChangeKind]]
    watermark: int

    @property
    def personal_ids(self) -> list[str]:
        """Each changed person once, in order of first change."""
        return list(dict.fromkeys(pid for _, pid, _ in self.changes))


@dataclass(frozen=True)
class BlockQuery:
    """The blocking keys of a batch that the DB can answer from its indexes."""

    personal_ids: frozenset[str]
    name_keys: frozenset[str]
    birth_years: frozenset[int]

    @classmethod
    def of(cls, records: Iterable[MatchRecord], *, year_tolerance: int = 1) -> BlockQuery:
        """Keys covering every civil blocking rule: IDs, folded names, birth years ± tolerance.

        Rules on a date or a year plus other parts are answered by the year (from the date of
        birth, and from the ID's year digits); the full-name rule by the DB's ``name_key`` in
        every family-name reading.
        """
        ids: set[str] = set()
        keys: set[str] = set()
        years: set[int] = set()
        for record in records:
            if record.personal_id:
                ids.add(record.personal_id)
                try:  # a mistyped serial still says the birth year (id_prefix rule)
                    year = parse_personal_id(record.personal_id).birth_year
                    years.update(range(year - year_tolerance, year + year_tolerance + 1))
                except PersonalIdError:
                    pass
            if record.name:
                keys.update(name_key_variants(record.name.full))
            if record.date_of_birth:
                year = record.date_of_birth.year
                years.update(range(year - year_tolerance, year + year_tolerance + 1))
        return cls(frozenset(ids), frozenset(keys), frozenset(years))


def _chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    ordered = sorted(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class PopulationAdapter:
    """Reads the population DB mock through SQLAlchemy Core."""

    def __init__(self, engine: Engine, *, fetch_size: int = 20_000) -> None:
        self.engine = engine
        self.fetch_size = fetch_size

    def _rows(self, statement) -> list[tuple]:
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(stream_results=True).execute(statement)
                rows: list[tuple] = []
                for partition in result.partitions(self.fetch_size):
                    rows.extend(tuple(row) for row in partition)
                return rows
        except DBAPIError as exc:
            url = self.engine.url.render_as_string(hide_password=True)
            if is_transient(exc):
                raise TransientError(f"population DB {url}: {exc.orig}") from exc
            raise StoreError(f"population DB {url}: {exc.orig}") from exc

    def load_all(self) -> PopulationFrame:
        """The whole population as columns (one streamed query): for runs over large batches."""
        return PopulationFrame.from_rows(
            self._rows(select(*_FRAME_COLUMNS).order_by(_PEOPLE.c.personal_id))
        )

    def fetch_candidates(self, query: BlockQuery) -> PopulationFrame:
        """Everyone who shares a blocking key with the batch: a few IN queries, deduplicated."""
        rows: dict[str, tuple] = {}
        lookups = (
            (_PEOPLE.c.personal_id, query.personal_ids),
            (_PEOPLE.c.name_key, query.name_keys),
            (_PEOPLE.c.birth_year, query.birth_years),
        )
        for column, values in lookups:
            for chunk in _chunks(values):
                for row in self._rows(select(*_FRAME_COLUMNS).where(column.in_(chunk))):
                    rows[row[0]] = row
        return PopulationFrame.from_rows(rows[pid] for pid in sorted(rows))

    def candidates_for(
        self, records: Sequence[MatchRecord], *, year_tolerance: int = 1
    ) -> PopulationFrame:
        """Candidates of a batch of records (see :meth:`BlockQuery.of`)."""
        return self.fetch_candidates(BlockQuery.of(records, year_tolerance=year_tolerance))

    def people(self, personal_ids: Iterable[str]) -> dict[str, Person]:
        """Current state of the given people (those the DB holds)."""
        found: dict[str, Person] = {}
        columns = [_PEOPLE.c[name] for name in Person.EXTRACT_COLUMNS]
        for chunk in _chunks(set(personal_ids)):
            for row in self._rows(select(*columns).where(_PEOPLE.c.personal_id.in_(chunk))):
                values = dict(zip(Person.EXTRACT_COLUMNS, row, strict=True))
                for date_field in ("date_of_birth", "date_of_death"):
                    text = values[date_field]
                    values[date_field] = PartialDate.parse(text) if text else None
                found[values["personal_id"]] = Person(**values)
        return found

    def frame_of(self, personal_ids: Iterable[str]) -> PopulationFrame:
        """The given people as columns (for relinking against changed people)."""
        rows: list[tuple] = []
        for chunk in _chunks(set(personal_ids)):
            rows.extend(self._rows(select(*_FRAME_COLUMNS).where(_PEOPLE.c.personal_id.in_(chunk))))
        rows.sort(key=lambda row: row[0])
        return PopulationFrame.from_rows(rows)

    def changes_since(self, watermark: int, *, limit: int | None = None) -> ChangeFeed:
        """Changes with ``seq > watermark`` in order; the new watermark is the last seq read."""
        statement = (
            select(_CHANGES.c.seq, _CHANGES.c.personal_id, _CHANGES.c.kind)
            .where(_CHANGES.c.seq > watermark)
            .order_by(_CHANGES.c.seq)
        )
        if limit is not None:
            statement = statement.limit(limit)
        rows = self._rows(statement)
        changes = [(int(seq), pid, PersonChangeKind(kind)) for seq, pid, kind in rows]
        return ChangeFeed(changes, changes[-1][0] if changes else watermark)
