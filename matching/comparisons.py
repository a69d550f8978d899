"""Comparisons as data: per field, ordered levels, each a predicate over record pairs.

As in Splink, a :class:`Comparison` sorts every pair into the first of its
:class:`ComparisonLevel` whose predicate holds (``exact``, ``folded``, ``ocr >= 0.85``, …,
``else``), or into the null level when a field it reads is missing on either side. Predicates are
evaluated column-wise over arrays of pairs, only on the pairs that no earlier level took, and a
string metric is computed once per distinct pair of values (names repeat a lot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from civreg.errors import DataValidationError
from matching.frame import (
    DateParts,
    EncodedCodes,
    EncodedDates,
    EncodedStrings,
    PairData,
    Vocabulary,
    distinct_inverse,
)
from matching.text import OcrTable, ocr_similarity_of_codes

NULL_LEVEL = -1
Form = Literal["exact", "folded", "key"]
Metric = Literal["ocr", "jaro_winkler", "levenshtein"]


@dataclass
class PairContext:
    """Record pairs to compare (row indices into both sides) and caches shared by levels."""

    data: PairData
    left_index: np.ndarray
    right_index: np.ndarray
    workers: int = 1
    _similarity: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    _codes: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    _dates: dict[tuple[str, str], DateParts] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.left_index)

    def codes(self, name: str, form: Form, side: str) -> np.ndarray:
        """Codes of ``name`` in ``form`` for every pair on ``side``."""
        key = (name, form, side)
        if key not in self._codes:
            encoded = self.data.fields[name]
            index = self.left_index if side == "left" else self.right_index
            if isinstance(encoded, EncodedStrings):
                self._codes[key] = encoded.form(side, form)[index]
            elif isinstance(encoded, EncodedCodes):
                self._codes[key] = (encoded.left if side == "left" else encoded.right)[index]
            else:
                raise DataValidationError(f"field {name!r} has no codes (it is a date)")
        return self._codes[key]

    def dates(self, name: str, side: str) -> DateParts:
        """Date parts of ``name`` for every pair on ``side``."""
        key = (name, side)
        if key not in self._dates:
            encoded = self.data.dates(name)
            parts = encoded.left if side == "left" else encoded.right
            self._dates[key] = parts.take(self.left_index if side == "left" else self.right_index)
        return self._dates[key]

    def similarity(self, name: str, metric: Metric, form: Form, subset: np.ndarray) -> np.ndarray:
        """Metric of ``name`` for the pairs ``subset``, computed once per distinct value pair."""
        key = (name, metric, form)
        cache = self._similarity.get(key)
        if cache is None:
            cache = np.full(self.size, np.nan, dtype=np.float32)
            self._similarity[key] = cache
        todo = subset[np.isnan(cache[subset])]
        left = self.codes(name, form, "left")[todo].astype(np.int64)
        right = self.codes(name, form, "right")[todo].astype(np.int64)
        missing = (left < 0) | (right < 0)
        cache[todo[missing]] = 0.0
        todo, left, right = todo[~missing], left[~missing], right[~missing]
        if len(todo):
            vocabulary = self.data.strings(name).vocabulary
            width = len(vocabulary.strings(form)) + 1
            distinct, inverse = distinct_inverse(left * width + right)
            scores = _metric(
                metric, vocabulary, form, distinct // width, distinct % width, workers=self.workers
            )
            cache[todo] = scores[inverse]
        return cache[subset]


def _metric(
    metric: Metric,
    vocabulary: Vocabulary,
    form: Form,
    left: np.ndarray,
    right: np.ndarray,
    *,
    workers: int,
) -> np.ndarray:
    if metric == "ocr":
        distinct, inverse = distinct_inverse(np.concatenate([left, right]))
        values = vocabulary.strings(form)
        table = OcrTable.of([values[code] for code in distinct.tolist()])
        return ocr_similarity_of_codes(
            table, inverse[: len(left)], inverse[len(left) :], workers=workers
        )
    scorer = {
        "jaro_winkler": JaroWinkler.normalized_similarity,
        "levenshtein": Levenshtein.normalized_similarity,
    }[metric]
    values = vocabulary.array(form)
    return np.asarray(
        process.cpdist(values[left], values[right], scorer=scorer, workers=workers),
        dtype=np.float32,
    )


# --- predicates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exact:
    """The field agrees in ``form`` (exact text, folded text or equivalence key)."""

    field: str
    form: Form = "exact"

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.codes(self.field, self.form, "left")[subset]
        return (left == ctx.codes(self.field, self.form, "right")[subset]) & (left >= 0)

    def describe(self) -> str:
        return f"{self.field} {self.form} equal"


@dataclass(frozen=True)
class SimilarityAtLeast:
    """A string metric of the field reaches ``threshold`` (similarity in [0, 1])."""

    field: str
    metric: Metric
    threshold: float
    form: Form = "exact"

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        return ctx.similarity(self.field, self.metric, self.form, subset) >= self.threshold

    def describe(self) -> str:
        return f"{self.field} {self.metric} >= {self.threshold:g}"


@dataclass(frozen=True)
class EditsAtMost:
    """At most ``edits`` insertions, deletions, substitutions or adjacent transpositions."""

    field: str
    edits: int = 1

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.codes(self.field, "exact", "left")[subset]
        right = ctx.codes(self.field, "exact", "right")[subset]
        values = ctx.data.strings(self.field).vocabulary.array("exact")
        distance = process.cpdist(
            values[left],
            values[right],
            scorer=OSA.distance,
            score_cutoff=self.edits,
            workers=ctx.workers,
            dtype=np.int32,
        )
        return np.asarray(distance) <= self.edits

    def describe(self) -> str:
        return f"{self.field} within {self.edits} edit(s)"


@dataclass(frozen=True)
class Swapped:
    """Two fields written the other way round (given name where the family name should be)."""

    field: str
    other: str
    form: Form = "folded"

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left_a = ctx.codes(self.field, self.form, "left")[subset]
        left_b = ctx.codes(self.other, self.form, "left")[subset]
        right_a = ctx.codes(self.field, self.form, "right")[subset]
        right_b = ctx.codes(self.other, self.form, "right")[subset]
        return (left_a == right_b) & (left_b == right_a) & (left_a >= 0) & (left_b >= 0)

    def describe(self) -> str:
        return f"{self.field} and {self.other} swapped"


@dataclass(frozen=True)
class TokensContained:
    """The words of one side are a part of the other's (a middle name dropped or shortened).

    ``empty`` is the value standing for "no words" (a name without a middle name), which is
    contained in anything.
    """

    field: str
    form: Form = "folded"
    empty: str | None = None

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.codes(self.field, self.form, "left")[subset].astype(np.int64) + 1
        right = ctx.codes(self.field, self.form, "right")[subset].astype(np.int64) + 1
        vocabulary = ctx.data.strings(self.field).vocabulary
        values = {
            "exact": vocabulary.values,
            "folded": vocabulary.folded_values,
            "key": vocabulary.key_values,
        }[self.form]
        width = len(values) + 2
        distinct, inverse = distinct_inverse(left * width + right)
        contained = np.fromiter(
            (
                a > 0 and b > 0 and self._contained(values[a - 1], values[b - 1])
                for a, b in zip(distinct // width, distinct % width, strict=True)
            ),
            dtype=bool,
            count=len(distinct),
        )
        return contained[inverse]

    def _contained(self, left: str, right: str) -> bool:
        left_words = set() if left == self.empty else set(left.split())
        right_words = set() if right == self.empty else set(right.split())
        return left_words <= right_words or right_words <= left_words

    def describe(self) -> str:
        return f"{self.field}: one side's words within the other's"


@dataclass(frozen=True)
class CodeEqual:
    """A coded field agrees."""

    field: str

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.codes(self.field, "exact", "left")[subset]
        return (left == ctx.codes(self.field, "exact", "right")[subset]) & (left >= 0)

    def describe(self) -> str:
        return f"{self.field} equal"


DateTest = Literal[
    "exact", "day_month_swapped", "same_month", "month_as_known", "same_year", "year_as_known"
]


@dataclass(frozen=True)
class DateAgrees:
    """Dates agree at a level: to the day, with day and month swapped, to the month or year.

    Partial dates agree only as far as both are known: a year-only date can at best be the
    same year, so "same month" needs both months. ``year_as_known`` is the same year where one
    side knows only the year, ``month_as_known`` the same month where one side lacks the day:
    all that can agree does, which says more than two full dates that differ.
    """

    field: str
    test: DateTest

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.dates(self.field, "left").take(subset)
        right = ctx.dates(self.field, "right").take(subset)
        same_year = left.year == right.year
        if self.test == "same_year":
            return same_year
        both_months = (left.month > 0) & (right.month > 0)
        if self.test == "year_as_known":
            return same_year & ~both_months
        same_month = same_year & both_months & (left.month == right.month)
        both_days = both_months & (left.day > 0) & (right.day > 0)
        if self.test == "same_month":
            return same_month
        if self.test == "month_as_known":
            return same_month & ~both_days
        if self.test == "exact":
            return same_year & both_days & (left.month == right.month) & (left.day == right.day)
        return (
            same_year
            & both_days
            & (left.day == right.month)
            & (left.month == right.day)
            & (left.day != left.month)
        )

    def describe(self) -> str:
        return f"{self.field} {self.test.replace('_', ' ')}"


@dataclass(frozen=True)
class YearsApartAtMost:
    """Birth years differ by at most ``years`` (a doubtful or misread year)."""

    field: str
    years: int = 1

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        left = ctx.dates(self.field, "left").year[subset].astype(np.int32)
        right = ctx.dates(self.field, "right").year[subset].astype(np.int32)
        return np.abs(left - right) <= self.years

    def describe(self) -> str:
        return f"{self.field} within {self.years} year(s)"


@dataclass(frozen=True)
class Else:
    """Every pair that no earlier level took."""

    def evaluate(self, ctx: PairContext, subset: np.ndarray) -> np.ndarray:
        return np.ones(len(subset), dtype=bool)

    def describe(self) -> str:
        return "else"


Predicate = (
    Exact
    | SimilarityAtLeast
    | EditsAtMost
    | Swapped
    | TokensContained
    | CodeEqual
    | DateAgrees
    | YearsApartAtMost
    | Else
)


# --- comparisons ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonLevel:
    """One level: its predicate, starting m/u, and whether a term frequency adjusts it.

    ``tf`` applies to :class:`Exact` levels: the weight then uses how common the agreeing value
    is among the right side (a shared "Nguyễn" says little, a shared "Lý" much).
    """

    label: str
    predicate: Predicate
    m: float
    u: float
    tf: bool = False

    def __post_init__(self) -> None:
        if self.tf and not isinstance(self.predicate, Exact):
            raise DataValidationError(f"level {self.label!r}: tf needs an Exact predicate")


@dataclass(frozen=True)
class Comparison:
    """A field's comparison: ordered levels, the fields whose absence makes it null.

    ``confidence`` names the left side's OCR confidence that discounts a disagreement;
    ``estimate_m`` False keeps m at its configured value in EM (e.g. sex, which agrees inside
    gendered name blocks whatever the match status and would drag EM to "everything matches").
    """

    name: str
    levels: tuple[ComparisonLevel, ...]
    null_fields: tuple[str, ...]
    confidence: str | None = None
    estimate_m: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if not self.levels:
            raise DataValidationError(f"comparison {self.name!r} has no levels")
        if len(self.levels) > 100:
            raise DataValidationError(f"comparison {self.name!r} has too many levels")

    @property
    def labels(self) -> list[str]:
        return [level.label for level in self.levels]

    def fields_read(self) -> set[str]:
        names = set(self.null_fields)
        for level in self.levels:
            predicate = level.predicate
            for attribute in ("field", "other"):
                value = getattr(predicate, attribute, None)
                if value:
                    names.add(value)
        return names

    def null_mask(self, ctx: PairContext) -> np.ndarray:
        """Pairs where a field this comparison reads is missing on either side."""
        mask = np.zeros(ctx.size, dtype=bool)
        for name in self.null_fields:
            encoded = ctx.data.fields[name]
            for side in ("left", "right"):
                if isinstance(encoded, EncodedDates):
                    mask |= ctx.dates(name, side).year == 0
                else:
                    mask |= ctx.codes(name, "exact", side) < 0
        return mask

    def evaluate(self, ctx: PairContext) -> np.ndarray:
        """The level index of every pair (int8; -1 for the null level)."""
        gamma = np.full(ctx.size, NULL_LEVEL, dtype=np.int8)
        remaining = np.flatnonzero(~self.null_mask(ctx))
        for index, level in enumerate(self.levels):
            if not len(remaining):
                break
            hit = level.predicate.evaluate(ctx, remaining)
            gamma[remaining[hit]] = index
            remaining = remaining[~hit]
        if len(remaining):
            raise DataValidationError(
                f"comparison {self.name!r}: {len(remaining)} pairs fell through every level "
                "(the last level should be Else)"
            )
        return gamma


def compare(comparisons: Sequence[Comparison], ctx: PairContext) -> np.ndarray:
    """The comparison vectors of all pairs: int8 matrix (pairs x comparisons)."""
    gamma = np.empty((ctx.size, len(comparisons)), dtype=np.int8)
    for column, comparison in enumerate(comparisons):
        gamma[:, column] = comparison.evaluate(ctx)
    return gamma
