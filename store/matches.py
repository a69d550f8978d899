"""Candidates and decisions: what matching proposed, and what was decided about each party.

Decisions are append-only. The one that counts for a record party is the latest *steward*
decision if there is any, else the latest system decision: a steward's word is never overridden
by a later automatic run (the system does not even append once a steward has decided). Field
corrections are steward decisions too, but they propose a value, not a match: they never count as
the party's match decision.

Idempotency of :func:`append_decisions`: a caller-given key (e.g. the review form's token) makes
a resubmission a no-op; without one, a decision that repeats the one in force is a no-op, and a
new one is keyed by its content plus the id of the decision it follows, so a run that dies and
re-runs appends it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from civreg.errors import DataValidationError
from schemas.enums import LINKING_KINDS, STEWARD_KINDS, DecisionKind, MatchStatus, RegisterType
from schemas.store import Candidate, Decision, Party, utcnow
from store._session import Bind, chunks, insert_missing, reading, writing
from store.keys import content_hash

SYSTEM_ACTOR = "system"

CORRECTION_KINDS = frozenset({DecisionKind.STEWARD_CORRECT_FIELD})
MATCH_KINDS = frozenset(DecisionKind) - CORRECTION_KINDS
"""Kinds that say whom a party is (or that nobody is yet), ranked by :func:`latest_decisions`."""
FINAL_KINDS = MATCH_KINDS - {DecisionKind.SEND_TO_REVIEW}

PARTIES: dict[RegisterType, tuple[Party, ...]] = {
    RegisterType.BIRTH: (Party.SUBJECT,),
    RegisterType.DEATH: (Party.SUBJECT,),
    RegisterType.MARRIAGE: (Party.HUSBAND, Party.WIFE),
}

PARTY_STATUS: dict[DecisionKind, MatchStatus] = {
    DecisionKind.AUTO_LINK: MatchStatus.AUTO_LINKED,
    DecisionKind.STEWARD_LINK: MatchStatus.STEWARD_LINKED,
    DecisionKind.AUTO_NEW_PERSON: MatchStatus.NEW_PERSON,
    DecisionKind.STEWARD_NEW_PERSON: MatchStatus.NEW_PERSON,
    DecisionKind.STEWARD_NOT_IN_DB: MatchStatus.NEW_PERSON,
    DecisionKind.STEWARD_REJECT: MatchStatus.REJECTED,
    DecisionKind.SEND_TO_REVIEW: MatchStatus.UNMATCHED,
}
"""The export status of one party by the kind of its decision (none at all: unmatched)."""

STATUS_STRENGTH = (
    MatchStatus.REJECTED,
    MatchStatus.UNMATCHED,
    MatchStatus.NEW_PERSON,
    MatchStatus.STEWARD_LINKED,
    MatchStatus.AUTO_LINKED,
)
"""Weakest first: a record's status is the weakest of its parties' (a marriage is auto-linked
only when both spouses are)."""

_DECISIONS = Decision.__table__
_CANDIDATES = Candidate.__table__


# --- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidateScore:
    """One candidate person with its match weight and explanation (JSON-ready)."""

    personal_id: str
    score: float
    explanation: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CandidateSet:
    """The candidates of one record party from one model, best first."""

    record_id: str
    party: Party
    model_version: str
    candidates: tuple[CandidateScore, ...]


@dataclass(frozen=True)
class CandidatesSaved:
    """Record parties whose candidates were replaced, and those a steward already decided."""

    replaced: int
    kept_for_steward: int


def save_candidates(
    bind: Bind, candidate_sets: Iterable[CandidateSet], run_id: str | None
) -> CandidatesSaved:
    """Replace each record party's candidates, in one transaction.

    A party a steward decided keeps the candidates the steward saw.
    """
    sets = list(candidate_sets)
    replaced = kept = 0
    now = utcnow()
    with writing(bind) as session:
        decided = steward_decided(session, {s.record_id for s in sets})
        for candidate_set in sets:
            key = (candidate_set.record_id, candidate_set.party)
            if key in decided:
                kept += 1
                continue
            ids = [c.personal_id for c in candidate_set.candidates]
            if len(set(ids)) != len(ids):
                raise DataValidationError(
                    f"record {candidate_set.record_id} ({candidate_set.party}): "
                    "the same person is proposed twice"
                )
            session.execute(
                delete(_CANDIDATES).where(
                    _CANDIDATES.c.record_id == candidate_set.record_id,
                    _CANDIDATES.c.party == candidate_set.party,
                )
            )
            rows = [
                {
                    "record_id": candidate_set.record_id,
                    "party": candidate_set.party,
                    "personal_id": candidate.personal_id,
                    "score": float(candidate.score),
                    "explanation": candidate.explanation,
                    "model_version": candidate_set.model_version,
                    "run_id": run_id,
                    "created_at": now,
                }
                for candidate in candidate_set.candidates
            ]
            if rows:
                session.connection().execute(_CANDIDATES.insert(), rows)
            replaced += 1
    return CandidatesSaved(replaced, kept)


def load_candidates(bind: Bind, record_id: str, party: Party) -> list[CandidateScore]:
    """A record party's candidates, best score first."""
    with reading(bind) as session:
        rows = session.scalars(
            select(Candidate)
            .where(Candidate.record_id == record_id, Candidate.party == party)
            .order_by(Candidate.score.desc(), Candidate.personal_id)
        )
        return [CandidateScore(row.personal_id, row.score, row.explanation) for row in rows]


# --- decisions ------------------------------------------------------------------------------


class FieldCorrection(BaseModel):
    """The payload of a ``steward_correct_field`` decision: a value for the population DB."""

    field: str = Field(min_length=1, description="Population DB field, e.g. 'full_name'.")
    value: str | None = Field(description="The corrected value as text (ISO for dates).")


class DecisionInput(BaseModel):
    """A decision to append; ``score`` is the chosen candidate's match weight."""

    record_id: str
    party: Party = Party.SUBJECT
    kind: DecisionKind
    actor: str = SYSTEM_ACTOR
    personal_id: str | None = Field(None, pattern=r"^\d{12}$")
    score: float | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = Field(None, min_length=1, max_length=128)

    @model_validator(mode="after")
    def _consistent(self) -> DecisionInput:
        where = f"decision on record {self.record_id} ({self.party}, {self.kind})"
        if self.kind in STEWARD_KINDS and self.actor == SYSTEM_ACTOR:
            raise ValueError(f"{where}: a steward decision names the steward, not 'system'")
        if self.kind in LINKING_KINDS and self.personal_id is None:
            raise ValueError(f"{where}: a link needs the personal_id it links to")
        if self.kind in CORRECTION_KINDS:
            FieldCorrection.model_validate(self.payload)
        return self


@dataclass(frozen=True)
class StoredDecision:
    """A decision as stored (``score`` falls back to the chosen candidate's score)."""

    decision_id: int
    record_id: str
    party: Party
    kind: DecisionKind
    actor: str
    personal_id: str | None
    score: float | None
    reason: str | None
    payload: dict[str, Any]

    @property
    def is_steward(self) -> bool:
        return self.kind in STEWARD_KINDS

    @property
    def is_final(self) -> bool:
        return self.kind in FINAL_KINDS

    @property
    def status(self) -> MatchStatus:
        """The party's export status by this decision."""
        return PARTY_STATUS.get(self.kind, MatchStatus.UNMATCHED)


class AppendOutcome(StrEnum):
    """What :func:`append_decisions` did with one decision."""

    APPENDED = "appended"
    DUPLICATE = "duplicate"  # its idempotency key was already stored
    UNCHANGED = "unchanged"  # it repeats the decision in force
    STEWARD_FINAL = "steward_final"  # a system decision after a steward's: not appended


@dataclass(frozen=True)
class AppendedDecision:
    """The outcome, and the decision now stored under that key (or in force)."""

    outcome: AppendOutcome
    decision: StoredDecision | None


def _stored(row: Any, candidate_score: float | None = None) -> StoredDecision:
    payload = dict(row.payload or {})
    score = payload.get("score")
    return StoredDecision(
        decision_id=row.decision_id,
        record_id=row.record_id,
        party=Party(row.party),
        kind=DecisionKind(row.kind),
        actor=row.actor,
        personal_id=row.personal_id,
        score=float(score) if score is not None else candidate_score,
        reason=row.reason,
        payload=payload,
    )


def _derived_key(decision: DecisionInput, follows: int | None) -> str:
    content: dict[str, Any] = {
        "record_id": decision.record_id,
        "party": decision.party.value,
        "kind": decision.kind.value,
        "actor": decision.actor,
        "personal_id": decision.personal_id,
        "follows": follows,
    }
    if decision.kind in CORRECTION_KINDS:
        content["payload"] = decision.payload
    return content_hash(content)


def _same_decision(decision: DecisionInput, current: StoredDecision) -> bool:
    return (decision.kind, decision.personal_id, decision.actor) == (
        current.kind,
        current.personal_id,
        current.actor,
    )


def append_decisions(bind: Bind, decisions: Sequence[DecisionInput]) -> list[AppendedDecision]:
    """Append decisions in order, in one transaction; see the module docstring for the rules."""
    outcomes: list[AppendedDecision] = []
    with writing(bind) as session:
        in_force = latest_decisions(session, {d.record_id for d in decisions})
        given_keys = [d.idempotency_key for d in decisions if d.idempotency_key]
        by_key = _decisions_by_key(session, given_keys)
        for decision in decisions:
            slot = (decision.record_id, decision.party)
            current = in_force.get(slot)
            if decision.idempotency_key and decision.idempotency_key in by_key:
                outcomes.append(
                    AppendedDecision(AppendOutcome.DUPLICATE, by_key[decision.idempotency_key])
                )
                continue
            is_match = decision.kind in MATCH_KINDS
            steward_final = current is not None and current.is_steward
            if is_match and steward_final and decision.kind not in STEWARD_KINDS:
                outcomes.append(AppendedDecision(AppendOutcome.STEWARD_FINAL, current))
                continue
            if is_match and current is not None and _same_decision(decision, current):
                outcomes.append(AppendedDecision(AppendOutcome.UNCHANGED, current))
                continue
            key = decision.idempotency_key or _derived_key(
                decision, current.decision_id if is_match and current else None
            )
            stored = _insert_decision(session, decision, key)
            if stored is None:  # the same key was appended before (or just now, concurrently)
                duplicate = _decisions_by_key(session, [key])[key]
                outcomes.append(AppendedDecision(AppendOutcome.DUPLICATE, duplicate))
                continue
            outcomes.append(AppendedDecision(AppendOutcome.APPENDED, stored))
            if decision.idempotency_key:
                by_key[decision.idempotency_key] = stored
            if is_match:
                in_force[slot] = stored
    return outcomes


def append_decision(bind: Bind, decision: DecisionInput) -> AppendedDecision:
    """Append one decision (see :func:`append_decisions`)."""
    return append_decisions(bind, [decision])[0]


def _insert_decision(session: Session, decision: DecisionInput, key: str) -> StoredDecision | None:
    payload = dict(decision.payload)
    if decision.score is not None:
        payload["score"] = float(decision.score)
    row = {
        "idempotency_key": key,
        "record_id": decision.record_id,
        "party": decision.party,
        "kind": decision.kind,
        "actor": decision.actor,
        "personal_id": decision.personal_id,
        "reason": decision.reason,
        "payload": payload,
        "created_at": utcnow(),
    }
    inserted = insert_missing(session, _DECISIONS, [row], ["idempotency_key"], "decision_id")
    if not inserted:
        return None
    return StoredDecision(
        decision_id=next(iter(inserted)),
        record_id=decision.record_id,
        party=decision.party,
        kind=decision.kind,
        actor=decision.actor,
        personal_id=decision.personal_id,
        score=payload.get("score"),
        reason=decision.reason,
        payload=payload,
    )


def _decisions_by_key(session: Session, keys: Sequence[str]) -> dict[str, StoredDecision]:
    found: dict[str, StoredDecision] = {}
    for chunk in chunks(sorted(set(keys))):
        for row in session.execute(
            select(_DECISIONS).where(_DECISIONS.c.idempotency_key.in_(chunk))
        ):
            found[row.idempotency_key] = _stored(row)
    return found


def _latest_statement(record_ids: Sequence[str] | None) -> Any:
    steward_first = case((_DECISIONS.c.kind.in_(sorted(STEWARD_KINDS)), 0), else_=1)
    rank = (
        func.row_number()
        .over(
            partition_by=(_DECISIONS.c.record_id, _DECISIONS.c.party),
            order_by=(steward_first, _DECISIONS.c.decision_id.desc()),
        )
        .label("rank")
    )
    ranked = select(_DECISIONS, rank).where(_DECISIONS.c.kind.in_(sorted(MATCH_KINDS)))
    if record_ids is not None:
        ranked = ranked.where(_DECISIONS.c.record_id.in_(record_ids))
    ranked_sq = ranked.subquery()
    return (
        select(ranked_sq, _CANDIDATES.c.score.label("candidate_score"))
        .outerjoin(
            _CANDIDATES,
            and_(
                _CANDIDATES.c.record_id == ranked_sq.c.record_id,
                _CANDIDATES.c.party == ranked_sq.c.party,
                _CANDIDATES.c.personal_id == ranked_sq.c.personal_id,
            ),
        )
        .where(ranked_sq.c.rank == 1)
    )


def latest_decisions(
    bind: Bind, record_ids: Iterable[str] | None = None
) -> dict[tuple[str, Party], StoredDecision]:
    """The match decision in force per (record, party): the latest steward's, else the latest."""
    found: dict[tuple[str, Party], StoredDecision] = {}
    with reading(bind) as session:
        if record_ids is None:
            batches: Iterable[Sequence[str] | None] = [None]
        else:
            batches = chunks(sorted(set(record_ids)))
        for batch in batches:
            for row in session.execute(_latest_statement(batch)):
                decision = _stored(row, row.candidate_score)
                found[(decision.record_id, decision.party)] = decision
    return found


def steward_decided(bind: Bind, record_ids: Iterable[str]) -> set[tuple[str, Party]]:
    """Record parties a steward has decided (they are not re-matched)."""
    return {key for key, d in latest_decisions(bind, record_ids).items() if d.is_steward}


def corrections(bind: Bind) -> list[StoredDecision]:
    """Every field correction stewards made, oldest first."""
    with reading(bind) as session:
        rows = session.execute(
            select(_DECISIONS)
            .where(_DECISIONS.c.kind.in_(sorted(CORRECTION_KINDS)))
            .order_by(_DECISIONS.c.decision_id)
        )
        return [_stored(row) for row in rows]


def record_status(
    register_type: RegisterType, decisions: Mapping[Party, StoredDecision | None]
) -> MatchStatus:
    """A record's export status: the weakest of its parties' (see :data:`STATUS_STRENGTH`)."""
    statuses = [
        decisions[party].status if decisions.get(party) else MatchStatus.UNMATCHED
        for party in PARTIES[register_type]
    ]
    return min(statuses, key=STATUS_STRENGTH.index)
