"""Backward warping with `grid_sample`, matching RIFE's `warplayer.warp` exactly (the reference
path; the fast path warps with OpenCV, see tweenflow.nn.pyramid)."""
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
