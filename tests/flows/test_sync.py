"""Sync: final decisions become outbox messages once; the push applies each once, with backoff."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import store_samples as samples
from sqlalchemy import Engine, func, select

from civreg.db import make_engine
from flows.sync import SyncOptions, enqueue_changes_for_decisions, push_outbox
from matching.population_import import import_population
from matching.population_sync import ChangeMessage, apply_change
from schemas.enums import ChangeKind, DecisionKind, OutboxStatus, RegisterType
from schemas.population_db import PersonChange, PersonRow, ReceivedChange
from schemas.store import OutboxMessage
from store import (
    DecisionInput,
    RetryPolicy,
    append_decision,
    append_decisions,
    due_messages,
    mark_sent,
    outbox_message,
)

T0 = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)
OPTIONS = SyncOptions(retry=RetryPolicy(base_seconds=60, max_seconds=3600))
PEOPLE = {  # the people the sample decisions link to, and one more
    "001198000001": "Nguyễn Văn An",
    "001198000002": "Lê Thị Hồng Nhung",
    "001050000003": "Bùi Văn Long",
    "001075000004": "Ngô Văn Tuấn",
    "001075000005": "Lý Minh Khoa",
    "001178000006": "Mai Thị Thảo",
    "001198000009": "Lê Thị Hồng Nhung",
}


@pytest.fixture
def decided(store_engine: Engine, tmp_path: Path):
    seeded = samples.seed_store(store_engine, tmp_path / "inbox" / samples.BATCH_ID)
    append_decisions(store_engine, samples.sample_decisions(seeded)[0])
    return seeded


@pytest.fixture
def population(population_engine: Engine, tmp_path: Path) -> Engine:
    extract = tmp_path / "population.csv"
    lines = ["personal_id,full_name,date_of_birth,sex"]
    lines += [f"{pid},{name},1950,M" for pid, name in PEOPLE.items()]
    extract.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_population(extract, population_engine)
    return population_engine


def _record(seeded, register_type: RegisterType, row_index: int, page_number: int = 1) -> str:
    return next(
        rid
        for rid, spec in seeded.specs.items()
        if (spec.register_type, spec.page_number, spec.row_index)
        == (register_type, page_number, row_index)
    )


def _count(engine: Engine, model: type, *where) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model).where(*where))


def _outbox(engine: Engine) -> dict[str, OutboxStatus]:
    with engine.connect() as connection:
        rows = connection.execute(select(OutboxMessage.message_id, OutboxMessage.status)).all()
    return dict(rows)


def test_final_decisions_are_enqueued_once_and_a_new_decision_adds_its_message(
    store_engine: Engine, decided
) -> None:
    first_birth = _record(decided, RegisterType.BIRTH, 1)
    unlinked_birth = _record(decided, RegisterType.BIRTH, 2, page_number=2)
    for record_id in (first_birth, unlinked_birth):
        append_decision(
            store_engine,
            DecisionInput(
                record_id=record_id,
                kind=DecisionKind.STEWARD_CORRECT_FIELD,
                actor=samples.STEWARD,
                payload={"field": "full_name", "value": "Nguyễn Văn Ân"},
            ),
        )

    first = enqueue_changes_for_decisions(store_engine)
    again = enqueue_changes_for_decisions(store_engine)

    # links: 2 births, 1 death, husband of one marriage, both spouses of the other
    assert (first.links, first.deaths, first.corrections) == (6, 1, 1)
    assert len(first.skipped) == 1
    assert f"on record {unlinked_birth}: the record is not linked" in first.skipped[0]
    assert (again.enqueued, again.already_enqueued) == (0, 8)
    assert _count(store_engine, OutboxMessage) == 8

    # A steward links the second birth to someone else: one new link message.
    append_decision(
        store_engine,
        DecisionInput(
            record_id=_record(decided, RegisterType.BIRTH, 2),
            kind=DecisionKind.STEWARD_LINK,
            actor=samples.STEWARD,
            personal_id="001198000009",
        ),
    )
    third = enqueue_changes_for_decisions(store_engine)
    assert (third.links, third.already_enqueued) == (1, 7)  # the superseded link is not redone
    with store_engine.connect() as connection:
        death = connection.execute(
            select(OutboxMessage.payload).where(OutboxMessage.kind == ChangeKind.DEATH)
        ).scalar_one()
    assert death["date_of_death"] == "2001-03-01"
    assert death["personal_id"] == "001050000003"


def test_the_same_message_sent_twice_makes_one_change_in_the_population_db(
    store_engine: Engine, population: Engine, decided
) -> None:
    enqueue_changes_for_decisions(store_engine)
    changes_before = _count(population, PersonChange)
    # The push applies the first message and dies before it records the acknowledgment.
    entry = due_messages(store_engine, T0)[0]
    mark_sent(store_engine, entry.message_id, T0, OPTIONS.retry)
    message = ChangeMessage(message_id=entry.message_id, kind=entry.kind, payload=entry.payload)
    apply_change(population, message)

    report = push_outbox(store_engine, population, T0, OPTIONS)
    assert (report.attempted, report.acknowledged, report.duplicates) == (6, 6, 0)
    assert outbox_message(store_engine, entry.message_id).status is OutboxStatus.SENT

    later = T0 + OPTIONS.retry.delay(1)
    resent = push_outbox(store_engine, population, later, OPTIONS)

    assert (resent.attempted, resent.acknowledged, resent.duplicates) == (1, 1, 1)
    assert set(_outbox(store_engine).values()) == {OutboxStatus.ACKNOWLEDGED}
    assert _count(population, PersonChange) == changes_before + 7
    assert _count(population, ReceivedChange) == 7
    assert _count(population, ReceivedChange, ReceivedChange.message_id == entry.message_id) == 1
    with population.connect() as connection:
        died = connection.scalar(
            select(PersonRow.date_of_death).where(PersonRow.personal_id == "001050000003")
        )
    assert died == "2001-03-01"
    assert push_outbox(store_engine, population, later + dt.timedelta(days=1)).attempted == 0


def test_a_refused_change_fails_with_its_reason_and_does_not_block_the_others(
    store_engine: Engine, population: Engine, decided
) -> None:
    append_decision(
        store_engine,
        DecisionInput(
            record_id=_record(decided, RegisterType.BIRTH, 3),
            kind=DecisionKind.STEWARD_LINK,
            actor=samples.STEWARD,
            personal_id="079199999999",  # not in the population DB
        ),
    )
    enqueue_changes_for_decisions(store_engine)

    report = push_outbox(store_engine, population, T0, OPTIONS)

    assert (report.attempted, report.acknowledged, report.failed) == (8, 7, 1)
    failed = [m for m, status in _outbox(store_engine).items() if status is OutboxStatus.FAILED]
    assert len(failed) == 1
    reason = outbox_message(store_engine, failed[0]).last_error
    assert "person 079*******99 is not in the population DB" in reason
    assert push_outbox(store_engine, population, T0 + dt.timedelta(days=7)).attempted == 0


def test_an_outage_backs_off_and_the_next_push_delivers(
    store_engine: Engine, population: Engine, decided
) -> None:
    enqueue_changes_for_decisions(store_engine)
    unreachable = make_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/population?connect_timeout=2"
    )

    down = push_outbox(store_engine, unreachable, T0, OPTIONS)
    unreachable.dispose()

    assert (down.attempted, down.retrying, down.deferred, down.acknowledged) == (1, 1, 6, 0)
    first_id = down.errors[0].split(":")[0]
    waiting = outbox_message(store_engine, first_id)
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 1)
    assert waiting.next_attempt_at == T0 + dt.timedelta(seconds=60)
    assert "population DB" in waiting.last_error

    soon = push_outbox(store_engine, population, T0 + dt.timedelta(seconds=30), OPTIONS)
    assert (soon.attempted, soon.acknowledged) == (6, 6)  # the one that failed waits its turn

    later = push_outbox(store_engine, population, T0 + dt.timedelta(seconds=60), OPTIONS)
    assert (later.attempted, later.acknowledged, later.duplicates) == (1, 1, 0)
    assert outbox_message(store_engine, first_id).attempts == 2
    assert set(_outbox(store_engine).values()) == {OutboxStatus.ACKNOWLEDGED}
