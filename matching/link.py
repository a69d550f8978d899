"""Linking register entries to the population: train, link, relink incrementally, refine.

These are the functions a flow calls; they take typed records and a :class:`PopulationFrame`
(from :mod:`matching.population`) and return typed decisions with their explanations. Nothing
here reads or writes a database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from pydantic import BaseModel, Field

from civreg.errors import DataValidationError
from matching.blocking import block
from matching.civil import (
    CIVIL_SPEC,
    POPULATION_COLUMNS,
    MatchRecord,
    PopulationFrame,
    record_columns,
)
from matching.comparisons import PairContext, compare
from matching.decide import (
    DecisionOptions,
    MatchDecision,
    MatchOutcome,
    PriorDecision,
    RecordToDecide,
    ScoredCandidate,
    decide,
)
from matching.engine import (
    Explainer,
    LinkModel,
    LinkSpec,
    Predictions,
    estimate_model,
    predict,
)
from matching.frame import PairData, distinct, encode_pair, gc_paused
from matching.model import ModelConfig, refine_from_labels
from schemas.enums import DecisionKind, RegisterType
from schemas.store import Party

log = logging.getLogger(__name__)


class LinkOptions(BaseModel):
    """How a run links: candidates kept per record, rapidfuzz workers, decision thresholds."""

    top_k: int = Field(3, ge=1, le=50, description="Candidates kept (and explained) per record.")
    workers: int = Field(2, ge=1)
    decision: DecisionOptions = Field(default_factory=DecisionOptions)


@dataclass
class LinkResult:
    """Decisions of a run, the records left alone, and what blocking did."""

    decisions: list[MatchDecision]
    kept: list[tuple[str, Party]]
    blocking: dict
    model_version: str
    seconds: dict[str, float] = field(default_factory=dict)

    def by_outcome(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in MatchOutcome}
        for decision in self.decisions:
            counts[decision.outcome.value] += 1
        return counts


def encode_civil(
    records: Sequence[MatchRecord], population: PopulationFrame, spec: LinkSpec = CIVIL_SPEC
) -> PairData:
    """Records (left) and population (right) encoded for the civil spec."""
    left, confidence = record_columns(records)
    return encode_pair(
        spec.fields, left, population.encoding(spec.fields), left_confidence=confidence
    )


def train_civil_model(
    records: Sequence[MatchRecord],
    population: PopulationFrame,
    config: ModelConfig | None = None,
    *,
    spec: LinkSpec = CIVIL_SPEC,
    workers: int = 2,
) -> LinkModel:
    """u by random sampling and m by EM on these records against this population."""
    if not records or not len(population):
        raise DataValidationError("training needs records and a population")
    with gc_paused():
        data = encode_civil(records, population, spec)
        return estimate_model(spec, data, config, workers=workers)


def link(
    records: Sequence[MatchRecord],
    population: PopulationFrame,
    model: LinkModel,
    options: LinkOptions | None = None,
    *,
    prior: Mapping[tuple[str, Party], PriorDecision] | None = None,
) -> LinkResult:
    """Link every record party that has no steward decision; explain every candidate kept.

    ``population`` is the whole population or only a batch's candidates
    (:meth:`matching.population.PopulationAdapter.candidates_for`): the prior and the term
    frequencies come from the model, learned on the whole population, not from this frame.
    """
    options = options or LinkOptions()
    prior = prior or {}
    timings: dict[str, float] = {}
    started = time.perf_counter()
    kept = [r.key for r in records if r.key in prior and prior[r.key].is_steward]
    open_records = [r for r in records if not (r.key in prior and prior[r.key].is_steward)]
    if not open_records or not len(population):
        decisions = decide(_without_candidates(open_records), options.decision, prior=prior)
        return LinkResult(decisions, kept, {"pairs": 0}, model.params.version, timings)
    data = encode_civil(open_records, population, model.spec)
    timings["encode"] = time.perf_counter() - started
    mark = time.perf_counter()
    with gc_paused():
        predictions = predict(model, data, top_k=options.top_k, workers=options.workers)
    timings["predict"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with gc_paused():
        to_decide = _records_to_decide(open_records, population, model, predictions, data)
        decisions = decide(to_decide, options.decision, prior=prior)
    timings["decide"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    result = LinkResult(
        decisions, kept, predictions.blocked.report(), model.params.version, timings
    )
    log.info("linked %d record parties: %s", len(decisions), result.by_outcome())
    return result


def _without_candidates(records: Sequence[MatchRecord]) -> list[RecordToDecide]:
    return [
        RecordToDecide(r.record_id, r.party, r.register_type, r.auto_link_allowed, r.event_date, ())
        for r in records
    ]


def _born_after_event(
    records: Sequence[MatchRecord], data: PairData, predictions: Predictions
) -> np.ndarray:
    """Per kept pair: the candidate was surely not yet born at the record's event."""
    events = np.zeros((len(records), 3), dtype=np.int32)
    for index, record in enumerate(records):
        if record.event_date and record.register_type in _EVENT_ORDERED:
            date = record.event_date
            events[index] = (date.year, date.month or 0, date.day or 0)
    event = events[predictions.left_index]
    dates = data.dates("date_of_birth").right.take(predictions.right_index)
    born = np.stack([dates.year, dates.month, dates.day], axis=1).astype(np.int32)
    known = (event[:, 0] > 0) & (born[:, 0] > 0)
    later_year = born[:, 0] > event[:, 0]
    same_year = born[:, 0] == event[:, 0]
    months = (born[:, 1] > 0) & (event[:, 1] > 0)
    later_month = same_year & months & (born[:, 1] > event[:, 1])
    days = months & (born[:, 1] == event[:, 1]) & (born[:, 2] > 0) & (event[:, 2] > 0)
    later_day = same_year & days & (born[:, 2] > event[:, 2])
    return known & (later_year | later_month | later_day)


_EVENT_ORDERED = frozenset({RegisterType.DEATH, RegisterType.MARRIAGE})


def _records_to_decide(
    records: Sequence[MatchRecord],
    population: PopulationFrame,
    model: LinkModel,
    predictions: Predictions,
    data: PairData,
) -> list[RecordToDecide]:
    by_record: dict[int, list[ScoredCandidate]] = {}
    explainer = Explainer(model, predictions)
    excluded = _born_after_event(records, data, predictions).tolist()
    order = np.lexsort((predictions.rank, predictions.left_index))
    lefts = predictions.left_index[order].tolist()
    rights = predictions.right_index[order].tolist()
    weights = predictions.weight[order].tolist()
    probabilities = predictions.probability[order].tolist()
    personal_ids = population.personal_id
    for left, right, weight, probability, row in zip(
        lefts, rights, weights, probabilities, order.tolist(), strict=True
    ):
        by_record.setdefault(left, []).append(
            ScoredCandidate(
                personal_id=personal_ids[right],
                weight=weight,
                probability=probability,
                excluded="born after the event" if excluded[row] else None,
                explain=partial(explainer, row),
            )
        )
    return [
        RecordToDecide(
            record_id=r.record_id,
            party=r.party,
            register_type=r.register_type,
            auto_link_allowed=r.auto_link_allowed,
            event_date=r.event_date,
            candidates=tuple(by_record.get(index, [])),
        )
        for index, r in enumerate(records)
    ]


def select_for_relink(
    records: Sequence[MatchRecord],
    prior: Mapping[tuple[str, Party], PriorDecision],
    changed: PopulationFrame,
    spec: LinkSpec = CIVIL_SPEC,
) -> list[MatchRecord]:
    """The records a run against a grown or changed population has to (re)link.

    Records without a decision; records whose open decision (review, new person) shares a
    blocking key with a changed person; auto-links to a changed person. Steward decisions are
    final and never selected.
    """
    selected: list[MatchRecord] = []
    reconsider: list[MatchRecord] = []
    changed_ids = set(changed.personal_id)
    for record in records:
        decision = prior.get(record.key)
        if decision is None:
            selected.append(record)
        elif decision.is_steward:
            continue
        elif decision.kind is DecisionKind.AUTO_LINK:
            if decision.personal_id in changed_ids:
                selected.append(record)
        else:
            reconsider.append(record)
    if reconsider and len(changed):
        data = encode_civil(reconsider, changed, spec)
        touched = distinct(block(data, spec.blocking_rules).left_index)
        selected.extend(reconsider[int(i)] for i in touched)
    return selected


@dataclass(frozen=True)
class LabelledPair:
    """A steward's verdict: is the person at ``row`` of ``population`` this record party?"""

    record: MatchRecord
    population: PopulationFrame
    row: int
    is_match: bool


def refine_model(
    model: LinkModel,
    labelled: Sequence[LabelledPair],
    *,
    pseudo_count: float = 50.0,
    workers: int = 2,
) -> LinkModel:
    """The model with m refined from stewards' verdicts (u stays: see refine_from_labels)."""
    if not labelled:
        return model
    population = PopulationFrame.empty()
    for item in labelled:
        row = item.population.take([item.row])
        population = PopulationFrame(
            *(getattr(population, n) + getattr(row, n) for n in POPULATION_COLUMNS)
        )
    data = encode_civil([item.record for item in labelled], population, model.spec)
    index = np.arange(len(labelled))
    gamma = compare(model.spec.comparisons, PairContext(data, index, index, workers))
    is_match = np.array([item.is_match for item in labelled], dtype=bool)
    params = refine_from_labels(model.params, gamma, is_match, pseudo_count=pseudo_count)
    return LinkModel(spec=model.spec, params=params, config=model.config)
