"""The outbox (enqueued once, backoff, states), watermarks, runs and audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from civreg.errors import StoreError
from schemas.enums import ChangeKind, OutboxStatus
from schemas.store import AuditEvent, OutboxMessage
from store import (
    AuditEntry,
    RetryPolicy,
    append_audit,
    due_messages,
    enqueue_change,
    enqueue_changes,
    finish_run,
    get_watermark,
    mark_acknowledged,
    mark_failed,
    mark_sent,
    message_id_of,
    outbox_message,
    run_counts,
    set_watermark,
    start_run,
)

T0 = dt.datetime(2026, 11, 28, 1, 0, tzinfo=dt.UTC)
POLICY = RetryPolicy(base_seconds=60, max_seconds=600)
LINK = {"personal_id": "001190123456", "record_id": "ab" * 32, "decision_id": 7}


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def test_the_same_change_is_enqueued_once(store_engine: Engine) -> None:
    reordered = dict(reversed(list(LINK.items())))

    first = enqueue_change(store_engine, ChangeKind.LINK, LINK)
    again = enqueue_changes(store_engine, [(ChangeKind.LINK, reordered), (ChangeKind.DEATH, LINK)])

    assert first.created is True
    assert first.message_id == message_id_of(ChangeKind.LINK, LINK)
    assert [(e.message_id, e.created) for e in again] == [
        (first.message_id, False),
        (message_id_of(ChangeKind.DEATH, LINK), True),
    ]
    assert _count(store_engine, OutboxMessage) == 2


def test_backoff_doubles_up_to_its_cap() -> None:
    delays = [POLICY.delay(n).total_seconds() for n in range(1, 7)]
    assert delays == [60, 120, 240, 480, 600, 600]


def test_a_message_goes_sent_then_due_again_then_acknowledged(store_engine: Engine) -> None:
    message_id = enqueue_change(store_engine, ChangeKind.LINK, LINK).message_id
    assert [m.message_id for m in due_messages(store_engine, T0)] == [message_id]

    sent = mark_sent(store_engine, message_id, T0, POLICY)

    assert (sent.status, sent.attempts) == (OutboxStatus.SENT, 1)
    assert due_messages(store_engine, T0 + dt.timedelta(seconds=59)) == []
    # No answer recorded (the sender died): due again after the backoff.
    assert [m.message_id for m in due_messages(store_engine, T0 + dt.timedelta(seconds=60))] == [
        message_id
    ]
    done = mark_acknowledged(store_engine, message_id, T0 + dt.timedelta(seconds=61))
    assert (done.status, done.acknowledged_at, done.next_attempt_at) == (
        OutboxStatus.ACKNOWLEDGED,
        T0 + dt.timedelta(seconds=61),
        None,
    )
    assert due_messages(store_engine, T0 + dt.timedelta(days=1)) == []
    with pytest.raises(StoreError, match="is acknowledged, it cannot be sent"):
        mark_sent(store_engine, message_id, T0, POLICY)


def test_transient_failures_back_off_and_permanent_ones_stop(store_engine: Engine) -> None:
    retried = enqueue_change(store_engine, ChangeKind.LINK, LINK).message_id
    refused = enqueue_change(store_engine, ChangeKind.DEATH, LINK).message_id
    now = T0
    for attempt in (1, 2, 3):
        mark_sent(store_engine, retried, now, POLICY)
        entry = mark_failed(
            store_engine, retried, now, "connection refused", retryable=True, policy=POLICY
        )
        assert entry.status is OutboxStatus.PENDING
        assert entry.attempts == attempt
        assert entry.next_attempt_at == now + POLICY.delay(attempt)
        now = entry.next_attempt_at
    mark_sent(store_engine, refused, T0, POLICY)
    failed = mark_failed(
        store_engine, refused, T0, "person unknown", retryable=False, policy=POLICY
    )

    assert (failed.status, failed.last_error, failed.next_attempt_at) == (
        OutboxStatus.FAILED,
        "person unknown",
        None,
    )
    assert due_messages(store_engine, T0 + dt.timedelta(days=30)) == [
        outbox_message(store_engine, retried)
    ]


def test_watermarks_runs_and_audit_events(store_engine: Engine) -> None:
    assert get_watermark(store_engine, "population.seq") is None
    assert get_watermark(store_engine, "population.seq", "0") == "0"
    set_watermark(store_engine, "population.seq", "41")
    set_watermark(store_engine, "population.seq", "42")
    assert get_watermark(store_engine, "population.seq") == "42"

    run_id = start_run(store_engine, "nightly-sync", "run-1")
    assert start_run(store_engine, "nightly-sync", "run-1") == run_id
    assert run_counts(store_engine, run_id) == {}
    finish_run(store_engine, run_id, {"pages": 12, "entries": 240})
    assert run_counts(store_engine, run_id) == {"pages": 12, "entries": 240}
    with pytest.raises(StoreError, match="run nope was never started"):
        finish_run(store_engine, "nope", {})

    event = AuditEntry("steward.lan", "decide", "record", "ab" * 32, {"decision_id": 3})
    assert append_audit(store_engine, event) is True
    assert append_audit(store_engine, event) is False
    assert append_audit(
        store_engine, AuditEntry(**{**event.__dict__, "detail": {"decision_id": 4}})
    )
    assert _count(store_engine, AuditEvent) == 2
