"""Backward warping with `grid_sample`, matching RIFE's `warplayer.warp` exactly."""
from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F


@lru_cache(maxsize=16)
def _base_grid(height: int, width: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    """Identity sampling grid in grid_sample's [-1, 1] units, shape (1, H, W, 2)."""
    xs = torch.linspace(-1.0, 1.0, width, device=device, dtype=dtype)
    ys = torch.linspace(-1.0, 1.0, height, device=device, dtype=dtype)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((grid_x, grid_y), dim=-1).unsqueeze(0)


def backward_warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample `image` at `x + flow(x)` for every output pixel x.

    image: (N, C, H, W) float. flow: (N, 2, H, W) in pixels, channel 0 = dx, 1 = dy.
    Bilinear, border padding, align_corners=True (pixel centres at integer coordinates),
    as RIFE was trained with. Returns (N, C, H, W) in image's dtype.
    """
    _, _, height, width = flow.shape
    grid = _base_grid(height, width, str(flow.device), flow.dtype)
    # Pixels to normalised units: with align_corners=True the span W-1 maps to 2.
    scale = torch.tensor([2.0 / max(width - 1, 1), 2.0 / max(height - 1, 1)],
                         device=flow.device, dtype=flow.dtype)
    grid = grid + flow.permute(0, 2, 3, 1) * scale
    return F.grid_sample(image, grid.to(image.dtype), mode="bilinear",
                         padding_mode="border", align_corners=True)


def backward_warp_downscaled(image: torch.Tensor, flow: torch.Tensor, factor: int) -> torch.Tensor:
    """`backward_warp(image, flow)` then bilinear downscaling by an even integer `factor`
    (F.interpolate, align_corners=False), at 1/factor**2 of the cost.

    That downscaling makes output pixel j the mean of full-resolution pixels factor*j + f/2 - 1
    and factor*j + f/2 (in each axis), so the warp is sampled at those four offsets only.
    Returns (N, C, H / factor, W / factor).
    """
    if factor == 1:
        return backward_warp(image, flow)
    if factor % 2:
        raise ValueError(f"factor must be 1 or even, got {factor}")
    _, _, height, width = flow.shape
    grid = _base_grid(height, width, str(flow.device), flow.dtype)
    to_units = torch.tensor([2.0 / max(width - 1, 1), 2.0 / max(height - 1, 1)],
                            device=flow.device, dtype=flow.dtype)
    first = factor // 2 - 1
    total = None
    for offset_y in (first, first + 1):
        for offset_x in (first, first + 1):
            sub_flow = flow[:, :, offset_y::factor, offset_x::factor]
            sub_grid = grid[:, offset_y::factor, offset_x::factor] + \
                sub_flow.permute(0, 2, 3, 1) * to_units
            sample = F.grid_sample(image, sub_grid.to(image.dtype), mode="bilinear",
                                   padding_mode="border", align_corners=True)
            total = sample if total is None else total + sample
    return total * 0.25


@lru_cache(maxsize=8)
def _box_kernel(channels: int, device: str, dtype: torch.dtype) -> torch.Tensor:
    # Kept: a new weight tensor each call costs oneDNN a fresh weight reorder (~20 ms at 720p).
    return torch.full((channels, 1, 2, 2), 0.25, device=device, dtype=dtype)


def box2(image: torch.Tensor) -> torch.Tensor:
    """Mean of each pixel and its right, lower and lower-right neighbours (edge replicated):
    what `backward_warp_coarse` samples."""
    channels = image.shape[1]
    kernel = _box_kernel(channels, str(image.device), image.dtype)
    # A depthwise 2x2 convolution: several times faster on CPU than avg_pool2d with stride 1;
    # in the image's own precision even under autocast (these are pixel values, not features).
    with torch.autocast("cpu", enabled=False):
        return F.conv2d(F.pad(image, (0, 1, 0, 1), mode="replicate"), kernel, groups=channels)


def backward_warp_coarse(boxed: torch.Tensor, flow: torch.Tensor, factor: int) -> torch.Tensor:
    """`backward_warp_downscaled(image, up(flow), factor)` for a flow given at 1/factor of the
    image's resolution (bilinear up, align_corners=False), without the full-resolution flow and
    with one sample per output pixel instead of four. `boxed` is `box2(image)`.

    The downscale averages the warp at four full-resolution positions, offsets {0, 1} in x and
    y from q = factor * j + factor / 2 - 1. Upsampling would give those positions the coarse
    flow interpolated 1/(2 factor) of a coarse pixel away from pixel j; taking the coarse flow
    f at j for all four, the mean of image(q + o + f) is box2(image) sampled at q + f (bilinear
    interpolation and the box filter commute for whole-pixel offsets). So the two agree exactly
    for a flow that is constant there (away from the border) and to within that 1/(2 factor)
    offset times the flow's gradient otherwise. boxed: (N, C, H, W); flow: (N, 2, H / factor,
    W / factor) in full-resolution pixels. Returns (N, C, H / factor, W / factor).
    """
    if factor == 1:
        raise ValueError("factor 1 is a plain backward_warp of the image itself")
    if factor % 2:
        raise ValueError(f"factor must be even, got {factor}")
    _, _, height, width = boxed.shape
    _, _, coarse_h, coarse_w = flow.shape
    xs = torch.arange(coarse_w, device=flow.device, dtype=flow.dtype) * factor + factor // 2 - 1
    ys = torch.arange(coarse_h, device=flow.device, dtype=flow.dtype) * factor + factor // 2 - 1
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    positions = torch.stack((grid_x, grid_y), dim=-1).unsqueeze(0) + flow.permute(0, 2, 3, 1)
    to_units = torch.tensor([2.0 / max(width - 1, 1), 2.0 / max(height - 1, 1)],
                            device=flow.device, dtype=flow.dtype)
    grid = positions * to_units - 1.0
    return F.grid_sample(boxed, grid.to(boxed.dtype), mode="bilinear", padding_mode="border",
                         align_corners=True)
