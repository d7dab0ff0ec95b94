"""Padding to a size a network accepts, and cropping back."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def padded_size(height: int, width: int, multiple: int) -> tuple[int, int]:
    """The smallest (H, W) >= the input whose sides are multiples of `multiple`."""
    return (-(-height // multiple) * multiple, -(-width // multiple) * multiple)


def pad_to_multiple(images: torch.Tensor, multiple: int) -> torch.Tensor:
    """Zero-pad (N, C, H, W) at the bottom and right to multiples of `multiple`.

    Zero padding at bottom/right is what the upstream RIFE scripts do; the reference PSNR
    numbers were measured that way.
    """
    height, width = images.shape[-2:]
    padded_h, padded_w = padded_size(height, width, multiple)
    if (padded_h, padded_w) == (height, width):
        return images
    return F.pad(images, (0, padded_w - width, 0, padded_h - height))


def crop_to(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Undo `pad_to_multiple`: keep the top-left (height, width)."""
    return images[..., :height, :width]


def extend_edges(images: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """In place, on padded (N, C, Hp, Wp): the padding beyond the top-left (height, width)
    takes the nearest edge pixel's values (the last column to the right, then the last row
    below). Returns `images`."""
    images[..., :height, width:] = images[..., :height, width - 1:width]
    images[..., height:, :] = images[..., height - 1:height, :]
    return images
