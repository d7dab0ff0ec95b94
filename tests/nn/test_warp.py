import numpy as np
import torch

import pytest
import torch.nn.functional as F

from tweenflow.nn import backward_warp, crop_to, pad_to_multiple
from tweenflow.nn.warp import backward_warp_coarse, backward_warp_downscaled, box2
from tweenflow.nn.padding import padded_size


def test_zero_flow_is_identity():
    image = torch.rand(1, 3, 37, 53)
    out = backward_warp(image, torch.zeros(1, 2, 37, 53))
    assert torch.allclose(out, image, atol=1e-5)


def test_integer_flow_samples_the_shifted_pixel():
    image = torch.rand(1, 3, 40, 50)
    flow = torch.zeros(1, 2, 40, 50)
    flow[:, 0] = 3.0   # sample 3 px to the right
    flow[:, 1] = -2.0  # and 2 px up
    out = backward_warp(image, flow)
    # Away from the border (which is clamped) output(y, x) = image(y - 2, x + 3).
    assert torch.allclose(out[..., 2:, :-3], image[..., :-2, 3:], atol=1e-5)


def test_half_pixel_flow_is_bilinear():
    image = torch.arange(10, dtype=torch.float32).repeat(1, 1, 4, 1)  # value = x
    flow = torch.zeros(1, 2, 4, 10)
    flow[:, 0] = 0.5
    out = backward_warp(image, flow)
    assert torch.allclose(out[..., :-1], image[..., :-1] + 0.5, atol=1e-5)


def test_border_is_clamped_not_black():
    image = torch.ones(1, 1, 8, 8)
    flow = torch.full((1, 2, 8, 8), 20.0)
    assert torch.allclose(backward_warp(image, flow), image)


def test_padding_round_trips_and_pads_to_multiple():
    image = torch.rand(1, 3, 97, 130)
    padded = pad_to_multiple(image, 64)
    assert padded.shape[-2:] == (128, 192)
    assert torch.equal(crop_to(padded, 97, 130), image)
    assert padded[..., 97:, :].abs().sum() == 0 and padded[..., :, 130:].abs().sum() == 0


def test_padding_is_a_no_op_on_multiples():
    image = torch.rand(1, 3, 64, 128)
    assert pad_to_multiple(image, 32) is image


def test_padded_size():
    assert padded_size(1, 1, 32) == (32, 32)
    assert padded_size(64, 65, 64) == (64, 128)
    assert np.all(np.array(padded_size(720, 1280, 64)) == (768, 1280))


@pytest.mark.parametrize("factor", [1, 2, 4, 8, 16])
def test_downscaled_warp_equals_warp_then_downscale(factor):
    torch.manual_seed(factor)
    image = torch.rand(2, 5, 64, 96)
    flow = torch.randn(2, 2, 64, 96) * 6
    expected = backward_warp(image, flow)
    if factor > 1:
        expected = F.interpolate(expected, scale_factor=1 / factor, mode="bilinear",
                                 align_corners=False, recompute_scale_factor=False)
    got = backward_warp_downscaled(image, flow, factor)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-5)


def test_box2_is_the_mean_of_each_pixel_and_its_lower_right_neighbours():
    image = torch.rand(1, 3, 9, 11)
    boxed = box2(image)
    inner = (image[..., :-1, :-1] + image[..., 1:, :-1] + image[..., :-1, 1:]
             + image[..., 1:, 1:]) / 4
    assert boxed.shape == image.shape
    assert torch.allclose(boxed[..., :-1, :-1], inner, atol=1e-6)
    # Last column: the edge is replicated, so it averages the column with itself.
    assert torch.allclose(boxed[..., :-1, -1], (image[..., :-1, -1] + image[..., 1:, -1]) / 2,
                          atol=1e-6)


@pytest.mark.parametrize("factor", [2, 4, 8, 16])
def test_coarse_warp_of_a_constant_flow_is_warp_then_downscale(factor):
    # For a flow constant over each coarse pixel's footprint the coarse warp is exact.
    torch.manual_seed(factor)
    image = torch.rand(1, 5, 128, 160)
    shift = torch.tensor([3.25, -1.5]).view(1, 2, 1, 1)
    coarse_flow = shift.expand(1, 2, 128 // factor, 160 // factor)
    expected = backward_warp_downscaled(image, shift.expand(1, 2, 128, 160), factor)
    got = backward_warp_coarse(box2(image), coarse_flow, factor)
    # Away from the border, where the clamped samples of the two orders differ.
    margin = max(1, 8 // factor)
    assert torch.allclose(got[..., margin:-margin, margin:-margin],
                          expected[..., margin:-margin, margin:-margin], atol=1e-5)


def test_coarse_warp_of_a_smooth_flow_is_close_to_warp_then_downscale():
    torch.manual_seed(0)
    factor = 4
    image = F.interpolate(torch.rand(1, 3, 32, 40), size=(128, 160), mode="bilinear",
                          align_corners=False)
    coarse_flow = F.interpolate(torch.randn(1, 2, 4, 5) * 8, size=(32, 40), mode="bilinear",
                                align_corners=False)
    full_flow = F.interpolate(coarse_flow, scale_factor=factor, mode="bilinear",
                              align_corners=False)
    expected = backward_warp_downscaled(image, full_flow, factor)
    got = backward_warp_coarse(box2(image), coarse_flow, factor)
    error = (got - expected)[..., 2:-2, 2:-2].abs()
    # Warping the downscaled image instead (the obvious shortcut) is far less faithful.
    shortcut = backward_warp(F.interpolate(image, scale_factor=1 / factor, mode="bilinear",
                                           align_corners=False), coarse_flow / factor)
    shortcut_error = (shortcut - expected)[..., 2:-2, 2:-2].abs()
    assert error.mean() < 0.005 and error.mean() * 4 < shortcut_error.mean(), \
        (error.mean(), shortcut_error.mean())
