"""The speed-ups change nothing: remembered readings, bounded memos, fast paths, the batch API.

A generated district's entries are normalized as a batch (memos shared across entries, the
collector paused) and one by one with every memo emptied before each entry (each reading made
afresh); the records must be the same objects field for field, down to their types and
fields-sets, and each must equal the record pydantic validates from its own dump.
"""

from __future__ import annotations

import gc
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.normalize import samples_of
from normalize import clear_caches, dates, names, places
from normalize import records as records_module
from normalize import text as text_module
from normalize.issues import Finding, IssueCode
from normalize.records import (
    NormalizedResult,
    NormalizeOptions,
    _read_registration_number_text,
    normalize_entries,
    normalize_entry,
    parse_registration_number,
)
from normalize.text import clean_text
from schemas.records import RECORD_MODELS, RawEntry, record_fields
from synth.district import DistrictOptions, generate_district

ENTRIES = 2500


@pytest.fixture(scope="module")
def entries() -> list[RawEntry]:
    books = generate_district(DistrictOptions(people=6500, seed=11)).books
    found = [sample.raw for sample in samples_of(books, ENTRIES)]
    assert len(found) == ENTRIES
    return found


def _shape(result: NormalizedResult) -> tuple[Any, ...]:
    """Everything a consumer can see of a result, types and fields-sets included."""
    record = result.record
    values = tuple(
        (
            name,
            type(getattr(record, name)),
            len(getattr(record, name)),
            type(getattr(record, name).value),
        )
        for name in record_fields(record.register_type)
    )
    issues = tuple(
        (type(i), i.field, i.code, i.message, i.severity, frozenset(i.model_fields_set))
        for i in record.issues
    )
    return (
        type(record),
        frozenset(record.model_fields_set),
        values,
        issues,
        record.model_dump_json(),
        result.names,
        result.ethnicity_codes,
    )


def _one_by_one_afresh(entries: list[RawEntry], options: NormalizeOptions) -> list[Any]:
    shapes = []
    for entry in entries:
        clear_caches()
        shapes.append(_shape(normalize_entry(entry, options)))
    return shapes


def test_batch_equals_entries_read_afresh(
    entries: list[RawEntry], options: NormalizeOptions
) -> None:
    clear_caches()
    batch = normalize_entries(entries, options)
    assert [_shape(r) for r in batch] == _one_by_one_afresh(entries, options)
    # a second batch, every reading remembered, gives the same again
    again = normalize_entries(entries, options)
    assert [r.record for r in again] == [r.record for r in batch]
    # the same kinds of record the generator writes: the comparison covers all three
    assert {r.record.kind for r in batch} == {"birth", "death", "marriage"}
    assert sum(len(r.record.issues) for r in batch) > len(batch)  # doubts were compared too


def test_records_built_unchecked_are_valid_models(
    entries: list[RawEntry], options: NormalizeOptions
) -> None:
    clear_caches()
    for result in normalize_entries(entries, options):
        record = result.record
        again = RECORD_MODELS[record.register_type].model_validate_json(record.model_dump_json())
        assert again == record
        assert again.model_dump() == record.model_dump()


def test_memos_emptied_mid_batch_change_nothing(
    entries: list[RawEntry], options: NormalizeOptions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bounded memos empty themselves when full: a batch read with tiny bounds agrees."""
    sample = entries[:600]
    clear_caches()
    expected = [_shape(r) for r in normalize_entries(sample, options)]
    monkeypatch.setattr(records_module, "READINGS_LIMIT", 7)
    monkeypatch.setattr(dates, "MEMO_LIMIT", 5)
    monkeypatch.setattr(names, "_WORDS_LIMIT", 11)
    monkeypatch.setattr(records_module, "PARSES_LIMIT", 3)
    monkeypatch.setattr(text_module, "_FOLDED_WORDS_LIMIT", 4)
    clear_caches()
    assert [_shape(r) for r in normalize_entries(sample, options)] == expected


@given(
    st.integers(min_value=0, max_value=99_999_999).map(str)
    | st.text(alphabet="0123456789", min_size=1, max_size=9)
    | st.text(alphabet="0123456789٣², ", min_size=1, max_size=5)
)
def test_registration_number_fast_path_reads_as_the_general_one(text: str) -> None:
    assert parse_registration_number(text) == _read_registration_number_text(text)


# Names: what registers write (Vietnamese letters in NFC and NFD, capitals) and what cleaning
# must catch (the characters nfc drops or straightens, punctuation, digits, marks alone).
_NAME_ALPHABET = (
    "aăâeêioôơuưyAĂÂEÊIOÔƠUƯYđĐnNgGhHtTrR ễỄộỘừỪ"
    "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
    "\u200b\u200c\u200d\ufeff\u00ad\u2019\u2018\u02bc`\u00b4'-.,()_0١²ÅΩ\u2126\u212b"
)


@given(st.text(alphabet=_NAME_ALPHABET, max_size=14))
def test_name_cleaning_fast_path_cleans_as_the_general_one(text: str) -> None:
    fast = names._clean_fast(text)
    if fast is not None:
        assert (fast, ()) == names._clean(text)


def _reference_name(text: str) -> names.NameParse:
    """normalize_name written plainly, step after step (the spec its one-pass loop keeps)."""
    findings: list[Finding] = []
    cleaned, unexpected = names._clean(text)
    if unexpected:
        found = f"characters {' '.join(unexpected)} cannot be in a name; dropped"
        findings.append(Finding.of(IssueCode.NAME_UNEXPECTED_CHARACTERS, found))
    written = " ".join(cleaned.split()).strip(" -'").split()
    words = [names._word(w) for w in written]
    if not words:
        if text.strip():
            findings.append(Finding.of(IssueCode.NAME_UNREADABLE, f"no name in {text!r}"))
        return names.NameParse(None, tuple(findings))
    invalid = [w.canonical for w in words if not w.valid]
    if invalid:
        found = f"not Vietnamese syllables (OCR damage?): {', '.join(invalid)}"
        findings.append(Finding.of(IssueCode.NAME_INVALID_SYLLABLE, found))
    if len(words) >= 2 and any(w.lost_marks for w in words) and cleaned.isascii():
        findings.append(names._NO_DIACRITICS)
    elif [w.doubt for w in words if w.doubt]:
        doubts = "; ".join(w.doubt for w in words if w.doubt)
        findings.append(Finding.of(IssueCode.NAME_UNUSUAL_DIACRITICS, doubts))
    if len(words) == 2:
        findings.append(names._NO_MIDDLE_NAME)
    full_name = " ".join(w.canonical for w in words)
    family, middle, given_name = names.split_name(full_name)
    family_length = len(family.split())
    parts = names.NameParts(
        full_name,
        family,
        middle,
        given_name,
        " ".join(w.folded for w in words),
        " ".join(w.family_key for w in words[:family_length]),
    )
    return names.NameParse(parts, tuple(findings))


@given(st.text(alphabet=_NAME_ALPHABET, max_size=14))
def test_names_read_as_the_plain_reference(text: str) -> None:
    reference = _reference_name(text)
    assert names.normalize_name(text) == reference
    assert names.read_name(text) == (reference.value, reference.findings)
    assert names.canonical_name_text(text) == (reference.value or "")
    names.clear_words()  # and read afresh, no word remembered
    assert names.normalize_name(text) == reference
    assert names.read_name(text) == (reference.value, reference.findings)


@pytest.mark.parametrize(
    "text",
    ["NGUYỄN THỊ HỒNG NHUNG", "Tôn Nữ Thu Hà", "Nguyễn Trần Minh Anh", "Lê Na", "Nguyen Van Nam",
     "Trần Thị Hông", "- Lê Văn An'", "Bùi  Ngọc\u200bTường", "Hoà", "H'Mông Y", "Ksor H'Ni"],
)  # fmt: skip
def test_register_names_read_as_the_plain_reference(text: str) -> None:
    reference = _reference_name(text)
    assert names.normalize_name(text) == reference
    assert names.read_name(text) == (reference.value, reference.findings)


@given(st.text(alphabet="abcqunhậpà ,;()\t\u00a0Ệ", max_size=24))
def test_admin_canonical_fast_path_reads_as_the_general_one(text: str) -> None:
    assert places._canonical_admin(text) == places._canonical_components(text.lower())


_ADDRESS_ALPHABET = "abphqtxTPHXQ.ậpà ,;()\t\u00a0Ệ1"


@given(st.text(alphabet=_ADDRESS_ALPHABET, max_size=30))
def test_components_split_as_the_expression_does(text: str) -> None:
    expected = [c for c in places._COMPONENT_SPLIT.split(text) if c]
    assert places._components(text) == expected


@given(st.text(alphabet=_ADDRESS_ALPHABET, max_size=30))
def test_abbreviations_skipped_only_where_there_are_none(text: str) -> None:
    assert places.expand_abbreviations(text) == places._ABBREVIATION.sub(places._spell_out, text)


@pytest.mark.parametrize(
    "text", ["Tp Hà Nội", "TPHCM", "tt. Đông Anh", "TX Sơn Tây", "P.Bến Nghé", "quận 3"]
)
def test_abbreviations_found_without_dots(text: str) -> None:
    assert places.expand_abbreviations(text) == places._ABBREVIATION.sub(places._spell_out, text)


def _reference_admin_key(written: str) -> str:
    """The key of an address's administrative part the long way: split_street, then the
    canonical form of what it leaves."""
    _, admin = places.split_street(places.expand_abbreviations(written))
    return places._canonical_admin(admin)


@given(st.text(alphabet=_ADDRESS_ALPHABET + "ốsn", max_size=40))
def test_admin_key_is_the_canonical_admin_of_split_street(text: str) -> None:
    written = clean_text(text)
    assert places._admin_key(written) == _reference_admin_key(written)


@pytest.mark.parametrize(
    "text",
    ["Số 5 ngõ 12, P. Quảng An, Q. Tây Hồ, TP Hà Nội", "thôn 3 ; xã Duy Phiên ;huyện Tam Dương",
     "Bệnh viện Bạch Mai, Hà Nội", "thị xã Kỳ Anh (Thị xã), Hà Tĩnh", " X. Mường Bám, Sơn La ",
     "tổ 4, , phường Hàng Mã,quận Hoàn Kiếm, thành phố Hà Nội", "Hợp Thanh, Mỹ Đức, Hà Nội"],
)  # fmt: skip
def test_register_addresses_keyed_as_split_street_then_the_canonical_admin(text: str) -> None:
    written = clean_text(text)
    assert places._admin_key(written) == _reference_admin_key(written)


def test_a_batch_leaves_its_objects_to_the_oldest_generation(
    entries: list[RawEntry], options: NormalizeOptions
) -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        results = normalize_entries(entries[:300], options)
        assert gc.isenabled()
        assert gc.get_freeze_count() == 0  # nothing left frozen
        young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation=generation)}
        assert not any(id(r.record) in young for r in results)
    finally:
        gc.enable() if was_enabled else gc.disable()


def test_a_callers_frozen_objects_stay_frozen(
    entries: list[RawEntry], options: NormalizeOptions
) -> None:
    sentinel = [object()]  # a container the collector tracks
    gc.freeze()
    try:
        assert not any(o is sentinel for o in gc.get_objects())  # frozen: in no generation
        normalize_entries(entries[:50], options)
        # Still frozen. (The freeze count itself may drop: frozen objects that the batch frees,
        # e.g. emptied memos, leave the permanent generation.)
        assert gc.get_freeze_count() > 0
        assert not any(o is sentinel for o in gc.get_objects())
    finally:
        gc.unfreeze()
