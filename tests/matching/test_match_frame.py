"""Encoding helpers: factorizing, distinct values, partial dates, side encodings."""

from __future__ import annotations

import numpy as np
import pytest

from civreg.errors import DataValidationError
from matching.frame import (
    CodeField,
    DateField,
    StringField,
    distinct,
    distinct_inverse,
    encode_pair,
    encode_side,
    factorize,
    parse_date_parts,
)


def test_factorize_treats_empty_as_missing() -> None:
    codes, values = factorize(["a", "", None, "b", "a"])
    assert codes.tolist()[1:3] == [-1, -1]
    assert [values[c] for c in codes.tolist() if c >= 0] == ["a", "b", "a"]


def test_distinct_and_inverse_agree_with_numpy() -> None:
    values = np.random.default_rng(1).integers(0, 50, 1000)
    np.testing.assert_array_equal(distinct(values), np.unique(values))
    unique, inverse = distinct_inverse(values)
    np.testing.assert_array_equal(unique[inverse], values)
    assert distinct(np.zeros(0, dtype=np.int64)).size == 0


def test_partial_dates_keep_their_precision() -> None:
    parts = parse_date_parts(["1990-03-05", "1990-03", "1990", None, ""])
    assert parts.year.tolist() == [1990, 1990, 1990, 0, 0]
    assert parts.month.tolist() == [3, 3, 0, 0, 0]
    assert parts.day.tolist() == [5, 0, 0, 0, 0]
    with pytest.raises(DataValidationError, match="not an ISO partial date"):
        parse_date_parts(["1990-02-31"])


def test_a_side_encoding_pairs_with_new_values() -> None:
    specs = (StringField("name", fold=str.lower), DateField("dob"), CodeField("sex"))
    right = encode_side(specs, {"name": ["An", "Bình"], "dob": ["1990", None], "sex": ["M", "F"]})
    data = encode_pair(
        specs,
        {"name": ["AN", "Bình", None], "dob": [None, "1990", "1991"], "sex": ["F"] * 3},
        right,
    )
    names = data.strings("name")
    assert names.right.tolist() == [0, 1]
    assert names.left.tolist()[1:] == [1, -1]  # "Bình" known, missing is -1
    assert names.vocabulary.values[names.left[0]] == "AN"  # new value appended
    assert names.form("left", "folded")[0] == names.form("right", "folded")[0]  # "an"
    assert data.codes("sex").left.tolist() == [data.codes("sex").right[1]] * 3
    with pytest.raises(DataValidationError, match="other fields"):
        encode_pair(specs[:2], {"name": [], "dob": []}, right)


def test_sides_must_have_their_columns() -> None:
    with pytest.raises(DataValidationError, match="no column 'dob'"):
        encode_pair([DateField("dob")], {"x": [1]}, {"dob": ["1990"]})
