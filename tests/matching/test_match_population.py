"""The population adapter on SQLite and PostgreSQL, loaded through the real import."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine, update

from matching.civil import PopulationFrame
from matching.decide import MatchOutcome
from matching.link import link, train_civil_model
from matching.model import ModelConfig
from matching.population import BlockQuery, PopulationAdapter
from matching.population_import import import_population
from matching.text import name_parts
from schemas.enums import Sex
from schemas.population_db import PersonChangeKind, PersonRow
from schemas.records import Person
from schemas.values import PartialDate

PEOPLE = [
    (
        "001190000001",
        "Nguyễn Thị Lan",
        "1990-03-05",
        "F",
        "Trần Thị Hoa",
        "Phường Tây Hồ, Thành phố Hà Nội",
    ),
    ("001090000002", "Hoàng Văn An", "1990", "M", "Lê Thị Mai", "Phường Ba Đình, Thành phố Hà Nội"),
    ("001085000003", "Phạm Văn Bình", "1985-01-01", "M", None, None),
    ("001170000004", "Lê Thị Hồng", "1970-12-31", "F", None, None),
    ("001060000005", "Trần Văn Tám", "1960", "M", None, None),
]


def write_extract(path: Path, rows) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "personal_id",
                "full_name",
                "date_of_birth",
                "sex",
                "mother_name",
                "permanent_residence",
            ]
        )
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def loaded(engine: Engine, tmp_path: Path) -> PopulationAdapter:
    import_population(write_extract(tmp_path / "people.csv", PEOPLE), engine)
    return PopulationAdapter(engine)


def test_load_all_as_columns(population_engine: Engine, tmp_path: Path) -> None:
    frame = loaded(population_engine, tmp_path).load_all()
    assert frame.personal_id == sorted(p[0] for p in PEOPLE)
    row = frame.row_of("001190000001")
    assert frame.full_name[row] == "Nguyễn Thị Lan"
    assert frame.sex[row] == "F" and frame.date_of_birth[row] == "1990-03-05"
    assert frame.candidate(row).ward_key == "ha noi|tay ho"


def test_candidates_by_the_batch_keys(population_engine: Engine, tmp_path: Path) -> None:
    adapter = loaded(population_engine, tmp_path)
    query = BlockQuery(
        personal_ids=frozenset({"001060000005"}),
        name_keys=frozenset({"huynh van an", "hoang van an"}),
        birth_years=frozenset({1984, 1985, 1986}),
    )
    frame = adapter.fetch_candidates(query)
    assert frame.personal_id == ["001060000005", "001085000003", "001090000002"]
    assert isinstance(frame, PopulationFrame) and len(frame) == 3


def test_candidates_for_records_use_name_variants_and_years(
    population_engine: Engine, tmp_path: Path, synthetic_factory
) -> None:
    adapter = loaded(population_engine, tmp_path)
    record = synthetic_factory(people=5, records=1).records[0]
    huynh = replace(
        record,
        name=name_parts("Huỳnh Văn An"),
        date_of_birth=PartialDate.parse("1971-01-01"),
        personal_id=None,
    )
    frame = adapter.candidates_for([huynh])
    assert set(frame.personal_id) == {"001090000002", "001170000004"}


def test_current_state_and_changes_since(population_engine: Engine, tmp_path: Path) -> None:
    adapter = loaded(population_engine, tmp_path)
    feed = adapter.changes_since(0)
    assert sorted(feed.personal_ids) == sorted(p[0] for p in PEOPLE)
    assert {kind for _, _, kind in feed.changes} == {PersonChangeKind.CREATED}
    watermark = feed.watermark
    assert adapter.changes_since(watermark).changes == []

    changed = [*PEOPLE]
    changed[2] = ("001085000003", "Phạm Văn Bình", "1985-01-01", "M", "Đỗ Thị Na", None)
    import_population(write_extract(tmp_path / "people2.csv", changed), population_engine)
    later = adapter.changes_since(watermark)
    assert later.personal_ids == ["001085000003"]
    assert later.changes[0][2] is PersonChangeKind.UPDATED
    assert later.watermark > watermark

    people = adapter.people(["001085000003", "999999999999"])
    assert list(people) == ["001085000003"]
    person = people["001085000003"]
    assert isinstance(person, Person) and person.mother_name == "Đỗ Thị Na"
    assert person.sex is Sex.MALE and person.date_of_birth.iso() == "1985-01-01"

    with population_engine.begin() as connection:
        connection.execute(
            update(PersonRow.__table__)
            .where(PersonRow.__table__.c.personal_id == "001060000005")
            .values(date_of_death="2020-01-01")
        )
    frame = adapter.frame_of(["001060000005"])
    assert frame.date_of_death == ["2020-01-01"]


def test_a_batch_links_against_its_candidates_from_the_db(
    population_engine: Engine, tmp_path: Path, synthetic_factory
) -> None:
    data = synthetic_factory(people=400, records=60, seed=5)
    frame = data.population
    extract = tmp_path / "extract.csv"
    with extract.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "personal_id",
                "full_name",
                "date_of_birth",
                "sex",
                "mother_name",
                "father_name",
                "permanent_residence",
            ]
        )
        for row in range(len(frame)):
            writer.writerow(
                [
                    frame.personal_id[row],
                    frame.full_name[row],
                    frame.date_of_birth[row],
                    frame.sex[row],
                    frame.mother_name[row],
                    frame.father_name[row],
                    frame.permanent_residence[row],
                ]
            )
    import_population(extract, population_engine)
    adapter = PopulationAdapter(population_engine)
    model = train_civil_model(data.records, adapter.load_all(), ModelConfig(u_sample_pairs=20_000))
    batch = data.records[:20]
    candidates = adapter.candidates_for(batch)
    assert len(candidates) < len(frame)
    result = link(batch, candidates, model)
    truth = dict(zip([r.record_id for r in data.records], data.truth, strict=True))
    linked = [d for d in result.decisions if d.outcome is MatchOutcome.AUTO_LINKED]
    assert linked and all(d.personal_id == truth[d.record_id] for d in linked)
