"""Engines take uint8, uint16 and float32 frames and compute in float: a 16-bit pair gives a
16-bit in-between, the same picture as the 8-bit path (to within its rounding)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.conftest import shifted_pair
from tweenflow.engines.rife import to_frame, to_padded_tensor, to_tensor
from tweenflow.samples import as_uint8_rgb, from_float, to_dtype


def test_uint8_conversions_are_the_plain_formulas():
    """The 8-bit edges of the RIFE engines did exactly this before other types were added."""
    frame = np.random.default_rng(3).integers(0, 256, (10, 14, 3), dtype=np.uint8)
    expected = torch.from_numpy(frame).permute(2, 0, 1)[None].float() / 255.0
    assert torch.equal(to_tensor(frame), expected)
    assert torch.equal(to_padded_tensor(frame, 16)[..., :10, :14], expected)
    values = torch.rand(1, 3, 10, 14)
    assert np.array_equal(to_frame(values), (values[0].permute(1, 2, 0) * 255.0).round()
                          .clamp(0, 255).to(torch.uint8).numpy())
    assert as_uint8_rgb(frame) is frame


def test_sample_helpers():
    frame = np.array([[[0, 128, 255]]], np.uint8)
    assert to_dtype(frame, np.uint16).tolist() == [[[0, 32896, 65535]]]
    assert as_uint8_rgb(to_dtype(frame, np.uint16)).tolist() == frame.tolist()
    assert from_float(np.array([-3.0, 0.4, 70000.0], np.float32), np.uint16, 65535.0).tolist() \
        == [0, 0, 65535]
    assert from_float(np.array([-0.5, 127.5, 255.0, 300.0], np.float32), np.float32,
                      255.0).tolist() == [0.0, 0.5, 1.0, 1.0]
    rgba = np.zeros((2, 2, 4), np.uint16)
    assert as_uint8_rgb(rgba).shape == (2, 2, 3)


@pytest.mark.parametrize("name", ["classical", "rife4", "rife3", "fusion", "placement"])
def test_16bit_and_float_frames_give_the_8bit_picture_in_their_type(engines, name):
    frame0, frame1, _ = shifted_pair(64, 96, 4, 2, seed=5)
    engine = engines(name)
    times = [0.25, 0.5]
    reference = engine.render_many(engine.prepare(frame0, frame1), times)
    deep = engine.render_many(engine.prepare(to_dtype(frame0, np.uint16),
                                             to_dtype(frame1, np.uint16)), times)
    unit = engine.render_many(engine.prepare(frame0.astype(np.float32) / 255,
                                             frame1.astype(np.float32) / 255), times)
    for ref, high, flt in zip(reference, deep, unit):
        assert high.dtype == np.uint16 and flt.dtype == np.float32 and high.shape == ref.shape
        high_in_8bit = high.astype(np.float32) / 257
        assert np.abs(high_in_8bit - ref).mean() < 0.5
        assert np.abs(high_in_8bit - ref).max() <= 3
        # the 16-bit result is not the 8-bit one scaled: blended pixels keep levels in between
        # (the inputs are 8-bit scaled, so pixels copied from them are multiples of 257)
        assert np.mean(high % 257 != 0) > 0.2
        assert np.abs(flt * 255 - ref).mean() < 0.5
        assert 0.0 <= flt.min() and flt.max() <= 1.0      # in 0-1, as the inputs


def test_fusion_keeps_the_sample_type(engines):
    from tweenflow.engines.fusion import fuse, robust_mean
    rng = np.random.default_rng(0)
    members = [rng.integers(0, 65536, (8, 8, 3), dtype=np.uint16) for _ in range(3)]
    fused = fuse(members)
    assert fused.dtype == np.uint16
    assert np.abs(fused.astype(np.float64) - robust_mean(members)).max() <= 0.5
    # three members, none an outlier: the plain mean, in 16-bit levels
    assert np.allclose(robust_mean(members), np.mean(members, axis=0), atol=0.1)


def test_tiled_engines_keep_the_sample_type():
    from tweenflow.engines.base import Runtime, create_engine
    frame0, frame1, _ = shifted_pair(96, 160, 4, 0, seed=2)
    engine = create_engine("classical", runtime=Runtime(tile=64))
    reference = engine.render(engine.prepare(frame0, frame1), 0.5)
    deep = engine.render(engine.prepare(to_dtype(frame0, np.uint16), to_dtype(frame1, np.uint16)),
                         0.5)
    assert deep.dtype == np.uint16
    assert np.abs(deep.astype(np.float32) / 257 - reference).mean() < 0.5
