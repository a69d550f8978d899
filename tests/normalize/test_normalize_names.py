"""Names: canonical form, parts, equivalence keys, and the doubts a name raises."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from normalize.issues import IssueCode
from normalize.lexicon import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES
from normalize.names import canonical_name_text, normalize_name, split_name, surname_equivalence_key
from normalize.text import fold


@pytest.mark.parametrize(
    ("written", "full", "family", "middle", "given"),
    [
        ("NGUYỄN THỊ HỒNG NHUNG", "Nguyễn Thị Hồng Nhung", "Nguyễn", "Thị Hồng", "Nhung"),
        ("  trần   văn  an. ", "Trần Văn An", "Trần", "Văn", "An"),
        ("LÊ THỊ THUÝ", "Lê Thị Thúy", "Lê", "Thị", "Thúy"),
        ("Tôn Nữ Thu Hà", "Tôn Nữ Thu Hà", "Tôn Nữ", "Thu", "Hà"),
        ("Nguyễn Trần Minh Anh", "Nguyễn Trần Minh Anh", "Nguyễn Trần", "Minh", "Anh"),
        ("Nguyễn Hoàng Minh Anh", "Nguyễn Hoàng Minh Anh", "Nguyễn", "Hoàng Minh", "Anh"),
        ("Lê Na", "Lê Na", "Lê", "", "Na"),
    ],
)
def test_names_are_cased_and_split(
    written: str, full: str, family: str, middle: str, given: str
) -> None:
    parts = normalize_name(written).parts
    assert parts is not None
    assert (parts.full_name, parts.family, parts.middle, parts.given) == (
        full,
        family,
        middle,
        given,
    )
    assert parts.folded == fold(full)


@pytest.mark.parametrize(
    ("first", "second"), [("Huỳnh", "Hoàng"), ("Vũ", "Võ"), ("HUỲNH", "hoàng"), ("Vu", "VÕ")]
)
def test_surname_equivalences(first: str, second: str) -> None:
    assert surname_equivalence_key(first) == surname_equivalence_key(second)


def test_other_surnames_stay_apart() -> None:
    assert surname_equivalence_key("Hồ") != surname_equivalence_key("Hoàng")
    key_a = normalize_name("Huỳnh Thị Lan").parts
    key_b = normalize_name("Hoàng Thị Lan").parts
    assert key_a is not None and key_b is not None and key_a.key == key_b.key


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("Nguyễn Thị Hồng Nhung", []),
        ("Nguyen Van Nam", ["name.invalid_syllable", "name.missing_diacritics"]),
        ("Phan Van Lan", ["name.missing_diacritics"]),  # every syllable possible, marks lost
        ("Trần Thị Hông", ["name.unusual_diacritics"]),  # Hồng with a lost circumflex
        ("Phạm Hổng Nhung", ["name.unusual_diacritics"]),  # acute/hook confusion
        ("Le Thị Bình", ["name.unusual_diacritics"]),
        ("NGUYN PHUC LONG", ["name.invalid_syllable", "name.missing_diacritics"]),
        ("Ng|uyễn Văn 3An", ["name.unexpected_characters"]),
        ("Trần Bình", ["name.no_middle_name"]),
        ("Tập ưung Hà", ["name.invalid_syllable"]),
    ],
)
def test_doubts(written: str, codes: list[str]) -> None:
    assert [f.code.value for f in normalize_name(written).findings] == codes


def test_unexpected_characters_are_dropped_and_named() -> None:
    parsed = normalize_name("Ng|uyễn Văn 3An")
    assert parsed.value == "Nguyễn Văn An"
    assert "|" in parsed.findings[0].message and "3" in parsed.findings[0].message


def test_unreadable_and_blank() -> None:
    assert normalize_name("").parts is None and normalize_name("").findings == ()
    garbage = normalize_name("#$%")
    assert garbage.parts is None
    assert IssueCode.NAME_UNREADABLE in {f.code for f in garbage.findings}


def test_lexicon_names_raise_no_doubt() -> None:
    for family in ("Nguyễn", "Trần", "Huỳnh", "Võ"):
        for middle in ("Thị", "Văn", "Ngọc"):
            for given_name in ("Anh", "Hòa", "Thủy", "Quỳnh"):
                assert normalize_name(f"{family} {middle} {given_name}").findings == ()


lexicon_names = st.tuples(
    st.sampled_from(sorted(FAMILY_NAMES)),
    st.sampled_from(sorted(MIDDLE_NAMES)),
    st.sampled_from(sorted(GIVEN_NAMES)),
).map(" ".join)


@given(lexicon_names, st.sampled_from([str.upper, str.lower, str.title, lambda s: s]))
def test_casing_is_undone_and_idempotent(name: str, case: object) -> None:
    written = case(name)  # type: ignore[operator]
    canonical = canonical_name_text(written)
    assert canonical == canonical_name_text(name)
    assert canonical_name_text(canonical) == canonical
    assert normalize_name(written).value == canonical


@given(st.text(max_size=40))
def test_any_text_gives_a_result(text: str) -> None:
    parsed = normalize_name(text)
    if parsed.parts is not None:
        assert canonical_name_text(parsed.parts.full_name) == parsed.parts.full_name
        family, middle, given = split_name(parsed.parts.full_name)
        assert " ".join(p for p in (family, middle, given) if p) == parsed.parts.full_name


@given(
    st.tuples(
        st.sampled_from(sorted(FAMILY_NAMES | {"Tôn Nữ", "Huỳnh", "Võ"})),
        st.lists(st.sampled_from(sorted(MIDDLE_NAMES | FAMILY_NAMES)), max_size=2),
        st.sampled_from(sorted(GIVEN_NAMES)),
    ).map(lambda t: " ".join([t[0], *t[1], t[2]])),
    st.sampled_from([str.upper, str.lower, lambda s: s]),
)
def test_parts_agree_with_the_public_helpers(name: str, case: object) -> None:
    """The parts are built word by word; they must be what the public helpers give."""
    parts = normalize_name(case(name)).parts  # type: ignore[operator]
    assert parts is not None
    assert (parts.family, parts.middle, parts.given) == split_name(parts.full_name)
    assert parts.folded == fold(parts.full_name)
    assert parts.family_key == surname_equivalence_key(parts.family)
