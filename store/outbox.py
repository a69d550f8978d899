"""The sync outbox: changes for the population DB, sent until acknowledged.

A message's id is the hash of its kind and canonical payload, so the same change is enqueued
once however often it is proposed. Life of a message: ``pending`` -> ``sent`` (an attempt is under
way; it falls due again after a backoff in case the sender died) -> ``acknowledged``; a transient
failure puts it back to ``pending`` with an exponential backoff, a permanent one (the population
DB refused the change) makes it ``failed`` with the reason, for a steward to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import or_, select

from civreg.errors import StoreError
from schemas.enums import ChangeKind, OutboxStatus
from schemas.store import OutboxMessage, utcnow
from store._session import Bind, insert_missing, reading, writing
from store.keys import message_id_of

_OUTBOX = OutboxMessage.__table__
DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENT)


class RetryPolicy(BaseModel):
    """Exponential backoff: ``base * 2**(attempts-1)``, never longer than ``max``."""

    base_seconds: float = Field(60.0, gt=0)
    max_seconds: float = Field(6 * 3600.0, gt=0)

    def delay(self, attempts: int) -> dt.timedelta:
        """How long to wait after the ``attempts``-th attempt (1-based)."""
        exponent = min(max(attempts - 1, 0), 32)
        return dt.timedelta(seconds=min(self.base_seconds * 2**exponent, self.max_seconds))


@dataclass(frozen=True)
class OutboxEntry:
    """A message as stored."""

    message_id: str
    kind: ChangeKind
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    next_attempt_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    last_error: str | None


def _entry(row: OutboxMessage) -> OutboxEntry:
    return OutboxEntry(
        message_id=row.message_id,
        kind=row.kind,
        payload=dict(row.payload),
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        acknowledged_at=row.acknowledged_at,
        last_error=row.last_error,
    )


@dataclass(frozen=True)
class Enqueued:
    """A change's message id, and whether this call added it."""

    message_id: str
    created: bool


def enqueue_changes(
    bind: Bind, changes: Sequence[tuple[ChangeKind, Mapping[str, Any]]]
) -> list[Enqueued]:
    """Enqueue changes in one transaction; a change already in the outbox is left as it is."""
    now = utcnow()
    rows = {}
    for kind, payload in changes:
        message_id = message_id_of(kind, payload)
        rows[message_id] = {
            "message_id": message_id,
            "kind": kind,
            "payload": dict(payload),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": None,
            "created_at": now,
            "updated_at": now,
        }
    with writing(bind) as session:
        created = insert_missing(
            session, _OUTBOX, list(rows.values()), ["message_id"], "message_id"
        )
    outcomes: list[Enqueued] = []
    for kind, payload in changes:
        message_id = message_id_of(kind, payload)
        outcomes.append(Enqueued(message_id, message_id in created))
        created.discard(message_id)  # the same change twice in one call: added once
    return outcomes


def enqueue_change(bind: Bind, kind: ChangeKind, payload: Mapping[str, Any]) -> Enqueued:
    """Enqueue one change (see :func:`enqueue_changes`)."""
    return enqueue_changes(bind, [(kind, payload)])[0]


def due_messages(bind: Bind, now: dt.datetime, limit: int = 500) -> list[OutboxEntry]:
    """Pending or unanswered messages whose time has come, oldest first."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(DUE_STATUSES))
        .where(or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now))
        .order_by(OutboxMessage.created_at, OutboxMessage.message_id)
        .limit(limit)
    )
    with reading(bind) as session:
        return [_entry(row) for row in session.scalars(statement)]


def outbox_message(bind: Bind, message_id: str) -> OutboxEntry:
    """One message; :class:`StoreError` when unknown."""
    with reading(bind) as session:
        row = session.get(OutboxMessage, message_id)
        if row is None:
            raise StoreError(f"outbox message {message_id} does not exist")
        return _entry(row)


def _set(bind: Bind, message_id: str, now: dt.datetime, **values: Any) -> OutboxEntry:
    with writing(bind) as session:
        row = session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            raise StoreError(f"outbox message {message_id} does not exist")
        for name, value in values.items():
            setattr(row, name, value(row) if callable(value) else value)
        row.updated_at = now
        session.flush()
        return _entry(row)


def mark_sent(bind: Bind, message_id: str, now: dt.datetime, policy: RetryPolicy) -> OutboxEntry:
    """An attempt starts: count it, and make the message due again if no answer is recorded."""
    with writing(bind) as session:
        row = session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None:
            raise StoreError(f"outbox message {message_id} does not exist")
        if row.status not in DUE_STATUSES:
            raise StoreError(f"outbox message {message_id} is {row.status}, it cannot be sent")
        row.attempts += 1
        row.status = OutboxStatus.SENT
        row.next_attempt_at = now + policy.delay(row.attempts)
        row.updated_at = now
        session.flush()
        return _entry(row)


def mark_acknowledged(bind: Bind, message_id: str, now: dt.datetime) -> OutboxEntry:
    """The population DB applied the change (now or on an earlier attempt)."""
    return _set(
        bind,
        message_id,
        now,
        status=OutboxStatus.ACKNOWLEDGED,
        acknowledged_at=now,
        next_attempt_at=None,
        last_error=None,
    )


def mark_failed(
    bind: Bind,
    message_id: str,
    now: dt.datetime,
    error: str,
    *,
    retryable: bool,
    policy: RetryPolicy,
) -> OutboxEntry:
    """An attempt failed: back off and retry (transient) or give up with the reason."""
    if retryable:
        return _set(
            bind,
            message_id,
            now,
            status=OutboxStatus.PENDING,
            next_attempt_at=lambda row: now + policy.delay(max(row.attempts, 1)),
            last_error=error,
        )
    return _set(
        bind, message_id, now, status=OutboxStatus.FAILED, next_attempt_at=None, last_error=error
    )
