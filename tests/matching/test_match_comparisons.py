"""Every level of every civil comparison, on pairs built to land on it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from civreg.errors import DataValidationError
from matching.civil import CIVIL_COMPARISONS, CIVIL_FIELDS, NO_MIDDLE_NAME
from matching.comparisons import (
    Comparison,
    ComparisonLevel,
    Else,
    Exact,
    PairContext,
    SimilarityAtLeast,
)
from matching.frame import StringField, encode_pair

FIELD_NAMES = [f.name for f in CIVIL_FIELDS]


def levels_of(comparison_name: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> list:
    """The level label each (left, right) pair lands on."""
    left = {name: [l_row.get(name) for l_row, _ in pairs] for name in FIELD_NAMES}
    right = {name: [r_row.get(name) for _, r_row in pairs] for name in FIELD_NAMES}
    data = encode_pair(CIVIL_FIELDS, left, right)
    index = np.arange(len(pairs))
    comparison = next(c for c in CIVIL_COMPARISONS if c.name == comparison_name)
    gamma = comparison.evaluate(PairContext(data, index, index))
    return ["null" if g < 0 else comparison.levels[g].label for g in gamma]


def names(family: str, middle: str, given: str) -> dict[str, str]:
    return {"family": family, "middle": middle or NO_MIDDLE_NAME, "given": given}


def test_family_name_levels() -> None:
    pairs = [
        (names("Nguyễn", "Thị", "Lan"), names("Nguyễn", "Văn", "Hà")),
        (names("Nguyen", "Thị", "Lan"), names("Nguyễn", "Thị", "Lan")),
        (names("Huỳnh", "Thị", "Lan"), names("Hoàng", "Thị", "Lan")),
        (names("Nguyển", "Thị", "Lan"), names("Nguyễn", "Thị", "Lan")),  # typo-ish mark
        (names("Nguyễn", "", "Lan"), names("Nguyễn Phúc", "", "Lan")),
        (names("Ngnyễn", "Thị", "Lan"), names("Nguyễn", "Thị", "Lan")),  # OCR u -> n
        (names("Lan", "Thị", "Trần"), names("Trần", "Thị", "Lan")),
        (names("Lê", "Thị", "Lan"), names("Phạm", "Thị", "Lan")),
        ({"family": None, "given": "Lan"}, names("Phạm", "Thị", "Lan")),
    ]
    assert levels_of("family_name", pairs) == [
        "exact",
        "equivalent",
        "equivalent",
        "equivalent",
        "compound",
        "ocr_close",
        "swapped",
        "else",
        "null",
    ]


def test_middle_name_levels() -> None:
    pairs = [
        (names("A", "Thị", "Lan"), names("A", "Thị", "Lan")),
        (names("A", "THI", "Lan"), names("A", "Thị", "Lan")),
        (names("A", "", "Lan"), names("A", "Thị Hồng", "Lan")),
        (names("A", "Thị", "Lan"), names("A", "Thị Hồng", "Lan")),
        (names("A", "Thi Hông", "Lan"), names("A", "Thị Hồng", "Lan")),  # folded equal
        (names("A", "Thanh", "Lan"), names("A", "Thành", "Lan")),
        (names("A", "Thinh", "Lan"), names("A", "Thịnh", "Lan")),
        (names("A", "Hửu", "Lan"), names("A", "Hữu", "Lan")),
        (names("A", "Văn", "Lan"), names("A", "Thị", "Lan")),
    ]
    assert levels_of("middle_name", pairs) == [
        "exact",
        "folded",
        "dropped",
        "dropped",
        "folded",
        "folded",
        "folded",
        "folded",
        "else",
    ]
    ocr = [(names("A", "Thuy", "Lan"), names("A", "Thùy Dương", "Lan"))]
    assert levels_of("middle_name", ocr) == ["dropped"]
    close = [(names("A", "Ngọe", "Lan"), names("A", "Ngọc", "Lan"))]  # OCR c -> e
    assert levels_of("middle_name", close) == ["ocr_close"]


def test_given_name_levels() -> None:
    pairs = [
        (names("A", "", "Hồng"), names("B", "", "Hồng")),
        (names("A", "", "HONG"), names("B", "", "Hồng")),
        (names("A", "", "Hương"), names("B", "", "Hướng")),  # tone: folded equal
        (names("A", "", "Phượng"), names("B", "", "Phương")),  # folded equal
        (names("A", "", "Nhưng"), names("B", "", "Nhung")),
        (names("A", "", "Thảo"), names("B", "", "Thào")),
        (names("A", "", "Nhunh"), names("B", "", "Nhung")),  # OCR g -> h
        (names("A", "", "Hùng"), names("B", "", "Hồng")),  # another name
        (names("A", "", "Lan"), names("B", "", "Nga")),
    ]
    assert levels_of("given_name", pairs) == [
        "exact",
        "folded",
        "folded",
        "folded",
        "folded",
        "folded",
        "ocr_close",
        "else",
        "else",
    ]


def dob(text: str | None) -> dict[str, str | None]:
    return {"date_of_birth": text}


def test_date_of_birth_levels() -> None:
    pairs = [
        (dob("1990-03-05"), dob("1990-03-05")),
        (dob("1990-05-03"), dob("1990-03-05")),
        (dob("1990-03-17"), dob("1990-03-05")),
        (dob("1990-03"), dob("1990-03-05")),
        (dob("1990"), dob("1990-03-05")),
        (dob("1990-07-05"), dob("1990-03-05")),
        (dob("1991-03-05"), dob("1990-03-05")),
        (dob("1989"), dob("1990")),
        (dob("1995-03-05"), dob("1990-03-05")),
        (dob(None), dob("1990-03-05")),
        (dob("1990-03-03"), dob("1990-03-03")),  # same day and month: exact, not swapped
    ]
    assert levels_of("date_of_birth", pairs) == [
        "exact",
        "day_month_swapped",
        "same_month",
        "month_as_known",
        "year_as_known",
        "same_year",
        "within_a_year",
        "within_a_year",
        "else",
        "null",
        "exact",
    ]
    assert levels_of("date_of_birth", [(dob("1990-03"), dob("1990-03"))]) == ["month_as_known"]


def test_personal_id_levels() -> None:
    pid = "001190123456"
    pairs = [
        ({"personal_id": pid}, {"personal_id": pid}),
        ({"personal_id": "001190123457"}, {"personal_id": pid}),
        ({"personal_id": "001190123465"}, {"personal_id": pid}),  # transposed digits
        ({"personal_id": "001190654321"}, {"personal_id": pid}),
        ({"personal_id": None}, {"personal_id": pid}),
    ]
    assert levels_of("personal_id", pairs) == ["exact", "one_edit", "one_edit", "else", "null"]


def test_parent_levels() -> None:
    mother = "Trần Thị Hồng Nhung"
    pairs = [
        ({"mother": mother}, {"mother": mother}),
        ({"mother": "Tran Thi Hong Nhung"}, {"mother": mother}),
        ({"mother": "Huỳnh Thị Lan"}, {"mother": "Hoàng Thị Lan"}),
        ({"mother": "Trần Thị Hồng Nhunh"}, {"mother": mother}),
        ({"mother": "Trần Thị Nhung"}, {"mother": mother}),
        ({"mother": "Lê Văn Tám"}, {"mother": mother}),
        ({"mother": None}, {"mother": mother}),
    ]
    assert levels_of("mother_name", pairs) == [
        "exact",
        "folded",
        "folded",
        "ocr_close",
        "ocr_near",
        "else",
        "null",
    ]


def test_sex_and_address_levels() -> None:
    assert levels_of(
        "sex", [({"sex": "M"}, {"sex": "M"}), ({"sex": "F"}, {"sex": "M"}), ({}, {"sex": "M"})]
    ) == ["agree", "else", "null"]
    here = {"ward": "ha noi|tay ho", "province": "ha noi"}
    assert levels_of(
        "address",
        [
            (here, here),
            ({"ward": "ha noi|ba dinh", "province": "ha noi"}, here),
            ({"ward": None, "province": "ha noi"}, here),
            ({"ward": "hue|phu xuan", "province": "hue"}, here),
            ({"ward": None, "province": None}, here),
        ],
    ) == ["same_ward", "same_province", "same_province", "else", "null"]


def test_levels_need_an_else() -> None:
    field = StringField("x")
    data = encode_pair([field], {"x": ["a", "b"]}, {"x": ["a", "c"]})
    index = np.arange(2)
    partial = Comparison(
        "x", levels=(ComparisonLevel("exact", Exact("x"), m=0.9, u=0.1),), null_fields=("x",)
    )
    with pytest.raises(DataValidationError, match="fell through"):
        partial.evaluate(PairContext(data, index, index))
    whole = Comparison(
        "x",
        levels=(
            ComparisonLevel("exact", Exact("x"), m=0.9, u=0.1),
            ComparisonLevel("close", SimilarityAtLeast("x", "jaro_winkler", 0.9), m=0.05, u=0.1),
            ComparisonLevel("else", Else(), m=0.05, u=0.8),
        ),
        null_fields=("x",),
    )
    assert whole.evaluate(PairContext(data, index, index)).tolist() == [0, 2]


def test_tf_needs_an_exact_level() -> None:
    with pytest.raises(DataValidationError, match="tf needs"):
        ComparisonLevel("x", Else(), m=0.5, u=0.5, tf=True)
