"""Make a scanned page readable: upright, straight, clean, evenly lit.

Skew is what costs Tesseract most (2° loses whole lines, MEASURED.md), so deskew is always on;
the other steps run only when the page shows the defect they fix, because each can also hurt:
binarizing a clean page damaged diacritics, and smoothing thins the strokes of small print.
Measured on generated pages (Tesseract ``vie``, CER): flattening uneven light 16% -> 0%;
a 3x3 median on speckled faint print 98% -> 2-9%; see :class:`ocr.options.BinarizePolicy`.

Every step is recorded in the :class:`PreprocessedPage`, with the affine transform from the
source image, so a box found on the processed image can be mapped back to the scan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import cv2
import numpy as np

from ocr.components import connected_components
from ocr.engine import Orientation, detect_orientation
from ocr.grid import GridDetection, detect_grid, remove_lines
from ocr.options import BinarizePolicy, OcrOptions, OrientationMethod
from ocr.pages import PageImage
from schemas.values import BBox

MAX_SKEW_POINTS = 250_000
"""Ink pixels sampled for the fine skew search: plenty for a 0.02° estimate on any page."""
COARSE_SKEW_POINTS = 40_000
"""Ink pixels sampled for the coarse 0.25° search, which only has to land near the peak."""
OSD_TARGET_GLYPH_HEIGHT = 20
"""Median glyph height (px) the page is scaled to for Tesseract's orientation detection.
Measured on generated pages turned 0/90/180/270: 8/8 right with a 22 px font and up, 6/8 with
18 px, 0/180 mixed up with 14 px; after erasing the rulings 64/72 right over text, table, sparse
and small-print pages (every miss on heavy noise, most with confidence below 2)."""


@dataclass(frozen=True)
class PreprocessedPage:
    """A page ready for grid detection and recognition, with what was done to it.

    ``image`` is grey (uint8), upright and deskewed; binary (0/255) only when ``binarized``.
    ``grid`` was found on ``image`` (before binarization); ``transform`` is the 3x3 affine
    matrix from source-image pixels to ``image`` pixels.
    """

    image: np.ndarray
    dpi: int
    page_number: int
    source_size: tuple[int, int]  # (width, height) of the page before preprocessing
    rotation: int  # clockwise quarter turns applied, in degrees: 0, 90, 180 or 270
    orientation_confidence: float | None
    skew_degrees: float  # measured counter-clockwise tilt of the content
    skew_corrected: bool
    background_range: int  # grey-level spread of the paper; large means uneven light
    background_normalized: bool
    denoised: bool
    binarized: bool
    grid: GridDetection
    transform: np.ndarray = field(repr=False)
    steps: tuple[str, ...] = ()

    @cached_property
    def _inverse(self) -> tuple[float, float, float, float, float, float]:
        """The affine map back to the source image, as (a, b, c, d, e, f): x' = ax + by + c."""
        inverse = np.linalg.inv(self.transform)
        (a, b, c), (d, e, f) = inverse[0].tolist(), inverse[1].tolist()
        return a, b, c, d, e, f

    def to_source_box(self, box: BBox) -> BBox:
        """``box`` of the processed image as the enclosing box on the source image."""
        # Plain floats: thousands of boxes a page, each a few multiplications.
        a, b, c, d, e, f = self._inverse
        corners = ((box.x0, box.y0), (box.x1, box.y0), (box.x0, box.y1), (box.x1, box.y1))
        width, height = self.source_size
        xs = [min(max(a * x + b * y + c, 0), width) for x, y in corners]
        ys = [min(max(d * x + e * y + f, 0), height) for x, y in corners]
        return BBox(
            x0=math.floor(min(xs)),
            y0=math.floor(min(ys)),
            x1=math.ceil(max(xs)),
            y1=math.ceil(max(ys)),
        )


def preprocess(page: PageImage, options: OcrOptions) -> PreprocessedPage:
    """Flatten light, denoise, deskew, orient, find the grid and (when it helps) binarize.

    Deskew comes first and searches both axes, so a page turned by a quarter turn plus a few
    degrees is straightened exactly onto its quarter turn; the grid is found on the straight
    page and erased from the copy given to orientation detection (rulings confuse it).
    """
    grey = to_grey(page.image)
    height, width = grey.shape
    transform = np.eye(3)
    steps: list[str] = []

    background = estimate_background(grey)
    background_range = int(np.percentile(background, 98) - np.percentile(background, 2))
    uneven = background_range > options.uneven_light_threshold
    if uneven:
        grey = normalize_background(grey, background)
        steps.append(f"flattened uneven light (paper spread {background_range} grey levels)")

    ink = ink_for_skew(grey)
    speckle = speckle_share(ink)
    denoised = speckle > options.speckle_threshold
    if denoised:
        grey = cv2.medianBlur(grey, 3)
        ink = ink_for_skew(grey)
        steps.append(f"removed speckle ({speckle:.0%} of ink blobs were dots)")

    skew = estimate_skew(ink, options.max_skew_degrees)
    corrected = abs(skew) >= options.min_skew_correction
    if corrected:
        grey, turn = rotate_by(grey, -skew, fill=paper_level(grey))
        transform = turn @ transform
        steps.append(f"deskewed by {-skew:+.2f}°")

    grid = detect_grid(grey)
    rotation, orientation_confidence = 0, None
    if options.orientation is OrientationMethod.OSD:
        found = orientation_of(grey, grid, page.dpi, options)
        orientation_confidence = found.confidence
        if found.rotate_clockwise and found.confidence >= options.min_osd_confidence:
            rotation = found.rotate_clockwise
            grey, turn = rotate_quarter_turns(grey, rotation)
            transform = turn @ transform
            grid = detect_grid(grey)
            steps.append(f"turned {rotation}° clockwise (OSD confidence {found.confidence:.1f})")
    steps.append(grid.reason)

    binarized = options.binarize is BinarizePolicy.ALWAYS or (
        options.binarize is BinarizePolicy.AUTO
        and denoised
        and page.dpi < options.binarize_below_dpi
    )
    if binarized:
        grey = binarize(grey)
        why = "asked for" if options.binarize is BinarizePolicy.ALWAYS else "speckled, low DPI"
        steps.append(f"binarized with Otsu ({why})")

    return PreprocessedPage(
        image=grey,
        dpi=page.dpi,
        page_number=page.page_number,
        source_size=(width, height),
        rotation=rotation,
        orientation_confidence=orientation_confidence,
        skew_degrees=skew,
        skew_corrected=corrected,
        background_range=background_range,
        background_normalized=uneven,
        denoised=denoised,
        binarized=binarized,
        grid=grid,
        transform=transform,
        steps=tuple(steps),
    )


def orientation_of(
    grey: np.ndarray, grid: GridDetection, dpi: int, options: OcrOptions
) -> Orientation:
    """Tesseract OSD on the page with its rulings erased (they confuse it), scaled to the glyph
    height it reads best."""
    text_only = remove_lines(grey, grid.grid, line_mask=grid.line_mask) if grid.grid else grey
    return detect_orientation(_osd_sized(text_only), options, dpi=dpi)


def to_grey(image: np.ndarray) -> np.ndarray:
    """A uint8 grey copy of a grey, RGB or RGBA image."""
    if image.ndim == 2:
        return image.copy()
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_RGBA2GRAY)
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _osd_sized(grey: np.ndarray) -> np.ndarray:
    """The page scaled so that its glyphs have the height OSD reads best (also caps its cost)."""
    glyph = median_glyph_height(grey)
    if glyph is None:
        return grey
    scale = min(max(OSD_TARGET_GLYPH_HEIGHT / glyph, 0.25), 2.0)
    if abs(scale - 1) < 0.1:
        return grey
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=interpolation)


def median_glyph_height(grey: np.ndarray) -> float | None:
    """Median height of letter-sized ink blobs, or ``None`` on a page without text."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    count, _, stats, _ = connected_components(ink)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 6) & (heights <= 300) & (widths <= 4 * heights)]
    if count < 20 or letters.size < 20:
        return None
    return float(np.median(letters))


def rotate_quarter_turns(grey: np.ndarray, clockwise: int) -> tuple[np.ndarray, np.ndarray]:
    """The image turned clockwise by 90, 180 or 270 degrees, and the 3x3 pixel transform."""
    height, width = grey.shape[:2]
    turns = (clockwise // 90) % 4
    rotated = np.ascontiguousarray(np.rot90(grey, k=-turns))
    matrices = {
        0: [[1, 0, 0], [0, 1, 0]],
        1: [[0, -1, height - 1], [1, 0, 0]],
        2: [[-1, 0, width - 1], [0, -1, height - 1]],
        3: [[0, 1, 0], [-1, 0, width - 1]],
    }
    return rotated, np.vstack([np.array(matrices[turns], dtype=float), [0, 0, 1]])


def rotate_by(grey: np.ndarray, degrees: float, *, fill: int) -> tuple[np.ndarray, np.ndarray]:
    """The image rotated counter-clockwise by ``degrees`` on a canvas that keeps every corner."""
    height, width = grey.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = math.ceil(height * sin + width * cos)
    new_height = math.ceil(height * cos + width * sin)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    rotated = cv2.warpAffine(
        grey,
        matrix,
        (new_width, new_height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )
    return rotated, np.vstack([matrix, [0, 0, 1]])


def ink_for_skew(grey: np.ndarray) -> np.ndarray:
    """Ink pixels (255) of a page, thresholded globally: the paper is even by now."""
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def estimate_skew(ink: np.ndarray, max_degrees: float) -> float:
    """The counter-clockwise tilt (degrees) of text lines and rulings, by projection profiles.

    Ink pixels are projected across a candidate angle; when the angle matches the lines, each
    line falls into few bins and the sum of squared bin counts peaks. Both families of lines
    are searched (horizontal, and vertical for pages turned a quarter turn) over
    ``±max_degrees`` in 0.25° steps, the best is refined in 0.02° steps, and a parabola through
    the three best refined scores gives the estimate.
    """
    points = cv2.findNonZero(ink)  # x, y pairs: a third of np.nonzero's time
    if points is None or len(points) < 200:
        return 0.0
    points = points.reshape(-1, 2)
    xs, ys = points[:, 0], points[:, 1]
    stride = max(1, xs.size // MAX_SKEW_POINTS)
    fine_points = (xs[::stride] - xs.mean(), ys[::stride] - ys.mean())
    stride = max(1, xs.size // COARSE_SKEW_POINTS)
    coarse_points = (xs[::stride] - xs.mean(), ys[::stride] - ys.mean())

    def sharpness(points: tuple[np.ndarray, np.ndarray], degrees: float, vertical: bool) -> float:
        px, py = points
        radians = math.radians(degrees)
        if vertical:
            projected = px * math.cos(radians) - py * math.sin(radians)
        else:
            projected = px * math.sin(radians) + py * math.cos(radians)
        bins = np.bincount((projected - projected.min()).astype(np.int64))
        return float(np.dot(bins, bins))

    coarse = np.arange(-max_degrees, max_degrees + 1e-9, 0.25)
    scored = [(sharpness(coarse_points, a, v), float(a), v) for v in (False, True) for a in coarse]
    _, best, vertical = max(scored)
    fine = np.arange(best - 0.3, best + 0.3 + 1e-9, 0.02)
    scores = np.array([sharpness(fine_points, a, vertical) for a in fine])
    index = int(np.argmax(scores))
    angle = float(fine[index])
    if 0 < index < len(fine) - 1:
        left, centre, right = scores[index - 1 : index + 2]
        curvature = left - 2 * centre + right
        if curvature < 0:
            angle += 0.02 * 0.5 * (left - right) / curvature
    return round(angle, 3)


def estimate_background(grey: np.ndarray) -> np.ndarray:
    """The paper's brightness everywhere (text closed over), at a quarter of the size."""
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    size = max(15, round(min(small.shape) / 25)) | 1
    closed = cv2.morphologyEx(
        small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    )
    return cv2.medianBlur(closed, 5)


def normalize_background(grey: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The page divided by its paper brightness: uneven light becomes white paper."""
    height, width = grey.shape
    paper = cv2.resize(np.maximum(background, 1), (width, height), interpolation=cv2.INTER_LINEAR)
    # One saturating uint8 pass: float32 copies of a page are tens of MB and several passes.
    return cv2.divide(grey, paper, scale=255.0)


def paper_level(grey: np.ndarray) -> int:
    """The grey level of blank paper, to fill the corners uncovered by a rotation."""
    return int(percentile_u8(grey, 90))


HISTOGRAM_CHUNK_PIXELS = 1 << 23
"""Pixels counted per histogram call: OpenCV returns float32 counts, exact below 2**24."""


def percentile_u8(image: np.ndarray, q: float) -> float:
    """``np.percentile(image, q)`` (linear interpolation) of a uint8 image, from its histogram.

    A page is ~10 million pixels: sorting them to find one rank costs ~15 ms a call, counting
    them ~2 ms.
    """
    rows = max(1, HISTOGRAM_CHUNK_PIXELS // max(1, image.shape[1] if image.ndim > 1 else 1))
    counts = np.zeros(256, dtype=np.int64)
    for top in range(0, image.shape[0], rows):
        chunk = np.ascontiguousarray(image[top : top + rows])
        counts += cv2.calcHist([chunk], [0], None, [256], [0, 256]).ravel().astype(np.int64)
    cumulative = np.cumsum(counts)
    rank = q / 100 * (int(cumulative[-1]) - 1)
    below = math.floor(rank)
    low = int(np.searchsorted(cumulative, below, side="right"))
    high = int(np.searchsorted(cumulative, min(below + 1, int(cumulative[-1]) - 1), side="right"))
    return low + (high - low) * (rank - below)


def speckle_share(ink: np.ndarray) -> float:
    """Share of ink blobs (:func:`ink_for_skew`) no bigger than a dot: high on salt-and-pepper
    scans."""
    count, _, stats, _ = connected_components(ink)
    if count <= 1:
        return 0.0
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(np.count_nonzero(areas <= 2) / areas.size)


def binarize(grey: np.ndarray) -> np.ndarray:
    """Black ink on white paper (0/255) by Otsu's threshold on an evenly lit page."""
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return binary
