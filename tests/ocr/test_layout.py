"""Layout: columns mapped by reading their headers; forms parsed as ``Label: value`` lines.

Grids are built from ruling segments and words are placed in cells by hand, so every case runs
without OCR and checks the mapping against the columns that were laid out.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from ocr.engine import Word, assign_words_to_cells, join_text
from ocr.grid import Axis, Cell, Grid, Ruling, grid_from_rulings
from ocr.layout import (
    FormLayout,
    LayoutNotUnderstood,
    PageHeading,
    TableLayout,
    map_table,
    parse_form,
    read_heading,
)
from schemas.enums import RegisterType
from schemas.values import BBox
from synth.render.labels import LABELS, apply_case

COL_WIDTH, HEADER_HEIGHT, ROW_HEIGHT, LEFT, TOP = 300, 120, 80, 100, 400
CHAR_WIDTH, LINE_HEIGHT = 14, 30


def table_grid(columns: int, *, groups: Sequence[str | None] = (), body_rows: int = 3) -> Grid:
    """A ruled table: one header row, or two when ``groups`` names a group over some columns
    (consecutive equal names form one spanning cell); then ``body_rows`` rows."""
    grouped = any(groups)
    xs = [LEFT + COL_WIDTH * i for i in range(columns + 1)]
    header = [TOP, TOP + HEADER_HEIGHT // 2, TOP + HEADER_HEIGHT] if grouped else [TOP, TOP + 120]
    ys = header + [header[-1] + ROW_HEIGHT * (i + 1) for i in range(body_rows)]
    rulings = [
        Ruling(Axis.HORIZONTAL, y, xs[0], xs[-1]) for y in ys if y != header[1] or not grouped
    ]
    for col, x in enumerate(xs):
        inside = (
            0 < col < columns and grouped and groups[col - 1] and groups[col - 1] == groups[col]
        )
        rulings.append(Ruling(Axis.VERTICAL, x, header[1] if inside else ys[0], ys[-1]))
    if grouped:
        col = 0
        while col < columns:
            end = col
            while end + 1 < columns and groups[col] and groups[end + 1] == groups[col]:
                end += 1
            if groups[col]:
                rulings.append(Ruling(Axis.HORIZONTAL, header[1], xs[col], xs[end + 1]))
            col = end + 1
    detection = grid_from_rulings(rulings, width=xs[-1] + 100, height=ys[-1] + 100)
    assert detection.grid is not None, detection.reason
    return detection.grid


def words_in(box: BBox, text: str, *, confidence: float = 0.95) -> list[Word]:
    """``text`` laid out in ``box``: wrapped at the box width, one Word per token."""
    words: list[Word] = []
    x, y = box.x0 + 6, box.y0 + 6
    for token in text.split():
        width = CHAR_WIDTH * len(token)
        if x + width > box.x1 - 6 and x > box.x0 + 6:
            x, y = box.x0 + 6, y + LINE_HEIGHT
        words.append(Word(token, confidence, BBox(x0=x, y0=y, x1=x + width, y1=y + 24)))
        x += width + CHAR_WIDTH
    return words


def header_texts(grid: Grid, labels: dict[tuple[int, int], str]) -> dict[Cell, str]:
    """Cell -> text, for cells addressed by their (row, col)."""
    return {grid.cell_at(row, col): text for (row, col), text in labels.items()}


BIRTH = PageHeading(title="SỔ ĐĂNG KÝ KHAI SINH", register_type=RegisterType.BIRTH)


@pytest.mark.parametrize("seed", range(6))
def test_shuffled_and_renamed_columns_map_to_their_fields(seed: int) -> None:
    rng = random.Random(seed)
    labels = LABELS[RegisterType.BIRTH]
    fields = rng.sample(sorted(labels), k=rng.randint(6, len(labels)))
    case = rng.choice(("as_is", "upper", "no_marks", "upper_no_marks"))
    printed = [apply_case(rng.choice(labels[field]), case) for field in fields]
    grid = table_grid(len(fields))
    table = map_table(grid, header_texts(grid, {(0, c): p for c, p in enumerate(printed)}), BIRTH)
    assert isinstance(table, TableLayout), table
    assert table.mapped == dict(enumerate(fields)), printed
    assert table.extra == {}
    assert table.header_rows == 1


def test_an_unknown_column_is_kept_as_extra_under_its_header() -> None:
    printed = ["STT", "Họ và tên", "Nghề nghiệp", "Ngày sinh", "Giới tính"]
    grid = table_grid(len(printed))
    table = map_table(grid, header_texts(grid, {(0, c): p for c, p in enumerate(printed)}), BIRTH)
    assert isinstance(table, TableLayout)
    assert table.mapped == {0: "registration_number", 1: "full_name", 3: "date_of_birth", 4: "sex"}
    assert table.extra == {2: "Nghề nghiệp"}
    assert any("Nghề nghiệp" in note for note in table.notes)


def test_a_page_with_no_recognizable_header_is_not_understood() -> None:
    printed = ["Mã hàng", "Tên hàng", "Đơn giá", "Số lượng", "Thành tiền"]
    grid = table_grid(len(printed))
    table = map_table(grid, header_texts(grid, {(0, c): p for c, p in enumerate(printed)}), BIRTH)
    assert isinstance(table, LayoutNotUnderstood)
    assert table.reason.startswith("header not recognised")
    assert "'Đơn giá'" in table.reason


def test_a_blank_header_is_not_understood() -> None:
    grid = table_grid(4)
    table = map_table(grid, {}, BIRTH)
    assert isinstance(table, LayoutNotUnderstood)
    assert "0 of 4 columns" in table.reason


def test_marriage_two_level_header_gives_each_party_its_fields() -> None:
    sub = ["Họ và tên", "Ngày sinh", "Nơi cư trú"]
    columns = ["Số", "Ngày đăng ký", *sub, *sub, "Ghi chú"]
    groups = [None, None, "Bên chồng", "Bên chồng", "Bên chồng", "Bên vợ", "Bên vợ", "Bên vợ", None]
    grid = table_grid(len(columns), groups=groups)
    assert grid.header_rows == 2
    texts: dict[tuple[int, int], str] = {}
    for col, (label, group) in enumerate(zip(columns, groups, strict=True)):
        texts[(1, col) if group else (0, col)] = apply_case(label, "upper")
        if group:
            texts[(0, col)] = apply_case(group, "upper")
    heading = PageHeading(register_type=RegisterType.MARRIAGE)
    table = map_table(grid, header_texts(grid, texts), heading)
    assert isinstance(table, TableLayout), table
    assert table.header_rows == 2
    assert table.mapped == {
        0: "registration_number",
        1: "registration_date",
        2: "husband_full_name",
        3: "husband_date_of_birth",
        4: "husband_residence",
        5: "wife_full_name",
        6: "wife_date_of_birth",
        7: "wife_residence",
        8: "notes",
    }
    assert [len(row) for row in table.body_rows(grid)] == [9, 9, 9]


def test_a_header_on_two_text_lines_reads_as_one_label() -> None:
    printed = ["Số", "Họ, chữ đệm, tên", "Ngày, tháng, năm sinh", "Giới tính"]
    grid = table_grid(len(printed))
    words = [w for c, text in enumerate(printed) for w in words_in(grid.cell_at(0, c).box, text)]
    wrapped = [w for w in words if w.bbox.x0 < grid.col_lines[3] and w.bbox.x0 > grid.col_lines[2]]
    assert len({w.bbox.y0 for w in wrapped}) == 2  # "sinh" went to a second line
    cells = assign_words_to_cells(words, grid.header_cells)
    texts = {cell: join_text(found) for cell, found in cells.items()}
    table = map_table(grid, texts, BIRTH)
    assert isinstance(table, TableLayout)
    assert table.mapped == {
        0: "registration_number",
        1: "full_name",
        2: "date_of_birth",
        3: "sex",
    }


def test_without_a_title_the_header_decides_the_register_type() -> None:
    printed = ["Số", "Họ và tên", "Ngày chết", "Nơi chết", "Nguyên nhân chết"]
    grid = table_grid(len(printed))
    texts = header_texts(grid, {(0, c): p for c, p in enumerate(printed)})
    table = map_table(grid, texts, PageHeading())
    assert isinstance(table, TableLayout)
    assert table.register_type is RegisterType.DEATH
    assert any("no register title" in note for note in table.notes)


def test_without_a_title_an_ambiguous_header_is_not_understood() -> None:
    printed = ["Số", "Ngày đăng ký", "Họ và tên", "Ngày sinh", "Ghi chú"]
    grid = table_grid(len(printed))
    texts = header_texts(grid, {(0, c): p for c, p in enumerate(printed)})
    table = map_table(grid, texts, PageHeading())
    assert isinstance(table, LayoutNotUnderstood)
    assert "more than one register type" in table.reason


def test_heading_gives_title_ward_and_year() -> None:
    heading = read_heading(["SỔ ĐĂNG KÝ KHAI TỬ", "Phường Quảng An - Năm 1998"])
    assert heading.register_type is RegisterType.DEATH
    assert (heading.is_form, heading.ward, heading.year) == (False, "Phường Quảng An", 1998)
    form = read_heading(["ỦY BAN NHÂN DÂN", "XÃ VÂN HÀ", "TRÍCH LỤC KHAI SINH"])
    assert (form.register_type, form.is_form, form.ward, form.year) == (
        RegisterType.BIRTH,
        True,
        "XÃ VÂN HÀ",
        None,
    )
    assert read_heading(["Độc lập - Tự do - Hạnh phúc"]) == PageHeading()


# --- forms ----------------------------------------------------------------------------------


def form_words(lines: Sequence[tuple[int, str]]) -> list[Word]:
    """Words of form lines, each given as (left x, text), one line every 50 px."""
    words: list[Word] = []
    for index, (x, text) in enumerate(lines):
        words.extend(words_in(BBox(x0=x, y0=100 + 50 * index, x1=3000, y1=140 + 50 * index), text))
    return words


def test_form_lines_are_read_as_label_and_value() -> None:
    words = form_words(
        [
            (600, "GIẤY KHAI SINH"),
            (200, "Số: 12"),
            (200, "Họ, chữ đệm, tên: NGUYỄN THỊ HỒNG NHUNG"),
            (200, "Ngày sinh: 05/03/1990"),
            (200, "Nơi sinh: Bệnh viện Phụ sản Hà Nội, phường Phương Mai,"),
            (340, "quận Đống Đa, TP Hà Nội"),  # wrapped, under the value
            (200, "Nghề nghiệp của cha: Giáo viên"),
            (200, "Ghi chú:"),
            (1800, "TM. ỦY BAN NHÂN DÂN"),
        ]
    )
    heading = read_heading(["GIẤY KHAI SINH"])
    form = parse_form(words, heading, page_width=3000)
    assert isinstance(form, FormLayout), form
    assert form.register_type is RegisterType.BIRTH
    texts = {name: value.text for name, value in form.fields.items()}
    assert texts == {
        "registration_number": "12",
        "full_name": "NGUYỄN THỊ HỒNG NHUNG",
        "date_of_birth": "05/03/1990",
        "place_of_birth": "Bệnh viện Phụ sản Hà Nội, phường Phương Mai, quận Đống Đa, TP Hà Nội",
        "notes": "",
    }
    assert {name: value.text for name, value in form.extra.items()} == {
        "Nghề nghiệp của cha": "Giáo viên"
    }


def test_marriage_form_party_headings_and_suffixes() -> None:
    words = form_words(
        [
            (600, "TRÍCH LỤC KẾT HÔN"),
            (200, "Số: 3"),
            (200, "Chồng:"),
            (230, "Họ và tên: Lê Văn Hùng"),
            (230, "Ngày sinh: 02/01/1990"),
            (200, "Vợ:"),
            (230, "Họ và tên: Trần Thị Mai"),
            (200, "Quốc tịch của vợ: Việt Nam"),
            (200, "Ghi chú: Đăng ký lại"),
        ]
    )
    form = parse_form(words, read_heading(["TRÍCH LỤC KẾT HÔN"]), page_width=3000)
    assert isinstance(form, FormLayout), form
    assert {name: value.text for name, value in form.fields.items()} == {
        "registration_number": "3",
        "husband_full_name": "Lê Văn Hùng",
        "husband_date_of_birth": "02/01/1990",
        "wife_full_name": "Trần Thị Mai",
        "wife_nationality": "Việt Nam",
        "notes": "Đăng ký lại",
    }


def test_a_lost_colon_and_a_time_in_the_value_are_handled() -> None:
    words = form_words(
        [
            (600, "TRÍCH LỤC KHAI TỬ"),
            (200, "Họ và tên: Phạm Văn Tư"),
            (200, "Nơi chết Bệnh viện Bạch Mai"),  # OCR lost the colon
            (200, "Đã chết vào lúc: 14:30, ngày 05/03/2010"),
            (200, "Ngày chết: 05/03/2010"),
        ]
    )
    form = parse_form(words, read_heading(["TRÍCH LỤC KHAI TỬ"]), page_width=3000)
    assert isinstance(form, FormLayout), form
    texts = {name: value.text for name, value in form.fields.items()}
    assert texts["place_of_death"] == "Bệnh viện Bạch Mai"
    assert texts["time_of_death"] == "14:30, ngày 05/03/2010"


def test_a_page_of_prose_is_not_understood_as_a_form() -> None:
    words = form_words([(200, "Hôm nay trời đẹp"), (200, "Chúng tôi đi chơi: công viên")])
    form = parse_form(words, PageHeading(), page_width=3000)
    assert isinstance(form, LayoutNotUnderstood)
    assert "no form title" in form.reason or "form not recognised" in form.reason


def test_without_a_title_the_labels_decide_the_form_type() -> None:
    words = form_words(
        [
            (200, "Số: 4"),
            (200, "Họ và tên: Lê Thị Mận"),
            (200, "Ngày chết: 23/07/2003"),
            (200, "Nguyên nhân chết: Già yếu"),
        ]
    )
    form = parse_form(words, PageHeading(), page_width=3000)
    assert isinstance(form, FormLayout), form
    assert form.register_type is RegisterType.DEATH
    assert any("no form title" in note for note in form.notes)
    shared = form_words([(200, "Số: 4"), (200, "Họ và tên: Lê Thị Mận"), (200, "Ghi chú: -")])
    assert isinstance(parse_form(shared, PageHeading(), page_width=3000), LayoutNotUnderstood)
