"""The pages of an ingested document, as images to OCR or as text layers to read directly.

Each page is addressed by a small picklable :class:`PageSource`, so a flow can map one task per
page; :func:`load_page` turns it into a :class:`PageImage` (scans, image files, scanned PDF
pages: rendered at ``pdf_render_dpi``, or the scan they embed when it is as fine) or a
:class:`TextLayerPage` (born-digital PDF pages).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ocr.engine import Word
from ocr.grid import GridDetection, Ruling, grid_from_rulings
from ocr.images import read_frame
from ocr.ingest import IngestedDocument, IngestResult
from ocr.options import OcrOptions
from ocr.pdf import page_scan, read_text_layer
from ocr.sniff import FileKind
from schemas.values import PDF_BBOX_DPI


@dataclass(frozen=True)
class PageSource:
    """Where a page comes from: the file, its identity in the batch, and the 1-based page."""

    path: Path
    relative_path: str
    sha256: str
    kind: FileKind
    page_number: int


@dataclass(frozen=True)
class PageImage:
    """A page as pixels (grey or RGB uint8), at ``dpi``; boxes are in this image's pixels."""

    source: PageSource
    image: np.ndarray
    dpi: int

    @property
    def page_number(self) -> int:
        return self.source.page_number


@dataclass(frozen=True)
class TextLayerPage:
    """A born-digital PDF page: its words, rulings and table grid in 300-DPI pixels."""

    source: PageSource
    words: tuple[Word, ...]
    rulings: tuple[Ruling, ...]
    grid: GridDetection
    width: int
    height: int
    dpi: int = PDF_BBOX_DPI

    @property
    def page_number(self) -> int:
        return self.source.page_number


Page = PageImage | TextLayerPage


def page_sources(batch_dir: Path, document: IngestedDocument) -> list[PageSource]:
    """One :class:`PageSource` per page (or TIFF frame) of an ingested document."""
    return [
        PageSource(
            path=batch_dir / document.relative_path,
            relative_path=document.relative_path,
            sha256=document.sha256,
            kind=document.kind,
            page_number=number,
        )
        for number in range(1, document.page_count + 1)
    ]


def batch_page_sources(result: IngestResult) -> list[PageSource]:
    """Every page of every document of an ingested batch, in document then page order."""
    return [
        source
        for document in result.documents
        for source in page_sources(result.batch_dir, document)
    ]


def load_page(source: PageSource, options: OcrOptions) -> Page:
    """The page's content: a text layer when the PDF page has one, else its image."""
    if source.kind is FileKind.PDF:
        layer = read_text_layer(source.path, source.page_number, options.min_text_layer_words)
        if layer is not None:
            grid = grid_from_rulings(layer.rulings, width=layer.width, height=layer.height)
            return TextLayerPage(
                source=source,
                words=layer.words,
                rulings=layer.rulings,
                grid=grid,
                width=layer.width,
                height=layer.height,
            )
        image = page_scan(
            source.path, source.relative_path, source.page_number, options.pdf_render_dpi
        )
        return PageImage(source=source, image=image, dpi=options.pdf_render_dpi)
    image, stated_dpi = read_frame(
        source.path, source.relative_path, source.page_number - 1, options.max_image_pixels
    )
    return PageImage(source=source, image=image, dpi=effective_dpi(stated_dpi, options))


def iter_pages(batch_dir: Path, document: IngestedDocument, options: OcrOptions) -> Iterator[Page]:
    """The document's pages in order, loaded one at a time."""
    for source in page_sources(batch_dir, document):
        yield load_page(source, options)


def effective_dpi(stated: tuple[float, float] | None, options: OcrOptions) -> int:
    """The DPI an image states, unless it is missing or a writer's default such as 72."""
    if stated is None:
        return options.default_image_dpi
    dpi = round(max(stated))
    if dpi < options.min_plausible_dpi or dpi > 2400:
        return options.default_image_dpi
    return dpi
