"""scene_linear: the fixed invertible curve between scene-linear samples and 0-1 frames."""
import numpy as np

from tweenflow import scene_linear
from tweenflow.scene_linear import HIGH, LOW, decode, encode


def every_finite_half() -> np.ndarray:
    values = np.arange(65536, dtype=np.uint16).view(np.float16)
    return values[np.isfinite(values)]


def test_every_finite_half_value_comes_back_bit_for_bit():
    values = every_finite_half()
    back = decode(encode(values.astype(np.float32)), 65504).astype(np.float16)
    same = back.view(np.uint16) == values.view(np.uint16)
    assert same.sum() == len(values) - 1            # all but one
    assert values[~same][0] == 0 and np.signbit(values[~same][0])   # -0 comes back as 0
    assert back[~same][0] == 0


def test_float32_values_come_back_within_a_few_units_of_their_last_place():
    rng = np.random.default_rng(1)
    values = (rng.standard_normal(20000) * rng.choice([0.01, 1.0, 100.0, 1e4], 20000))
    values = values.astype(np.float32)
    error = np.abs(decode(encode(values)) - values)
    assert np.all(error <= np.maximum(1.5e-5 * np.abs(values), 4e-8))
    ordinary = (np.abs(values) > 1e-3) & (np.abs(values) < 10)
    assert np.all(error[ordinary] <= 1.2e-6 * np.abs(values[ordinary]))


def test_strictly_increasing_inside_0_1_and_never_clipped():
    values = np.sort(every_finite_half().astype(np.float32))
    values = np.unique(np.concatenate([values, [-3e38, 1e10, 3e38]]).astype(np.float32))
    encoded = encode(values)
    assert encoded.dtype == np.float32
    assert 0.0 < encoded.min() and encoded.max() < 1.0
    assert np.all(np.diff(encoded.astype(np.float64)) >= 0)
    # distinct halves stay distinct (no two collapse): nothing is clipped
    halves = every_finite_half()
    halves = np.unique(halves[halves != 0].astype(np.float32))
    assert len(np.unique(encode(halves))) == len(halves)


def test_display_range_fills_most_of_0_1_and_highlights_sit_above_it():
    assert encode(np.float32(0.0)) == LOW and encode(np.float32(1.0)) == HIGH
    assert HIGH - LOW > 0.6
    assert 0.40 < (encode(np.float32(0.18)) - LOW) / (HIGH - LOW) < 0.5   # sRGB's grey: 0.46
    assert HIGH < encode(np.float32(4.0)) < encode(np.float32(8.0)) < 0.9
    assert encode(np.float32(-0.01)) < LOW


def test_ends_decode_to_finite_largest_values():
    assert decode(np.array([0.0, 1.0], np.float32), 65504).tolist() == [-65504, 65504]
    ends = decode(np.array([0.0, 1.0], np.float32))
    assert np.all(np.isfinite(ends)) and ends[1] == np.finfo(np.float32).max
    assert scene_linear.decode(np.array([-0.5, 1.5], np.float32), 10).tolist() == [-10, 10]


def test_blockwise_equals_the_whole_array_at_once():
    """encode/decode work BLOCK samples at a time; the same curve on the whole array at once
    (the plain path) gives the same samples, shape kept, for a size that is no multiple."""
    rng = np.random.default_rng(4)
    linear = (rng.standard_normal((97, 101, 4)) * 20).astype(np.float32)
    assert linear.size % scene_linear.BLOCK != 0 and linear.size > 3 * scene_linear.BLOCK
    whole = scene_linear._encode_block(linear.astype(np.float64)).astype(np.float32)
    encoded = encode(linear)
    assert encoded.shape == linear.shape and np.array_equal(encoded, whole)
    back = scene_linear._decode_block(encoded.astype(np.float64), 65504).astype(np.float32)
    assert np.array_equal(decode(encoded, 65504), back)
