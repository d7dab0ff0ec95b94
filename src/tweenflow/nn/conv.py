"""Convolutions that stay correct where a CPU's reduced-precision kernel is not.

oneDNN 3.12 in torch 2.13.0+cpu, on Intel CPUs with AMX, computes wrong bf16 convolutions
(values off by 100% or up to 1e35, different from run to run) when an output side is one
pixel and the stride along it is above 1 (README, "Known platform issues"). CPUs without AMX
never run that kernel. Every convolution of the networks goes through `conv2d` (or the
`Conv2d` module, a drop-in for `torch.nn.Conv2d` with the same parameters and state-dict
keys), which runs such degenerate shapes in fp32: they are a handful of pixels, so the cost
is nil. Shapes the rule does not know are left to the run-time self-check
(`tweenflow.selfcheck`), which compares the whole network against the fp32 reference.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

REDUCED_DTYPES = (torch.bfloat16, torch.float16)


def _pair(value: int | tuple[int, ...]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def output_size(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """A convolution's output length along one axis (PyTorch's formula)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def is_degenerate(input_size: tuple[int, int], kernel: tuple[int, int],
                  stride: int | tuple[int, int], padding: int | tuple[int, int] = 0,
                  dilation: int | tuple[int, int] = 1) -> bool:
    """Whether some output side is one pixel while the stride along it is above 1."""
    stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
    for axis in range(2):
        size = output_size(input_size[axis], kernel[axis], stride[axis], padding[axis],
                           dilation[axis])
        if size == 1 and stride[axis] > 1:
            return True
    return False


def _reduced_dtype(x: torch.Tensor) -> torch.dtype | None:
    """The reduced precision this convolution would run in (None: fp32)."""
    if x.dtype in REDUCED_DTYPES:
        return x.dtype
    if torch.is_autocast_enabled("cpu") and torch.get_autocast_dtype("cpu") in REDUCED_DTYPES:
        return torch.get_autocast_dtype("cpu")
    return None


def conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None,
           stride: int | tuple[int, int] = 1, padding: int | tuple[int, int] = 0,
           dilation: int | tuple[int, int] = 1, groups: int = 1) -> torch.Tensor:
    """`F.conv2d`, except that a degenerate shape (see `is_degenerate`) in reduced precision
    is computed in fp32 and returned in the dtype the reduced-precision call would have given.
    """
    dtype = _reduced_dtype(x)
    if dtype is None or isinstance(padding, str) \
            or not is_degenerate(x.shape[-2:], weight.shape[-2:], stride, padding, dilation):
        return F.conv2d(x, weight, bias, stride, padding, dilation, groups)
    with torch.autocast("cpu", enabled=False):
        out = F.conv2d(x.float(), weight.float(), None if bias is None else bias.float(),
                       stride, padding, dilation, groups)
    return out.to(dtype)


class Conv2d(nn.Conv2d):
    """`torch.nn.Conv2d` computed by `conv2d` above (same parameters, same state-dict keys)."""

    def _conv_forward(self, input: torch.Tensor, weight: torch.Tensor,
                      bias: torch.Tensor | None) -> torch.Tensor:
        if self.padding_mode != "zeros":
            return super()._conv_forward(input, weight, bias)
        return conv2d(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)
