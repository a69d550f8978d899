"""The linkage engine over any two tables: encode, block, compare, weigh, keep the best, explain.

Nothing here is specific to civil registers: a :class:`LinkSpec` names the fields, comparisons,
blocking rules and EM training sessions, and :mod:`matching.civil` provides the one for register
entries against the population (the FEBRL benchmark brings its own).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from civreg.errors import DataValidationError
from matching.blocking import BlockedPairs, BlockingRule, block
from matching.comparisons import Comparison, PairContext, compare
from matching.frame import Columns, FieldSpec, PairData, encode_pair
from matching.model import (
    ModelConfig,
    ModelParameters,
    Scores,
    TrainingSession,
    estimate_u,
    learn_term_frequencies,
    score,
    starting_parameters,
    train_m,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkSpec:
    """Everything that defines a linkage, as data."""

    fields: tuple[FieldSpec, ...]
    comparisons: tuple[Comparison, ...]
    blocking_rules: tuple[BlockingRule, ...]
    training: tuple[TrainingSession, ...]

    def __post_init__(self) -> None:
        known = {f.name for f in self.fields}
        for comparison in self.comparisons:
            missing = comparison.fields_read() - known
            if missing:
                raise DataValidationError(
                    f"comparison {comparison.name!r} reads undeclared fields {sorted(missing)}"
                )
        names = [c.name for c in self.comparisons]
        if len(set(names)) != len(names):
            raise DataValidationError(f"comparison names repeat: {names}")


@dataclass
class LinkModel:
    """A spec with its estimated parameters and the configuration they were estimated under."""

    spec: LinkSpec
    params: ModelParameters
    config: ModelConfig = field(default_factory=ModelConfig)


def encode(
    spec: LinkSpec,
    left: Columns,
    right: Columns,
    left_confidence: Mapping[str, Sequence[float | None]] | None = None,
) -> PairData:
    """Both sides encoded for the spec's fields."""
    return encode_pair(spec.fields, left, right, left_confidence=left_confidence)


def estimate_model(
    spec: LinkSpec,
    data: PairData,
    config: ModelConfig | None = None,
    *,
    workers: int = 2,
) -> LinkModel:
    """u by random sampling, then m by EM over the spec's training sessions (no labels)."""
    config = config or ModelConfig()
    params = starting_parameters(spec.comparisons, config)
    params = estimate_u(
        spec.comparisons,
        lambda left, right: PairContext(data, left, right, workers),
        params,
        config,
        sides=(data.n_left, data.n_right),
    )
    sessions = []
    rng = np.random.default_rng(config.seed)
    for session in spec.training:
        pairs = block(data, [session.rule])  # type: ignore[list-item]
        left, right = pairs.left_index, pairs.right_index
        if len(left) > config.em_max_pairs:
            keep = np.sort(rng.choice(len(left), size=config.em_max_pairs, replace=False))
            left, right = left[keep], right[keep]
        sessions.append((session, PairContext(data, left, right, workers)))
    params = train_m(spec.comparisons, sessions, params, config)
    params = learn_term_frequencies(spec.comparisons, data, params)
    params.prior = float(min(config.prior_match_rate / max(data.n_right, 1), 0.5))
    return LinkModel(spec=spec, params=params, config=config)


@dataclass
class Predictions:
    """Scored candidate pairs, best first within each left row, at most ``top_k`` per row."""

    left_index: np.ndarray
    right_index: np.ndarray
    rank: np.ndarray
    gamma: np.ndarray
    scores: Scores
    blocked: BlockedPairs

    @property
    def weight(self) -> np.ndarray:
        return self.scores.total

    @property
    def probability(self) -> np.ndarray:
        return self.scores.probability


def _ranks(left: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.lexsort((-weight, left))
    sorted_left = left[order]
    starts = np.flatnonzero(np.r_[True, sorted_left[1:] != sorted_left[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(sorted_left)]))
    return order, np.arange(len(order)) - group_start


def predict(
    model: LinkModel,
    data: PairData,
    *,
    top_k: int = 5,
    blocked: BlockedPairs | None = None,
    truth: np.ndarray | None = None,
    workers: int = 2,
) -> Predictions:
    """Block, compare and weigh; keep the ``top_k`` best candidates of every left row."""
    blocked = blocked or block(data, model.spec.blocking_rules, truth=truth)
    ctx = PairContext(data, blocked.left_index, blocked.right_index, workers)
    gamma = compare(model.spec.comparisons, ctx)
    scores = score(model.spec.comparisons, model.params, gamma, ctx, model.config)
    if not blocked.size:
        keep = np.zeros(0, dtype=np.int64)
        rank = np.zeros(0, dtype=np.int64)
    else:
        order, ranks = _ranks(blocked.left_index, scores.total)
        kept = ranks < top_k
        keep, rank = order[kept], ranks[kept]
    log.info("scored %d pairs, kept %d", blocked.size, len(keep))
    kept_scores = Scores(
        total=scores.total[keep],
        contributions=scores.contributions[keep],
        tf_adjustments=scores.tf_adjustments[keep],
        confidence=scores.confidence[keep],
        prior_weight=scores.prior_weight,
    )
    return Predictions(
        left_index=blocked.left_index[keep],
        right_index=blocked.right_index[keep],
        rank=rank,
        gamma=gamma[keep],
        scores=kept_scores,
        blocked=blocked,
    )


@dataclass(frozen=True)
class FieldContribution:
    """One bar of the waterfall: a comparison's level and what it added to the weight."""

    comparison: str
    level: str
    description: str
    m: float | None
    u: float | None
    level_weight: float
    tf_adjustment: float
    confidence: float
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Prior plus every field's contribution equals the total weight (bits)."""

    prior_weight: float
    fields: tuple[FieldContribution, ...]
    total_weight: float
    probability: float

    def to_dict(self) -> dict:
        return {
            "prior_weight": round(self.prior_weight, 4),
            "total_weight": round(self.total_weight, 4),
            "probability": self.probability,
            "fields": [
                {
                    "comparison": f.comparison,
                    "level": f.level,
                    "description": f.description,
                    "m": f.m,
                    "u": f.u,
                    "level_weight": round(f.level_weight, 4),
                    "tf_adjustment": round(f.tf_adjustment, 4),
                    "confidence": round(f.confidence, 4),
                    "contribution": round(f.contribution, 4),
                }
                for f in self.fields
            ],
        }


class Explainer:
    """Builds the waterfall of any kept pair on demand (most are never looked at)."""

    def __init__(self, model: LinkModel, predictions: Predictions) -> None:
        self.model = model
        self.predictions = predictions
        weights = model.params.weights()
        self._levels = [
            [
                (level.label, level.predicate.describe(), float(m), float(u), float(w))
                for level, m, u, w in zip(
                    comparison.levels,
                    model.params.m[column],
                    model.params.u[column],
                    weights[column],
                    strict=True,
                )
            ]
            for column, comparison in enumerate(model.spec.comparisons)
        ]

    def __call__(self, row: int) -> Explanation:
        """The waterfall of the pair at ``row`` of the predictions."""
        scores = self.predictions.scores
        bars = []
        for column, comparison in enumerate(self.model.spec.comparisons):
            level = int(self.predictions.gamma[row, column])
            if level < 0:
                bars.append(
                    FieldContribution(
                        comparison.name,
                        "null",
                        "missing on either side",
                        None,
                        None,
                        0.0,
                        0.0,
                        1.0,
                        0.0,
                    )
                )
                continue
            label, description, m, u, weight = self._levels[column][level]
            bars.append(
                FieldContribution(
                    comparison=comparison.name,
                    level=label,
                    description=description,
                    m=m,
                    u=u,
                    level_weight=weight,
                    tf_adjustment=float(scores.tf_adjustments[row, column]),
                    confidence=float(scores.confidence[row, column]),
                    contribution=float(scores.contributions[row, column]),
                )
            )
        total = float(scores.total[row])
        return Explanation(
            prior_weight=scores.prior_weight,
            fields=tuple(bars),
            total_weight=total,
            probability=1.0 / (1.0 + 2.0 ** (-total)),
        )
