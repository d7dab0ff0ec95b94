"""Frames of a recursion rendered from the two input frames themselves.

FILM-style recursion makes a midpoint from two frames that are themselves made, so a frame k
levels deep has been resampled k times (each bilinear warp a slight blur; at 16 px of motion
and more, rife4 keeps 0.72 of the truth's detail recursively against 0.81 in one pass:
BENCHMARKS.md, "Sharpness at large motion"). A `SourceMap` says instead where each pixel of a
made frame comes from in the INPUT frames: frame(x) = weight(x) * input0(x + flow_to_0(x)) +
(1 - weight(x)) * input1(x + flow_to_1(x)). A network pass between two made frames composes
their maps with its own flow and blend weight, and the frame is rendered once from the inputs.
Where the two made frames bring a pixel of the same input from different places (the recursion
disagrees with itself), the two flows are averaged by their weights: one copy, not a ghost.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from tweenflow.nn.padding import crop_to
from tweenflow.nn.warp import backward_warp


@dataclass
class SourceMap:
    """Where a frame's pixels come from in the two inputs: flows (N, 2, H, W) in pixels and
    the weight (N, 1, H, W) in [0, 1] of input 0, float32."""

    flow_to_0: torch.Tensor
    flow_to_1: torch.Tensor
    weight_0: torch.Tensor
    is_input: bool = False      # an input's own map: the same everywhere, nothing to warp

    @staticmethod
    def of_input(index: int, like: torch.Tensor) -> "SourceMap":
        """Input `index` itself (0 or 1), for tensors shaped like `like` (N, C, H, W)."""
        n, _, height, width = like.shape
        zero = like.new_zeros((n, 2, height, width), dtype=torch.float32)
        weight = like.new_full((n, 1, height, width), 1.0 - index, dtype=torch.float32)
        return SourceMap(zero, zero, weight, is_input=True)

    def cropped(self, height: int, width: int) -> "SourceMap":
        """The map of the top-left height x width pixels (a padded frame's own)."""
        return SourceMap(*(crop_to(x, height, width) for x in (self.flow_to_0, self.flow_to_1,
                                                               self.weight_0)), self.is_input)

    def mirrored(self) -> "SourceMap":
        """The map seen in the left-right mirrored frames (and back): flipped, dx negated."""
        def flow(f: torch.Tensor) -> torch.Tensor:
            f = f.flip(-1)
            return torch.cat((-f[:, :1], f[:, 1:]), 1)
        return SourceMap(flow(self.flow_to_0), flow(self.flow_to_1), self.weight_0.flip(-1),
                         self.is_input)

    def swapped(self) -> "SourceMap":
        """The same map with the two inputs' roles exchanged (time reversed: the pair given
        as frame1, frame0)."""
        return SourceMap(self.flow_to_1, self.flow_to_0, 1 - self.weight_0, self.is_input)

    def render(self, input0: torch.Tensor, input1: torch.Tensor) -> torch.Tensor:
        """The frame, each input warped once (all its channels: a carried alpha too)."""
        warped0 = backward_warp(input0.float(), self.flow_to_0)
        warped1 = backward_warp(input1.float(), self.flow_to_1)
        return torch.lerp(warped1, warped0, self.weight_0)


def compose(low: SourceMap, high: SourceMap, flow: torch.Tensor,
            weight_low: torch.Tensor) -> SourceMap:
    """The map of a frame a network made from the frames of `low` and `high`: flow (N, 4, H,
    W), frame -> low frame and frame -> high frame, and weight_low (N, 1, H, W) its blend
    weight of the low frame."""
    flow, weight_low = flow.float(), weight_low.float()
    to_low, to_high = flow[:, :2], flow[:, 2:4]

    def pulled(source: SourceMap, to: torch.Tensor) -> list[torch.Tensor]:
        if source.is_input:    # constant maps: a warp would only add its rounding
            return [source.flow_to_0, source.flow_to_1, source.weight_0]
        packed = torch.cat((source.flow_to_0, source.flow_to_1, source.weight_0), 1)
        return list(torch.split(backward_warp(packed, to), [2, 2, 1], 1))

    low_to_0, low_to_1, low_weight_0 = pulled(low, to_low)
    high_to_0, high_to_1, high_weight_0 = pulled(high, to_high)
    # This frame's share of each input through each side.
    via_low_0, via_high_0 = weight_low * low_weight_0, (1 - weight_low) * high_weight_0
    via_low_1, via_high_1 = weight_low * (1 - low_weight_0), (1 - weight_low) * (1 - high_weight_0)

    return SourceMap(
        flow_to_0=_by_share([to_low + low_to_0, to_high + high_to_0], [via_low_0, via_high_0]),
        flow_to_1=_by_share([to_low + low_to_1, to_high + high_to_1], [via_low_1, via_high_1]),
        weight_0=(via_low_0 + via_high_0).clamp(0, 1))


def _by_share(flows: list[torch.Tensor], shares: list[torch.Tensor]) -> torch.Tensor:
    """Per pixel, the flows averaged by the share of the input each brings. Any share, however
    small, keeps its flow exact (the frame weighs it by that share)."""
    weighted, total = shares[0] * flows[0], shares[0]
    for share, flow in zip(shares[1:], flows[1:]):
        weighted, total = weighted + share * flow, total + share
    return weighted / total.clamp_min(torch.finfo(torch.float32).tiny)


def fuse(maps: list[SourceMap]) -> SourceMap:
    """One map from several runs' maps of the same frame (e.g. test-time augmentations mapped
    back): per pixel, each input's flow averaged over the runs by the share of that input
    each run takes there, and the shares averaged. Where the runs place a thing differently
    the frame shows one copy at the mean place (not the runs' copies superimposed)."""
    shares_0 = [m.weight_0 for m in maps]
    return SourceMap(_by_share([m.flow_to_0 for m in maps], shares_0),
                     _by_share([m.flow_to_1 for m in maps], [1 - m.weight_0 for m in maps]),
                     sum(shares_0) / len(maps))
