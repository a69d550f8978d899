"""Population extract import: per-line errors, the rest loaded, idempotent, CSV and Parquet."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from civreg.errors import ExitCode, PopulationImportError
from matching.population_import import (
    ExtractFormat,
    ExtractRejectedError,
    ImportOptions,
    import_population,
    open_extract,
)
from schemas.enums import Sex
from schemas.population_db import PersonChange, PersonChangeKind, PersonRow

HEADER = (
    "personal_id,full_name,date_of_birth,sex,place_of_birth,hometown,ethnicity,nationality,"
    "permanent_residence,father_name,father_id,mother_name,mother_id,date_of_death,ghi_chu"
)
NHUNG = "001190123456"
BINH = "001052000111"
LAN = "079301004567"
HUNG = "001085000222"
# line 1 is the header; line 5 holds a quoted cell that runs onto line 6
LINES = [
    f"{NHUNG},Nguyễn Thị Hồng Nhung,1990-03-05,F,Hà Nội,Nam Định,Kinh,Việt Nam,"
    "phường Tây Hồ Hà Nội,Nguyễn Văn Hải,001060000001,Lê Thị Mai,001165000002,,con thứ hai",
    f"{BINH},Trần Văn Bình,1952,M,,,Kinh,Việt Nam,,,,,,2020-07,",
    "00119012345,Phạm Văn Cường,1991-01-01,M,,,,,,,,,,,",
    f'{LAN},Lê Thị Lan,2001-12-24,F,"Bệnh viện\nPhụ sản Hà Nội",,Kinh,Việt Nam,,,,,,,',
    "001190765432,Đỗ Thị Hoa,05/03/1990,Nam,,,,,,,,,,,",
    "001188000333,,1988,M,,,,,,,,,,,",
    f"{NHUNG},Nguyễn Thị Hồng Nhung (bis),1990-03-05,F,,,,,,,,,,,",
    "001188000444,Vũ Văn Nam,1988",
    f"{HUNG},{unicodedata.normalize('NFD', 'Hoàng Văn Hùng')},1985-06,M,,,,,,,,,,,",
]
EXPECTED_ERRORS = [
    (4, "personal_id"),
    (7, "date_of_birth"),
    (7, "sex"),
    (8, "full_name"),
    (9, "personal_id"),
    (10, None),
]
GOOD_IDS = {NHUNG, BINH, LAN, HUNG}


def _write_csv(path: Path, lines: list[str], *, bom: bool = True) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


@pytest.fixture
def extract_csv(tmp_path: Path) -> Path:
    return _write_csv(tmp_path / "extract.csv", LINES)


def _people(engine: Engine) -> dict[str, PersonRow]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        return {p.personal_id: p for p in session.scalars(select(PersonRow))}


def _changes(engine: Engine) -> list[tuple[int, str, PersonChangeKind]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(PersonChange.seq, PersonChange.personal_id, PersonChange.kind).order_by(
                PersonChange.seq
            )
        )
        return [tuple(row) for row in rows]


def test_bad_rows_are_reported_by_line_and_the_rest_loads(
    population_engine: Engine, extract_csv: Path
) -> None:
    report = import_population(extract_csv, population_engine, ImportOptions(batch_size=3))

    assert report.format is ExtractFormat.CSV
    assert [(e.line, e.column) for e in report.errors] == EXPECTED_ERRORS
    assert report.errors[-1].message == "has 3 cells where the header has 15 columns"
    assert "line 2" in report.errors[4].message  # the duplicate names the first occurrence
    assert (report.rows_read, report.inserted, report.updated, report.unchanged) == (9, 4, 0, 0)
    assert report.bad_rows == 5

    people = _people(population_engine)
    assert set(people) == GOOD_IDS
    nhung = people[NHUNG]
    assert nhung.name_key == "nguyen thi hong nhung"
    assert (nhung.date_of_birth, nhung.birth_year, nhung.sex) == ("1990-03-05", 1990, Sex.FEMALE)
    assert nhung.mother_id == "001165000002"
    assert nhung.spouse_name is None  # optional column absent from the extract
    assert nhung.extra == {"ghi_chu": "con thứ hai"}
    binh = people[BINH]
    assert (binh.date_of_birth, binh.birth_year, binh.date_of_death) == ("1952", 1952, "2020-07")
    assert binh.extra == {}
    assert people[LAN].place_of_birth == "Bệnh viện\nPhụ sản Hà Nội"
    assert people[HUNG].full_name == unicodedata.normalize("NFC", "Hoàng Văn Hùng")
    assert people[HUNG].name_key == "hoang van hung"

    changes = _changes(population_engine)
    assert sorted(pid for _, pid, _ in changes) == sorted(GOOD_IDS)
    assert {kind for _, _, kind in changes} == {PersonChangeKind.CREATED}
    assert {people[pid].updated_seq for _, pid, _ in changes} == {seq for seq, _, _ in changes}


def test_reimport_is_idempotent_and_a_changed_row_is_updated(
    population_engine: Engine, extract_csv: Path, tmp_path: Path
) -> None:
    import_population(extract_csv, population_engine)
    first_changes = _changes(population_engine)

    again = import_population(extract_csv, population_engine)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert _changes(population_engine) == first_changes

    moved = [LINES[0].replace("phường Tây Hồ Hà Nội", "phường Hồng Hà Hà Nội"), *LINES[1:]]
    changed = import_population(_write_csv(tmp_path / "moved.csv", moved), population_engine)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 3)
    last_seq, pid, kind = _changes(population_engine)[-1]
    assert (pid, kind) == (NHUNG, PersonChangeKind.UPDATED)
    assert last_seq > max(seq for seq, _, _ in first_changes)
    nhung = _people(population_engine)[NHUNG]
    assert nhung.permanent_residence == "phường Hồng Hà Hà Nội"
    assert nhung.updated_seq == last_seq


def test_parquet_extract_is_sniffed_by_content(population_engine: Engine, tmp_path: Path) -> None:
    table = pa.table(
        {
            "personal_id": [NHUNG, "12345", BINH],
            "full_name": ["Nguyễn Thị Hồng Nhung", "Ai Đó", "Trần Văn Bình"],
            "date_of_birth": ["1990-03-05", "1990", "1952"],
            "sex": ["F", "M", "X"],
            "so_ho_khau": pa.array([17, 18, 19], pa.int64()),
        }
    )
    path = tmp_path / "extract-named-like-a.csv"
    pq.write_table(table, path)

    report = import_population(path, population_engine)
    assert report.format is ExtractFormat.PARQUET
    assert [(e.line, e.column) for e in report.errors] == [(3, "personal_id"), (4, "sex")]
    assert report.inserted == 1
    assert _people(population_engine)[NHUNG].extra == {"so_ho_khau": 17}


def test_strict_refuses_the_whole_file(population_engine: Engine, extract_csv: Path) -> None:
    with pytest.raises(ExtractRejectedError) as refused:
        import_population(extract_csv, population_engine, ImportOptions(strict=True))
    assert [(e.line, e.column) for e in refused.value.report.errors] == EXPECTED_ERRORS
    assert refused.value.exit_code is ExitCode.POPULATION_IMPORT
    assert _people(population_engine) == {}


def test_cli_import_exit_codes(
    cli_app: typer.Typer, population_engine: Engine, database_url: str, tmp_path: Path
) -> None:
    path = _write_csv(tmp_path / "no-bom.csv", LINES, bom=False)
    runner = CliRunner()
    command = ["population", "import", str(path), "--url", database_url]

    strict = runner.invoke(cli_app, [*command, "--strict"], terminal_width=200)
    assert strict.exit_code == int(ExitCode.POPULATION_IMPORT), strict.output
    assert "line 4, column personal_id: must be 12 digits" in strict.output
    assert "nothing was loaded" in strict.output
    assert _people(population_engine) == {}

    lenient = runner.invoke(cli_app, [*command, "--show-errors", "2"], terminal_width=200)
    assert lenient.exit_code == 0, lenient.output
    assert "line 7, column date_of_birth: '05/03/1990' is not a date" in lenient.output
    assert "and 4 more problems" in lenient.output
    assert set(_people(population_engine)) == GOOD_IDS


def test_cli_import_of_a_missing_file(cli_app: typer.Typer, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["population", "import", str(tmp_path / "nowhere.csv")])
    assert result.exit_code == int(ExitCode.POPULATION_IMPORT)
    assert "nowhere.csv: no such file" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"personal_id,ho_ten\n001190123456,An\n", "required column 'full_name' is missing"),
        (b"full_name\nAn\n", "required column 'personal_id' is missing"),
        ("personal_id,full_name\n001190123456,Lê Thành\n".encode("latin-1"), "line 2 is not UTF-8"),
        (b"personal_id,full_name,full_name\n", "column 'full_name' appears twice"),
    ],
)
def test_unusable_files_name_the_file_and_the_fault(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(content)
    with pytest.raises(PopulationImportError, match=message) as error:
        open_extract(path)
    assert str(path) in str(error.value)


def test_header_is_read_with_or_without_bom(tmp_path: Path) -> None:
    for bom in (True, False):
        extract = open_extract(_write_csv(tmp_path / f"bom-{bom}.csv", LINES[:1], bom=bom))
        assert extract.columns[0] == "personal_id"
        assert extract.columns[-1] == "ghi_chu"


def test_chunked_loading_counts_every_row(population_engine: Engine, tmp_path: Path) -> None:
    lines = [f"{NHUNG[:6]}{serial:06d},Người Thứ {serial},1990,F" for serial in range(250)]
    path = tmp_path / "many.csv"
    path.write_text("personal_id,full_name,date_of_birth,sex\n" + "\n".join(lines) + "\n")
    progress: list[tuple[int, int]] = []
    report = import_population(
        path,
        population_engine,
        ImportOptions(batch_size=64),
        on_progress=lambda *p: progress.append(p),
    )
    assert (report.inserted, report.errors) == (250, [])
    assert [done for done, _ in progress] == [64, 128, 192, 250]
    assert progress[-1] == (250, 250)
    with population_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(PersonRow)).scalar() == 250
