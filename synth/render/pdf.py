"""Born-digital PDFs: the layout written with reportlab, a real text layer and drawn rules.

The DejaVu fonts are embedded (subset, with a ToUnicode map), so the Vietnamese text extracts
exactly; the rules are PDF line objects, which is what pdfplumber's table finder looks for.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.pdfgen.canvas import Canvas

from synth.render.encode import SOFTWARE, binary_pdf_streams
from synth.render.fonts import reportlab_font
from synth.render.layout import PageLayout


def encode_born_digital_pdf(pages: Sequence[PageLayout], title: str) -> bytes:
    """Write the pages as vector PDF (invariant mode: fixed dates and document ID)."""
    buffer = io.BytesIO()
    with binary_pdf_streams():
        canvas = Canvas(buffer, invariant=True, pageCompression=1)
        canvas.setTitle(title)
        canvas.setCreator(SOFTWARE)
        for page in pages:
            _draw_page(canvas, page)
        canvas.save()
    return buffer.getvalue()


def _draw_page(canvas: Canvas, page: PageLayout) -> None:
    canvas.setPageSize((page.width_pt, page.height_pt))
    height = page.height_pt
    canvas.setStrokeGray(0.0)
    for rule in page.rules:
        canvas.setLineWidth(rule.width)
        canvas.line(rule.x0, height - rule.y0, rule.x1, height - rule.y1)
    canvas.setFillGray(0.0)
    for run in page.texts:
        canvas.setFont(reportlab_font(run.family, run.bold), run.size)
        canvas.drawString(run.x, height - run.baseline, run.text)
    canvas.showPage()
