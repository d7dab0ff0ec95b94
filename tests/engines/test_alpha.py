"""Transparent frames: a sprite on a transparent background moves with its alpha, and over a
checkerboard the in-between has a clean edge (no dark or coloured halo); the alpha moves by the
colour's own flow (one engine pass), not by a flow of its own."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import tweenflow
from tests.conftest import shifted_pair
from tweenflow.engines.alpha import AlphaEngine
from tweenflow.engines.base import Engine, Runtime

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
    # measured 0.0008 (classical), 0.0012 (rife4; 0.0029 when it rendered the matte apart)
    assert error.mean() < 0.01, error.mean()
    # a halo is green (the hidden background colour) or dark at the rim: neither appears
    assert (got[..., 1] - want[..., 1])[band].max() < 0.15     # measured 0.019, 0.026
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


# Stripes: a textured colour moving diagonally by (DX, DY) whose alpha is vertical stripes of
# period STRIPE_PERIOD moving with it. The matte alone only shows its motion modulo the period
# and only across the stripes (aperture problem): a shift of 6 looks like one of -2.
DX, DY, STRIPE_PERIOD, MARGIN = 6, 6, 8.0, 16


def stripes(x_shift: float, width: int) -> np.ndarray:
    """float32 (1, W) alpha in [0.8, 1]: mostly opaque, so the premultiplied colour's texture,
    not the stripes, dominates what the flow sees (DIS follows deeper stripes astray)."""
    xx = np.arange(width, dtype=np.float32)[None]
    return 0.9 + 0.1 * np.sin(2 * np.pi * (xx - x_shift) / STRIPE_PERIOD)


def striped_pair(dtype=np.uint8, height: int = 96, width: int = 160):
    """(frame0, frame1, alpha at t = 0.5): straight RGBA frames of `dtype`."""
    colour0, colour1, _ = shifted_pair(height, width, DX, DY, seed=7, margin=MARGIN)
    scale = 1.0 if dtype == np.float32 else float(np.iinfo(dtype).max)
    frames = []
    for colour, shift in ((colour0, 0), (colour1, DX)):
        alpha = np.repeat(stripes(shift, width), height, axis=0)
        rgba = np.dstack([colour / np.float32(255), alpha])
        frames.append((rgba if dtype == np.float32 else np.rint(rgba * scale)).astype(dtype))
    return frames[0], frames[1], np.repeat(stripes(DX / 2, width), height, axis=0)


def alpha_error(frame: np.ndarray, truth: np.ndarray) -> float:
    """Mean |alpha - truth| (0-1) away from the borders (where content enters the frame)."""
    scale = 1.0 if frame.dtype == np.float32 else float(np.iinfo(frame.dtype).max)
    inside = (slice(MARGIN, -MARGIN), slice(MARGIN, -MARGIN))
    return float(np.abs(frame[..., 3][inside] / scale - truth[inside]).mean())


class RgbOnly(Engine):
    """An engine that cannot carry alpha (AlphaEngine then renders the matte separately)."""

    def __init__(self, inner: Engine) -> None:
        self.inner, self.name = inner, inner.name

    def prepare(self, frame0, frame1):
        assert frame0.shape[2] == 3
        return self.inner.prepare(frame0, frame1)

    def render(self, state, t, motion=None):
        return self.inner.render(state, t, motion)


# Tolerance: the stripes' steepest slope is 0.1 * 2 pi / 8 = 0.079 per pixel, so 0.02 mean
# is the alpha misplaced by about 0.25 px on average. The matte pass moves the stripes by -1
# instead of +3 (half a period off: inverted, mean error 0.4 / pi = 0.127), six times that.
STRIPE_TOLERANCE = 0.02


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("name", ["classical", "rife4"])
def test_alpha_moves_by_the_colours_flow_where_the_matte_alone_is_ambiguous(engines, name,
                                                                           dtype):
    frame0, frame1, truth = striped_pair(dtype)
    middle, = tweenflow.interpolate(frame0, frame1, 0.5, AlphaEngine(engines(name)))
    assert middle.shape == frame0.shape and middle.dtype == dtype
    # measured 0.0014 / 0.0000 / 0.0000 (classical: exact flow; uint8 rounding), 0.0025 (rife4)
    assert alpha_error(middle, truth) < STRIPE_TOLERANCE


@pytest.mark.parametrize("name", ["classical", "rife4"])
def test_the_matte_pass_fallback_moves_the_stripes_wrongly(engines, name):
    """The stripes test can fail: an engine that cannot carry alpha falls back to rendering
    the matte on its own, whose motion is not the colour's."""
    frame0, frame1, truth = striped_pair()
    fallback = AlphaEngine(RgbOnly(engines(name)))
    middle = fallback.render(fallback.prepare(frame0, frame1), 0.5)
    assert middle.shape == frame0.shape and middle.dtype == np.uint8
    assert alpha_error(middle, truth) > 3 * STRIPE_TOLERANCE   # measured 0.118, 0.120
    # its colour is still the one-pass colour: the fallback only differs in the matte
    carried = AlphaEngine(engines(name))
    one_pass = carried.render(carried.prepare(frame0, frame1), 0.5)
    assert alpha_error(one_pass, truth) < STRIPE_TOLERANCE


def test_a_carried_alpha_runs_the_engine_once():
    calls = []

    class Counting(RgbOnly):
        carries_alpha = True

        def prepare(self, frame0, frame1):
            calls.append(frame0.shape)
            return self.inner.prepare(frame0, frame1)

    frame0, frame1, _ = striped_pair(height=64, width=64)
    engine = AlphaEngine(Counting(tweenflow.create_engine("classical")))
    middle = engine.render(engine.prepare(frame0, frame1), 0.5)
    assert calls == [(64, 64, 4)] and middle.shape == (64, 64, 4)


@pytest.mark.parametrize("name,fast", [("rife4", True), ("rife4", False), ("rife3", True)])
def test_an_opaque_frame_stays_opaque_up_to_its_padded_borders(engines, name, fast):
    """RIFE pads to a multiple of 64 (rife3: 32) at the bottom and right; 72x100 is padded by
    56 rows and 28 columns, which the warp samples near those borders. The alpha stays 1
    there, and the colour is the one RIFE gives for the RGB frames alone."""
    colour0, colour1, _ = shifted_pair(72, 100, 6, 2, seed=3)
    opaque = np.full((72, 100, 1), 255, np.uint8)
    frame0, frame1 = np.dstack([colour0, opaque]), np.dstack([colour1, opaque])
    engine = engines(name, runtime=Runtime(fast=fast, precision="fp32"))
    times = [0.25, 0.5, 0.75]
    rgba = tweenflow.interpolate(frame0, frame1, times, engine)
    rgb = tweenflow.interpolate(colour0, colour1, times, engine)
    for with_alpha, without in zip(rgba, rgb):
        assert with_alpha.shape == (72, 100, 4)
        assert with_alpha[..., 3].min() == 255      # was 157 (rife3) and 238 (rife4)
        colour_difference = np.abs(with_alpha[..., :3].astype(int) - without.astype(int))
        assert colour_difference.max() <= 1
