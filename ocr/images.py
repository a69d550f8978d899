"""Image files (PNG, JPEG, TIFF): validity checks and decoding of one frame to an array.

Dimensions are checked against the pixel limit from the header, before anything is decoded,
so a decompression bomb costs nothing. A truncated file is caught by decoding every frame once
at ingest: a scan that fails later, half-way through a batch, is worse than one quarantined now.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ocr.errors import UnreadableFileError
from schemas.enums import QuarantineReason

_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@contextmanager
def open_image(path: Path, relative_path: str, max_pixels: int) -> Iterator[Image.Image]:
    """The opened (not yet decoded) image, or :class:`UnreadableFileError`."""
    # Pillow refuses images above 2x its own limit at open time; lift it to at least ours (never
    # lower it) so that the limit that applies is the configured one, checked below.
    pillow_limit = Image.MAX_IMAGE_PIXELS
    if pillow_limit is not None and pillow_limit < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except Image.DecompressionBombError as err:
            found = _BOMB_PIXELS.search(str(err))
            pixels = f"{int(found.group(1)):,} pixels" if found else "too many pixels"
            raise UnreadableFileError(
                relative_path,
                QuarantineReason.IMAGE_TOO_LARGE,
                f"image has {pixels}, more than the limit of {max_pixels:,}",
            ) from err
        except UnidentifiedImageError as err:
            raise UnreadableFileError(
                relative_path, QuarantineReason.CORRUPT, "image header cannot be read"
            ) from err
        except OSError as err:
            raise _decode_error(relative_path, err) from err
        try:
            yield image
        finally:
            image.close()


def check_image(path: Path, relative_path: str, max_pixels: int) -> int:
    """The frame count of a readable image; each frame is size-checked, then decoded once."""
    with open_image(path, relative_path, max_pixels) as image:
        frames = getattr(image, "n_frames", 1)
        for index in range(frames):
            _seek(image, index, relative_path)
            _check_size(image, relative_path, max_pixels, index, frames)
            try:
                image.load()
            except (OSError, SyntaxError, ValueError) as err:
                raise _decode_error(relative_path, err, index, frames) from err
        return frames


def read_frame(
    path: Path, relative_path: str, frame_index: int, max_pixels: int
) -> tuple[np.ndarray, tuple[float, float] | None]:
    """Frame ``frame_index`` (0-based) as grey or RGB uint8 array, with the DPI the file states."""
    with open_image(path, relative_path, max_pixels) as image:
        _seek(image, frame_index, relative_path)
        _check_size(image, relative_path, max_pixels, frame_index, getattr(image, "n_frames", 1))
        dpi = image.info.get("dpi")
        try:
            # In place: a copy of a page is tens of MB, and the array below is one already.
            if frame_index == 0:
                ImageOps.exif_transpose(image, in_place=True)
            else:
                image.load()
            array = _to_array(image)
        except (OSError, SyntaxError, ValueError) as err:
            raise _decode_error(relative_path, err, frame_index) from err
    stated = (float(dpi[0]), float(dpi[1])) if dpi and len(dpi) == 2 else None
    return array, stated


def _to_array(image: Image.Image) -> np.ndarray:
    """Grey stays grey (16-bit scaled to 8-bit); colour becomes RGB."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(image, dtype=np.uint32)
        return (
            (wide >> 8).clip(0, 255).astype(np.uint8) if wide.max() > 255 else wide.astype(np.uint8)
        )
    if image.mode == "L":
        return np.asarray(image, dtype=np.uint8)
    if image.mode in ("1", "LA", "F"):
        return np.asarray(image.convert("L"), dtype=np.uint8)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _seek(image: Image.Image, index: int, relative_path: str) -> None:
    try:
        image.seek(index)
    except (EOFError, OSError) as err:
        raise UnreadableFileError(
            relative_path, QuarantineReason.TRUNCATED, f"frame {index + 1} is missing"
        ) from err


def _check_size(
    image: Image.Image, relative_path: str, max_pixels: int, index: int, frames: int
) -> None:
    width, height = image.size
    if width * height > max_pixels:
        where = f"frame {index + 1} is" if frames > 1 else "image is"
        raise UnreadableFileError(
            relative_path,
            QuarantineReason.IMAGE_TOO_LARGE,
            f"{where} {width}x{height} = {width * height:,} pixels, "
            f"more than the limit of {max_pixels:,}",
        )


def _decode_error(
    relative_path: str, err: BaseException, index: int = 0, frames: int = 1
) -> UnreadableFileError:
    where = f"frame {index + 1} of the image" if frames > 1 else "image data"
    if "truncated" in str(err).lower():
        return UnreadableFileError(
            relative_path, QuarantineReason.TRUNCATED, f"{where} is truncated (file cut short)"
        )
    return UnreadableFileError(
        relative_path, QuarantineReason.CORRUPT, f"{where} cannot be decoded ({err})"
    )
