"""The scan renderer: every shape and format, truth boxes against the pixels, determinism."""

from __future__ import annotations

import io
import json
import math
import re
import unicodedata
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image, ImageDraw
from typer.testing import CliRunner

from civreg.commands import synth as synth_commands
from civreg.errors import DataValidationError, InputFileError
from schemas.enums import RegisterType
from schemas.records import record_fields
from synth.books import BookEntry, RegisterBook, TruthFile
from synth.render import (
    ALL_LEVELS,
    ALL_SHAPES,
    OutputFormat,
    PageSpec,
    RenderOptions,
    load_books,
    plan_book,
    render_book,
    write_rendered,
)
from synth.render.degrade import corners_to_bbox, skew, turn
from synth.render.labels import full_column_order, possible_columns

WARD = "phường Quảng An, quận Tây Hồ, TP Hà Nội"

BIRTHS = [
    # full_name, date_of_birth, sex, place_of_birth, mother, mother year, father, father year
    ("Nguyễn Thị Hồng Nhung", "05/03/1998", "Nữ", "Bệnh viện Phụ sản Hà Nội",
     "Trần Thị Lan", "1972", "Nguyễn Văn Hùng", "1970"),
    ("TRẦN ĐỨC ANH", "17/11/1998", "Nam", "Bệnh viện Bạch Mai",
     "Lê Thị Hương", "1975", "Trần Văn Dũng", "1973"),
    ("Lê Minh Khánh", "02/01/1998", "Nam", "Bệnh viện Đa khoa Đức Giang",
     "Phạm Thu Trang", "1977", "", ""),
    ("Phạm Ngọc Ánh", "30/06/1998", "Nữ", "tại nhà, phường Nhật Tân, quận Tây Hồ, TP Hà Nội",
     "Vũ Thị Yến", "1969", "Phạm Quang Sơn", "1966"),
    ("Hoàng Văn Nam", "12/08/1998", "Nam", "Bệnh viện Phụ sản Hà Nội",
     "Đỗ Thị Huyền", "1978", "Hoàng Minh Tuấn", "1976"),
    ("Đặng Thị Thảo", "21/09/1998", "Nữ", "Bệnh viện Bạch Mai",
     "Bùi Thị Ngọc", "1980", "Đặng Văn Phong", "1979"),
]  # fmt: skip
ADDRESSES = [WARD, "phường Yên Phụ, quận Tây Hồ, TP Hà Nội", "xã Vân Hà, huyện Đông Anh, TP Hà Nội"]


def _birth_entry(book_id: str, number: int, year: int, modern: bool) -> BookEntry:
    name, dob, sex, place, mother, mother_year, father, father_year = BIRTHS[number % len(BIRTHS)]
    dob = f"{dob[:6]}{year}"
    written = {
        "registration_number": str(number),
        "registration_date": f"{(number % 27) + 1:02d}/{(number % 12) + 1:02d}/{year}",
        "full_name": name,
        "date_of_birth": dob,
        "sex": sex,
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "place_of_birth": place,
        "hometown": "xã Nghĩa Hưng, tỉnh Nam Định",
        "personal_id": f"0010{year % 100:02d}{number:06d}" if modern else "",
        "mother_name": mother,
        "mother_birth_year": mother_year,
        "father_name": father,
        "father_birth_year": father_year,
        "parents_residence": ADDRESSES[number % len(ADDRESSES)],
        "declarant": father or mother,
        "notes": "Đăng ký lại" if number % 5 == 0 else "",
    }
    return BookEntry(
        entry_key=f"{book_id}-{number}",
        registration_number=number,
        written=written,
        truth=dict(written),
        true_personal_ids={"subject": "absent"},
    )


def _birth_book(year: int, entries: int) -> RegisterBook:
    modern = year >= 2016
    book_id = f"birth-00100-{year}"
    return RegisterBook(
        book_id=book_id,
        register_type=RegisterType.BIRTH,
        year=year,
        ward_written=WARD,
        ward="phường Tây Hồ",
        ward_code="00100",
        era="post2014" if modern else "pre2014",
        entries=[_birth_entry(book_id, n, year, modern) for n in range(1, entries + 1)],
    )


def _death_book() -> RegisterBook:
    rows = [
        ("Nguyễn Văn Tư", "1931", "Nam", "10/02/2003", "", "Bệnh viện Bạch Mai", "Già yếu"),
        ("Lê Thị Mận", "04/04/1940", "Nữ", "23/07/2003", "14:30", "tại nhà riêng", ""),
        ("PHẠM QUANG HUY", "19/12/1955", "Nam", "01/11/2003", "05:10", WARD, "Bệnh tim"),
    ]
    book_id = "death-00100-2003"
    entries = []
    for number, (name, dob, sex, dod, time_, place, cause) in enumerate(rows, start=1):
        written = {
            "registration_number": str(number),
            "registration_date": dod[:6] + "2003",
            "full_name": name,
            "date_of_birth": dob,
            "sex": sex,
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "personal_id": "",
            "last_residence": WARD,
            "date_of_death": dod,
            "time_of_death": time_,
            "place_of_death": place,
            "cause_of_death": cause,
            "declarant": "Nguyễn Thị Hoa",
            "notes": "",
        }
        entries.append(
            BookEntry(
                entry_key=f"{book_id}-{number}",
                registration_number=number,
                written=written,
                truth=dict(written),
                true_personal_ids={"subject": "absent"},
            )
        )
    return RegisterBook(
        book_id=book_id,
        register_type=RegisterType.DEATH,
        year=2003,
        ward_written=WARD,
        ward="phường Tây Hồ",
        ward_code="00100",
        era="pre2014",
        entries=entries,
    )


def _marriage_book() -> RegisterBook:
    couples = [
        ("Vũ Minh Quân", "03/05/1990", "Ngô Thị Lan", "11/09/1992"),
        ("ĐỖ VĂN HẢI", "28/02/1988", "TRẦN THU HÀ", "07/07/1991"),
        ("Bùi Quang Dũng", "15/10/1993", "Hoàng Ngọc Ánh", "02/12/1995"),
    ]
    book_id = "marriage-00100-2019"
    entries = []
    for number, (husband, h_dob, wife, w_dob) in enumerate(couples, start=1):
        written = {"registration_number": str(number), "registration_date": f"0{number}/06/2019"}
        for party, name, dob, sex_digit in (
            ("husband", husband, h_dob, "0"),
            ("wife", wife, w_dob, "1"),
        ):
            written |= {
                f"{party}_full_name": name,
                f"{party}_date_of_birth": dob,
                f"{party}_ethnicity": "Kinh",
                f"{party}_nationality": "Việt Nam",
                f"{party}_residence": ADDRESSES[number % len(ADDRESSES)],
                f"{party}_personal_id": f"001{sex_digit}{dob[-2:]}00{number:04d}",
            }
        written["notes"] = ""
        entries.append(
            BookEntry(
                entry_key=f"{book_id}-{number}",
                registration_number=number,
                written=written,
                truth=dict(written),
                true_personal_ids={"husband": "absent", "wife": "absent"},
            )
        )
    return RegisterBook(
        book_id=book_id,
        register_type=RegisterType.MARRIAGE,
        year=2019,
        ward_written=WARD,
        ward="phường Tây Hồ",
        ward_code="00100",
        era="post2014",
        entries=entries,
    )


@pytest.fixture(scope="module")
def old_births() -> RegisterBook:
    return _birth_book(1998, 30)


@pytest.fixture(scope="module")
def new_births() -> RegisterBook:
    return _birth_book(2019, 5)


@pytest.fixture(scope="module")
def deaths() -> RegisterBook:
    return _death_book()


@pytest.fixture(scope="module")
def marriages() -> RegisterBook:
    return _marriage_book()


def _spec(book: RegisterBook, shape: str, output: OutputFormat, **update) -> PageSpec:
    """The planner's spec for the book's first slice (a fitting paper), then adjusted."""
    level = "clean" if output is OutputFormat.PDF_BORN_DIGITAL else update.pop("level", "clean")
    planned = plan_book(book, RenderOptions(shapes=(shape,), levels=(level,), seed=7))[0]
    changes = {
        "output": output,
        "dpi": 150,
        "entry_start": 0,
        "entry_stop": len(book.entries),
        "colour": False,
    }
    changes |= {"level": level} | update
    if output is OutputFormat.PDF_BORN_DIGITAL:
        changes["dpi"] = 300
    return planned.model_copy(update=changes)


def _grey(file_data: bytes, frame: int = 0) -> np.ndarray:
    with Image.open(io.BytesIO(file_data)) as image:
        image.seek(frame)
        return np.asarray(image.convert("L"))


def _dark_pixels(pixels: np.ndarray, box) -> int:
    return int((pixels[box.y0 : box.y1, box.x0 : box.x1] < 128).sum())


# --- shapes, formats and truth --------------------------------------------------------------


@pytest.mark.parametrize(
    ("book_name", "shape", "output"),
    [
        ("old_births", "ruled_table", OutputFormat.PNG),
        ("marriages", "ruled_table", OutputFormat.JPEG),
        ("marriages", "born_digital", OutputFormat.PNG),
        ("deaths", "form", OutputFormat.TIFF),
        ("marriages", "form", OutputFormat.PDF_SCANNED),
        ("new_births", "born_digital", OutputFormat.PDF_BORN_DIGITAL),
        ("deaths", "born_digital", OutputFormat.TIFF_MULTIPAGE),
    ],
)
def test_each_shape_renders_a_readable_file_with_valid_truth(request, book_name, shape, output):
    book = request.getfixturevalue(book_name)
    files = render_book(book, _spec(book, shape, output, max_pages=2))
    assert files
    if output is OutputFormat.PDF_BORN_DIGITAL:
        expected_shape = "born_digital"
    else:  # a born-digital printout that was scanned is a ruled table without a text layer
        expected_shape = "form" if shape == "form" else "ruled_table"
    for file in files:
        truth = TruthFile.model_validate_json(file.truth.model_dump_json())
        assert truth.book_id == book.book_id
        assert truth.file_format == output.truth_format
        if output in (OutputFormat.PDF_SCANNED, OutputFormat.PDF_BORN_DIGITAL):
            with pdfplumber.open(io.BytesIO(file.data)) as pdf:
                sizes = [(round(p.width * 300 / 72), round(p.height * 300 / 72)) for p in pdf.pages]
        else:
            with Image.open(io.BytesIO(file.data)) as image:
                sizes = []
                for frame in range(getattr(image, "n_frames", 1)):
                    image.seek(frame)
                    sizes.append(image.size)
        assert sizes == [(page.width_px, page.height_px) for page in truth.pages]
        for page in truth.pages:
            assert page.page_shape == expected_shape
            assert page.entries
            for entry in page.entries:
                source = next(e for e in book.entries if e.entry_key == entry.entry_key)
                for name, field in entry.fields.items():
                    assert name in record_fields(book.register_type)
                    assert field.text == " ".join(source.written.get(name, "").split())
                    box = field.bbox
                    assert 0 <= box.x0 < box.x1 <= page.width_px
                    assert 0 <= box.y0 < box.y1 <= page.height_px


def test_every_entry_of_a_slice_is_on_exactly_one_page(old_births):
    files = render_book(old_births, _spec(old_births, "ruled_table", OutputFormat.PNG))
    keys = [e.entry_key for f in files for p in f.truth.pages for e in p.entries]
    assert keys == [entry.entry_key for entry in old_births.entries]
    assert len(files) >= 2, "30 entries should need more than one page"


@pytest.mark.parametrize(
    ("book_name", "shape"),
    [("old_births", "ruled_table"), ("marriages", "ruled_table"), ("deaths", "form")],
)
def test_clean_page_has_ink_in_filled_boxes_and_none_in_blank_ones(request, book_name, shape):
    book = request.getfixturevalue(book_name)
    file = render_book(book, _spec(book, shape, OutputFormat.PNG, max_pages=1))[0]
    pixels = _grey(file.data)
    page = file.truth.pages[0]
    assert pixels.shape == (page.height_px, page.width_px)
    blanks = filled = 0
    for entry in page.entries:
        for name, field in entry.fields.items():
            dark = _dark_pixels(pixels, field.bbox)
            if field.text:
                filled += 1
                assert dark >= 10, f"{entry.entry_key} {name}: no ink in the box of {field.text!r}"
            else:
                blanks += 1
                assert dark == 0, f"{entry.entry_key} {name}: ink in a blank box"
    assert filled > 0 and blanks > 0


def test_table_boxes_follow_the_grid(old_births):
    """Each row's cells sit side by side in column order, rows stacked in entry order."""
    page = render_book(old_births, _spec(old_births, "ruled_table", OutputFormat.PNG))[0]
    truth = page.truth.pages[0]
    for entry in truth.entries:
        lefts = [entry.fields[name].bbox.x0 for name in truth.column_order]
        assert lefts == sorted(lefts)
        assert (
            entry.bbox.x0 <= lefts[0]
            and entry.bbox.y0 <= entry.fields[truth.column_order[0]].bbox.y0
        )
    tops = [entry.bbox.y0 for entry in truth.entries]
    assert tops == sorted(tops) and [e.row_index for e in truth.entries] == list(
        range(1, len(truth.entries) + 1)
    )


def test_columns_and_labels_vary_across_pages_of_a_book(old_births):
    files = render_book(old_births, _spec(old_births, "ruled_table", OutputFormat.TIFF_MULTIPAGE))
    pages = files[0].truth.pages
    assert len(pages) >= 2
    layouts = {(tuple(p.column_order), tuple(sorted(p.header_labels.items()))) for p in pages}
    assert len(layouts) == len(pages)
    for page in pages:
        assert "personal_id" not in page.column_order  # pre-2014 books have no ID column
        assert set(page.column_order) <= set(possible_columns(RegisterType.BIRTH, "pre2014"))


def test_marriage_tables_group_or_suffix_the_parties(marriages):
    labels = []
    for seed in range(10):
        spec = _spec(marriages, "ruled_table", OutputFormat.PNG, seed=seed, max_pages=1)
        labels.append(render_book(marriages, spec)[0].truth.pages[0].header_labels)
    names = [page["husband_full_name"].lower() for page in labels]
    assert any(" / " in name for name in names), "no two-level Chồng/Vợ header drawn"
    assert any(" / " not in name and "chồng" in name.replace("chong", "chồng") for name in names)


def test_column_orders_cover_the_record_fields():
    for register_type in RegisterType:
        order = full_column_order(register_type, np.random.default_rng(3))
        expected = set(record_fields(register_type))
        if register_type is RegisterType.MARRIAGE:
            expected.discard("declarant")
        assert sorted(order) == sorted(expected)


# --- geometry of degradation ----------------------------------------------------------------


def _ink_centre(pixels: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(pixels < 128)
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize(("degrees", "turned"), [(3.0, 0), (-4.5, 90), (1.2, 180), (-2.0, 270)])
def test_skew_and_turn_move_boxes_with_the_ink(degrees, turned):
    image = Image.new("L", (300, 200), 255)
    ImageDraw.Draw(image).rectangle((40, 120, 99, 159), fill=0)
    corners = np.array([[[40, 120], [100, 120], [100, 160], [40, 160]]], dtype=float)
    skewed, moved = skew(image, corners, degrees, 255)
    final, moved = turn(skewed, moved, turned)
    pixels = np.asarray(final)
    box = corners_to_bbox(moved[0], final.width, final.height)
    cx, cy = _ink_centre(pixels)
    assert abs(cx - moved[0, :, 0].mean()) < 1.0 and abs(cy - moved[0, :, 1].mean()) < 1.0
    outside = (pixels < 128).sum() - _dark_pixels(pixels, box)
    assert outside == 0


def _rotate_point(
    x: float, y: float, degrees: float, before: tuple[int, int], after: tuple[int, int]
):
    theta = math.radians(degrees)
    dx, dy = x - before[0] / 2, y - before[1] / 2
    return (
        after[0] / 2 + dx * math.cos(theta) + dy * math.sin(theta),
        after[1] / 2 - dx * math.sin(theta) + dy * math.cos(theta),
    )


def _estimate_skew(pixels: np.ndarray) -> float:
    """Counter-clockwise skew from the sharpest horizontal projection of the ruling lines."""
    image = Image.fromarray(255 - pixels)
    image = image.reduce(2)

    def sharpness(degrees: float) -> float:
        turned = image.rotate(-degrees, resample=Image.Resampling.BILINEAR)
        return float((np.asarray(turned).sum(axis=1).astype(np.float64) ** 2).sum())

    coarse = max((tenth / 2 for tenth in range(-12, 13)), key=sharpness)
    return max((coarse + step / 20 for step in range(-10, 11)), key=sharpness)


def test_skewed_page_records_its_angle_and_moved_boxes(old_births):
    clean = _spec(old_births, "ruled_table", OutputFormat.PNG, max_pages=1)
    skewed = clean.model_copy(update={"level": "mild"})
    clean_page = render_book(old_births, clean)[0]
    skewed_file = render_book(old_births, skewed)[0]
    before, after = clean_page.truth.pages[0], skewed_file.truth.pages[0]
    assert after.degradation == "mild" and 0.2 < abs(after.skew_degrees) <= 1.5
    assert abs(_estimate_skew(_grey(skewed_file.data)) - after.skew_degrees) <= 0.15
    size_before, size_after = (before.width_px, before.height_px), (after.width_px, after.height_px)
    assert size_after[0] > size_before[0] and size_after[1] > size_before[1]
    for entry_before, entry_after in zip(before.entries, after.entries, strict=True):
        for name, field in entry_before.fields.items():
            moved = entry_after.fields[name].bbox
            box = field.bbox
            x, y = _rotate_point(
                (box.x0 + box.x1) / 2,
                (box.y0 + box.y1) / 2,
                after.skew_degrees,
                size_before,
                size_after,
            )
            assert (
                abs((moved.x0 + moved.x1) / 2 - x) <= 1.5
                and abs((moved.y0 + moved.y1) / 2 - y) <= 1.5
            )
            cos, sin = (
                abs(math.cos(math.radians(after.skew_degrees))),
                abs(math.sin(math.radians(after.skew_degrees))),
            )
            assert abs(moved.width - (box.width * cos + box.height * sin)) <= 2
            assert abs(moved.height - (box.width * sin + box.height * cos)) <= 2


# --- files ----------------------------------------------------------------------------------


def test_multipage_tiff_has_one_frame_per_page(old_births):
    spec = _spec(old_births, "ruled_table", OutputFormat.TIFF_MULTIPAGE, max_pages=3)
    (file,) = render_book(old_births, spec)
    with Image.open(io.BytesIO(file.data)) as image:
        assert image.format == "TIFF"
        assert image.n_frames == len(file.truth.pages) == 3


def test_scanned_pdf_has_no_text_layer(marriages):
    (file,) = render_book(marriages, _spec(marriages, "ruled_table", OutputFormat.PDF_SCANNED))
    with pdfplumber.open(io.BytesIO(file.data)) as pdf:
        assert pdf.pages
        assert all(page.extract_words() == [] for page in pdf.pages)
        assert all(page.images for page in pdf.pages)


@pytest.mark.parametrize("book_name", ["new_births", "old_births", "marriages", "deaths"])
def test_born_digital_pdf_text_equals_the_truth(request, book_name):
    book = request.getfixturevalue(book_name)
    (file,) = render_book(book, _spec(book, "born_digital", OutputFormat.PDF_BORN_DIGITAL))
    to_points = 72 / 300
    with pdfplumber.open(io.BytesIO(file.data)) as pdf:
        for pdf_page, page in zip(pdf.pages, file.truth.pages, strict=True):
            table = pdf_page.extract_table()
            rows = table[-len(page.entries) :]
            words = pdf_page.extract_words()
            for row, entry in zip(rows, page.entries, strict=True):
                for index, name in enumerate(page.column_order):
                    field = entry.fields[name]
                    cell = unicodedata.normalize("NFC", " ".join((row[index] or "").split()))
                    assert cell == field.text, f"{entry.entry_key} {name}"
                    box = field.bbox
                    inside = [
                        unicodedata.normalize("NFC", word["text"])
                        for word in words
                        if box.x0 * to_points <= (word["x0"] + word["x1"]) / 2 <= box.x1 * to_points
                        and box.y0 * to_points
                        <= (word["top"] + word["bottom"]) / 2
                        <= box.y1 * to_points
                    ]
                    assert " ".join(inside) == field.text, f"{entry.entry_key} {name}"


@pytest.mark.parametrize(
    ("shape", "output", "level"),
    [
        ("ruled_table", OutputFormat.PNG, "severe"),
        ("form", OutputFormat.JPEG, "degraded"),
        ("ruled_table", OutputFormat.TIFF_MULTIPAGE, "mild"),
        ("form", OutputFormat.PDF_SCANNED, "mild"),
        ("born_digital", OutputFormat.PDF_BORN_DIGITAL, "clean"),
    ],
)
def test_same_seed_same_bytes_other_seed_other_bytes(deaths, shape, output, level):
    spec = _spec(deaths, shape, output, level=level, max_pages=1, seed=11, paper="A4")
    first = render_book(deaths, spec)
    again = render_book(deaths, spec)
    other = render_book(deaths, spec.model_copy(update={"seed": 12}))
    assert [f.data for f in first] == [f.data for f in again]
    assert [f.truth for f in first] == [f.truth for f in again]
    assert [f.data for f in first] != [f.data for f in other]


def test_plan_slices_the_book_and_cycles_through_every_combination(old_births):
    options = RenderOptions(seed=3, table_pages_per_file=(1, 1), forms_per_file=(1, 1))
    specs = plan_book(old_births, options)
    assert specs == plan_book(old_births, options)
    covered = [i for spec in specs for i in range(spec.entry_start, spec.entry_stop)]
    assert covered == list(range(len(old_births.entries)))
    combos = {(spec.shape, spec.level) for spec in specs}
    assert len(combos) == min(len(specs), 12)
    for spec in specs:
        born_digital_pdf = spec.output is OutputFormat.PDF_BORN_DIGITAL
        assert born_digital_pdf == (spec.shape == "born_digital" and spec.level == "clean")


def test_a_paper_too_small_for_the_columns_is_refused(new_births):
    spec = _spec(new_births, "ruled_table", OutputFormat.PNG).model_copy(
        update={"paper": "A4", "landscape": False, "font_size_pt": 11.0, "lines_per_row": 2}
    )
    with pytest.raises(DataValidationError, match=new_births.book_id):
        render_book(new_births, spec)


def test_write_and_load(tmp_path, deaths, marriages):
    district = tmp_path / "district"
    (district / "books").mkdir(parents=True)
    for book in (deaths, marriages):
        (district / "books" / f"{book.book_id}.json").write_text(book.model_dump_json())
    books = load_books(district)
    assert [b.book_id for b in books] == [deaths.book_id, marriages.book_id]
    files = render_book(deaths, _spec(deaths, "form", OutputFormat.PNG, max_pages=2))
    paths = write_rendered(files, tmp_path / "out", batch_name=deaths.book_id)
    for file, path in zip(files, paths, strict=True):
        assert path == tmp_path / "out" / "scans" / deaths.book_id / file.file_name
        assert path.read_bytes() == file.data
        truth_path = tmp_path / "out" / "truth" / deaths.book_id / f"{file.file_name}.json"
        assert TruthFile.model_validate(json.loads(truth_path.read_text())) == file.truth
    (district / "books" / "broken.json").write_text('{"book_id": "x"}')
    with pytest.raises(InputFileError, match=r"broken\.json"):
        load_books(district)


def _write_district(root: Path, books: list[RegisterBook]) -> Path:
    (root / "books").mkdir(parents=True)
    for book in books:
        (root / "books" / f"{book.book_id}.json").write_text(book.model_dump_json(), "utf-8")
    return root


def test_scans_command_writes_every_file_with_its_truth(tmp_path, deaths, marriages):
    district = _write_district(tmp_path / "district", [deaths, marriages])
    out = tmp_path / "out"
    arguments = ["scans", "--district", str(district), "--out", str(out), "--seed", "5"]
    arguments += ["--levels", "clean,severe", "--shapes", "form,born_digital", "--limit-pages", "4"]
    result = CliRunner().invoke(synth_commands.app, arguments)
    assert result.exit_code == 0, result.output
    truths = sorted((out / "truth").rglob("*.json"))
    pages = 0
    for truth_path in truths:
        truth = TruthFile.model_validate_json(truth_path.read_text("utf-8"))
        scan = out / "scans" / truth.book_id / truth.file_name
        assert truth_path == out / "truth" / truth.book_id / f"{truth.file_name}.json"
        assert scan.is_file() and scan.stat().st_size > 0
        pages += len(truth.pages)
    assert pages == 4
    assert len(list((out / "scans").rglob("*.*"))) == len(truths)


def test_scans_command_refuses_an_unknown_level(tmp_path, deaths):
    district = _write_district(tmp_path / "district", [deaths])
    arguments = ["scans", "--district", str(district), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(synth_commands.app, [*arguments, "--levels", "clean,awful"])
    assert isinstance(result.exception, DataValidationError)
    assert "awful" in str(result.exception)


@pytest.mark.slow
def test_gallery_command_shows_every_shape_and_level(tmp_path):
    result = CliRunner().invoke(synth_commands.app, ["gallery", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    truths = [
        TruthFile.model_validate_json(path.read_text("utf-8"))
        for path in (tmp_path / "truth" / "gallery").glob("*.json")
    ]
    pattern = re.compile(r"-\d\d-(\w+-\w+?)(-p\d\d)?\.\w+$")
    names = {pattern.search(truth.file_name).group(1) for truth in truths}
    assert names == {f"{shape}-{level}" for shape in ALL_SHAPES for level in ALL_LEVELS}
    with Image.open(tmp_path / "gallery.png") as sheet:
        assert sheet.width > 1000 and sheet.height > 1000


@pytest.mark.slow
def test_clean_table_is_legible_to_tesseract(new_births):
    pytesseract = pytest.importorskip("pytesseract")
    spec = _spec(new_births, "ruled_table", OutputFormat.PNG, dpi=300, max_pages=1)
    file = render_book(new_births, spec)[0]
    page = file.truth.pages[0]
    entry = page.entries[0]
    with Image.open(io.BytesIO(file.data)) as image:
        box = entry.fields["full_name"].bbox
        crop = image.crop((box.x0, box.y0, box.x1, box.y1))
        text = pytesseract.image_to_string(crop, lang="vie", config="--psm 6")
    assert " ".join(text.split()) == entry.fields["full_name"].text
