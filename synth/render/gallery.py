"""A viewable gallery: one file per page shape and degradation level, and a contact sheet.

The gallery stands on small built-in books (birth, death, marriage) so it runs without a
generated district; the values are invented but written as Tây Hồ's clerks write them.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageOps

from civreg.pdfium import PDFIUM_LOCK
from schemas.enums import RegisterType, Sex
from schemas.personal_id import generate_personal_id
from synth.books import BookEntry, RegisterBook
from synth.render.book import RenderedFile, render_book, write_rendered
from synth.render.fonts import pillow_font
from synth.render.layout import estimated_rows_per_page, table_fits
from synth.render.spec import (
    ALL_LEVELS,
    ALL_SHAPES,
    LevelName,
    OutputFormat,
    PageShapeName,
    PageSpec,
    derive_seed,
)

GALLERY_BATCH = "gallery"
THUMB_WIDTH = 420

_FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô")
_MIDDLE = {Sex.MALE: ("Văn", "Đức", "Minh", "Quang"), Sex.FEMALE: ("Thị", "Thu", "Ngọc", "Thị")}
_GIVEN = {
    Sex.MALE: ("Hùng", "Dũng", "Tuấn", "Khánh", "Nam", "Phong", "Quân", "Sơn"),
    Sex.FEMALE: ("Hồng Nhung", "Lan", "Hương", "Thảo", "Ngọc Ánh", "Yến", "Trang", "Huyền"),
}
_WARDS = (
    "phường Quảng An, quận Tây Hồ, TP Hà Nội",
    "phường Nhật Tân, quận Tây Hồ, TP Hà Nội",
    "phường Yên Phụ, quận Tây Hồ, TP Hà Nội",
    "phường Thụy Khuê, quận Tây Hồ, TP Hà Nội",
)
_HOSPITALS = ("Bệnh viện Phụ sản Hà Nội", "Bệnh viện Bạch Mai", "Bệnh viện Đa khoa Đức Giang")
_HOMETOWNS = ("xã Vân Hà, huyện Đông Anh, TP Hà Nội", "xã Nghĩa Hưng, tỉnh Nam Định", "Hà Nội")


def _name(rng: random.Random, sex: Sex) -> str:
    return f"{rng.choice(_FAMILY)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"


def _birth_written(rng: random.Random, number: int, year: int, era: str) -> dict[str, str]:
    sex = rng.choice((Sex.MALE, Sex.FEMALE))
    mother_year, father_year = year - rng.randint(20, 35), year - rng.randint(22, 40)
    name = _name(rng, sex)
    return {
        "registration_number": str(number),
        "registration_date": _date(rng, year),
        "full_name": name.upper() if rng.random() < 0.3 else name,
        "date_of_birth": _date(rng, year),
        "sex": "Nam" if sex is Sex.MALE else "Nữ",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "place_of_birth": rng.choice(_HOSPITALS),
        "hometown": rng.choice(_HOMETOWNS),
        "personal_id": generate_personal_id(rng, sex=sex, birth_year=year)
        if era == "post2014"
        else "",
        "mother_name": _name(rng, Sex.FEMALE),
        "mother_birth_year": str(mother_year),
        "father_name": _name(rng, Sex.MALE),
        "father_birth_year": str(father_year),
        "parents_residence": rng.choice(_WARDS),
        "declarant": _name(rng, Sex.MALE),
        "notes": "" if rng.random() < 0.8 else "Đăng ký lại",
    }


def _death_written(rng: random.Random, number: int, year: int, era: str) -> dict[str, str]:
    sex = rng.choice((Sex.MALE, Sex.FEMALE))
    born = year - rng.randint(45, 90)
    known_time = rng.random() < 0.6
    return {
        "registration_number": str(number),
        "registration_date": _date(rng, year),
        "full_name": _name(rng, sex),
        "date_of_birth": _date(rng, born) if rng.random() < 0.6 else str(born),
        "sex": "Nam" if sex is Sex.MALE else "Nữ",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "personal_id": generate_personal_id(rng, sex=sex, birth_year=born)
        if era == "post2014"
        else "",
        "last_residence": rng.choice(_WARDS),
        "date_of_death": _date(rng, year),
        "time_of_death": f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}" if known_time else "",
        "place_of_death": rng.choice((*_HOSPITALS, "tại nhà riêng")),
        "cause_of_death": rng.choice(("Già yếu", "Bệnh tim", "", "Tai nạn giao thông")),
        "declarant": _name(rng, rng.choice((Sex.MALE, Sex.FEMALE))),
        "notes": "",
    }


def _marriage_written(rng: random.Random, number: int, year: int, era: str) -> dict[str, str]:
    written = {
        "registration_number": str(number),
        "registration_date": _date(rng, year),
        "notes": "",
    }
    for party, sex in (("husband", Sex.MALE), ("wife", Sex.FEMALE)):
        born = year - rng.randint(20, 34)
        written |= {
            f"{party}_full_name": _name(rng, sex),
            f"{party}_date_of_birth": _date(rng, born),
            f"{party}_ethnicity": "Kinh",
            f"{party}_nationality": "Việt Nam",
            f"{party}_residence": rng.choice(_WARDS),
            f"{party}_personal_id": generate_personal_id(rng, sex=sex, birth_year=born)
            if era == "post2014"
            else "",
        }
    return written


_WRITERS: dict[RegisterType, Callable[[random.Random, int, int, str], dict[str, str]]] = {
    RegisterType.BIRTH: _birth_written,
    RegisterType.DEATH: _death_written,
    RegisterType.MARRIAGE: _marriage_written,
}


def sample_book(
    register_type: RegisterType, year: int, entries: int, seed: int = 0
) -> RegisterBook:
    """A small book of Quảng An ward (Tây Hồ), with invented but well-formed entries."""
    era = "post2014" if year >= 2016 else "pre2014"
    rng = random.Random(derive_seed(seed, register_type, year))
    book_id = f"{register_type.value}-00000-{year}"
    book_entries = []
    for number in range(1, entries + 1):
        written = _WRITERS[register_type](rng, number, year, era)
        parties = ("husband", "wife") if register_type is RegisterType.MARRIAGE else ("subject",)
        book_entries.append(
            BookEntry(
                entry_key=f"{book_id}-{number}",
                registration_number=number,
                written=written,
                truth=dict(written),
                true_personal_ids=dict.fromkeys(parties, "absent"),
            )
        )
    return RegisterBook(
        book_id=book_id,
        register_type=register_type,
        year=year,
        ward_written="phường Quảng An, quận Tây Hồ, TP Hà Nội",
        ward="phường Tây Hồ",
        ward_code="00100",
        era=era,
        entries=book_entries,
    )


def sample_books() -> list[RegisterBook]:
    """The gallery's books: a modern birth book, an older death book, a modern marriage book."""
    return [
        sample_book(RegisterType.BIRTH, 2019, 30),
        sample_book(RegisterType.DEATH, 1998, 30),
        sample_book(RegisterType.MARRIAGE, 2017, 30),
    ]


_GALLERY_FORMATS: dict[tuple[PageShapeName, LevelName], OutputFormat] = {
    ("ruled_table", "clean"): OutputFormat.PNG,
    ("ruled_table", "mild"): OutputFormat.TIFF_MULTIPAGE,
    ("ruled_table", "degraded"): OutputFormat.JPEG,
    ("ruled_table", "severe"): OutputFormat.PDF_SCANNED,
    ("form", "clean"): OutputFormat.TIFF,
    ("form", "mild"): OutputFormat.PNG,
    ("form", "degraded"): OutputFormat.PDF_SCANNED,
    ("form", "severe"): OutputFormat.JPEG,
    ("born_digital", "clean"): OutputFormat.PDF_BORN_DIGITAL,
    ("born_digital", "mild"): OutputFormat.PNG,
    ("born_digital", "degraded"): OutputFormat.TIFF,
    ("born_digital", "severe"): OutputFormat.JPEG,
}
_LEVEL_DPI: dict[LevelName, int] = {"clean": 300, "mild": 300, "degraded": 200, "severe": 150}


@dataclass(frozen=True)
class GalleryItem:
    shape: PageShapeName
    level: LevelName
    file: RenderedFile


def _gallery_spec(book: RegisterBook, shape: PageShapeName, level: LevelName, index: int):
    output = _GALLERY_FORMATS[(shape, level)]
    common = {
        "segment": index,
        "entry_start": 0,
        "entry_stop": len(book.entries),
        "shape": shape,
        "level": level,
        "output": output,
        "dpi": _LEVEL_DPI[level],
        "colour": level == "severe",
        "seed": derive_seed("gallery", shape, level),
    }
    if shape == "form":
        return PageSpec(
            **common, font_family="serif", font_size_pt=11.0, lines_per_row=1, max_pages=2
        )
    family = "sans" if shape == "born_digital" else ("serif", "sans")[index % 2]
    for paper, landscape, size, lines in (
        ("A4", True, 10.0, 2),
        ("A4", True, 9.0, 3),
        ("A3", True, 10.0, 2),
        ("A3", True, 9.0, 3),
    ):
        spec = PageSpec(
            **common,
            paper=paper,
            landscape=landscape,
            font_family=family,
            font_size_pt=size,
            lines_per_row=lines,
            max_pages=2,
        )
        if table_fits(book, spec) and estimated_rows_per_page(spec) >= 4:
            return spec
    raise AssertionError(f"the gallery book {book.book_id} fits no paper")  # pragma: no cover


def render_gallery_files(books: list[RegisterBook] | None = None) -> list[GalleryItem]:
    """One rendered file per page shape x degradation level, register types taking turns."""
    books = books or sample_books()
    items = []
    for s, shape in enumerate(ALL_SHAPES):
        for lv, level in enumerate(ALL_LEVELS):
            book = books[(s + lv) % len(books)]
            spec = _gallery_spec(book, shape, level, s * len(ALL_LEVELS) + lv)
            items.extend(GalleryItem(shape, level, file) for file in render_book(book, spec)[:1])
    return items


def first_page_image(file: RenderedFile) -> Image.Image:
    """The first page of a rendered file as an image (PDFs rendered at 72 DPI)."""
    if file.truth.file_format.startswith("pdf"):
        with PDFIUM_LOCK:  # pdfium is not thread-safe
            document = pdfium.PdfDocument(file.data)
            try:
                return document[0].render(scale=1.0).to_pil().convert("RGB")
            finally:
                document.close()
    with Image.open(io.BytesIO(file.data)) as image:
        return image.convert("RGB")


def contact_sheet(items: list[GalleryItem]) -> Image.Image:
    """Thumbnails in a grid, rows by page shape and columns by level, each labelled."""
    title_font = pillow_font("sans", True, 16)
    label_font = pillow_font("sans", False, 14)
    shapes = list(dict.fromkeys(item.shape for item in items))
    levels = list(dict.fromkeys(item.level for item in items))
    thumbs = {
        (item.shape, item.level): ImageOps.contain(
            first_page_image(item.file), (THUMB_WIDTH, THUMB_WIDTH * 3 // 2)
        )
        for item in items
    }
    label_height = 64
    row_heights = [
        max(thumbs[(shape, level)].height for level in levels if (shape, level) in thumbs)
        + label_height
        for shape in shapes
    ]
    cell_width = THUMB_WIDTH + 20
    sheet = Image.new("RGB", (cell_width * len(levels) + 10, sum(row_heights) + 10), "#d8d8d8")
    draw = ImageDraw.Draw(sheet)
    for item in items:
        row, column = shapes.index(item.shape), levels.index(item.level)
        thumb = thumbs[(item.shape, item.level)]
        x, y = 10 + column * cell_width, 10 + sum(row_heights[:row])
        sheet.paste(thumb, (x, y))
        truth = item.file.truth
        page = truth.pages[0]
        details = (
            f"{truth.file_format} · {page.dpi} dpi · skew {page.skew_degrees:+.1f}°"
            f" · turned {page.rotation}°"
        )
        draw.text((x, y + thumb.height + 6), f"{item.shape} · {item.level}", "black", title_font)
        draw.text((x, y + thumb.height + 26), details, "#222", label_font)
        draw.text((x, y + thumb.height + 43), f"{page.page_shape} page", "#555", label_font)
    return sheet


def write_gallery(out_dir: Path) -> Path:
    """Write the gallery's files under ``OUT/scans/gallery`` (truth beside) and ``gallery.png``."""
    items = render_gallery_files()
    write_rendered([item.file for item in items], out_dir, GALLERY_BATCH)
    sheet_path = out_dir / "gallery.png"
    contact_sheet(items).save(sheet_path, "PNG")
    return sheet_path
