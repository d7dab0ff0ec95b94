"""The fast path (folded betas, channels_last, bf16 where native, batched t) against the plain
eager fp32 reference path it replaces."""
import numpy as np
import pytest
import torch

from tests.conftest import SHARED_DATA, shifted_pair
from tweenflow import read_image
from tweenflow.api import render_times
from tweenflow.bench.metrics import psnr
from tweenflow.engines import Runtime, create_engine
from tweenflow.engines.rife import to_padded_tensor, to_tensor, use_bf16
from tweenflow.nn.padding import pad_to_multiple
from tweenflow.errors import EngineError
from tweenflow.nn.ifnet import ResConv
from tweenflow.nn.pyramid import PyramidIFNet

REFERENCE = Runtime(fast=False, precision="fp32")


@pytest.fixture(scope="module")
def pair():
    folder = SHARED_DATA / "middlebury_other" / "RubberWhale"
    return read_image(folder / "frame10.png"), read_image(folder / "frame11.png")


@pytest.mark.parametrize("name", ["rife4", "rife3"])
@pytest.mark.parametrize("precision", ["fp32", "auto"])
def test_fast_path_agrees_with_the_reference(pair, name, precision):
    reference = create_engine(name, runtime=REFERENCE)
    fast = create_engine(name, runtime=Runtime(precision=precision))
    times = [0.25, 0.5]
    expected = list(render_times(reference, *pair, times))
    got = list(render_times(fast, *pair, times))
    for a, b in zip(expected, got):
        # fp32 reordering: nearly identical; bf16 matmuls: still far below visible differences.
        assert psnr(b, a) > (60 if precision == "fp32" else 42), psnr(b, a)


def test_batched_times_equal_one_at_a_time():
    engine = create_engine("rife4", runtime=Runtime(precision="fp32"))
    frame0, frame1, _ = shifted_pair(64, 96, 6, 2, seed=3)
    state = engine.prepare(frame0, frame1)
    batched = engine.render_many(state, [0.2, 0.5, 0.8])
    single = [engine.render(state, t) for t in (0.2, 0.5, 0.8)]
    for a, b in zip(batched, single):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_folding_beta_keeps_the_resconv_output():
    block = ResConv(8)
    with torch.no_grad():
        block.beta.copy_(torch.rand(1, 8, 1, 1) * 2)
    x = torch.rand(1, 8, 16, 16)
    expected = block(x.clone())
    block.fold_beta()
    assert torch.allclose(block(x.clone()), expected, atol=1e-5)


def test_precision_names():
    assert use_bf16("bf16") and not use_bf16("fp32")
    with pytest.raises(EngineError, match="unknown precision"):
        use_bf16("fp8")


@pytest.mark.parametrize("sequence", ["Urban3", "Grove2"])
def test_pyramid_path_keeps_the_reference_psnr(sequence):
    # The pyramid path approximates upstream's coarse warps (tweenflow.nn.pyramid docstring);
    # against the ground truth it must score within 0.05 dB of the eager fp32 path.
    folder = SHARED_DATA / "middlebury_other" / sequence
    frame0, frame1 = read_image(folder / "frame10.png"), read_image(folder / "frame11.png")
    truth = read_image(folder / "frame10i11.png")
    scores = {}
    for name, runtime in (("reference", REFERENCE), ("fast", Runtime(precision="fp32"))):
        engine = create_engine("rife4", runtime=runtime, recursion="never")
        assert isinstance(engine.network, PyramidIFNet) == (name == "fast")
        scores[name] = psnr(engine.render(engine.prepare(frame0, frame1), 0.5), truth)
    assert abs(scores["fast"] - scores["reference"]) < 0.05, scores


def test_last_block_without_features_gives_the_same_flow_and_mask():
    engine = create_engine("rife4", runtime=Runtime(precision="fp32"))
    block = engine.model.block4
    x = torch.rand(1, block.conv0[0][0].in_channels, 64, 96).contiguous(
        memory_format=torch.channels_last)
    with torch.inference_mode():
        full, short = block.run(x), block.run(x, flow_and_mask_only=True)
    assert short.shape[1] == 5 and torch.allclose(short, full[:, :5], atol=1e-5)


def test_fast_input_is_the_padded_tensor_channels_last():
    frame = np.random.default_rng(0).integers(0, 256, (45, 67, 3), dtype=np.uint8)
    fast = to_padded_tensor(frame, 64)
    assert fast.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(fast, pad_to_multiple(to_tensor(frame), 64))


@pytest.mark.parametrize("scale,agreement", [(2.0, 50), (4.0, 50), (0.5, None)])
def test_pyramid_path_at_other_user_scales(pair, scale, agreement):
    # Above full resolution the pyramid path warps and resizes in the reference's order; below
    # it the last block's warp is the coarse one: then it must not score lower than the
    # reference against the ground truth (BENCHMARKS.md, "Speed": +0.075 dB on Middlebury).
    truth = read_image(SHARED_DATA / "middlebury_other" / "RubberWhale" / "frame10i11.png")
    frames = {}
    for name, runtime in (("reference", REFERENCE), ("fast", Runtime(precision="fp32"))):
        engine = create_engine("rife4", scale=scale, runtime=runtime, recursion="never")
        frames[name] = engine.render(engine.prepare(*pair), 0.5)
    if agreement is not None:
        assert psnr(frames["fast"], frames["reference"]) > agreement
    assert psnr(frames["fast"], truth) > psnr(frames["reference"], truth) - 0.05


def test_pyramid_path_takes_one_pair():
    engine = create_engine("rife4", runtime=Runtime(precision="fp32"))
    images = torch.rand(2, 3, 64, 64)
    with pytest.raises(ValueError, match="one pair"):
        engine.network(images, images, 0.5)
