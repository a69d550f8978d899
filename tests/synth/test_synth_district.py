"""The synthetic district: determinism, the extract contract, IDs, books and discrepancies."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner
from vietnamadminunits import convert_address

from civreg.commands.synth import app as synth_app
from schemas.enums import RegisterType, Sex
from schemas.personal_id import check_personal_id
from schemas.records import Person, record_fields
from schemas.values import PartialDate
from synth.admin import load_atlas
from synth.books import ABSENT, DiscrepancyKind, RegisterBook
from synth.district import (
    DiscrepancyRates,
    District,
    DistrictOptions,
    generate_district,
    write_district,
)
from synth.names import ETHNIC_GROUPS, SURNAMES, given_name_count
from synth.population import LEGAL_MARRIAGE_AGE, REFORM_DATE

NAME_FIELDS = {"full_name", "mother_name", "father_name", "husband_full_name", "wife_full_name"}
ID_FIELDS = {"personal_id", "husband_personal_id", "wife_personal_id"}
PLACE_FIELDS = ("place_of_birth", "hometown", "residence", "place_of_death")


@pytest.fixture(scope="module")
def district() -> District:
    """A mid-size district (3,000 people, two wards, books 1995-2025)."""
    return generate_district(DistrictOptions(people=3000, seed=20251))


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, district: District) -> Path:
    out = tmp_path_factory.mktemp("district")
    write_district(district, out)
    return out


def _folder_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _small(seed: int) -> DistrictOptions:
    return DistrictOptions(people=600, seed=seed, first_year=2010, last_year=2025)


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    write_district(generate_district(_small(5)), tmp_path / "a")
    write_district(generate_district(_small(5)), tmp_path / "b")
    assert _folder_digest(tmp_path / "a") == _folder_digest(tmp_path / "b")
    assert len(list((tmp_path / "a" / "books").glob("*.json"))) > 10


def test_different_seeds_differ(tmp_path: Path) -> None:
    write_district(generate_district(_small(5)), tmp_path / "a")
    write_district(generate_district(_small(6)), tmp_path / "b")
    for name in ("population.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_rewriting_removes_stale_books(tmp_path: Path) -> None:
    stale = tmp_path / "books" / "birth-99999-1999.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    write_district(generate_district(_small(5)), tmp_path)
    assert not stale.exists()


def test_population_csv_has_the_contract_header_and_loads_as_people(written: Path) -> None:
    with (written / "population.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    assert tuple(header) == Person.EXTRACT_COLUMNS
    people = [Person(**{k: v or None for k, v in zip(header, row, strict=True)}) for row in rows]
    assert people
    year_only = [p for p in people if p.date_of_birth and p.date_of_birth.month is None]
    assert year_only, "some older people have only a year of birth"
    assert all(p.date_of_birth.year < 1960 for p in year_only if p.date_of_birth)
    assert any(p.date_of_death for p in people)
    assert all(p.nationality == "Việt Nam" for p in people)
    assert all(p.full_name == unicodedata.normalize("NFC", p.full_name) for p in people)


def test_absent_people_are_not_in_the_extract(district: District, written: Path) -> None:
    with (written / "population.csv").open(encoding="utf-8", newline="") as handle:
        ids = {row["personal_id"] for row in csv.DictReader(handle)}
    absent = [p for p in district.population.people if not p.in_db]
    assert absent
    assert all(p.personal_id == "" for p in absent)
    assert ids == {p.personal_id for p in district.population.people if p.in_db}


def test_parents_and_spouses_ids_point_into_the_extract(written: Path) -> None:
    with (written / "population.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids = {row["personal_id"] for row in rows}
    linked = [row[c] for row in rows for c in ("father_id", "mother_id", "spouse_id") if row[c]]
    assert linked
    assert set(linked) <= ids


def test_surname_shares_follow_domain(district: District) -> None:
    people = district.population.people
    counts = Counter(p.name.surname for p in people)
    expected = {
        ("Nguyễn",): 38.4,
        ("Trần",): 11.0,
        ("Lê",): 9.5,
        ("Phạm",): 7.1,
        ("Huỳnh", "Hoàng"): 5.1,
        ("Phan",): 4.5,
        ("Vũ", "Võ"): 3.9,
    }
    for names, share in expected.items():
        actual = 100 * sum(counts[n] for n in names) / len(people)
        assert abs(actual - share) <= 2.0, f"{names}: {actual:.1f}% against {share}%"
    top = sum(counts[n] for n in SURNAMES[:16]) / len(people)
    assert 0.85 <= top <= 0.93


def test_ids_are_valid_for_sex_birth_year_and_province_and_unique(district: District) -> None:
    in_db = [p for p in district.population.people if p.in_db]
    for person in in_db:
        problems = check_personal_id(
            person.personal_id,
            sex=person.sex,
            birth_year=person.birth_date.year,
            birth_province_code="0" + person.birth_province,
        )
        assert problems == [], (person.personal_id, problems)
    assert len({p.personal_id for p in in_db}) == len(in_db)
    provinces = Counter(p.personal_id[:3] for p in in_db)
    assert provinces.most_common(1)[0][0] == "001"
    assert len(provinces) > 5


def test_names_and_ethnicities_are_real_nfc_text(district: District) -> None:
    male, female = given_name_count()
    assert male >= 120 and female >= 120
    assert len(ETHNIC_GROUPS) == 54
    people = district.population.people
    assert all(p.name.full == unicodedata.normalize("NFC", p.name.full) for p in people)
    middles = Counter(p.name.middle[0] for p in people if p.name.middle)
    assert middles["Văn"] and middles["Thị"]
    assert any(len(p.name.middle) == 2 for p in people)
    assert any(len(p.name.family) == 2 for p in people)
    assert all(p.sex is Sex.FEMALE for p in people if "Thị" in p.name.middle)
    assert all(p.sex is Sex.MALE for p in people if "Văn" in p.name.middle)
    ethnicities = Counter(p.ethnicity for p in people)
    assert ethnicities.most_common(1)[0][0] == "Kinh"
    assert set(ethnicities) <= set(ETHNIC_GROUPS) and len(ethnicities) > 1


def test_books_are_numbered_from_one_each_and_fields_match_the_records(
    district: District,
) -> None:
    ids = [b.book_id for b in district.books]
    assert len(ids) == len(set(ids))
    for book in district.books:
        assert [e.registration_number for e in book.entries] == list(
            range(1, len(book.entries) + 1)
        )
        assert book.era == ("pre2014" if book.year < 2014 else "post2014")
        fields = record_fields(book.register_type)
        for entry in book.entries:
            assert entry.entry_key == f"{book.book_id}-{entry.registration_number}"
            assert list(entry.written) == fields and list(entry.truth) == fields
            assert entry.truth["registration_date"].startswith(str(book.year))
        dates = [e.truth["registration_date"] for e in book.entries]
        assert dates == sorted(dates)
    types = Counter(b.register_type for b in district.books)
    assert set(types) == set(RegisterType)


def test_books_use_old_units_before_the_reform_and_new_after(district: District) -> None:
    old_wards = {w.code: w for w in district.register_wards}
    reform = REFORM_DATE.isoformat()
    new_books = [b for b in district.books if b.book_id.endswith("-new")]
    assert new_books and all(b.year == 2025 for b in new_books)
    for book in district.books:
        post_reform = book in new_books
        if post_reform:  # kept by the new ward the parents live in
            assert book.ward_written == f"{book.ward}, Thành phố Hà Nội"
            allowed, old_name = {book.ward}, None
        else:  # kept by the old ward, whose people now live in its new ward(s)
            old = old_wards[book.book_id.split("-")[1]]
            assert book.ward_written == f"{old.name}, Quận Tây Hồ, Thành phố Hà Nội"
            assert (book.ward, book.ward_code) == (
                old.default_new_ward.name,
                old.default_new_ward.code,
            )
            allowed, old_name = {n.name for n in old.new_wards}, old.short_name
        for entry in book.entries:
            assert (entry.truth["registration_date"] >= reform) is post_reform
            if book.register_type is RegisterType.BIRTH:
                assert entry.truth["parents_residence"].split(", ")[1] in allowed
                assert old_name is None or old_name in entry.written["parents_residence"]


def test_every_discrepancy_kind_occurs(district: District) -> None:
    counts = district.manifest().counts.discrepancies
    assert {kind.value for kind in DiscrepancyKind} == set(counts)
    missing = [kind for kind, count in counts.items() if count == 0]
    assert missing == []


def test_truth_is_canonical_and_consistent(district: District) -> None:
    iso = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    provinces = {ward.province for ward in load_atlas().new_wards.values()}
    for book in district.books:
        for entry in book.entries:
            truth = entry.truth
            for field, value in truth.items():
                if field.endswith("date_of_birth") or field in (
                    "registration_date",
                    "date_of_death",
                ):
                    assert iso.match(value), (entry.entry_key, field, value)
                    PartialDate.parse(value)
            if book.register_type is not RegisterType.MARRIAGE:
                assert truth["sex"] in ("M", "F")
                assert truth["date_of_birth"][:4] <= truth["registration_date"][:4]
            if book.register_type is RegisterType.DEATH:
                assert PartialDate.parse(
                    truth["date_of_birth"]
                ).earliest() <= dt.date.fromisoformat(truth["date_of_death"])
                assert truth["date_of_death"] <= truth["registration_date"]
                assert truth["time_of_death"] == "" or re.match(
                    r"^\d{2}:\d{2}$", truth["time_of_death"]
                )
            if book.register_type is RegisterType.MARRIAGE:
                married = dt.date.fromisoformat(truth["registration_date"])
                for role, sex in (("husband", Sex.MALE), ("wife", Sex.FEMALE)):
                    born = PartialDate.parse(truth[f"{role}_date_of_birth"])
                    latest_birthday = dt.date(born.year, born.month or 12, born.day or 28)
                    age = (married - latest_birthday).days / 365.25
                    assert age >= LEGAL_MARRIAGE_AGE[sex], (entry.entry_key, role, age)
            for field, value in truth.items():
                if field.endswith(PLACE_FIELDS):  # new units: ward, 2025 province, no district
                    assert value.rsplit(", ", 1)[1] in provinces, (entry.entry_key, field)
                    assert not re.search(r"\b(Quận|Huyện|Thị xã)\b", value)


def test_written_departs_from_truth_only_with_a_recorded_discrepancy(district: District) -> None:
    for book in district.books:
        for entry in book.entries:
            noted = {d.field for d in entry.discrepancies}
            for field in NAME_FIELDS & set(entry.written):
                written, truth = entry.written[field], entry.truth[field]
                if field not in noted:
                    assert written == truth, (entry.entry_key, field)
                elif written == truth.upper():
                    kinds = {d.kind for d in entry.discrepancies if d.field == field}
                    assert DiscrepancyKind.CAPITALS in kinds
            for field in ID_FIELDS & set(entry.written):
                if field not in noted:
                    assert entry.written[field] == entry.truth[field] != ""


def test_personal_ids_by_era(district: District) -> None:
    for book in district.books:
        for entry in book.entries:
            ids = [entry.written[f] for f in ID_FIELDS & set(entry.written)]
            if book.era == "pre2014":
                assert ids and all(i == "" for i in ids)
            elif book.year < 2016:
                assert all(i == "" or re.fullmatch(r"\d{9}", i) for i in ids)


def test_true_personal_ids_name_the_person_or_absent(district: District) -> None:
    by_id = {p.personal_id: p for p in district.population.people if p.in_db}
    absent_seen = 0
    for book in district.books:
        parties = ["subject"] if book.register_type is not RegisterType.MARRIAGE else [
            "husband",
            "wife",
        ]  # fmt: skip
        for entry in book.entries:
            assert set(entry.true_personal_ids) == set(parties)
            for party in parties:
                true_id = entry.true_personal_ids[party]
                prefix = "" if party == "subject" else f"{party}_"
                if true_id == ABSENT:
                    absent_seen += 1
                    assert any(
                        d.kind is DiscrepancyKind.ABSENT_FROM_DB
                        and d.field == f"{prefix}personal_id"
                        for d in entry.discrepancies
                    )
                else:
                    person = by_id[true_id]
                    assert entry.truth[f"{prefix}full_name"] == person.name.full
                    assert entry.truth[f"{prefix}personal_id"] == true_id
    assert absent_seen


def test_re_registrations_repeat_a_true_person(district: District) -> None:
    entries = {e.entry_key: e for b in district.books for e in b.entries}
    found = 0
    for entry in entries.values():
        for d in entry.discrepancies:
            if d.kind is DiscrepancyKind.RE_REGISTRATION:
                assert entry.written["notes"] == "Đăng ký lại"
                first_key = d.detail.rsplit("first: ", 1)[1]
                if first_key in entries:
                    found += 1
                    first = entries[first_key]
                    assert first.true_personal_ids == entry.true_personal_ids
                    assert first.truth["registration_date"] < entry.truth["registration_date"]
    assert found


def test_book_json_round_trips_and_manifest_counts(written: Path, district: District) -> None:
    paths = sorted((written / "books").glob("*.json"))
    assert len(paths) == len(district.books)
    book = RegisterBook.model_validate_json(paths[0].read_text(encoding="utf-8"))
    assert paths[0].name == f"{book.book_id}.json"
    manifest = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert manifest["seed"] == 20251
    assert counts["people"] == 3000
    assert counts["people_in_db"] == sum(p.in_db for p in district.population.people)
    assert counts["books"] == len(paths)
    assert sum(counts["entries"].values()) == sum(len(b.entries) for b in district.books)
    assert manifest["options"]["rates"]["typo"] == DiscrepancyRates().typo


def test_register_wards_convert_like_vietnamadminunits() -> None:
    """Our old -> new table (read from the package's data) agrees with its converter."""
    atlas = load_atlas()
    tay_ho = atlas.register_ward_candidates()[:8]
    assert {w.district for w in tay_ho} == {"Quận Tây Hồ"}
    assert [w.short_name for w in tay_ho if not w.is_split] == ["Bưởi"]
    for ward in tay_ho:
        unit = convert_address(f"{ward.name}, {ward.district}, Hà Nội")
        assert unit.ward == ward.default_new_ward.name
        assert unit.ward_code == ward.default_new_ward.code


def test_options_are_validated() -> None:
    with pytest.raises(ValidationError):
        DistrictOptions(people=1000, seed=1, first_year=2020, last_year=2010)
    with pytest.raises(ValidationError):
        DistrictOptions(people=1000, seed=1, last_year=2030)
    with pytest.raises(ValidationError):
        DistrictOptions(people=1000, seed=1, rates=DiscrepancyRates(typo=1.5))


def test_cli_writes_the_district(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        synth_app,
        [
            "district",
            "--people",
            "300",
            "--seed",
            "3",
            "--out",
            str(tmp_path),
            "--years",
            "2015-2025",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "people in the DB" in result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["options"]["first_year"], manifest["options"]["last_year"]) == (2015, 2025)
    bad = CliRunner().invoke(
        synth_app,
        ["district", "--people", "300", "--seed", "3", "--out", str(tmp_path), "--years", "2025"],
    )
    assert bad.exit_code == 2
