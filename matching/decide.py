"""Decisions: thresholds, one-to-one constraints, stewards' decisions left alone.

Per record party the best candidates arrive scored; a decision is

- ``auto_linked`` when the best candidate is probable enough, clearly ahead of the next one, the
  record has no error-level issue and no other record took that person;
- ``review`` when a candidate is plausible but not certain, ambiguous, or taken;
- ``new_person`` when no candidate is plausible.

One-to-one: a person has one birth record and one death record, so within a register type a
person goes to the highest-scoring record only (greedily, best pair first), and persons already
linked by earlier decisions are taken before the run starts. A death or marriage cannot link to a
person born after it. A steward's decision is final: those records are not decided again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matching.engine import Explanation
from schemas.enums import LINKING_KINDS, STEWARD_KINDS, DecisionKind, RegisterType
from schemas.store import Party
from schemas.values import PartialDate

ONE_PER_PERSON = frozenset({RegisterType.BIRTH, RegisterType.DEATH})


class MatchOutcome(StrEnum):
    """What matching decided for one record party."""

    AUTO_LINKED = "auto_linked"
    REVIEW = "review"
    NEW_PERSON = "new_person"

    @property
    def decision_kind(self) -> DecisionKind:
        return {
            MatchOutcome.AUTO_LINKED: DecisionKind.AUTO_LINK,
            MatchOutcome.REVIEW: DecisionKind.SEND_TO_REVIEW,
            MatchOutcome.NEW_PERSON: DecisionKind.AUTO_NEW_PERSON,
        }[self]


class DecisionOptions(BaseModel):
    """Thresholds on the match probability (prior included) and the lead over the runner-up.

    The values in force are set by admins and kept, versioned, in the work store
    (:mod:`store.thresholds`); these defaults apply until the first set is saved.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    auto_link_probability: float = Field(
        0.99,
        gt=0,
        lt=1,
        description=(
            "Probability the best candidate must reach to be linked without a steward "
            "(it must also lead the runner-up clearly)."
        ),
    )
    review_probability: float = Field(
        0.2,
        gt=0,
        lt=1,
        description=(
            "Probability from which a candidate is plausible: below it for every candidate, the "
            "record is a new person; between it and the auto-link threshold, a steward decides."
        ),
    )
    min_lead_bits: float = Field(
        4.0,
        ge=0,
        le=100,
        description="Weight (bits) the best candidate must lead the second by to auto-link.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> DecisionOptions:
        if self.auto_link_probability <= self.review_probability:
            raise ValueError(
                f"the auto-link threshold ({self.auto_link_probability}) must be above the "
                f"review threshold ({self.review_probability})"
            )
        return self


@dataclass(frozen=True)
class PriorDecision:
    """The latest decision already stored for a record party."""

    record_id: str
    party: Party
    register_type: RegisterType
    kind: DecisionKind
    personal_id: str | None = None

    @property
    def is_steward(self) -> bool:
        return self.kind in STEWARD_KINDS


@dataclass(slots=True)
class ScoredCandidate:
    """A candidate of one record party: weight, probability, any exclusion, and its waterfall.

    ``explain`` builds the explanation when asked (a run keeps many more candidates than anyone
    reads); :attr:`explanation` is its JSON-ready form, as stored beside the candidate.
    """

    personal_id: str
    weight: float
    probability: float
    excluded: str | None = None
    explain: Callable[[], Explanation] | None = field(default=None, compare=False)

    @property
    def explanation(self) -> dict:
        if self.explain is None:
            return {}
        data = self.explain().to_dict()
        if self.excluded:
            data["excluded"] = self.excluded
        return data


@dataclass(slots=True)
class RecordToDecide:
    """One record party with its candidates, best first."""

    record_id: str
    party: Party
    register_type: RegisterType
    auto_link_allowed: bool
    event_date: PartialDate | None
    candidates: tuple[ScoredCandidate, ...]

    @property
    def key(self) -> tuple[str, Party]:
        return (self.record_id, self.party)


@dataclass(frozen=True)
class MatchDecision:
    """The decision for one record party, with the candidates that support it."""

    record_id: str
    party: Party
    outcome: MatchOutcome
    personal_id: str | None
    probability: float | None
    reason: str
    candidates: tuple[ScoredCandidate, ...]

    @property
    def kind(self) -> DecisionKind:
        return self.outcome.decision_kind


def born_after(date_of_birth: PartialDate | None, event: PartialDate | None) -> bool:
    """Whether a person born on ``date_of_birth`` surely was not yet born at ``event``."""
    if date_of_birth is None or event is None:
        return False
    if date_of_birth.year != event.year:
        return date_of_birth.year > event.year
    if date_of_birth.month is None or event.month is None or date_of_birth.month == event.month:
        return (
            date_of_birth.month == event.month
            and date_of_birth.day is not None
            and event.day is not None
            and date_of_birth.day > event.day
        )
    return date_of_birth.month > event.month


def occupied_persons(
    prior: Iterable[PriorDecision],
) -> dict[RegisterType, set[str]]:
    """Persons already linked to a record of a one-per-person register type."""
    taken: dict[RegisterType, set[str]] = {kind: set() for kind in ONE_PER_PERSON}
    for decision in prior:
        if (
            decision.kind in LINKING_KINDS
            and decision.personal_id
            and decision.register_type in ONE_PER_PERSON
        ):
            taken[decision.register_type].add(decision.personal_id)
    return taken


def decide(
    records: Sequence[RecordToDecide],
    options: DecisionOptions,
    *,
    prior: Mapping[tuple[str, Party], PriorDecision] | None = None,
) -> list[MatchDecision]:
    """Decide every record party that has no steward decision; skip those that have one."""
    prior = prior or {}
    open_records = [r for r in records if not (r.key in prior and prior[r.key].is_steward)]
    deciding = {r.key for r in open_records}
    # Persons linked by decisions this run does not redo stay taken.
    taken = occupied_persons(d for key, d in prior.items() if key not in deciding)
    pairs = []
    for index, record in enumerate(open_records):
        for rank, candidate in enumerate(record.candidates):
            if candidate.excluded is None and candidate.probability >= options.review_probability:
                pairs.append((candidate.weight, index, rank))
    pairs.sort(key=lambda item: (-item[0], item[1], item[2]))
    assigned: dict[int, int] = {}
    used_in_record: set[tuple[str, str]] = set()
    for _, index, rank in pairs:
        if index in assigned:
            continue
        record = open_records[index]
        person = record.candidates[rank].personal_id
        if record.register_type in ONE_PER_PERSON:
            if person in taken[record.register_type]:
                continue
            taken[record.register_type].add(person)
        else:
            if (record.record_id, person) in used_in_record:
                continue  # husband and wife of one marriage are two people
            used_in_record.add((record.record_id, person))
        assigned[index] = rank
    return [
        _decide_one(record, assigned.get(index), options)
        for index, record in enumerate(open_records)
    ]


def _decide_one(
    record: RecordToDecide, assigned_rank: int | None, options: DecisionOptions
) -> MatchDecision:
    eligible = [c for c in record.candidates if c.excluded is None]
    plausible = [c for c in eligible if c.probability >= options.review_probability]

    def made(outcome: MatchOutcome, chosen: ScoredCandidate | None, reason: str) -> MatchDecision:
        return MatchDecision(
            record_id=record.record_id,
            party=record.party,
            outcome=outcome,
            personal_id=chosen.personal_id if chosen else None,
            probability=chosen.probability
            if chosen
            else (eligible[0].probability if eligible else None),
            reason=reason,
            candidates=record.candidates,
        )

    if not plausible:
        return made(MatchOutcome.NEW_PERSON, None, "no plausible candidate")
    if assigned_rank is None:
        return made(
            MatchOutcome.REVIEW,
            None,
            "every plausible candidate is already linked to another record",
        )
    chosen = record.candidates[assigned_rank]
    if chosen is not eligible[0]:
        return made(MatchOutcome.REVIEW, chosen, "the best candidate is linked to another record")
    runner_up = eligible[1].weight if len(eligible) > 1 else float("-inf")
    if chosen.probability < options.auto_link_probability:
        return made(MatchOutcome.REVIEW, chosen, "best candidate below the auto-link threshold")
    if chosen.weight - runner_up < options.min_lead_bits:
        return made(MatchOutcome.REVIEW, chosen, "two candidates score alike")
    if not record.auto_link_allowed:
        return made(MatchOutcome.REVIEW, chosen, "the record has an error-level issue")
    return made(MatchOutcome.AUTO_LINKED, chosen, "above the auto-link threshold")
