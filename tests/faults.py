"""Faults injected on purpose, to show that the routing and the self-check catch them: stand-ins
for a CPU kernel that computes wrong values (the AMX bf16 fault of README's "Known platform
issues", or one nobody knows yet)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from tweenflow.nn.conv import REDUCED_DTYPES, output_size


def _reduced(x: torch.Tensor) -> bool:
    return x.dtype in REDUCED_DTYPES or (
        torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") in REDUCED_DTYPES)


def broken_reduced_precision_conv(monkeypatch, max_width: int, min_stride: int = 1) -> None:
    """F.conv2d gives 100%-off values (2x, plus one) in reduced precision when the output is
    at most `max_width` pixels wide and the horizontal stride at least `min_stride`."""
    real = F.conv2d

    def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
        out = real(x, weight, bias, stride, padding, dilation, groups)
        step = stride if isinstance(stride, int) else stride[1]
        pad = padding if isinstance(padding, int) else padding[1]
        width = output_size(x.shape[-1], weight.shape[-1], step, pad, 1)
        if _reduced(x) and width <= max_width and step >= min_stride:
            return out * 2 + 1
        return out
    monkeypatch.setattr(F, "conv2d", conv2d)


def broken_remap(monkeypatch) -> None:
    """The fast path's warps sample 1.5 px to the right of where they should (a wrong fp32
    kernel the bf16 rule knows nothing about)."""
    from tweenflow.nn import pyramid
    real = pyramid.remap

    def remap(source, coordinates, out):
        shifted = coordinates.copy()
        shifted[..., 0] += 1.5
        real(source, shifted, out)
    monkeypatch.setattr(pyramid, "remap", remap)
