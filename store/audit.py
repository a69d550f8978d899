"""Audit events: who did what to which object. Append-only, recorded once per content.

An identical event (same actor, action, subject and detail) is recorded once, so a re-run logs
nothing twice; an action that may legitimately repeat carries what makes it distinct (a run id,
a decision id) in its detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from schemas.store import AuditEvent, utcnow
from store._session import Bind, writing


@dataclass(frozen=True)
class AuditEntry:
    """One event to record."""

    actor: str
    action: str
    subject_type: str
    subject_id: str
    detail: dict[str, Any] = field(default_factory=dict)


def append_audit(bind: Bind, entry: AuditEntry) -> bool:
    """Record the event unless an identical one is already recorded; whether it was new."""
    with writing(bind) as session:
        same_subject = session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject_type == entry.subject_type,
                AuditEvent.subject_id == entry.subject_id,
                AuditEvent.actor == entry.actor,
                AuditEvent.action == entry.action,
            )
        )
        if any(event.detail == entry.detail for event in same_subject):
            return False
        session.add(
            AuditEvent(
                actor=entry.actor,
                action=entry.action,
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                detail=entry.detail,
                created_at=utcnow(),
            )
        )
        return True
