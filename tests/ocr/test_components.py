from __future__ import annotations

import cv2
import numpy as np

from ocr.components import connected_components


def _reference(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    return cv2.connectedComponentsWithStats(mask, connectivity=8, ltype=cv2.CV_32S)


def _blobs(shape: tuple[int, int], count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, dtype=np.uint8)
    for _ in range(count):
        x, y = rng.integers(0, shape[1] - 12), rng.integers(0, shape[0] - 12)
        mask[y : y + rng.integers(1, 12), x : x + rng.integers(1, 12)] = 255
    return mask


def test_labels_and_statistics_are_those_of_opencvs_default_labelling() -> None:
    mask = _blobs((600, 800), 900, seed=7)
    count, labels, stats, centroids = connected_components(mask)
    expected = _reference(mask)
    assert count == expected[0] > 100
    assert labels.dtype == np.uint16
    assert np.array_equal(labels, expected[1])
    assert np.array_equal(stats, expected[2])
    assert np.allclose(centroids, expected[3])


def test_a_page_with_more_blobs_than_16_bits_is_labelled_with_32_bits() -> None:
    mask = np.zeros((800, 800), dtype=np.uint8)
    mask[::3, ::3] = 255  # 71,289 separate dots
    count, labels, stats, _ = connected_components(mask)
    expected = _reference(mask)
    assert count == expected[0] == 267 * 267 + 1
    assert labels.dtype == np.int32
    assert np.array_equal(labels, expected[1]) and np.array_equal(stats, expected[2])
