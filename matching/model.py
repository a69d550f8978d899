"""The Fellegi–Sunter model: m/u per level, u by random sampling, m by EM, labels to refine.

Weights are in bits: a level contributes ``log2(m / u)``. Two adjustments make the weights fit
civil registers:

- **term frequency**: on a level marked ``tf`` the level's ``u`` is scaled by how common the
  agreeing value is among the population against the average (``u * f / sum(f^2)``), so a shared
  "Nguyễn" (38%) weighs about a bit less than the level says and a rare family name several
  bits more; this holds for a level of folded or equivalent agreement as for exact agreement;
- **OCR confidence**: a disagreement read with confidence ``c`` is, with probability ``1 - c``, a
  misreading that says nothing; its likelihood ratio becomes ``c * m/u + (1 - c)``, so a doubtful
  cell can cost at most ``log2(1 - c)`` bits. Agreements are left alone: a misreading does not
  make two values agree.

EM runs over the distinct comparison vectors with their counts (a few thousand patterns stand for
millions of pairs), in sessions each trained on one blocking rule whose own comparisons are left
out, as Splink does; m of a comparison is averaged over the sessions that estimated it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, Field

from civreg.errors import ConfigurationError, DataValidationError
from matching.comparisons import NULL_LEVEL, Comparison, Exact, PairContext, compare
from matching.frame import PairData

log = logging.getLogger(__name__)

PROBABILITY_FLOOR = 1e-9


class PinnedLevel(BaseModel):
    """m and/or u of one level fixed by configuration (not estimated)."""

    m: float | None = Field(None, gt=0, le=1)
    u: float | None = Field(None, gt=0, le=1)


class ModelConfig(BaseModel):
    """How the model is estimated; pinned values win over every estimate."""

    pinned: dict[str, dict[str, PinnedLevel]] = Field(
        default_factory=dict, description="comparison name -> level label -> pinned m/u."
    )
    u_sample_pairs: int = Field(1_000_000, ge=1_000, description="Random pairs to estimate u.")
    u_smoothing: float = Field(0.5, ge=0, description="Pseudo-count per level for u.")
    em_max_iterations: int = Field(100, ge=1)
    em_max_pairs: int = Field(
        500_000, ge=1_000, description="Pairs of a training block sampled down to this many."
    )
    em_tolerance: float = Field(1e-5, gt=0)
    tf_floor: float = Field(1e-6, gt=0, description="Smallest term frequency used.")
    m_floor: float = Field(
        1e-3,
        gt=0,
        lt=0.1,
        description="Smallest m EM may give a level: no disagreement is impossible for a match "
        "(a typo, a misread digit), so none may veto a link on its own.",
    )
    prior_match_rate: float = Field(
        0.9, gt=0, le=1, description="Share of left records expected to have a match."
    )
    seed: int = 42


@dataclass
class ModelParameters:
    """m and u of every level of every comparison, and the prior of a random pair matching."""

    comparisons: list[str]
    labels: list[list[str]]
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float
    history: list[dict] = field(default_factory=list)
    term_frequencies: dict[str, dict[str, float]] = field(default_factory=dict)
    """"field:form" -> value -> share among the population the model was trained on; the
    key "field:form" of ``tf_means`` holds sum(share^2). Scoring a batch against a subset of
    the population (its block candidates) uses these, not the subset's own shares."""
    tf_means: dict[str, float] = field(default_factory=dict)

    def copy(self) -> ModelParameters:
        return ModelParameters(
            list(self.comparisons),
            [list(x) for x in self.labels],
            [x.copy() for x in self.m],
            [x.copy() for x in self.u],
            self.prior,
            list(self.history),
            self.term_frequencies,
            self.tf_means,
        )

    def weights(self) -> list[np.ndarray]:
        """log2(m/u) of every level, in bits."""
        return [
            np.log2(np.maximum(m, PROBABILITY_FLOOR) / np.maximum(u, PROBABILITY_FLOOR))
            for m, u in zip(self.m, self.u, strict=True)
        ]

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def to_dict(self, *, with_term_frequencies: bool = False) -> dict:
        """JSON-ready parameters (what a run stores and a steward can read)."""
        extra = (
            {"term_frequencies": self.term_frequencies, "tf_means": self.tf_means}
            if with_term_frequencies
            else {}
        )
        return extra | {
            "prior": self.prior,
            "comparisons": {
                name: {
                    label: {"m": float(m), "u": float(u)}
                    for label, m, u in zip(labels, ms, us, strict=True)
                }
                for name, labels, ms, us in zip(
                    self.comparisons, self.labels, self.m, self.u, strict=True
                )
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> ModelParameters:
        comparisons = list(data["comparisons"])
        labels = [list(data["comparisons"][name]) for name in comparisons]
        m = [
            np.array([data["comparisons"][n][lab]["m"] for lab in ls])
            for n, ls in zip(comparisons, labels, strict=True)
        ]
        u = [
            np.array([data["comparisons"][n][lab]["u"] for lab in ls])
            for n, ls in zip(comparisons, labels, strict=True)
        ]
        return cls(
            comparisons,
            labels,
            m,
            u,
            float(data["prior"]),
            term_frequencies=data.get("term_frequencies", {}),
            tf_means=data.get("tf_means", {}),
        )

    @property
    def version(self) -> str:
        """A short hash of the parameters: stored beside every candidate scored with them."""
        text = json.dumps(self.to_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def starting_parameters(
    comparisons: Sequence[Comparison], config: ModelConfig, *, prior: float = 1e-4
) -> ModelParameters:
    """m/u as the comparison levels state them, with configured pins applied."""
    params = ModelParameters(
        comparisons=[c.name for c in comparisons],
        labels=[c.labels for c in comparisons],
        m=[np.array([level.m for level in c.levels], dtype=np.float64) for c in comparisons],
        u=[np.array([level.u for level in c.levels], dtype=np.float64) for c in comparisons],
        prior=prior,
    )
    return apply_pins(params, config)


def apply_pins(params: ModelParameters, config: ModelConfig) -> ModelParameters:
    """Overwrite pinned m/u (an unknown comparison or level name is a configuration error)."""
    for name, levels in config.pinned.items():
        if name not in params.comparisons:
            raise ConfigurationError(f"pinned comparison {name!r} is not in the model")
        index = params.comparisons.index(name)
        for label, pin in levels.items():
            if label not in params.labels[index]:
                raise ConfigurationError(f"pinned level {name}.{label} is not in the model")
            level = params.labels[index].index(label)
            if pin.m is not None:
                params.m[index][level] = pin.m
            if pin.u is not None:
                params.u[index][level] = pin.u
    return params


def _pinned(config: ModelConfig, name: str, label: str, which: str) -> bool:
    pin = config.pinned.get(name, {}).get(label)
    return pin is not None and getattr(pin, which) is not None


# --- u by random sampling -------------------------------------------------------------------


def estimate_u(
    comparisons: Sequence[Comparison],
    ctx_factory: Callable[[np.ndarray, np.ndarray], PairContext],
    params: ModelParameters,
    config: ModelConfig,
    *,
    sides: tuple[int, int],
) -> ModelParameters:
    """u of every level = its share among random left x right pairs (almost all non-matches).

    ``ctx_factory(left_index, right_index)`` builds the comparison context of the sample.
    """
    n_left, n_right = sides
    rng = np.random.default_rng(config.seed)
    size = int(min(config.u_sample_pairs, n_left * n_right))
    left = rng.integers(0, n_left, size=size)
    right = rng.integers(0, n_right, size=size)
    gamma = compare(comparisons, ctx_factory(left, right))
    result = params.copy()
    for index, comparison in enumerate(comparisons):
        levels = len(comparison.levels)
        column = gamma[:, index]
        counts = np.bincount(column[column != NULL_LEVEL], minlength=levels).astype(np.float64)
        u = (counts + config.u_smoothing) / (counts.sum() + config.u_smoothing * levels)
        for level, label in enumerate(comparison.labels):
            if not _pinned(config, comparison.name, label, "u"):
                result.u[index][level] = u[level]
    return result


# --- m by expectation maximisation ----------------------------------------------------------


def _patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison vectors and their counts."""
    if not len(gamma):
        return gamma, np.zeros(0, dtype=np.int64)
    radix = int(gamma.max()) + 2
    codes = np.zeros(len(gamma), dtype=np.int64)
    for column in range(gamma.shape[1]):
        codes = codes * radix + (gamma[:, column].astype(np.int64) + 1)
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    counts = np.diff(np.r_[starts, len(ordered)])
    return gamma[order[starts]], counts.astype(np.float64)


def _log_probabilities(patterns: np.ndarray, tables: list[np.ndarray], used: list[int]):
    total = np.zeros(len(patterns), dtype=np.float64)
    for column in used:
        gamma = patterns[:, column].astype(np.int64)
        values = np.log(np.maximum(tables[column], PROBABILITY_FLOOR))
        total += np.where(gamma >= 0, values[np.maximum(gamma, 0)], 0.0)
    return total


def expectation_maximisation(
    gamma: np.ndarray,
    params: ModelParameters,
    *,
    used: Sequence[int],
    estimate: Sequence[int],
    config: ModelConfig,
    pinned_m: set[tuple[int, int]] | None = None,
) -> tuple[ModelParameters, float, int]:
    """Estimate m of the ``estimate`` comparisons (and the pairs' match share) from ``gamma``.

    ``used`` comparisons enter the E-step; u stays fixed. Returns the parameters, the share of
    matches among the training pairs and the iterations run.
    """
    patterns, counts = _patterns(gamma)
    if not len(patterns):
        raise DataValidationError("EM has no pairs to learn from (the training rule found none)")
    result = params.copy()
    share = 0.5
    pinned_m = pinned_m or set()
    iterations = 0
    for _ in range(config.em_max_iterations):
        iterations += 1
        log_m = _log_probabilities(patterns, result.m, list(used))
        log_u = _log_probabilities(patterns, result.u, list(used))
        logit = np.log(share) - np.log1p(-share) + log_m - log_u
        probability = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        weighted = counts * probability
        change = 0.0
        for column in estimate:
            levels = len(result.m[column])
            gamma_column = patterns[:, column]
            present = gamma_column >= 0
            sums = np.bincount(
                gamma_column[present].astype(np.int64), weights=weighted[present], minlength=levels
            )
            if sums.sum() <= 0:
                continue
            new_m = np.maximum(sums / sums.sum(), config.m_floor)
            new_m /= new_m.sum()
            for level in range(levels):
                if (column, level) in pinned_m:
                    new_m[level] = result.m[column][level]
            change = max(change, float(np.abs(new_m - result.m[column]).max()))
            result.m[column] = new_m
        new_share = float(np.clip(weighted.sum() / counts.sum(), 1e-6, 1 - 1e-6))
        change = max(change, abs(new_share - share))
        share = new_share
        if change < config.em_tolerance:
            break
    return result, share, iterations


@dataclass(frozen=True)
class TrainingSession:
    """EM on the pairs of one blocking rule; the comparisons it forces to agree are skipped."""

    rule: object  # matching.blocking.BlockingRule (kept loose to avoid an import cycle)
    skip: tuple[str, ...]
    min_pairs: int = 100  # fewer pairs than this teach nothing reliable: the session is skipped


def train_m(
    comparisons: Sequence[Comparison],
    sessions: Sequence[tuple[TrainingSession, PairContext]],
    params: ModelParameters,
    config: ModelConfig,
) -> ModelParameters:
    """Average m over EM sessions; comparisons with ``estimate_m`` False or pinned keep theirs."""
    names = [c.name for c in comparisons]
    sums = [np.zeros_like(m) for m in params.m]
    counts = [0] * len(comparisons)
    history = list(params.history)
    pinned_m = {
        (index, level)
        for index, comparison in enumerate(comparisons)
        for level, label in enumerate(comparison.labels)
        if _pinned(config, comparison.name, label, "m")
    }
    for session, ctx in sessions:
        unknown = set(session.skip) - set(names)
        if unknown:
            raise ConfigurationError(f"training session skips unknown comparisons {unknown}")
        used = [i for i, name in enumerate(names) if name not in session.skip]
        estimate = [i for i in used if comparisons[i].estimate_m]
        if ctx.size < session.min_pairs:
            log.info("EM on %s skipped: %d pairs", getattr(session.rule, "name", "?"), ctx.size)
            history.append({"rule": getattr(session.rule, "name", "?"), "pairs": ctx.size})
            continue
        gamma = compare(comparisons, ctx)
        trained, share, iterations = expectation_maximisation(
            gamma, params, used=used, estimate=estimate, config=config, pinned_m=pinned_m
        )
        log.info(
            "EM on %s: %d pairs, match share %.4f, %d iterations",
            getattr(session.rule, "name", "?"),
            ctx.size,
            share,
            iterations,
        )
        history.append(
            {
                "rule": getattr(session.rule, "name", "?"),
                "pairs": ctx.size,
                "match_share": share,
                "iterations": iterations,
            }
        )
        for index in estimate:
            sums[index] += trained.m[index]
            counts[index] += 1
    result = params.copy()
    result.history = history
    for index in range(len(comparisons)):
        if counts[index]:
            result.m[index] = sums[index] / counts[index]
    return result


def refine_from_labels(
    params: ModelParameters,
    gamma: np.ndarray,
    is_match: np.ndarray,
    *,
    pseudo_count: float = 50.0,
    refine_u: bool = False,
) -> ModelParameters:
    """Update m (and optionally u) from labelled pairs, e.g. stewards' decisions.

    The current values count as ``pseudo_count`` observations, so a handful of labels nudges the
    model and many labels dominate it. u stays put by default: stewards see the hard pairs, not a
    random sample of non-matches.
    """
    if len(gamma) != len(is_match):
        raise DataValidationError(f"{len(gamma)} pairs but {len(is_match)} labels")
    result = params.copy()
    targets = [("m", is_match.astype(bool))]
    if refine_u:
        targets.append(("u", ~is_match.astype(bool)))
    for which, rows in targets:
        tables = result.m if which == "m" else result.u
        for column, table in enumerate(tables):
            observed = gamma[rows, column]
            observed = observed[observed >= 0].astype(np.int64)
            level_counts = np.bincount(observed, minlength=len(table)).astype(np.float64)
            tables[column] = (level_counts + pseudo_count * table) / (
                level_counts.sum() + pseudo_count
            )
    return result


# --- scoring --------------------------------------------------------------------------------


@dataclass
class Scores:
    """Total weight (bits, prior included) and each comparison's contribution per pair."""

    total: np.ndarray
    contributions: np.ndarray  # float32 (pairs x comparisons)
    tf_adjustments: np.ndarray  # float32 (pairs x comparisons), included in contributions
    confidence: np.ndarray  # float32 (pairs x comparisons), 1 where no discount applied
    prior_weight: float

    @property
    def probability(self) -> np.ndarray:
        return 1.0 / (1.0 + np.exp2(-self.total))


def _tf_levels(comparisons: Sequence[Comparison]) -> list[tuple[Comparison, int, Exact]]:
    found = []
    for comparison in comparisons:
        for index, level in enumerate(comparison.levels):
            if level.tf:
                if not isinstance(level.predicate, Exact):
                    raise DataValidationError(f"{comparison.name}: tf needs an Exact level")
                found.append((comparison, index, level.predicate))
    return found


def learn_term_frequencies(
    comparisons: Sequence[Comparison], data: PairData, params: ModelParameters
) -> ModelParameters:
    """The parameters with the right side's value shares of every tf level's field and form."""
    result = params.copy()
    tables: dict[str, dict[str, float]] = {}
    means: dict[str, float] = {}
    for _, _, predicate in _tf_levels(comparisons):
        key = f"{predicate.field}:{predicate.form}"
        encoded = data.strings(predicate.field)
        codes = encoded.form("right", predicate.form)
        present = codes[codes >= 0]
        if not len(present):
            continue
        counts = np.bincount(present, minlength=len(encoded.vocabulary.strings(predicate.form)))
        shares = counts / len(present)
        values = encoded.vocabulary.strings(predicate.form)
        tables[key] = {values[i]: float(shares[i]) for i in np.flatnonzero(counts)}
        means[key] = float(np.sum(shares**2))
    result.term_frequencies = tables
    result.tf_means = means
    return result


def term_frequencies(
    ctx: PairContext, predicate: Exact, params: ModelParameters, floor: float
) -> tuple[np.ndarray, float]:
    """Share of each pair's right-side value at a tf level, and the mean share sum(f^2).

    From the model's tables when it has them (learned on the whole population), else from the
    right side at hand. A value as common as the mean gets no adjustment.
    """
    key = f"{predicate.field}:{predicate.form}"
    encoded = ctx.data.strings(predicate.field)
    pair_codes = ctx.codes(predicate.field, predicate.form, "right")
    values = encoded.vocabulary.strings(predicate.form)
    if key in params.term_frequencies:
        table = params.term_frequencies[key]
        shares = np.array([table.get(v, floor) for v in values] + [1.0])
        return shares[np.where(pair_codes >= 0, pair_codes, len(values))], params.tf_means[key]
    right_codes = encoded.form("right", predicate.form)
    present = right_codes[right_codes >= 0]
    if not len(present):
        return np.ones(ctx.size, dtype=np.float64), 1.0
    shares = np.bincount(present, minlength=len(values)) / len(present)
    return shares[np.maximum(pair_codes, 0)], float(np.sum(shares**2))


def score(
    comparisons: Sequence[Comparison],
    params: ModelParameters,
    gamma: np.ndarray,
    ctx: PairContext,
    config: ModelConfig,
) -> Scores:
    """Weights of every pair: level weight, tf adjustment, confidence discount, summed."""
    weights = params.weights()
    contributions = np.zeros(gamma.shape, dtype=np.float32)
    tf_adjustments = np.zeros(gamma.shape, dtype=np.float32)
    confidence_used = np.ones(gamma.shape, dtype=np.float32)
    for column, comparison in enumerate(comparisons):
        gamma_column = gamma[:, column].astype(np.int64)
        present = gamma_column >= 0
        raw = np.where(present, weights[column][np.maximum(gamma_column, 0)], 0.0)
        for level_index, level in enumerate(comparison.levels):
            if not level.tf:
                continue
            at_level = gamma_column == level_index
            if not at_level.any():
                continue
            predicate = comparison.levels[level_index].predicate
            if not isinstance(predicate, Exact):
                raise DataValidationError(f"{comparison.name}: tf needs an Exact level")
            frequency, mean = term_frequencies(ctx, predicate, params, config.tf_floor)
            frequency = np.maximum(frequency, config.tf_floor)
            adjustment = np.where(at_level, np.log2(max(mean, config.tf_floor) / frequency), 0.0)
            tf_adjustments[:, column] += adjustment
            raw = raw + adjustment
        if comparison.confidence and comparison.confidence in ctx.data.left_confidence:
            left_confidence = ctx.data.left_confidence[comparison.confidence][ctx.left_index]
            # only disagreements: levels whose own weight is negative (not a common value's
            # agreement that the term frequency made negative), and only where doubted
            level_negative = weights[column] < 0
            doubted = np.flatnonzero(
                present
                & level_negative[np.maximum(gamma_column, 0)]
                & (raw < 0)
                & (left_confidence < 1.0)
            )
            if len(doubted):
                confidence = left_confidence[doubted]
                raw[doubted] = np.log2(confidence * np.exp2(raw[doubted]) + (1.0 - confidence))
                confidence_used[doubted, column] = confidence
        contributions[:, column] = raw
    prior_weight = params.prior_weight
    total = contributions.sum(axis=1, dtype=np.float64) + prior_weight
    return Scores(total, contributions, tf_adjustments, confidence_used, prior_weight)
