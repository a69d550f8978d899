"""Civil inputs as columns: the fast name split equals the careful one; the population's
encoding is made once and serves every batch."""

from __future__ import annotations

import numpy as np

from matching.civil import (
    CIVIL_FIELDS,
    PopulationFrame,
    _name_columns,
    _name_columns_of_text,
    address_units,
    population_columns,
    record_columns,
)
from matching.frame import encode_pair
from matching.text import name_parts

NAMES = [
    "Nguyễn Thị Hồng Nhung",
    "NGUYỄN PHÚC BẢO AN",  # compound family name
    "Tôn Nữ Thu Hà",
    "Nguyễn Trần Minh Anh",  # two family names
    "Nguyễn Hoàng Minh Anh",  # Hoàng here is a middle name
    "Lê Na",
    "  trần   văn  an ",
    "Huỳnh Văn Ân",
    "An",
    None,
    "",
]


def test_fast_name_columns_equal_name_parts() -> None:
    careful = _name_columns([name_parts(n or "") for n in NAMES])
    fast = _name_columns_of_text(NAMES)
    assert fast == careful
    assert fast["family"][1] == "Nguyễn Phúc" and fast["middle"][1] == "Bảo"
    assert fast["full_key"][7] == "hoang van an"


def test_address_units_read_the_last_two_parts() -> None:
    assert address_units("Tổ dân phố 7, Phường Tây Hồ, Thành phố Hà Nội") == (
        "ha noi|tay ho",
        "ha noi",
    )
    assert address_units("phường Tây Hồ, TP Hà Nội") == ("ha noi|tay ho", "ha noi")
    assert address_units("Tỉnh Bắc Ninh") == (None, "bac ninh")
    assert address_units(None) == (None, None)


def test_population_encoding_is_reused_and_equals_a_joint_encoding(synthetic_factory) -> None:
    data = synthetic_factory(people=300, records=40, seed=3)
    population: PopulationFrame = data.population
    encoding = population.encoding(CIVIL_FIELDS)
    assert population.encoding(CIVIL_FIELDS) is encoding
    left, confidence = record_columns(data.records)
    reused = encode_pair(CIVIL_FIELDS, left, encoding, left_confidence=confidence)
    joint = encode_pair(CIVIL_FIELDS, left, population_columns(population))
    for name in ("family", "given", "mother", "personal_id"):
        a, b = reused.strings(name), joint.strings(name)
        for side in ("left", "right"):
            for form in ("exact", "folded", "key"):
                left_values = np.array(a.vocabulary.strings(form), dtype=object)
                right_values = np.array(b.vocabulary.strings(form), dtype=object)
                codes_a, codes_b = a.form(side, form), b.form(side, form)
                assert (codes_a < 0).tolist() == (codes_b < 0).tolist()
                present = codes_a >= 0
                assert (
                    left_values[codes_a[present]].tolist()
                    == right_values[codes_b[present]].tolist()
                )
    # a second batch adds its own new values without changing the population's codes
    again = encode_pair(CIVIL_FIELDS, left, encoding, left_confidence=confidence)
    assert np.array_equal(again.strings("given").right, reused.strings("given").right)
