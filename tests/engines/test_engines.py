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
