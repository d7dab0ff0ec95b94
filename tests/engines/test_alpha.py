"""Transparent frames: a sprite on a transparent background moves with its alpha, and over a
checkerboard the in-between has a clean edge (no dark or coloured halo)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import tweenflow
from tweenflow.engines.alpha import AlphaEngine

HEIGHT, WIDTH, MOTION = 72, 112, 12


def sprite(offset_x: float, dtype=np.uint8) -> np.ndarray:
    """RGBA: an orange disc with an antialiased edge at x = 40 + offset_x on a fully
    transparent background whose hidden colour is bright green (what warping straight colour
    would drag into the edge)."""
    scale = 255 if dtype == np.uint8 else 65535
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    distance = np.hypot(xx - 40 - offset_x, yy - 36)
    alpha = np.clip(18.5 - distance, 0, 1)          # 1 inside, a 1-px soft rim, 0 outside
    shade = 0.75 + 0.25 * np.sin(xx / 3.0 - offset_x / 3.0)   # texture moving with the disc
    rgb = np.where(alpha[..., None] > 0,
                   np.stack([np.full_like(xx, 1.0), 0.55 * shade, 0.1 * shade], axis=2),
                   np.array([0.0, 1.0, 0.0], np.float32))
    rgba = np.dstack([rgb, alpha])
    return np.rint(rgba * scale).astype(dtype)


def over_checkerboard(rgba: np.ndarray) -> np.ndarray:
    """The straight-alpha frame composited over a grey checkerboard, float32 RGB 0-1."""
    scale = np.float32(np.iinfo(rgba.dtype).max)
    yy, xx = np.mgrid[0:rgba.shape[0], 0:rgba.shape[1]]
    board = np.where(((yy // 8 + xx // 8) % 2)[..., None] == 0, 0.8, 0.3).astype(np.float32)
    alpha = rgba[..., 3:4] / scale
    return rgba[..., :3] / scale * alpha + board * (1 - alpha)


def edge_band(alpha_truth: np.ndarray) -> np.ndarray:
    """Pixels within 3 px of the sprite's edge."""
    inside = (alpha_truth > 0.5).astype(np.uint8)
    kernel = np.ones((7, 7), np.uint8)
    return (cv2.dilate(inside, kernel) - cv2.erode(inside, kernel)).astype(bool)


@pytest.mark.parametrize("name", ["classical", "rife4"])
def test_sprite_edge_at_half_time_matches_the_sprite_moved_half_way(engines, name):
    frame0, frame1 = sprite(0), sprite(MOTION)
    middle, = tweenflow.interpolate(frame0, frame1, 0.5, engines(name))
    truth = sprite(MOTION / 2)
    assert middle.shape == (HEIGHT, WIDTH, 4) and middle.dtype == np.uint8
    band = edge_band(truth[..., 3] / 255.0)
    got, want = over_checkerboard(middle), over_checkerboard(truth)
    error = np.abs(got - want)[band]
    assert error.mean() < 0.01, error.mean()   # measured 0.001 (classical), 0.003 (rife4)
    # a halo is green (the hidden background colour) or dark at the rim: neither appears
    assert (got[..., 1] - want[..., 1])[band].max() < 0.15     # measured 0.02, 0.05
    # alpha moved with the colour: the matte's centre is half way
    columns = np.nonzero(middle[36, :, 3] > 127)[0]
    assert abs((columns[0] + columns[-1]) / 2 - (40 + MOTION / 2)) <= 1.0
    # transparent stays transparent far from the sprite, opaque inside
    assert middle[5, 100, 3] == 0 and middle[36, 40 + MOTION // 2, 3] == 255


def test_straight_colour_warping_would_show_the_halo(engines):
    """The check above can fail: warping the straight colour (alpha ignored) drags the
    hidden green into the rim."""
    frame0, frame1 = sprite(0), sprite(MOTION)
    engine = engines("classical")
    colour = engine.render(engine.prepare(frame0[..., :3], frame1[..., :3]), 0.5)
    matte = engine.render(engine.prepare(np.repeat(frame0[..., 3:], 3, 2),
                                         np.repeat(frame1[..., 3:], 3, 2)), 0.5)
    naive = np.dstack([colour, matte[..., :1]])
    truth = sprite(MOTION / 2)
    band = edge_band(truth[..., 3] / 255.0)
    got, want = over_checkerboard(naive), over_checkerboard(truth)
    assert (got[..., 1] - want[..., 1])[band].max() >= 0.15    # measured 0.66


def test_16bit_rgba_stays_16bit_rgba(engines):
    frame0, frame1 = sprite(0, np.uint16), sprite(MOTION, np.uint16)
    middle, = tweenflow.interpolate(frame0, frame1, 0.5, engines("classical"))
    assert middle.dtype == np.uint16 and middle.shape[2] == 4
    truth = sprite(MOTION / 2, np.uint16)
    band = edge_band(truth[..., 3] / 65535.0)
    assert np.abs(over_checkerboard(middle) - over_checkerboard(truth))[band].mean() < 0.04


def test_rgb_frames_pass_through_unchanged(engines):
    frame0, frame1 = sprite(0)[..., :3].copy(), sprite(MOTION)[..., :3].copy()
    engine = engines("classical")
    plain = engine.render(engine.prepare(frame0, frame1), 0.5)
    wrapped = AlphaEngine(engine)
    assert np.array_equal(wrapped.render(wrapped.prepare(frame0, frame1), 0.5), plain)
