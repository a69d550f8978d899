"""Sync with the population DB: final decisions become outbox messages, the outbox is pushed.

- :func:`enqueue_changes_for_decisions` turns the decisions in force into changes: a link for
  every linked record party, a death for every linked death record with a date of death, and each
  steward's field correction. Every payload names the decision it comes from, and its message id
  is the hash of kind and payload: running it again enqueues nothing new, and a steward who links
  a record to someone else produces a new message.
- :func:`push_outbox` sends the due messages one by one to
  :func:`matching.population_sync.apply_change` and records each answer. A transient failure
  puts the message back with a backoff and ends the push (the population DB is unreachable: the
  other messages wait for the next push without spending an attempt); a refused change is marked
  failed with the reason and the push goes on. Any other error (the population DB is broken,
  not the message) ends the push with that error; the message, marked sent, falls due again after
  its backoff.
"""

from __future__ import annotations

import datetime as dt
import logging

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import Engine

from civreg.errors import TransientError
from matching.population_sync import (
    ChangeMessage,
    ChangeRejectedError,
    CorrectionChange,
    DeathChange,
    LinkChange,
    apply_change,
)
from schemas.enums import ChangeKind, RegisterType
from schemas.records import DeathRecord
from schemas.store import Party
from store import (
    FieldCorrection,
    RetryPolicy,
    StoredDecision,
    corrections,
    due_messages,
    enqueue_changes,
    latest_decisions,
    load_records,
    mark_acknowledged,
    mark_failed,
    mark_sent,
    writing,
)
from store.matches import LINKING_KINDS

log = logging.getLogger(__name__)


class EnqueueReport(BaseModel):
    """Changes derived from decisions: how many of each were new, and what had to wait."""

    links: int = 0
    deaths: int = 0
    corrections: int = 0
    already_enqueued: int = 0
    skipped: list[str] = Field(
        default_factory=list, description="Why a decision produced no message (no personal data)."
    )

    @property
    def enqueued(self) -> int:
        return self.links + self.deaths + self.corrections


def _link_changes(
    linked: list[StoredDecision],
    register_types: dict[str, RegisterType],
    death_dates: dict[str, str],
) -> list[tuple[ChangeKind, dict]]:
    changes: list[tuple[ChangeKind, dict]] = []
    for decision in linked:
        common = {
            "personal_id": decision.personal_id,
            "record_id": decision.record_id,
            "decision_id": decision.decision_id,
        }
        link = LinkChange(
            **common,
            register_type=register_types[decision.record_id],
            party=decision.party,
            decided_by="steward" if decision.is_steward else "system",
        )
        changes.append((ChangeKind.LINK, link.model_dump(mode="json")))
        date_of_death = death_dates.get(decision.record_id)
        if date_of_death is not None:
            death = DeathChange(**common, date_of_death=date_of_death)
            changes.append((ChangeKind.DEATH, death.model_dump(mode="json")))
    return changes


def _correction_changes(
    decisions: list[StoredDecision],
    in_force: dict[tuple[str, Party], StoredDecision],
    report: EnqueueReport,
) -> list[tuple[ChangeKind, dict]]:
    changes: list[tuple[ChangeKind, dict]] = []
    for decision in decisions:
        where = f"correction decision {decision.decision_id} on record {decision.record_id}"
        link = in_force.get((decision.record_id, decision.party))
        personal_id = decision.personal_id or (
            link.personal_id if link is not None and link.kind in LINKING_KINDS else None
        )
        if personal_id is None:
            report.skipped.append(f"{where}: the record is not linked to a person yet")
            continue
        try:
            proposed = FieldCorrection.model_validate(decision.payload)
            change = CorrectionChange(
                personal_id=personal_id,
                record_id=decision.record_id,
                decision_id=decision.decision_id,
                field=proposed.field,
                value=proposed.value,
                reason=decision.reason,
            )
        except ValidationError as exc:
            problems = "; ".join(str(error["msg"]) for error in exc.errors())
            report.skipped.append(f"{where}: invalid correction ({problems})")
            continue
        changes.append((ChangeKind.CORRECTION, change.model_dump(mode="json")))
    return changes


def enqueue_changes_for_decisions(store_engine: Engine) -> EnqueueReport:
    """Enqueue the changes of every final decision not enqueued yet, in one transaction."""
    report = EnqueueReport()
    with writing(store_engine) as session:
        in_force = latest_decisions(session)
        linked = sorted(
            (d for d in in_force.values() if d.kind in LINKING_KINDS and d.personal_id),
            key=lambda d: d.decision_id,
        )
        records = load_records(session, record_ids={d.record_id for d in linked})
        register_types = {r.record_id: r.key.register_type for r in records}
        death_dates = {
            r.record_id: r.record.date_of_death.value.iso()
            for r in records
            if isinstance(r.record, DeathRecord) and r.record.date_of_death.value is not None
        }
        changes = _link_changes(linked, register_types, death_dates)
        changes += _correction_changes(corrections(session), in_force, report)
        for (kind, _), outcome in zip(changes, enqueue_changes(session, changes), strict=True):
            if not outcome.created:
                report.already_enqueued += 1
            elif kind is ChangeKind.LINK:
                report.links += 1
            elif kind is ChangeKind.DEATH:
                report.deaths += 1
            else:
                report.corrections += 1
    log.info(
        "outbox: %d links, %d deaths, %d corrections enqueued (%d already there, %d skipped)",
        report.links,
        report.deaths,
        report.corrections,
        report.already_enqueued,
        len(report.skipped),
    )
    return report


class SyncOptions(BaseModel):
    """How a push behaves: the backoff, and how many messages one push sends at most."""

    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    max_messages: int = Field(1000, ge=1)


class SyncReport(BaseModel):
    """What one push did."""

    attempted: int = 0
    acknowledged: int = 0
    duplicates: int = Field(0, description="Acknowledged as applied by an earlier delivery.")
    retrying: int = Field(0, description="Transient failures, due again after a backoff.")
    failed: int = Field(0, description="Refused for good; see each message's last_error.")
    deferred: int = Field(0, description="Due but not tried: the push stopped on an outage.")
    errors: list[str] = Field(default_factory=list, description="message id: reason.")


def push_outbox(
    store_engine: Engine,
    population_engine: Engine,
    now: dt.datetime,
    options: SyncOptions | None = None,
) -> SyncReport:
    """Send every due message once; record acknowledgments, backoffs and refusals."""
    options = options or SyncOptions()
    report = SyncReport()
    due = due_messages(store_engine, now, limit=options.max_messages)
    for position, entry in enumerate(due):
        mark_sent(store_engine, entry.message_id, now, options.retry)
        report.attempted += 1
        message = ChangeMessage(message_id=entry.message_id, kind=entry.kind, payload=entry.payload)
        try:
            acknowledgment = apply_change(population_engine, message)
        except TransientError as exc:
            mark_failed(
                store_engine, entry.message_id, now, str(exc), retryable=True, policy=options.retry
            )
            report.retrying += 1
            report.errors.append(f"{entry.message_id}: {exc}")
            report.deferred = len(due) - position - 1
            break
        except ChangeRejectedError as exc:
            mark_failed(
                store_engine, entry.message_id, now, str(exc), retryable=False, policy=options.retry
            )
            report.failed += 1
            report.errors.append(f"{entry.message_id}: {exc}")
            continue
        mark_acknowledged(store_engine, entry.message_id, now)
        report.acknowledged += 1
        report.duplicates += acknowledgment.duplicate
    log.info(
        "outbox push: %d sent, %d acknowledged (%d duplicates), %d retrying, %d failed, "
        "%d deferred",
        report.attempted,
        report.acknowledged,
        report.duplicates,
        report.retrying,
        report.failed,
        report.deferred,
    )
    return report
