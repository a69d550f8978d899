"""Columnar, integer-coded fields of both sides of a linkage, encoded together.

A linkage compares a left table (register entries) with a right table (population people).
Each field is encoded once for both sides so that equality is an integer comparison and a
string metric is computed once per distinct pair of values, not once per record pair:

- strings share a :class:`Vocabulary` (exact value, folded value, equivalence key, each coded);
  fields that must be compared across each other (family vs given name) share one vocabulary;
- dates become year / month / day arrays (0 where unknown), keeping partial dates partial;
- plain codes (sex, ward) are factorized.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from civreg.errors import DataValidationError
from schemas.values import PartialDate

Columns = Mapping[str, Sequence[Any]]
"""A side of a linkage: field name -> one value per row (``None`` where missing)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    With a million people loaded, every full collection walks millions of objects; encoding
    them, or building a decision per record, would trigger dozens of collections for nothing.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values by sorting (numpy's hash-based ``unique`` is far slower on
    millions of int64 keys)."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]]


def distinct_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and, per value, the index of its distinct value."""
    order = np.argsort(values)
    ordered = values[order]
    if not len(ordered):
        return ordered, np.zeros(0, dtype=np.int64)
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class StringField:
    """A text field; ``fold`` and ``key`` define the folded and equivalence levels."""

    name: str
    fold: Callable[[str], str] = _identity
    key: Callable[[str], str] | None = None
    vocabulary: str | None = None  # fields with the same vocabulary name are coded together


@dataclass(frozen=True)
class DateField:
    """A date field of ISO partial dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""

    name: str


@dataclass(frozen=True)
class CodeField:
    """A field compared for equality only."""

    name: str


FieldSpec = StringField | DateField | CodeField


@dataclass
class Vocabulary:
    """Distinct values of one or more string fields of both sides, with derived codes."""

    values: list[str]
    folded_codes: np.ndarray
    folded_values: list[str]
    key_codes: np.ndarray
    key_values: list[str]
    _arrays: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def strings(self, form: str) -> list[str]:
        """Distinct values of a form ('exact', 'folded', 'key'), indexed by code."""
        return {"exact": self.values, "folded": self.folded_values, "key": self.key_values}[form]

    def array(self, form: str) -> np.ndarray:
        """:meth:`strings` as an object array, for fancy indexing by codes."""
        if form not in self._arrays:
            self._arrays[form] = np.asarray(self.strings(form), dtype=object)
        return self._arrays[form]


@dataclass
class EncodedStrings:
    """A string field's codes into its vocabulary on both sides (-1 where missing)."""

    left: np.ndarray
    right: np.ndarray
    vocabulary: Vocabulary

    def form(self, side: str, form: str) -> np.ndarray:
        """Codes of the exact, folded or key form on ``side`` ('left'/'right'), -1 missing."""
        codes = self.left if side == "left" else self.right
        if form == "exact":
            return codes
        table = self.vocabulary.folded_codes if form == "folded" else self.vocabulary.key_codes
        if not len(table):
            return np.full(len(codes), -1, dtype=np.int32)
        return np.where(codes >= 0, table[np.maximum(codes, 0)], -1).astype(np.int32)


@dataclass
class DateParts:
    """Year, month and day arrays of one side; 0 where unknown (year 0: no date at all)."""

    year: np.ndarray
    month: np.ndarray
    day: np.ndarray

    def take(self, index: np.ndarray) -> DateParts:
        return DateParts(self.year[index], self.month[index], self.day[index])


@dataclass
class EncodedDates:
    left: DateParts
    right: DateParts


@dataclass
class EncodedCodes:
    left: np.ndarray
    right: np.ndarray


Encoded = EncodedStrings | EncodedDates | EncodedCodes


@dataclass
class PairData:
    """Both sides of a linkage, encoded: what blocking and comparisons read."""

    n_left: int
    n_right: int
    fields: dict[str, Encoded]
    left_confidence: dict[str, np.ndarray] = field(default_factory=dict)

    def strings(self, name: str) -> EncodedStrings:
        encoded = self.fields[name]
        if not isinstance(encoded, EncodedStrings):
            raise DataValidationError(f"field {name!r} is not a string field")
        return encoded

    def dates(self, name: str) -> EncodedDates:
        encoded = self.fields[name]
        if not isinstance(encoded, EncodedDates):
            raise DataValidationError(f"field {name!r} is not a date field")
        return encoded

    def codes(self, name: str) -> EncodedCodes:
        encoded = self.fields[name]
        if not isinstance(encoded, EncodedCodes):
            raise DataValidationError(f"field {name!r} is not a code field")
        return encoded


def factorize(values: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes (int32, -1 for ``None``/empty) and the distinct values, via Arrow."""
    try:
        array = pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        array = pa.array([None if v is None else str(v) for v in values], type=pa.string())
    encoded = pc.dictionary_encode(array)
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    distinct = encoded.dictionary.to_pylist()
    if "" in distinct:  # an empty cell is a missing value, not a value
        empty = distinct.index("")
        distinct[empty] = None
        indices[indices == empty] = -1
    return indices, distinct


def _length(columns: Columns, names: Sequence[str]) -> int:
    lengths = {len(columns[name]) for name in names if name in columns}
    if len(lengths) > 1:
        raise DataValidationError(f"columns of one side have different lengths: {lengths}")
    return lengths.pop() if lengths else 0


def _column(columns: Columns, name: str, side: str) -> Sequence[Any]:
    if name not in columns:
        raise DataValidationError(f"{side} side has no column {name!r}")
    return columns[name]


@dataclass
class _Index:
    """Distinct values and where each is, growable by the values of another side."""

    values: list[Any]
    position: dict[Any, int]

    @classmethod
    def of(cls, values: list[Any]) -> _Index:
        return cls(values, {v: i for i, v in enumerate(values)})

    def grown(self) -> _Index:
        """A copy that can take new values without touching this one."""
        return _Index(list(self.values), dict(self.position))

    def codes(self, values: Sequence[Any]) -> np.ndarray:
        """Codes of ``values`` (-1 for missing), adding the values not seen yet."""
        position, known = self.position, self.values
        out = np.empty(len(values), dtype=np.int32)
        for row, value in enumerate(values):
            if value is None or value == "":
                out[row] = -1
                continue
            code = position.get(value)
            if code is None:
                code = position[value] = len(known)
                known.append(value)
            out[row] = code
        return out


@dataclass
class _GroupEncoding:
    exact: _Index
    folded: _Index
    key: _Index
    folded_codes: np.ndarray
    key_codes: np.ndarray


def _derive(index: _Index, values: Sequence[str], function: Callable[[str], str]) -> np.ndarray:
    return index.codes([function(v) if v is not None else None for v in values])


@dataclass
class SideEncoding:
    """One side (the population) encoded alone, to pair with many other sides in turn.

    Encoding a million people is the costly part of a linkage; a batch of records only adds
    the values the population lacks.
    """

    specs: tuple[FieldSpec, ...]
    size: int
    groups: dict[str, _GroupEncoding]
    strings: dict[str, np.ndarray]
    dates: dict[str, DateParts]
    codes: dict[str, tuple[np.ndarray, _Index]]


def _groups(specs: Sequence[FieldSpec]) -> dict[str, list[StringField]]:
    groups: dict[str, list[StringField]] = {}
    for spec in specs:
        if isinstance(spec, StringField):
            groups.setdefault(spec.vocabulary or spec.name, []).append(spec)
    return groups


def encode_side(specs: Sequence[FieldSpec], columns: Columns) -> SideEncoding:
    """Encode one side on its own (see :class:`SideEncoding`)."""
    size = _length(columns, [spec.name for spec in specs])
    groups: dict[str, _GroupEncoding] = {}
    strings: dict[str, np.ndarray] = {}
    for name, members in _groups(specs).items():
        chunks: list[Any] = []
        for spec in members:
            chunks.extend(_column(columns, spec.name, "right"))
        codes, values = factorize(chunks)
        head = members[0]
        folded = _Index.of([])
        folded_codes = _derive(folded, values, head.fold)
        if head.key is None:
            key, key_codes = folded, folded_codes
        else:
            key = _Index.of([])
            key_codes = _derive(key, values, head.key)
        groups[name] = _GroupEncoding(_Index.of(values), folded, key, folded_codes, key_codes)
        for number, spec in enumerate(members):
            strings[spec.name] = codes[number * size : (number + 1) * size]
    dates = {
        spec.name: parse_date_parts(_column(columns, spec.name, "right"))
        for spec in specs
        if isinstance(spec, DateField)
    }
    coded: dict[str, tuple[np.ndarray, _Index]] = {}
    for spec in specs:
        if isinstance(spec, CodeField):
            codes, values = factorize(_column(columns, spec.name, "right"))
            coded[spec.name] = (codes, _Index.of(values))
    return SideEncoding(tuple(specs), size, groups, strings, dates, coded)


def _date_of(text: str) -> tuple[int, int, int]:
    """(year, month, day) of an ISO partial date, 0 for what is unknown."""
    if len(text) in (4, 7, 10) and text[:4].isdigit():
        try:
            year = int(text[:4])
            month = int(text[5:7]) if len(text) >= 7 else 0
            day = int(text[8:10]) if len(text) == 10 else 0
            if (month and not 1 <= month <= 12) or (day and not 1 <= day <= 31):
                raise ValueError(text)
            if day:
                dt.date(year, month, day)
            return year, month, day
        except ValueError:
            pass
    try:
        date = PartialDate.parse(text)
    except ValueError as exc:
        raise DataValidationError(f"not an ISO partial date: {text!r}") from exc
    return date.year, date.month or 0, date.day or 0


def parse_date_parts(values: Sequence[Any]) -> DateParts:
    """Year/month/day arrays from ISO partial dates or :class:`PartialDate` (``None`` -> 0)."""
    codes, distinct = factorize([v.iso() if isinstance(v, PartialDate) else v for v in values])
    years = np.zeros(len(distinct) + 1, dtype=np.int16)
    months = np.zeros(len(distinct) + 1, dtype=np.int8)
    days = np.zeros(len(distinct) + 1, dtype=np.int8)
    for index, text in enumerate(distinct):
        if text is not None:
            years[index], months[index], days[index] = _date_of(text)
    lookup = np.where(codes >= 0, codes, len(distinct))
    return DateParts(years[lookup], months[lookup], days[lookup])


def encode_pair(
    specs: Sequence[FieldSpec],
    left: Columns,
    right: Columns | SideEncoding,
    *,
    left_confidence: Mapping[str, Sequence[float | None]] | None = None,
) -> PairData:
    """Encode the left side against the right one (columns, or an encoding made earlier).

    The right side's codes stay as they are; left values it lacks are added to copies of its
    vocabularies. The left side's OCR confidences are kept for scoring.
    """
    if not isinstance(right, SideEncoding):
        right = encode_side(specs, right)
    elif tuple(right.specs) != tuple(specs):
        raise DataValidationError("the right side was encoded for other fields")
    n_left = _length(left, [spec.name for spec in specs])
    fields: dict[str, Encoded] = {}
    for name, members in _groups(specs).items():
        base = right.groups[name]
        exact, folded = base.exact.grown(), base.folded.grown()
        key = folded if base.key is base.folded else base.key.grown()
        head = members[0]
        known = len(exact.values)
        left_codes = {s.name: exact.codes(_column(left, s.name, "left")) for s in members}
        added = exact.values[known:]
        folded_codes = np.concatenate([base.folded_codes, _derive(folded, added, head.fold)])
        if head.key is None:
            key_codes = folded_codes
        else:
            key_codes = np.concatenate([base.key_codes, _derive(key, added, head.key)])
        vocabulary = Vocabulary(exact.values, folded_codes, folded.values, key_codes, key.values)
        for spec in members:
            fields[spec.name] = EncodedStrings(
                left_codes[spec.name], right.strings[spec.name], vocabulary
            )
    for spec in specs:
        if isinstance(spec, DateField):
            fields[spec.name] = EncodedDates(
                parse_date_parts(_column(left, spec.name, "left")), right.dates[spec.name]
            )
        elif isinstance(spec, CodeField):
            right_codes, index = right.codes[spec.name]
            left_codes = index.grown().codes(_column(left, spec.name, "left"))
            fields[spec.name] = EncodedCodes(left_codes, right_codes)
    confidence = {
        name: np.array([1.0 if c is None else float(c) for c in values], dtype=np.float32)
        for name, values in (left_confidence or {}).items()
    }
    for name, values in confidence.items():
        if len(values) != n_left:
            raise DataValidationError(
                f"confidence column {name!r} has {len(values)} values for {n_left} rows"
            )
    return PairData(n_left, right.size, fields, confidence)
