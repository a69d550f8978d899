"""Blocking rules: keys, year tolerance, union, caps on big blocks, recall on truth."""

from __future__ import annotations

import numpy as np
import pytest

from civreg.errors import DataValidationError
from matching.blocking import BlockingRule, KeyPart, block, join_rule
from matching.frame import DateField, StringField, encode_pair
from matching.text import fold, surname_equivalence_key

FIELDS = (
    StringField("family", fold=fold, key=surname_equivalence_key),
    StringField("given", fold=fold),
    DateField("dob"),
    StringField("pid"),
)


def data_of(left: list[tuple], right: list[tuple]):
    def columns(rows: list[tuple]) -> dict[str, list]:
        return {f.name: [row[i] for row in rows] for i, f in enumerate(FIELDS)}

    return encode_pair(FIELDS, columns(left), columns(right))


def pairs_of(left_index: np.ndarray, right_index: np.ndarray) -> set[tuple[int, int]]:
    return set(zip(left_index.tolist(), right_index.tolist(), strict=True))


def test_key_of_folded_and_equivalent_parts() -> None:
    data = data_of(
        [("Huỳnh", "Lan", "1990-01-02", None), ("Nguyen", "Hong", "1990", None)],
        [
            ("Hoàng", "Lan", "1990-05-05", None),
            ("Nguyễn", "Hồng", "1985", None),
            ("Nguyễn", "Hồng", "1990-02-02", None),
            ("Trần", "Lan", "1990-01-02", None),
        ],
    )
    rule = BlockingRule("family+given", (KeyPart("family", "key"), KeyPart("given", "folded")))
    left, right, report = join_rule(data, rule)
    assert pairs_of(left, right) == {(0, 0), (1, 1), (1, 2)}
    assert report.pairs == 3 and report.largest_block == 2


def test_year_tolerance_pairs_neighbouring_years_only() -> None:
    data = data_of(
        [("A", "Lan", "1990-01-02", None)],
        [
            ("A", "Lan", "1989", None),
            ("A", "Lan", "1990-07-01", None),
            ("A", "Lan", "1991-01-01", None),
            ("A", "Lan", "1992-01-02", None),
            ("A", "Lan", None, None),
        ],
    )
    rule = BlockingRule(
        "given+year±1", (KeyPart("given", "folded"), KeyPart("dob", "year")), year_tolerance=1
    )
    left, right, _ = join_rule(data, rule)
    assert pairs_of(left, right) == {(0, 0), (0, 1), (0, 2)}
    exact_year = BlockingRule("given+year", (KeyPart("given", "folded"), KeyPart("dob", "year")))
    left, right, _ = join_rule(data, exact_year)
    assert pairs_of(left, right) == {(0, 1)}


def test_full_date_part_needs_a_full_date() -> None:
    data = data_of(
        [("A", "Lan", "1990-01-02", None), ("A", "Lan", "1990", None)],
        [("B", "Hoa", "1990-01-02", None), ("B", "Hoa", "1990", None)],
    )
    left, right, _ = join_rule(data, BlockingRule("dob", (KeyPart("dob", "date"),)))
    assert pairs_of(left, right) == {(0, 0)}


def test_date_any_order_meets_a_swapped_date_and_prefixes_meet_typos() -> None:
    data = data_of(
        [("A", "Lan", "1990-05-03", "001190123456")],
        [
            ("B", "Hoa", "1990-03-05", "001190654321"),
            ("C", "Mai", "1990-05-03", "002190123456"),
            ("D", "Nga", "1991-03-05", None),
        ],
    )
    rule = BlockingRule("dob", (KeyPart("dob", "date_any_order"),))
    left, right, _ = join_rule(data, rule)
    assert pairs_of(left, right) == {(0, 0), (0, 1)}
    prefix = BlockingRule("id prefix", (KeyPart("pid", "prefix", length=6),))
    left, right, _ = join_rule(data, prefix)
    assert pairs_of(left, right) == {(0, 0)}


def test_big_blocks_are_skipped_and_reported() -> None:
    right = [("Nguyễn", f"Given{i}", "1990", None) for i in range(50)]
    right.append(("Lý", "Lan", "1990", f"{1:012d}"))
    data = data_of([("Nguyễn", "Lan", "1990", None), ("Lý", "X", "1990", None)], right)
    rule = BlockingRule("family", (KeyPart("family", "key"),), max_block_size=10)
    left_index, right_index, report = join_rule(data, rule)
    assert pairs_of(left_index, right_index) == {(1, 50)}
    assert report.capped_keys == 1 and report.capped_left_rows == 1


def test_union_is_deduplicated_and_recall_measured() -> None:
    data = data_of(
        [
            ("Nguyễn", "Lan", "1990-01-02", "001190000001"),
            ("Trần", "Hoa", "1980-01-02", None),
            ("Lê", "Mai", "1970", None),
        ],
        [
            ("Nguyễn", "Lan", "1990-01-02", "001190000001"),
            ("Tran", "Hoa", "1980-02-01", None),
            ("Phạm", "Mai", "1971", None),
        ],
    )
    rules = [
        BlockingRule("pid", (KeyPart("pid"),)),
        BlockingRule("names", (KeyPart("family", "folded"), KeyPart("given", "folded"))),
    ]
    truth = np.array([0, 1, 2])
    result = block(data, rules, truth=truth)
    assert pairs_of(result.left_index, result.right_index) == {(0, 0), (1, 1)}
    assert result.rules[0].recall == pytest.approx(1 / 3)
    assert result.rules[1].recall == pytest.approx(2 / 3)
    assert result.recall == pytest.approx(2 / 3)
    assert result.report()["pairs"] == 2


def test_year_tolerance_needs_one_year_part() -> None:
    with pytest.raises(DataValidationError, match="year part"):
        BlockingRule("bad", (KeyPart("given"),), year_tolerance=1)
