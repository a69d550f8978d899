"""The population DB applies a submitted change once, however often it is sent."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from civreg.db import make_engine
from civreg.errors import TransientError
from matching.population_import import import_population
from matching.population_sync import (
    Acknowledgment,
    ChangeMessage,
    ChangeRejectedError,
    apply_change,
)
from schemas.enums import ChangeKind
from schemas.population_db import PersonChange, PersonChangeKind, PersonRow, ReceivedChange

ANNA = "001190123456"
BINH = "001050654321"
UNKNOWN = "079199999999"
RECORD = "ab" * 32
EXTRACT = (
    "personal_id,full_name,date_of_birth,sex,date_of_death\n"
    f"{ANNA},Nguyễn Thị An,1990-03-05,F,\n"
    f"{BINH},Trần Văn Bình,1950,M,2001\n"
)


@pytest.fixture
def population(population_engine: Engine, tmp_path: Path) -> Engine:
    extract = tmp_path / "population.csv"
    extract.write_text(EXTRACT, encoding="utf-8")
    import_population(extract, population_engine)
    return population_engine


def _message(kind: ChangeKind, message_id: str = "m-1", **payload) -> ChangeMessage:
    base = {"personal_id": ANNA, "record_id": RECORD, "decision_id": 7}
    return ChangeMessage(message_id=message_id, kind=kind, payload=base | payload)


def _link(message_id: str = "m-1") -> ChangeMessage:
    return _message(
        ChangeKind.LINK, message_id, register_type="birth", party="subject", decided_by="system"
    )


def _count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))


def _person(engine: Engine, personal_id: str):
    with engine.connect() as connection:
        return connection.execute(
            select(PersonRow.__table__).where(PersonRow.personal_id == personal_id)
        ).one()


def test_a_message_sent_twice_is_applied_once(population: Engine) -> None:
    changes_before = _count(population, PersonChange)

    first = apply_change(population, _link())
    second = apply_change(population, _link())

    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.seq is not None and second.seq is None
    assert second.applied_at == first.applied_at
    assert _count(population, PersonChange) == changes_before + 1
    assert _count(population, ReceivedChange) == 1
    with population.connect() as connection:
        change = connection.execute(
            select(PersonChange.__table__).where(PersonChange.seq == first.seq)
        ).one()
    assert (change.personal_id, change.kind) == (ANNA, PersonChangeKind.LINK)
    assert _person(population, ANNA).updated_seq == first.seq


def test_the_same_message_delivered_twice_at_once_is_applied_once(population: Engine) -> None:
    changes_before = _count(population, PersonChange)
    start = threading.Barrier(2)
    answers: list[Acknowledgment] = []

    def deliver() -> None:
        engine = make_engine(population.url.render_as_string(hide_password=False))
        start.wait()
        answers.append(apply_change(engine, _link("m-race")))
        engine.dispose()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(a.duplicate for a in answers) == [False, True]
    assert _count(population, PersonChange) == changes_before + 1


def test_a_death_sets_the_date_and_a_correction_the_field(population: Engine) -> None:
    death = apply_change(population, _message(ChangeKind.DEATH, "d-1", date_of_death="2024-05-06"))
    name = apply_change(
        population,
        _message(ChangeKind.CORRECTION, "c-1", field="full_name", value=" Nguyễn Thị Ân "),
    )
    birth = apply_change(
        population, _message(ChangeKind.CORRECTION, "c-2", field="date_of_birth", value="1991-03")
    )

    person = _person(population, ANNA)
    assert person.date_of_death == "2024-05-06"
    assert (person.full_name, person.name_key) == ("Nguyễn Thị Ân", "nguyen thi an")
    assert (person.date_of_birth, person.birth_year) == ("1991-03", 1991)
    assert person.updated_seq == birth.seq
    assert death.seq < name.seq < birth.seq
    with population.connect() as connection:
        kinds = connection.scalars(
            select(PersonChange.kind)
            .where(PersonChange.seq.in_([death.seq, name.seq, birth.seq]))
            .order_by(PersonChange.seq)
        ).all()
    assert kinds == [
        PersonChangeKind.DEATH,
        PersonChangeKind.CORRECTION,
        PersonChangeKind.CORRECTION,
    ]


def test_a_more_precise_death_date_refines_and_a_contradicting_one_is_refused(
    population: Engine,
) -> None:
    refine = _message(ChangeKind.DEATH, "d-2", personal_id=BINH, date_of_death="2001-02-14")
    apply_change(population, refine)
    assert _person(population, BINH).date_of_death == "2001-02-14"

    vaguer = _message(ChangeKind.DEATH, "d-3", personal_id=BINH, date_of_death="2001")
    apply_change(population, vaguer)
    assert _person(population, BINH).date_of_death == "2001-02-14"

    contradicting = _message(ChangeKind.DEATH, "d-4", personal_id=BINH, date_of_death="2003")
    with pytest.raises(ChangeRejectedError, match=r"already records the death of 001\*+21"):
        apply_change(population, contradicting)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (
            _message(
                ChangeKind.LINK, personal_id=UNKNOWN, register_type="birth", decided_by="system"
            ),
            r"person 079\*+99 is not in the population DB",
        ),
        (_message(ChangeKind.LINK, register_type="birth"), r"decided_by: Field required"),
        (_message(ChangeKind.DEATH, date_of_death="05/06/2024"), r"date_of_death: Value error"),
        (_message(ChangeKind.CORRECTION, field="religion", value="x"), r"field: Input should be"),
        (_message(ChangeKind.CORRECTION, field="sex", value="Nam"), r"sex is 'M' or 'F'"),
        (_message(ChangeKind.CORRECTION, field="full_name", value=" "), r"name cannot be cleared"),
        (
            _message(ChangeKind.LINK, register_type="birth", decided_by="system", extra=1),
            r"extra: Extra inputs are not permitted",
        ),
    ],
)
def test_changes_the_db_must_refuse_are_refused_and_leave_no_trace(
    population: Engine, message: ChangeMessage, reason: str
) -> None:
    changes_before = _count(population, PersonChange)
    with pytest.raises(ChangeRejectedError, match=reason):
        apply_change(population, message)
    assert _count(population, PersonChange) == changes_before
    assert _count(population, ReceivedChange) == 0


def test_an_unreachable_population_db_is_a_transient_failure() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/population?connect_timeout=2")
    with pytest.raises(TransientError, match="population DB"):
        apply_change(engine, _link())
    engine.dispose()
