"""Sharpness, edge agreement and aligned detail (issue 18) on scenes whose right answer is known."""
import cv2
import numpy as np
import pytest

from tests.conftest import texture
from tweenflow.bench.metrics import (MOVING_DILATION, aligned_detail, edge_agreement,
                                     moving_area, psnr, sharpness)

SIDE = 40


def scene(x: int) -> np.ndarray:
    """A detailed square (SIDE px) at column x, row 40, over a smooth background."""
    frame = cv2.GaussianBlur(texture(120, 200, seed=1), (0, 0), 3)
    frame[40:40 + SIDE, x:x + SIDE] = texture(SIDE, SIDE, seed=2, blur=0.7)
    return frame


def cross_fade(frame0: np.ndarray, frame1: np.ndarray, t: float = 0.5) -> np.ndarray:
    return np.clip(np.rint((1 - t) * frame0.astype(float) + t * frame1), 0, 255).astype(np.uint8)


def test_moving_area_is_both_places_of_the_moved_square_dilated():
    frame0, frame1 = scene(20), scene(100)
    area = moving_area(frame0, frame1)
    half = MOVING_DILATION // 2
    rows, columns = np.nonzero(area)
    assert rows.min() >= 40 - half and rows.max() <= 40 + SIDE - 1 + half
    assert area[60, 30] and area[60, 120]               # inside both squares
    assert not area[60, 80] and not area[10, 10]        # between them, far from them
    assert not moving_area(frame0, frame0).any()


def test_the_truth_scores_one_and_a_cross_fade_lower():
    frame0, truth, frame1 = scene(20), scene(40), scene(60)
    area = moving_area(frame0, frame1)
    assert sharpness(truth, truth, area) == pytest.approx(1.0)
    assert edge_agreement(truth, truth, area) == pytest.approx(1.0)
    fade = cross_fade(frame0, frame1)
    assert edge_agreement(fade, truth, area) < 0.2       # detail where the truth has none
    assert sharpness(fade, truth, area) < 0.9            # two half-contrast copies


def test_edge_agreement_prefers_the_right_place_to_the_wrong_one():
    frame0, truth, frame1 = scene(20), scene(40), scene(60)
    area = moving_area(frame0, frame1)
    shifted = scene(43)                                  # as sharp, 3 px off
    blurred = cv2.GaussianBlur(truth, (0, 0), 1.5)       # in place, soft
    assert sharpness(shifted, truth, area) == pytest.approx(1.0, abs=0.1)
    assert edge_agreement(shifted, truth, area) < 0.5
    assert sharpness(blurred, truth, area) < 0.5
    assert edge_agreement(blurred, truth, area) > edge_agreement(shifted, truth, area)


def test_metrics_are_undefined_without_a_moving_area():
    frame = scene(20)
    empty = np.zeros(frame.shape[:2], bool)
    assert sharpness(frame, frame, empty) is None and edge_agreement(frame, frame, empty) is None
    flat = np.full_like(frame, 90)
    full = np.ones(frame.shape[:2], bool)
    assert sharpness(frame, flat, full) is None          # the truth has no detail to keep
    assert psnr(frame, frame) == 100.0


def test_aligned_detail_counts_only_detail_in_the_right_place_and_is_linear():
    frame0, truth, frame1 = scene(20), scene(40), scene(60)
    area = moving_area(frame0, frame1)
    shifted = scene(43)                                  # as sharp, 3 px off
    assert aligned_detail(truth, truth, area) == pytest.approx(1.0)
    assert abs(aligned_detail(shifted, truth, area)) < 0.3
    # a blend of the right and the wrong copy has the blend of their values (up to the
    # rounding to 8 bits), although its edge agreement is above both weights' share
    half = cross_fade(truth, shifted)
    expected = (aligned_detail(truth, truth, area) + aligned_detail(shifted, truth, area)) / 2
    assert aligned_detail(half, truth, area) == pytest.approx(expected, abs=0.02)
    # where both Laplacians have zero mean it is edge agreement * sqrt(sharpness)
    assert aligned_detail(half, truth, area) == pytest.approx(
        edge_agreement(half, truth, area) * np.sqrt(sharpness(half, truth, area)), abs=0.03)
    assert aligned_detail(frame0, frame0, np.zeros(area.shape, bool)) is None
