"""Properties every engine must have: sizes, t = 0/1, a known shift lands where it should."""
import numpy as np
import pytest

from tests.conftest import measured_shift, shifted_pair, texture
from tweenflow import interpolate
from tweenflow.engines.rife import dyadic_approximation

ENGINES = ["classical", "rife4", "rife3", "fusion", "auto"]


@pytest.mark.parametrize("name", ENGINES)
def test_output_has_input_size_and_dtype_for_odd_sizes(engines, name):
    frame0, frame1 = texture(45, 67, seed=1), texture(45, 67, seed=2)
    engine = engines(name)
    out = engine.render(engine.prepare(frame0, frame1), 0.5)
    assert out.shape == (45, 67, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("name", ENGINES)
def test_t0_and_t1_return_the_inputs(engines, name):
    frame0, frame1 = texture(64, 80, seed=3), texture(64, 80, seed=4)
    first, last = interpolate(frame0, frame1, [0.0, 1.0], engine=engines(name))
    assert np.array_equal(first, frame0) and np.array_equal(last, frame1)
    assert first is not frame0  # a copy, the caller's array is not handed back


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("t", [0.5, 0.25])
def test_known_shift_lands_at_t_times_the_shift(engines, name, t):
    # Content moves (+8, +4) px from frame 0 to frame 1; at time t it has moved t * that.
    frame0, frame1, crop = shifted_pair(96, 136, 8, 4, seed=5)
    out = interpolate(frame0, frame1, t, engine=engines(name))[0]
    dx, dy = measured_shift(frame0, out)
    assert abs(dx - 8 * t) < 0.35 and abs(dy - 4 * t) < 0.35, (dx, dy)
    truth = crop(round(8 * t), round(4 * t))
    interior = np.abs(out.astype(int) - truth.astype(int))[12:-12, 12:-12]
    assert interior.mean() < 4.0, interior.mean()


@pytest.mark.parametrize("name", ENGINES)
def test_identical_inputs_give_that_frame(engines, name):
    frame = texture(64, 96, seed=6)
    out = interpolate(frame, frame, 0.5, engine=engines(name))[0]
    assert np.abs(out.astype(int) - frame.astype(int)).max() <= 2


def test_rife3_reaches_quarter_time_by_bisection(engines):
    engine = engines("rife3")
    frame0, frame1, _ = shifted_pair(64, 96, 8, 0, seed=7)
    state = engine.prepare(frame0, frame1)
    quarter = engine.render(state, 0.25)
    # The bisection made and kept the midpoint first, then the quarter point from it.
    assert sorted(state.midpoints) == [0.25, 0.5]
    half = engine.render(state, 0.5)
    assert np.array_equal(half, engine.render(engine.prepare(frame0, frame1), 0.5))
    assert not np.array_equal(quarter, half)


def test_dyadic_approximation():
    assert dyadic_approximation(0.5) == 0.5
    assert dyadic_approximation(0.375) == 0.375
    assert abs(float(dyadic_approximation(1 / 3)) - 1 / 3) <= 1 / 128


def test_rife4_any_t_in_one_pass_is_monotonic_in_motion(engines):
    frame0, frame1, _ = shifted_pair(96, 128, 12, 0, seed=8)
    shifts = [measured_shift(frame0, out)[0]
              for out in interpolate(frame0, frame1, [0.2, 0.4, 0.6, 0.8], engine=engines("rife4"))]
    assert all(b > a for a, b in zip(shifts, shifts[1:])), shifts
    assert abs(shifts[0] - 2.4) < 0.5 and abs(shifts[-1] - 9.6) < 0.5, shifts


@pytest.mark.parametrize("name,scale", [("rife4", 0.5), ("classical", 0.5)])
def test_scale_option_still_tracks_the_motion(engines, name, scale):
    # --scale is for large inputs; at 128x192 half scale leaves a 4x8-pixel coarsest level.
    frame0, frame1, _ = shifted_pair(256, 384, 8, 4, seed=9)
    out = interpolate(frame0, frame1, 0.5, engine=engines(name, scale=scale))[0]
    dx, dy = measured_shift(frame0, out)
    assert abs(dx - 4) < 0.5 and abs(dy - 2) < 0.5, (dx, dy)


def test_classical_prepares_both_directions_in_parallel_with_the_same_result(monkeypatch):
    from tweenflow.engines import classical
    frame0, frame1, _ = shifted_pair(64, 96, dx=5, dy=-3)
    engine = classical.ClassicalEngine()
    parallel = engine.prepare(frame0, frame1)
    both = classical._both
    monkeypatch.setattr(classical, "_both", lambda f, first, second, _: both(f, first, second, False))
    sequential = engine.prepare(frame0, frame1)
    for field in ("packed0", "packed1", "flow_0_to_1", "flow_1_to_0"):
        np.testing.assert_array_equal(getattr(parallel, field), getattr(sequential, field))
    assert parallel.packed0.shape == (64, 96, 4)
    np.testing.assert_array_equal(parallel.packed0[..., :3], frame0.astype(np.float32))
    assert parallel.packed0[..., 3].min() >= 0 and parallel.packed0[..., 3].max() <= 1


# Carried alpha (Engine.carries_alpha): premultiplied RGBA in, the RGB output is the engine's
# output on the RGB alone, and the alpha moves with it.
def premultiplied_rgba_pair(dtype, height: int = 64, width: int = 96, dx: int = 4, dy: int = -2):
    """(frame0, frame1, alpha truth at t = 0.5 (float 0-1)): a texture moved by (dx, dy) with
    an alpha field in [0.2, 1] moving with it, premultiplied, in `dtype`."""
    colour0, colour1, _ = shifted_pair(height, width, dx, dy, seed=11)
    matte0, matte1, matte_at = shifted_pair(height, width, dx, dy, seed=12)
    to_alpha = lambda matte: 0.2 + 0.8 * matte[..., :1] / np.float32(255)  # noqa: E731
    scale = 1.0 if dtype == np.float32 else float(np.iinfo(dtype).max)
    frames = []
    for colour, matte in ((colour0, matte0), (colour1, matte1)):
        alpha = to_alpha(matte)
        rgba = np.dstack([colour / np.float32(255) * alpha, alpha])
        frames.append((rgba if dtype == np.float32 else np.rint(rgba * scale)).astype(dtype))
    return frames[0], frames[1], to_alpha(matte_at(dx // 2, dy // 2))[..., 0]


def _composites(engines):
    from tweenflow.engines.augment import MIRROR, AugmentedEngine
    from tweenflow.engines.auto import AutoEngine
    from tweenflow.engines.fusion import fusion_of
    from tweenflow.engines.placement import PlacementEngine
    from tweenflow.engines.tiled import TiledEngine
    classical = engines("classical")
    mirrored = AugmentedEngine(classical, MIRROR)
    return {"mirrored": mirrored,
            "tiled classical": TiledEngine(classical, tile=64, overlap=16),
            "tiled rife4": TiledEngine(engines("rife4"), tile=64, overlap=16),
            "fusion": fusion_of([classical]),
            "placement": PlacementEngine([classical, mirrored], [classical]),
            "auto": AutoEngine(classical, fusion_of([classical]), threshold_pixels=0.0)}


CARRYING = {"rife4": ("rife4", {}), "rife4 recursion": ("rife4", {"recursion": "always"}),
            "rife4 eager": ("rife4", {"runtime": "eager"}), "rife3": ("rife3", {}),
            "classical": ("classical", {})}


def carrying_engine(engines, case):
    if case in CARRYING:
        name, options = CARRYING[case]
        if options.get("runtime") == "eager":
            from tweenflow.engines import Runtime
            options = {"runtime": Runtime(fast=False, self_check=False)}
        return engines(name, **options)
    return _composites(engines)[case]


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("case", [*CARRYING, "mirrored", "tiled classical", "tiled rife4",
                                  "fusion", "placement", "auto"])
def test_a_carried_alpha_moves_with_the_colour_and_leaves_the_colour_unchanged(engines, case,
                                                                               dtype):
    engine = carrying_engine(engines, case)
    assert engine.carries_alpha
    frame0, frame1, alpha_truth = premultiplied_rgba_pair(dtype)
    rgb = [np.ascontiguousarray(frame[..., :3]) for frame in (frame0, frame1)]
    times = [0.5, 0.25]
    with_alpha = engine.render_many(engine.prepare(frame0, frame1), times)
    without = engine.render_many(engine.prepare(*rgb), times)
    single = engine.render(engine.prepare(frame0, frame1), 0.5)
    for got, want in zip(with_alpha + [single], without + without[:1]):
        assert got.shape == frame0.shape and got.dtype == dtype
        assert np.array_equal(got[..., :3], want)      # bit for bit: alpha is only carried
    scale = 1.0 if dtype == np.float32 else float(np.iinfo(dtype).max)
    inside = (slice(12, -12), slice(12, -12))
    error = np.abs(with_alpha[0][..., 3][inside] / scale - alpha_truth[inside])
    # The alpha field moved by the colour's (2, -1) at t = 0.5: measured 0.0013-0.0026 (RIFE),
    # < 0.0001 (classical and its composites); left where it was: 0.059, cross-faded: 0.035.
    assert error.mean() < 0.01, error.mean()


def test_fusion_judges_outliers_on_the_colour_and_averages_the_alpha():
    from tweenflow.engines.fusion import robust_mean, robust_mean_reference
    rng = np.random.default_rng(4)
    colour = rng.integers(0, 200, (40, 60, 3))
    members = [np.dstack([colour + rng.integers(0, 8, colour.shape), np.full((40, 60), a)])
               .astype(np.uint8) for a in (100, 110, 120, 250)]
    members.append(np.dstack([np.full((40, 60, 3), 255), np.full((40, 60), 120)])
                   .astype(np.uint8))                      # a colour outlier: left out
    for fast_or_plain in (robust_mean, robust_mean_reference):
        mean = fast_or_plain(members)
        # the member whose alpha alone stands out (250) stays in: outliers are judged on RGB
        assert np.allclose(mean[..., 3], (100 + 110 + 120 + 250) / 4)
        assert np.array_equal(mean[..., :3], robust_mean([m[..., :3] for m in members[:4]]))
    assert np.array_equal(robust_mean(members), robust_mean_reference(members))


def test_engines_are_listed_in_one_order_whatever_was_imported_first():
    import subprocess
    import sys
    # placement (and fusion through it) imported before the engines are loaded
    code = ("import tweenflow.engines.placement\n"
            "from tweenflow.engines.base import engine_infos\n"
            "print(','.join(info.name for info in engine_infos()))")
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert listed.split(",")[:6] == ["classical", "rife4", "rife3", "fusion", "placement",
                                     "auto"]


def test_engine_names_are_the_listed_engines_without_loading_them():
    import subprocess
    import sys
    from tweenflow.engines.base import engine_infos, engine_names
    assert engine_names() == [info.name for info in engine_infos()]
    # before any engine module is imported, the names come without torch
    code = ("import sys\n"
            "from tweenflow.engines.base import engine_names\n"
            "print(','.join(engine_names()), 'torch' in sys.modules)")
    listed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    assert listed == [",".join(engine_names()), "False"]
