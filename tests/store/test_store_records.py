"""Records: upserted by id with a content hash, version moves only when the content changed."""

from __future__ import annotations

from types import ModuleType

import pytest
from sqlalchemy import Engine, func, select

from civreg.errors import StoreError
from schemas.enums import IssueSeverity, RegisterType
from schemas.records import ValidationIssue
from schemas.store import RecordRow
from store import load_records, record_content_hash, record_keys, save_records


def test_resaving_the_same_records_changes_nothing(
    store_engine: Engine, seeded, samples: ModuleType
) -> None:
    records = list(seeded.records.values())

    again = save_records(store_engine, records)

    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(records))
    with store_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RecordRow)) == len(records)
        assert set(connection.scalars(select(RecordRow.version))) == {1}
    loaded = load_records(store_engine)
    assert {s.record_id: s.record for s in loaded} == seeded.records
    assert all(s.key.content_hash == record_content_hash(s.record) for s in loaded)


def test_a_changed_record_is_updated_once_and_its_version_goes_up(
    store_engine: Engine, seeded
) -> None:
    record = next(r for r in seeded.records.values() if r.register_type is RegisterType.BIRTH)
    issue = ValidationIssue(
        field="date_of_birth",
        code="date.future",
        message="born after registration",
        severity=IssueSeverity.ERROR,
    )
    changed = record.model_copy(update={"issues": [issue]})

    first = save_records(store_engine, [changed])
    second = save_records(store_engine, [changed])

    assert (first.updated, second.updated, second.unchanged) == (1, 0, 1)
    (stored,) = load_records(store_engine, record_ids=[record.record_id])
    assert stored.version == 2
    assert stored.record == changed
    with store_engine.connect() as connection:
        row = connection.execute(
            select(RecordRow.blocking, RecordRow.issues).where(
                RecordRow.record_id == record.record_id
            )
        ).one()
    assert row.blocking is True
    assert row.issues == [issue.model_dump(mode="json")]


def test_record_keys_carry_the_partition_keys(store_engine: Engine, seeded) -> None:
    keys = {k.record_id: k for k in record_keys(store_engine, RegisterType.BIRTH)}
    expected = {
        record_id: (spec.registration_year, spec.ward_code)
        for record_id, spec in seeded.specs.items()
        if spec.register_type is RegisterType.BIRTH
    }
    assert {rid: (k.registration_year, k.ward_code) for rid, k in keys.items()} == expected


def test_a_record_without_its_raw_entry_is_refused(store_engine: Engine, samples) -> None:
    _, record = samples.build(samples.DEFAULT_SPECS[0])
    with pytest.raises(StoreError, match="has no raw entry in the work store"):
        save_records(store_engine, [record])
