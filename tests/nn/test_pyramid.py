"""The v4 fast path's pieces against their plain definitions (tweenflow.nn.pyramid)."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tweenflow.nn import backward_warp
from tweenflow.nn.pyramid import (PART, NhwcSources, box2, compose_with_up2,
                                  first_conv_output, make_sources, resize_nhwc,
                                  split_first_conv, warp_sources)


def to_nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1).contiguous()


def warp_then_downscale(image: torch.Tensor, flow: torch.Tensor, factor: int) -> torch.Tensor:
    """What the reference computes for a coarse block: warp at full resolution, then
    downscale bilinearly (NCHW)."""
    warped = backward_warp(image, flow)
    if factor == 1:
        return warped
    return F.interpolate(warped, scale_factor=1 / factor, mode="bilinear", align_corners=False,
                         recompute_scale_factor=False)


def one_part_sources(image: torch.Tensor) -> NhwcSources:
    """Sources whose frames are both `image` (1, PART, H, W), one part each."""
    part = to_nhwc(image)[0].numpy()
    return NhwcSources(fine=[[part], [part]], boxed=[[box2(part)], [box2(part)]],
                       height=part.shape[0], width=part.shape[1])


def test_box2_is_the_mean_of_each_pixel_and_its_lower_right_neighbours():
    image = np.random.default_rng(0).random((9, 11, 4), dtype=np.float32)
    boxed = box2(image)
    inner = (image[:-1, :-1] + image[1:, :-1] + image[:-1, 1:] + image[1:, 1:]) / 4
    assert boxed.shape == image.shape
    np.testing.assert_allclose(boxed[:-1, :-1], inner, atol=1e-6)
    # Last column: the edge is replicated, so it averages the column with itself.
    np.testing.assert_allclose(boxed[:-1, -1], (image[:-1, -1] + image[1:, -1]) / 2, atol=1e-6)


def test_full_resolution_warp_is_grid_samples():
    torch.manual_seed(0)
    image = torch.rand(1, PART, 48, 64)
    flow = torch.randn(2, 4, 48, 64) * 5
    warped = warp_sources(one_part_sources(image), to_nhwc(flow), 1.0, (48, 64), n=2)
    for frame in range(2):
        expected = backward_warp(image.expand(2, -1, -1, -1), flow[:, 2 * frame:2 * frame + 2])
        got = warped[frame][0].permute(0, 3, 1, 2)
        assert torch.allclose(got, expected, atol=2e-4), (got - expected).abs().max()


@pytest.mark.parametrize("factor", [2, 4, 8, 16])
def test_coarse_warp_of_a_constant_flow_is_warp_then_downscale(factor):
    # For a flow constant over each coarse pixel's footprint the coarse warp is exact.
    torch.manual_seed(factor)
    image = torch.rand(1, PART, 128, 160)
    shift = torch.tensor([3.25, -1.5, -2.0, 0.75]).view(1, 4, 1, 1)
    size = (128 // factor, 160 // factor)
    warped = warp_sources(one_part_sources(image), to_nhwc(shift.expand(1, 4, *size)),
                          float(factor), size, n=1)
    margin = max(1, 8 // factor)   # the clamped samples of the two orders differ at the border
    for frame in range(2):
        expected = warp_then_downscale(image, shift[:, 2 * frame:2 * frame + 2]
                                       .expand(1, 2, 128, 160), factor)
        got = warped[frame][0].permute(0, 3, 1, 2)
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
    expected = warp_then_downscale(image, full_flow, factor)
    sources = one_part_sources(F.pad(image, (0, 0, 0, 0, 0, 1)))
    got = warp_sources(sources, to_nhwc(coarse_flow.repeat(1, 2, 1, 1)), float(factor),
                       (32, 40), n=1)[0][0].permute(0, 3, 1, 2)[:, :3]
    error = (got - expected)[..., 2:-2, 2:-2].abs()
    # Warping the downscaled image instead (the obvious shortcut) is far less faithful.
    shortcut = backward_warp(F.interpolate(image, scale_factor=1 / factor, mode="bilinear",
                                           align_corners=False), coarse_flow / factor)
    shortcut_error = (shortcut - expected)[..., 2:-2, 2:-2].abs()
    assert error.mean() < 0.005 and error.mean() * 4 < shortcut_error.mean(), \
        (error.mean(), shortcut_error.mean())


def test_composed_kernel_is_upsample_then_strided_convolution_inside():
    torch.manual_seed(1)
    x = torch.rand(1, 3, 10, 14)
    weight = torch.randn(5, 3, 3, 3)
    up = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    expected = F.conv2d(up, weight, stride=2, padding=1)
    got = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), compose_with_up2(weight))
    # Everywhere but row 0 and column 0, where the zero padding of `up` breaks the identity.
    assert torch.allclose(got[..., 1:, 1:], expected[..., 1:, 1:], atol=1e-5)
    assert not torch.allclose(got[..., 0, :], expected[..., 0, :], atol=1e-3)


@pytest.mark.parametrize("head", [4, 8, 0])
def test_split_first_conv_equals_the_plain_convolution(head):
    """first_conv_output (split weights, composed kernel, t as a bias, fixed edges) against
    one convolution of the input assembled as upstream does, row 0 and column 0 included."""
    torch.manual_seed(head)
    n, height, width, state_channels, scale = 2, 16, 24, 4 + 1 + 8, 4.0
    in_channels = 6 + 2 * head + 1 + state_channels
    weight, bias = torch.randn(7, in_channels, 3, 3), torch.randn(7)
    frames = [torch.rand(n, 3 + head, height, width) for _ in range(2)]
    state = torch.randn(n, state_channels, height // 2, width // 2)
    times = torch.tensor([0.25, 0.8])
    # upstream: img0, img1, feat0, feat1, t, mask, block features, flow / scale
    up = F.interpolate(state, scale_factor=2, mode="bilinear", align_corners=False)
    assembled = torch.cat([frames[0][:, :3], frames[1][:, :3], frames[0][:, 3:],
                           frames[1][:, 3:], times.view(-1, 1, 1, 1).expand(n, 1, height, width),
                           up[:, 4:], up[:, :4] / scale], 1)
    expected = F.conv2d(assembled, weight, bias, stride=2, padding=1)
    first = split_first_conv(weight, bias, head, timestep=True, has_state=True, scale=scale)
    warped = []
    for frame in frames:   # the sources' layout: RGB + a spare slot, then features by PART
        padded = F.pad(frame, (0, 0, 0, 0, 0, PART))   # zeros after the last feature
        parts = [padded[:, :3]] + [padded[:, 3 + k:3 + k + PART] for k in range(0, head, PART)]
        parts[0] = torch.cat((parts[0], torch.full_like(parts[0][:, :1], 9.0)), 1)
        warped.append([to_nhwc(part) for part in parts])
    got = first_conv_output(first, warped, to_nhwc(state), times, torch.float32)
    assert got.shape == expected.shape
    assert torch.allclose(got, expected, atol=1e-4), (got - expected).abs().max()


def test_first_block_without_state():
    torch.manual_seed(2)
    weight, bias = torch.randn(6, 15, 3, 3), torch.randn(6)
    frames = [torch.rand(1, 7, 8, 12) for _ in range(2)]
    t = torch.tensor([0.5])
    assembled = torch.cat([frames[0][:, :3], frames[1][:, :3], frames[0][:, 3:],
                           frames[1][:, 3:], torch.full((1, 1, 8, 12), 0.5)], 1)
    expected = F.conv2d(assembled, weight, bias, stride=2, padding=1)
    first = split_first_conv(weight, bias, 4, timestep=True, has_state=False, scale=16.0)
    warped = [[to_nhwc(torch.cat((f[:, :3], torch.zeros(1, 1, 8, 12)), 1)), to_nhwc(f[:, 3:])]
              for f in frames]
    got = first_conv_output(first, warped, None, t, torch.float32)
    assert torch.allclose(got, expected, atol=1e-4)


def test_sources_hold_rgb_then_features_in_groups_of_four():
    img = torch.rand(1, 3, 8, 10)
    feat = torch.rand(1, 6, 8, 10)
    sources = make_sources(img, img, feat, feat)
    parts = sources.fine[1]
    assert len(parts) == 3 and all(p.shape == (8, 10, PART) for p in parts)
    np.testing.assert_array_equal(parts[0][..., :3], to_nhwc(img)[0].numpy())
    np.testing.assert_array_equal(parts[1], to_nhwc(feat[:, :4])[0].numpy())
    np.testing.assert_array_equal(parts[2][..., :2], to_nhwc(feat[:, 4:])[0].numpy())
    assert not parts[2][..., 2:].any()
    np.testing.assert_allclose(sources.boxed[0][1], box2(parts[1]))


@pytest.mark.parametrize("channels", [1, 4])
def test_resize_is_bilinear_with_half_pixel_centres(channels):
    x = torch.rand(2, 5, 7, channels)
    expected = F.interpolate(x.permute(0, 3, 1, 2), size=(10, 14), mode="bilinear",
                             align_corners=False).permute(0, 2, 3, 1)
    assert torch.allclose(resize_nhwc(x, 10, 14), expected, atol=1e-5)
