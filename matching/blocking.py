"""Blocking: composable rules whose candidate pairs are unioned, with sizes and recall reported.

A :class:`BlockingRule` is a key made of parts (a field in some form: folded given name, surname
key, birth year, full date, personal ID…). Pairs are the left and right rows sharing a key,
found by a sorted merge over integer keys, never by a loop per record. A key part on the birth
year can match within ± ``year_tolerance`` years. A key shared by more than ``max_block_size``
right rows is skipped and reported: such a key says too little to be worth its pairs ("Nguyễn"
alone would make millions), and the other rules are there to catch its matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from civreg.errors import DataValidationError
from matching.frame import (
    EncodedCodes,
    EncodedDates,
    EncodedStrings,
    PairData,
    distinct,
    distinct_inverse,
)

KeyForm = Literal["exact", "folded", "key", "prefix", "year", "month", "date", "date_any_order"]
_YEAR_SPAN = 10_000


@dataclass(frozen=True)
class KeyPart:
    """A field in a form: text forms (exact, folded, key, the folded ``prefix`` of ``length``
    characters) or date forms (year, month, date, date_any_order).

    ``date`` needs a full date and ``month`` a known month; ``date_any_order`` is a full date
    with day and month unordered, so a day/month swap still shares the key. A missing part
    leaves the row out of the rule.
    """

    field: str
    form: KeyForm = "exact"
    length: int = 3


@dataclass(frozen=True)
class BlockingRule:
    """Rows agreeing on every part of the key are paired (the year within the tolerance)."""

    name: str
    parts: tuple[KeyPart, ...]
    year_tolerance: int = 0
    max_block_size: int = 1_000

    def __post_init__(self) -> None:
        years = [p for p in self.parts if p.form == "year"]
        if self.year_tolerance and len(years) != 1:
            raise DataValidationError(
                f"blocking rule {self.name!r}: a year tolerance needs exactly one year part"
            )


@dataclass
class RuleReport:
    """What one rule produced: pairs, the largest block kept, the blocks skipped as too big."""

    name: str
    pairs: int
    largest_block: int
    capped_keys: int
    capped_left_rows: int
    recall: float | None = None


@dataclass
class BlockedPairs:
    """Unioned candidate pairs (row indices, sorted by left then right) and their report."""

    left_index: np.ndarray
    right_index: np.ndarray
    rules: list[RuleReport] = field(default_factory=list)
    recall: float | None = None

    @property
    def size(self) -> int:
        return len(self.left_index)

    def report(self) -> dict:
        """A JSON-ready summary."""
        return {
            "pairs": self.size,
            "recall": self.recall,
            "rules": [vars(rule) for rule in self.rules],
        }


def _part_codes(data: PairData, part: KeyPart, side: str) -> tuple[np.ndarray, int]:
    """int64 codes of a key part on one side (-1 missing) and an exclusive upper bound."""
    encoded = data.fields.get(part.field)
    if encoded is None:
        raise DataValidationError(f"blocking key field {part.field!r} is not encoded")
    if isinstance(encoded, EncodedDates):
        dates = encoded.left if side == "left" else encoded.right
        year = dates.year.astype(np.int64)
        if part.form == "year":
            return np.where(year > 0, year, -1), _YEAR_SPAN
        month = dates.month.astype(np.int64)
        if part.form == "month":
            return np.where(month > 0, year * 13 + month, -1), _YEAR_SPAN * 13
        day = dates.day.astype(np.int64)
        if part.form == "date":
            return np.where(day > 0, (year * 13 + month) * 32 + day, -1), _YEAR_SPAN * 13 * 32
        if part.form == "date_any_order":
            low, high = np.minimum(month, day), np.maximum(month, day)
            return np.where(day > 0, (year * 32 + low) * 32 + high, -1), _YEAR_SPAN * 32 * 32
        raise DataValidationError(f"blocking key on date {part.field!r} cannot use {part.form!r}")
    if isinstance(encoded, EncodedCodes):
        codes = encoded.left if side == "left" else encoded.right
        return codes.astype(np.int64), int(
            max(encoded.left.max(initial=0), encoded.right.max(initial=0))
        ) + 1
    if not isinstance(encoded, EncodedStrings):
        raise DataValidationError(f"blocking key field {part.field!r} has an unknown encoding")
    if part.form == "prefix":
        return _prefix_codes(encoded, side, part.length)
    if part.form not in ("exact", "folded", "key"):
        raise DataValidationError(f"blocking key on text {part.field!r} cannot use {part.form!r}")
    vocabulary = encoded.vocabulary
    bound = {
        "exact": len(vocabulary.values),
        "folded": len(vocabulary.folded_values),
        "key": len(vocabulary.key_values),
    }[part.form]
    return encoded.form(side, part.form).astype(np.int64), bound + 1


def _prefix_codes(encoded: EncodedStrings, side: str, length: int) -> tuple[np.ndarray, int]:
    prefixes: dict[str, int] = {}
    table = np.fromiter(
        (prefixes.setdefault(v[:length], len(prefixes)) for v in encoded.vocabulary.folded_values),
        dtype=np.int64,
        count=len(encoded.vocabulary.folded_values),
    )
    folded = encoded.form(side, "folded")
    return np.where(folded >= 0, table[np.maximum(folded, 0)], -1), len(prefixes) + 1


Key = tuple[np.ndarray, np.ndarray, int]
"""A key on both sides: left codes, right codes (-1 missing) and an exclusive bound."""


def _combine(key: Key, part: Key) -> Key:
    """Append a part to a key on both sides, refactorizing if the product would overflow."""
    left, right, bound = key
    part_left, part_right, part_bound = part
    missing_left = (left < 0) | (part_left < 0)
    missing_right = (right < 0) | (part_right < 0)
    if bound * part_bound >= 2**62:
        joined, inverse = distinct_inverse(np.concatenate([left, right]))
        left, right, bound = inverse[: len(left)], inverse[len(left) :], len(joined)
    new_left = np.where(missing_left, -1, left * part_bound + part_left)
    new_right = np.where(missing_right, -1, right * part_bound + part_right)
    return new_left, new_right, bound * part_bound


def rule_keys(data: PairData, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Keys of a rule: (left keys, left rows, right keys); year tolerance copies left rows."""
    ordered = [p for p in rule.parts if p.form != "year"] + [
        p for p in rule.parts if p.form == "year"
    ]
    left = np.zeros(data.n_left, dtype=np.int64)
    right = np.zeros(data.n_right, dtype=np.int64)
    bound = 1
    year_left: np.ndarray | None = None
    for part in ordered:
        part_left, part_bound = _part_codes(data, part, "left")
        part_right, right_bound = _part_codes(data, part, "right")
        part_bound = max(part_bound, right_bound)
        if part.form == "year" and rule.year_tolerance:
            year_left = part_left
            left = np.where(part_left < 0, -1, left)
            left, right, bound = _combine(
                (left, right, bound), (np.zeros_like(part_left), part_right, part_bound)
            )
            continue
        left, right, bound = _combine((left, right, bound), (part_left, part_right, part_bound))
    rows = np.arange(data.n_left, dtype=np.int64)
    if year_left is None:
        keep = left >= 0
        return left[keep], rows[keep], right
    shifted_keys = []
    shifted_rows = []
    for delta in range(-rule.year_tolerance, rule.year_tolerance + 1):
        keep = left >= 0
        shifted_keys.append(left[keep] + year_left[keep] + delta)
        shifted_rows.append(rows[keep])
    return np.concatenate(shifted_keys), np.concatenate(shifted_rows), right


def join_rule(data: PairData, rule: BlockingRule) -> tuple[np.ndarray, np.ndarray, RuleReport]:
    """Pairs of one rule by sorted merge; keys over ``max_block_size`` right rows skipped."""
    left_keys, left_rows, right_keys = rule_keys(data, rule)
    order = np.argsort(right_keys, kind="stable")
    sorted_keys = right_keys[order]
    first_valid = np.searchsorted(sorted_keys, 0, "left")
    order, sorted_keys = order[first_valid:], sorted_keys[first_valid:]
    low = np.searchsorted(sorted_keys, left_keys, "left")
    high = np.searchsorted(sorted_keys, left_keys, "right")
    counts = high - low
    capped = counts > rule.max_block_size
    capped_keys = len(distinct(left_keys[capped]))
    capped_rows = len(distinct(left_rows[capped]))
    counts = np.where(capped, 0, counts)
    total = int(counts.sum())
    left_index = np.repeat(left_rows, counts)
    starts = np.repeat(low - (np.cumsum(counts) - counts), counts)
    right_index = order[starts + np.arange(total)] if total else np.zeros(0, dtype=np.int64)
    report = RuleReport(
        name=rule.name,
        pairs=total,
        largest_block=int(counts.max(initial=0)),
        capped_keys=capped_keys,
        capped_left_rows=capped_rows,
    )
    return left_index.astype(np.int64), right_index.astype(np.int64), report


def _recall(pair_keys: np.ndarray, truth_keys: np.ndarray) -> float | None:
    if not len(truth_keys):
        return None
    return float(np.isin(truth_keys, pair_keys).mean())


def block(
    data: PairData, rules: Sequence[BlockingRule], *, truth: np.ndarray | None = None
) -> BlockedPairs:
    """Union of the rules' pairs; with ``truth`` (right row of each left row, -1 if none), the
    recall of every rule and of the union."""
    if not rules:
        raise DataValidationError("blocking needs at least one rule")
    width = np.int64(max(data.n_right, 1))
    truth_keys = np.zeros(0, dtype=np.int64)
    if truth is not None:
        if len(truth) != data.n_left:
            raise DataValidationError(f"truth has {len(truth)} rows for {data.n_left} records")
        linked = np.flatnonzero(truth >= 0)
        truth_keys = linked.astype(np.int64) * width + truth[linked].astype(np.int64)
    keys = []
    reports = []
    for rule in rules:
        left_index, right_index, report = join_rule(data, rule)
        rule_pair_keys = left_index * width + right_index
        if truth is not None:
            report.recall = _recall(rule_pair_keys, truth_keys)
        keys.append(rule_pair_keys)
        reports.append(report)
    union = distinct(np.concatenate(keys))
    return BlockedPairs(
        left_index=union // width,
        right_index=union % width,
        rules=reports,
        recall=_recall(union, truth_keys) if truth is not None else None,
    )
