import numpy as np
import torch

from tweenflow.nn import backward_warp, crop_to, pad_to_multiple
from tweenflow.nn.padding import extend_edges, padded_size


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


def test_extend_edges_fills_the_padding_with_the_nearest_edge_pixel():
    image = torch.rand(1, 2, 5, 7)
    padded = extend_edges(pad_to_multiple(image, 8), 5, 7)
    assert torch.equal(crop_to(padded, 5, 7), image)
    assert torch.equal(padded[..., :5, 7], image[..., :, 6])          # right of each row
    assert torch.equal(padded[..., 7, :7], image[..., 4, :])          # below each column
    assert torch.equal(padded[..., 5:, 7:], image[..., 4:, 6:].expand(1, 2, 3, 1))  # corner


def test_padding_is_a_no_op_on_multiples():
    image = torch.rand(1, 3, 64, 128)
    assert pad_to_multiple(image, 32) is image


def test_padded_size():
    assert padded_size(1, 1, 32) == (32, 32)
    assert padded_size(64, 65, 64) == (64, 128)
    assert np.all(np.array(padded_size(720, 1280, 64)) == (768, 1280))
