"""PNG crops of scan regions, rendered from the source file through a record's provenance.

Boxes are in page pixels (PDF pages in 300-DPI pixels, :data:`schemas.values.PDF_BBOX_DPI`), so
a PDF page is rendered at that density whatever the OCR used; an image page is its own frame.
The file is checked against the hash in the provenance: a file changed since it was read would
show the wrong region, so it is refused instead.
"""

from __future__ import annotations

import hashlib
import io
from collections import OrderedDict
from pathlib import Path
from threading import Lock

import numpy as np
from PIL import Image

from civreg.errors import DataValidationError, InputFileError
from ocr.images import read_frame
from ocr.pdf import render_page
from ocr.sniff import FileKind, sniff_file
from schemas.values import PDF_BBOX_DPI, BBox

MARGIN = 12
"""Pixels of context around a box."""
MAX_WIDTH = 1800


class PageCache:
    """The last few page images, so that a row and its cells do not re-render the page."""

    def __init__(self, size: int = 6, max_pixels: int = 200_000_000) -> None:
        self.size = size
        self.max_pixels = max_pixels
        self._pages: OrderedDict[tuple[str, str, int], np.ndarray] = OrderedDict()
        self._lock = Lock()

    def page(self, path: Path, relative_path: str, sha256: str, page_number: int) -> np.ndarray:
        """The page image; :class:`InputFileError` if the file is gone or was changed."""
        key = (str(path), sha256, page_number)
        with self._lock:
            if key in self._pages:
                self._pages.move_to_end(key)
                return self._pages[key]
        image = load_page_image(path, relative_path, sha256, page_number, self.max_pixels)
        with self._lock:
            self._pages[key] = image
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return image


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_page_image(
    path: Path, relative_path: str, sha256: str, page_number: int, max_pixels: int
) -> np.ndarray:
    """Page ``page_number`` (1-based) of the file as a grey or RGB array in box pixels."""
    if not path.is_file():
        raise InputFileError(relative_path, f"the scan is no longer at {path}")
    if _sha256(path) != sha256:
        raise InputFileError(relative_path, "the file changed since it was read")
    if sniff_file(path).kind is FileKind.PDF:
        return render_page(path, relative_path, page_number, PDF_BBOX_DPI)
    image, _ = read_frame(path, relative_path, page_number - 1, max_pixels)
    return image


def crop_png(image: np.ndarray, box: BBox | None, margin: int = MARGIN) -> bytes:
    """The box (with a margin) of the page as PNG; the whole page when there is no box."""
    height, width = image.shape[:2]
    if box is None:
        region = image
    else:
        x0, y0 = max(0, box.x0 - margin), max(0, box.y0 - margin)
        x1, y1 = min(width, box.x1 + margin), min(height, box.y1 + margin)
        if x1 <= x0 or y1 <= y0:
            raise DataValidationError(f"box {box.as_list()} lies outside the {width}x{height} page")
        region = image[y0:y1, x0:x1]
    picture = Image.fromarray(np.ascontiguousarray(region))
    if picture.width > MAX_WIDTH:
        picture = picture.resize(
            (MAX_WIDTH, round(picture.height * MAX_WIDTH / picture.width)), Image.LANCZOS
        )
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()
