"""Make a drawn page look scanned, carrying its truth boxes through every geometric change.

Conventions recorded in the ground truth: ``skew_degrees`` is the counter-clockwise rotation
applied to the page about its centre (the canvas grows to keep the corners, filled with paper);
``rotation`` is a further counter-clockwise turn of the whole image by 90, 180 or 270 degrees,
undone by turning it clockwise by the same amount. Boxes are the axis-aligned bounds of the
transformed corners, rounded outwards and clipped to the image.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from schemas.values import BBox
from synth.render.raster import Inking, RasterPage
from synth.render.spec import DegradationLevel

TURNS = (90, 180, 270)


@dataclass
class ScannedPage:
    """A page as the scanner produced it, with the transformed box corners."""

    image: Image.Image
    dpi: int
    corners: np.ndarray
    skew_degrees: float = 0.0
    rotation: int = 0


def skew(image: Image.Image, corners: np.ndarray, degrees: float, fill: int | tuple[int, ...]):
    """Rotate the page counter-clockwise about its centre, growing the canvas to keep it all."""
    if degrees == 0.0:
        return image, corners
    theta = math.radians(degrees)
    cos, sin = math.cos(theta), math.sin(theta)
    width, height = image.size
    new_width = math.ceil(width * abs(cos) + height * abs(sin))
    new_height = math.ceil(width * abs(sin) + height * abs(cos))
    cx, cy = width / 2, height / 2
    ncx, ncy = new_width / 2, new_height / 2
    # Pillow wants the inverse map: output pixel -> input pixel.
    inverse = (
        cos,
        -sin,
        cx - ncx * cos + ncy * sin,
        sin,
        cos,
        cy - ncx * sin - ncy * cos,
    )
    rotated = image.transform(
        (new_width, new_height),
        Image.Transform.AFFINE,
        inverse,
        resample=Image.Resampling.BILINEAR,
        fillcolor=fill,
    )
    dx, dy = corners[..., 0] - cx, corners[..., 1] - cy
    moved = np.stack((ncx + dx * cos + dy * sin, ncy - dx * sin + dy * cos), axis=-1)
    return rotated, moved


def turn(image: Image.Image, corners: np.ndarray, degrees: int):
    """Turn the whole image counter-clockwise by a multiple of 90 degrees."""
    width, height = image.size
    x, y = corners[..., 0], corners[..., 1]
    if degrees == 90:
        return image.transpose(Image.Transpose.ROTATE_90), np.stack((y, width - x), axis=-1)
    if degrees == 180:
        turned = image.transpose(Image.Transpose.ROTATE_180)
        return turned, np.stack((width - x, height - y), axis=-1)
    if degrees == 270:
        return image.transpose(Image.Transpose.ROTATE_270), np.stack((height - y, x), axis=-1)
    return image, corners


def _light_falloff(pixels: np.ndarray, falloff: float, rng: np.random.Generator) -> np.ndarray:
    """Darken the page linearly towards one side, as a lid left ajar or a curled page does."""
    height, width = pixels.shape[:2]
    angle = rng.uniform(0, 2 * math.pi)
    along_x = np.arange(width, dtype=np.float32) * math.cos(angle)
    along_y = np.arange(height, dtype=np.float32) * math.sin(angle)
    low = float(min(along_x.min(), 0.0) + min(along_y.min(), 0.0))
    span = max(float(np.ptp(along_x) + np.ptp(along_y)), 1.0)
    # factor = 1 - falloff * (ramp - low) / span, built from its two separable halves.
    factor = (1.0 - falloff * (along_x - low) / span)[None, :] - (falloff * along_y / span)[:, None]
    pixels *= factor[..., None] if pixels.ndim == 3 else factor
    return pixels


def _noise(pixels: np.ndarray, level: DegradationLevel, rng: np.random.Generator) -> np.ndarray:
    if level.noise_sigma > 0:
        # Sensor noise is in the brightness: one field for all channels of a colour scan.
        noise = rng.standard_normal(pixels.shape[:2], dtype=np.float32) * level.noise_sigma
        pixels += noise[..., None] if pixels.ndim == 3 else noise
    if level.speckle_density > 0:
        height, width = pixels.shape[:2]
        count = int(level.speckle_density * height * width)
        ys = rng.integers(0, height - 1, count)
        xs = rng.integers(0, width - 1, count)
        dark = rng.random(count) < 0.7
        values = np.where(dark, rng.uniform(0, 90, count), 255.0).astype(np.float32)
        # Specks of 1 or 2 pixels across.
        for oy, ox in ((0, 0), (0, 1), (1, 0), (1, 1)):
            keep = rng.random(count) < (1.0 if (oy, ox) == (0, 0) else 0.45)
            target = (ys[keep] + oy, xs[keep] + ox)
            pixels[target] = values[keep][:, None] if pixels.ndim == 3 else values[keep]
    return pixels


def _jpeg_round_trip(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.copy()


def scan(page: RasterPage, level: DegradationLevel, inking: Inking, rng: np.random.Generator):
    """Apply a degradation level to a drawn page; every random choice comes from ``rng``."""
    fill = inking.fill(inking.paper)
    angle = 0.0
    if level.max_skew_degrees > 0:
        angle = round(float(rng.uniform(-level.max_skew_degrees, level.max_skew_degrees)), 3)
    image, corners = skew(page.image, page.corners, angle, fill)
    if level.blur_radius_px_at_300 > 0:
        image = image.filter(ImageFilter.GaussianBlur(level.blur_radius_px_at_300 * page.dpi / 300))
    if level.light_falloff > 0 or level.noise_sigma > 0 or level.speckle_density > 0:
        pixels = np.array(image, dtype=np.float32)
        if level.light_falloff > 0:
            pixels = _light_falloff(pixels, float(rng.uniform(0.5, 1.0)) * level.light_falloff, rng)
        pixels = _noise(pixels, level, rng)
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), image.mode)
    rotation = 0
    if level.page_turn_probability > 0 and rng.random() < level.page_turn_probability:
        rotation = TURNS[int(rng.integers(len(TURNS)))]
        image, corners = turn(image, corners, rotation)
    if level.jpeg_quality is not None:
        image = _jpeg_round_trip(image, level.jpeg_quality)
    return ScannedPage(image, page.dpi, corners, skew_degrees=angle, rotation=rotation)


def corners_to_bbox(corners: np.ndarray, width: int, height: int, scale: float = 1.0) -> BBox:
    """The axis-aligned box of a transformed rectangle, rounded outwards, inside the image."""
    xs, ys = corners[:, 0] * scale, corners[:, 1] * scale
    return BBox(
        x0=max(0, math.floor(xs.min())),
        y0=max(0, math.floor(ys.min())),
        x1=min(width, math.ceil(xs.max())),
        y1=min(height, math.ceil(ys.max())),
    )
