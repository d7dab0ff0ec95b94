"""Large-motion mechanisms: motion size, test-time augmentation, fusion, the auto switch and
rife4's recursion."""
import numpy as np
import pytest

from tests.conftest import SHARED_DATA, measured_shift, shifted_pair
from tests.motion.scenes import textured
from tweenflow import interpolate, read_image
from tweenflow.bench.metrics import psnr
from tweenflow.engines.augment import (IDENTITY, MIRROR, REVERSE, Augmentation, AugmentedEngine,
                                       MirroredMotion, ReversedMotion)
from tweenflow.engines.auto import AutoEngine
from tweenflow.engines.base import Engine
from tweenflow.engines.fusion import FusionEngine, fuse
from tweenflow.engines.motion_size import LARGE_MOTION_PIXELS, motion_size
from tweenflow.motion import TrackField, parse_tracks

MIRROR_REVERSE = Augmentation(mirror=True, reverse=True)


def smooth_pan(dx: int, dy: int = 0, height: int = 256, width: int = 448, seed: int = 5):
    """(frame0, frame1, crop) of a smooth texture panned by (dx, dy); crop(ox, oy) is the view
    moved by (ox, oy)."""
    margin = 130
    big = textured(height + 2 * margin, width + 2 * margin, seed)

    def crop(ox: int, oy: int) -> np.ndarray:
        return np.ascontiguousarray(big[margin - oy:margin - oy + height,
                                        margin - ox:margin - ox + width])
    return crop(0, 0), crop(dx, dy), crop


class Constant(Engine):
    """A fake engine whose every frame is one grey level (for the fusion arithmetic)."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.name = f"constant {level}"
        self.prepared = 0

    def prepare(self, frame0, frame1):
        self.prepared += 1
        return frame0.shape

    def render(self, state, t, motion=None):
        return np.full(state, self.level, np.uint8)


# --- motion size ---

@pytest.mark.parametrize("dx,dy", [(6, 0), (12, 8), (30, 0)])
def test_motion_size_measures_a_known_pan(dx, dy):
    frame0, frame1, _ = smooth_pan(dx, dy)
    assert motion_size(frame0, frame1) == pytest.approx(np.hypot(dx, dy), rel=0.1, abs=1.0)


def test_motion_size_is_in_input_pixels_at_any_size():
    # 640 px wide is measured at 320: a 24 px pan is still reported as 24 input pixels.
    frame0, frame1, _ = smooth_pan(24, 0, height=360, width=640)
    assert motion_size(frame0, frame1) == pytest.approx(24, abs=2)


def test_motion_size_of_a_still_is_zero():
    frame = textured(120, 160, 1)
    assert motion_size(frame, frame) < 0.05


# --- test-time augmentation ---

@pytest.mark.parametrize("augmentation", [IDENTITY, MIRROR, REVERSE, MIRROR_REVERSE],
                         ids=lambda a: a.name)
@pytest.mark.parametrize("t", [0.25, 0.75])
def test_every_augmentation_lands_a_known_shift_at_t(engines, augmentation, t):
    # (+8, +4) px from frame 0 to 1: a wrong time mapping would give (1 - t) * that, a
    # missing un-mirroring a flipped frame.
    frame0, frame1, crop = shifted_pair(96, 136, 8, 4, seed=5)
    engine = AugmentedEngine(engines("classical"), augmentation)
    out = engine.render(engine.prepare(frame0, frame1), t)
    dx, dy = measured_shift(frame0, out)
    assert abs(dx - 8 * t) < 0.35 and abs(dy - 4 * t) < 0.35, (dx, dy)
    assert engine.render_many(engine.prepare(frame0, frame1), [t])[0].tobytes() == out.tobytes()


def test_mirroring_a_symmetric_engine_is_exact_on_a_mirrored_pair(engines):
    # classical on the mirrored pair, mirrored back, is the augmented engine's frame.
    frame0, frame1, _ = shifted_pair(64, 96, 6, 2, seed=2)
    classical = engines("classical")
    expected = classical.render(classical.prepare(frame0[:, ::-1].copy(),
                                                  frame1[:, ::-1].copy()), 0.5)[:, ::-1]
    engine = AugmentedEngine(classical, MIRROR)
    assert np.array_equal(engine.render(engine.prepare(frame0, frame1), 0.5), expected)


TRACKS = {"tracks": [{"points": [[0, 30, 40], [0.4, 50, 20], [1, 90, 45]], "radius": 12}]}


def _same_prior(transformed_field, transformed_tracks, times):
    """The transformed field's prior equals the prior of the transformed tracks."""
    width, height = 128, 64
    field = TrackField(parse_tracks(TRACKS, size=(width, height)))
    got = transformed_field(field).prior(*times, height, width)
    want = TrackField(parse_tracks(transformed_tracks, size=(width, height))).prior(
        *times, height, width)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=1e-4)


def test_mirrored_motion_is_the_mirrored_tracks():
    points = [[t, 128 - 1 - x, y] for t, x, y in TRACKS["tracks"][0]["points"]]
    _same_prior(MirroredMotion, {"tracks": [{"points": points, "radius": 12}]}, (0.0, 1.0, 0.3))


def test_reversed_motion_is_the_reversed_tracks():
    points = [[1 - t, x, y] for t, x, y in reversed(TRACKS["tracks"][0]["points"])]
    _same_prior(ReversedMotion, {"tracks": [{"points": points, "radius": 12}]},
                (0.25, 0.75, 0.4))


# --- fusion ---

def test_fusion_is_the_rounded_mean_of_its_members():
    frame = np.zeros((4, 6, 3), np.uint8)
    fusion = FusionEngine([Constant(10), Constant(20), Constant(24)])
    out = fusion.render(fusion.prepare(frame, frame), 0.5)
    assert out.dtype == np.uint8 and out.shape == frame.shape
    assert np.all(out == 18)


def test_fusion_leaves_out_a_member_that_failed():
    # Three members agree within a few levels, one is 100 levels off: it is an outlier.
    frames = [np.full((8, 8, 3), level, np.uint8) for level in (100, 102, 104, 200)]
    assert np.all(fuse(frames) == 102)
    # Members that disagree about equally all count (a real large-motion frame).
    frames = [np.full((8, 8, 3), level, np.uint8) for level in (90, 100, 110, 120)]
    assert np.all(fuse(frames) == 105)


def test_fusion_of_one_member_is_that_member(engines):
    frame0, frame1, _ = shifted_pair(64, 96, 6, 2, seed=3)
    classical = engines("classical")
    fusion = FusionEngine([classical])
    times = [0.2, 0.5, 0.9]
    got = fusion.render_many(fusion.prepare(frame0, frame1), times)
    want = [classical.render(classical.prepare(frame0, frame1), t) for t in times]
    assert all(np.array_equal(a, b) for a, b in zip(got, want))


def test_fusion_render_many_matches_render_across_chunks(engines):
    frame0, frame1, _ = shifted_pair(48, 64, 4, 2, seed=4)
    fusion = FusionEngine([engines("classical"), AugmentedEngine(engines("classical"), MIRROR),
                           AugmentedEngine(engines("classical"), REVERSE)])
    times = [k / 7 for k in range(1, 7)]     # more than one chunk of TIMES_PER_CHUNK
    state = fusion.prepare(frame0, frame1)
    many = fusion.render_many(state, times)
    assert all(np.array_equal(a, fusion.render(state, t)) for a, t in zip(many, times))


@pytest.mark.weights
def test_fusion_recovers_a_100_px_pan_that_plain_flow_misses(engines):
    # DIS (the classical engine's flow) loses a 100 px pan; the networks follow it, and fusion
    # leaves the failed classical members out instead of averaging in a ghost.
    frame0, frame1, crop = smooth_pan(100)
    classical = engines("classical")
    plain = classical.render(classical.prepare(frame0, frame1), 0.25)
    assert abs(measured_shift(frame0, plain)[0] - 25) > 10
    fusion = engines("fusion")
    for t in (0.25, 0.5):
        out = fusion.render(fusion.prepare(frame0, frame1), t)
        dx, dy = measured_shift(frame0, out)
        assert abs(dx - 100 * t) < 2 and abs(dy) < 2, (t, dx, dy)
        interior = np.abs(out.astype(int) - crop(round(100 * t), 0))[:, 110:-110]
        assert interior.mean() < 6, interior.mean()


# --- the auto switch ---

def test_auto_uses_the_small_motion_engine_below_the_threshold_and_fusion_above():
    small, large = Constant(50), FusionEngine([Constant(200)])
    auto = AutoEngine(small_motion=small, large_motion=large)
    still0, still1, _ = smooth_pan(2)
    state = auto.prepare(still0, still1)
    assert not state.large_motion and state.motion_pixels < LARGE_MOTION_PIXELS
    assert np.all(auto.render(state, 0.5) == 50)
    far0, far1, _ = smooth_pan(40)
    state = auto.prepare(far0, far1)
    assert state.large_motion and state.motion_pixels >= LARGE_MOTION_PIXELS
    assert np.all(auto.render_many(state, [0.3, 0.6])[1] == 200)
    assert (small.prepared, large.members[0].prepared) == (1, 1)  # each pair prepared once


@pytest.mark.weights
def test_auto_is_rife4_on_small_motion(engines):
    frame0, frame1, _ = shifted_pair(96, 136, 8, 4, seed=5)
    rife4 = engines("rife4")
    want = rife4.render(rife4.prepare(frame0, frame1), 0.5)
    assert np.array_equal(interpolate(frame0, frame1, 0.5, engine=engines("auto"))[0], want)


@pytest.mark.weights
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
def test_auto_beats_plain_rife4_on_a_real_large_gap(engines):
    clip = SHARED_DATA / "multi_gap" / "paragliding_launch"
    frame0, frame1 = read_image(clip / "00000.png"), read_image(clip / "00016.png")
    truth = read_image(clip / "00008.png")
    auto, direct = engines("auto"), engines("rife4", recursion="never")
    state = auto.prepare(frame0, frame1)
    assert state.large_motion
    gain = psnr(auto.render(state, 0.5), truth) - psnr(
        direct.render(direct.prepare(frame0, frame1), 0.5), truth)
    assert gain > 0.3, gain


# --- rife4's recursion ---

@pytest.mark.weights
def test_rife4_recursion_at_half_is_the_direct_frame(engines):
    frame0, frame1, _ = smooth_pan(30, height=128, width=192)
    always, never = engines("rife4", recursion="always"), engines("rife4", recursion="never")
    assert np.array_equal(always.render(always.prepare(frame0, frame1), 0.5),
                          never.render(never.prepare(frame0, frame1), 0.5))


@pytest.mark.weights
def test_rife4_recursion_reaches_quarter_times_through_midpoints(engines):
    frame0, frame1, crop = smooth_pan(60, height=192, width=320)
    engine = engines("rife4", recursion="always")
    state = engine.prepare(frame0, frame1)
    quarter = engine.render(state, 0.25)
    assert sorted(state.midpoints) == [0.25, 0.5]
    dx, dy = measured_shift(frame0, quarter)
    assert abs(dx - 15) < 1 and abs(dy) < 1, (dx, dy)
    # Any t stays exact: 0.3 is made inside the last interval, not rounded to 5/16.
    dx, _ = measured_shift(frame0, engine.render(state, 0.3))
    assert abs(dx - 18) < 1, dx


@pytest.mark.weights
def test_rife4_recursion_auto_follows_the_measured_motion(engines):
    engine = engines("rife4")             # recursion="auto", the default
    small = engine.prepare(*smooth_pan(4, height=128, width=192)[:2])
    large = engine.prepare(*smooth_pan(40, height=128, width=192)[:2])
    assert not small.recurse and large.recurse


@pytest.mark.weights
@pytest.mark.parametrize("t, dx_expected", [(0.25, 15), (0.375, 22.5), (0.3, 18)])
def test_rife4_resampling_once_lands_a_known_shift_and_keeps_more_detail(engines, t,
                                                                          dx_expected):
    """Rendered from the inputs along the recursion's composed flows: the shift lands where
    the recursion puts it, and the frame keeps more fine detail than the midpoint-of-midpoints
    (each level's bilinear warp a slight blur; 0.375 is three levels deep)."""
    frame0, frame1, crop = smooth_pan(60, height=192, width=320)
    recursive = engines("rife4", recursion="always")
    once = engines("rife4", recursion="always", resample_once=True)
    state = once.prepare(frame0, frame1)
    frame = once.render(state, t)
    dx, dy = measured_shift(frame0, frame)
    assert abs(dx - dx_expected) < 1 and abs(dy) < 1, (dx, dy)
    assert sorted(state.source_maps) == sorted(state.midpoints)

    def detail(image):
        grey = image.astype(np.float32).mean(axis=2)[16:-16, 80:-80]   # away from the edges
        return float(np.mean((grey[1:-1, 1:-1] * 4 - grey[:-2, 1:-1] - grey[2:, 1:-1]
                              - grey[1:-1, :-2] - grey[1:-1, 2:]) ** 2))
    deep = recursive.render(recursive.prepare(frame0, frame1), t)
    truth = crop(round(60 * t), 0) if float(60 * t).is_integer() else None
    assert detail(frame) > detail(deep)
    if truth is not None:
        assert psnr(frame, truth) > 30


@pytest.mark.weights
def test_rife4_resampling_once_is_the_same_frame_for_one_pass(engines):
    """t = 1/2 is one pass from the inputs: nothing to compose."""
    frame0, frame1, _ = smooth_pan(30, height=128, width=192)
    plain = engines("rife4", recursion="always")
    once = engines("rife4", recursion="always", resample_once=True)
    difference = np.abs(once.render(once.prepare(frame0, frame1), 0.5).astype(int)
                        - plain.render(plain.prepare(frame0, frame1), 0.5))
    assert difference.max() <= 1


@pytest.mark.weights
@pytest.mark.parametrize("motion, t", [(60, 0.3), (60, 0.5), (4, 0.25)])
def test_rife4_source_map_is_the_one_the_frame_is_rendered_along(engines, motion, t):
    """source_map(t) rendered from the inputs gives render(t) (recursive or one pass), at
    the frame's own size."""
    from tweenflow.engines.rife import to_frame, to_tensor
    frame0, frame1, _ = smooth_pan(motion, height=130, width=200)
    once = engines("rife4", resample_once=True)
    state = once.prepare(frame0, frame1)
    source_map = once.source_map(state, t)
    assert source_map.weight_0.shape[-2:] == (130, 200)
    assert state.recurse == (motion > 16)
    rendered = to_frame(source_map.render(to_tensor(frame0), to_tensor(frame1)))
    difference = np.abs(rendered.astype(int) - once.render(state, t))
    # the same but where a flow samples past the frame's right or bottom edge (the padded
    # render sees the padding there, the map's render the clamped border)
    assert difference[:-32, :-32].max() <= 1 and np.mean(difference > 1) < 0.001


@pytest.mark.weights
def test_rife4_source_map_needs_resample_once(engines):
    from tweenflow.errors import EngineError
    engine = engines("rife4")
    with pytest.raises(EngineError, match="resample_once"):
        engine.source_map(engine.prepare(*smooth_pan(4, height=64, width=64)[:2]), 0.5)


def test_unknown_recursion_is_refused():
    from tweenflow.engines.rife import VERSIONS, RifeEngine
    from tweenflow.errors import EngineError
    with pytest.raises(EngineError, match="unknown recursion 'sometimes'"):
        RifeEngine(VERSIONS["rife4"], recursion="sometimes")
