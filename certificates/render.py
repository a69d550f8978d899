"""The extract as an A4 PDF (reportlab, DejaVu fonts embedded), and its facts read back.

The layout follows the official extract: issuing authority and national motto at the top, the
title, the registered facts as ``label: value`` lines inside a fixed box, the place and date of
issue, the signing authority, and the verification QR code at the bottom left. The facts box is
fixed so that :func:`read_facts` can read exactly those lines back with pdfplumber.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pdfplumber
import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates.facts import TITLES, CertifiedFacts, labels, text
from civreg.errors import DataValidationError, InputFileError, MissingDependencyError
from schemas.enums import RegisterType

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONTS = {"civreg-sans": "DejaVuSans.ttf", "civreg-sans-bold": "DejaVuSans-Bold.ttf"}
REGULAR, BOLD = "civreg-sans", "civreg-sans-bold"

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 56.0
FACTS_TOP = 190.0  # distance from the top of the page, as pdfplumber measures
FACTS_BOTTOM = 590.0
FACT_SIZE = 11.0
MIN_FACT_SIZE = 8.0
LEADING = 1.7  # line height, in font sizes
QR_SIZE = 118.0
QR_BOTTOM = 70.0
QR_BOX = (MARGIN, PAGE_HEIGHT - QR_BOTTOM - QR_SIZE, MARGIN + QR_SIZE, PAGE_HEIGHT - QR_BOTTOM)
"""Where the QR code is, in pdfplumber's top-based coordinates (x0, top, x1, bottom)."""


@dataclass(frozen=True)
class ExtractPage:
    """Everything printed on an extract besides the facts."""

    certificate_id: str
    issue_date: dt.date
    signer_name: str
    qr_text: str


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the DejaVu fonts with reportlab once per process (embedded as subsets)."""
    for name, file_name in FONTS.items():
        path = FONT_DIR / file_name
        if not path.is_file():
            raise MissingDependencyError(
                f"{path}: font for Vietnamese text not found",
                hint="install Debian's fonts-dejavu-core",
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _wrap(line: str, font: str, size: float, width: float) -> list[str]:
    """Split at spaces so that each piece fits ``width`` (a word longer than that stays whole)."""
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and pdfmetrics.stringWidth(candidate, font, size) > width:
            pieces.append(current)
            current = word
        else:
            current = candidate
    pieces.append(current)
    return pieces


def _fact_lines(facts: CertifiedFacts, width: float) -> tuple[float, list[tuple[float, str]]]:
    """The font size and the (indent, text) lines of the facts, fitting the facts box."""
    lines_of = [f"{fact.label}: {fact.value}" for fact in facts.facts]
    size = FACT_SIZE
    while True:
        lines: list[tuple[float, str]] = []
        for line in lines_of:
            first, *rest = _wrap(line, REGULAR, size, width) or [line]
            lines.append((0.0, first))
            lines.extend((24.0, piece) for piece in rest)
        if len(lines) * size * LEADING <= FACTS_BOTTOM - FACTS_TOP:
            return size, lines
        if size <= MIN_FACT_SIZE:
            raise DataValidationError(
                f"record {facts.record_id}: its facts do not fit on one extract page "
                f"({len(lines)} lines at {MIN_FACT_SIZE} pt)"
            )
        size -= 0.5


def _centered(canvas: Canvas, x: float, y: float, line: str, *, font: str, size: float) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString(x, y, line)


def _draw_qr(canvas: Canvas, payload: str, x: float, y: float, size: float) -> None:
    """Vector QR modules as one filled path (separate rectangles leave anti-aliased seams)."""
    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    quiet = 4
    unit = size / (len(matrix) + 2 * quiet)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + quiet + 1) * unit
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                path.rect(x + (start + quiet) * unit, top, (column - start) * unit, unit)
            else:
                column += 1
    canvas.setFillGray(0)
    canvas.drawPath(path, stroke=0, fill=1)


def render_extract(facts: CertifiedFacts, page: ExtractPage) -> bytes:
    """The unsigned extract as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    title = TITLES[facts.register_type]
    canvas.setTitle(f"{title} {page.certificate_id}")
    canvas.setAuthor(page.signer_name)
    canvas.setSubject(f"civreg extract {page.certificate_id}")
    ward = facts.ward or "—"
    left, right = MARGIN + 95, PAGE_WIDTH - MARGIN - 125
    _centered(canvas, left, PAGE_HEIGHT - 60, "ỦY BAN NHÂN DÂN", font=BOLD, size=11)
    _centered(canvas, left, PAGE_HEIGHT - 75, ward.upper(), font=BOLD, size=11)
    _centered(
        canvas, right, PAGE_HEIGHT - 60, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=BOLD, size=10
    )
    _centered(canvas, right, PAGE_HEIGHT - 75, "Độc lập - Tự do - Hạnh phúc", font=BOLD, size=11)
    _centered(canvas, left, PAGE_HEIGHT - 98, f"Số: {page.certificate_id}", font=REGULAR, size=9.5)
    _centered(canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 145, title, font=BOLD, size=16)
    _centered(canvas, PAGE_WIDTH / 2, PAGE_HEIGHT - 162, "(Bản điện tử)", font=REGULAR, size=10)

    width = PAGE_WIDTH - 2 * MARGIN
    size, lines = _fact_lines(facts, width - 24)
    baseline = PAGE_HEIGHT - FACTS_TOP - size
    canvas.setFont(REGULAR, size)
    for indent, line in lines:
        canvas.drawString(MARGIN + indent, baseline, line)
        baseline -= size * LEADING

    date = page.issue_date
    issued = f"{ward}, ngày {date.day:02d} tháng {date.month:02d} năm {date.year}"
    _centered(canvas, right, PAGE_HEIGHT - 620, issued, font=REGULAR, size=10.5)
    _centered(canvas, right, PAGE_HEIGHT - 640, "TM. ỦY BAN NHÂN DÂN", font=BOLD, size=11)
    _centered(canvas, right, PAGE_HEIGHT - 656, "(Đã ký số)", font=REGULAR, size=9.5)
    _centered(canvas, right, PAGE_HEIGHT - 700, page.signer_name, font=REGULAR, size=9.5)

    _draw_qr(canvas, page.qr_text, MARGIN, QR_BOTTOM, QR_SIZE)
    canvas.setFont(REGULAR, 7.5)
    canvas.drawString(MARGIN, QR_BOTTOM - 10, "Quét mã để xác thực trích lục này.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def read_facts(
    pdf: bytes, register_type: RegisterType, source: str = "extract"
) -> list[tuple[str, str]]:
    """The ``(key, value)`` facts printed in the facts box, in order (continuations joined)."""
    by_label = {label: key for key, label in labels(register_type).items()}
    try:
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            page = document.pages[0]
            box = page.crop((0, FACTS_TOP - 4, page.width, FACTS_BOTTOM))
            lines = (box.extract_text() or "").splitlines()
    except Exception as exc:  # pdfminer raises many kinds on a damaged file
        raise InputFileError(source, f"the extract's text cannot be read ({exc})") from exc
    facts: list[tuple[str, str]] = []
    for raw_line in lines:
        line = text(raw_line)
        label, separator, value = line.partition(": ")
        if separator and label in by_label:
            facts.append((by_label[label], value))
        elif facts and line:
            key, value = facts[-1]
            facts[-1] = (key, f"{value} {line}")
    return facts
