"""RIFE's IFNet, one parametrized implementation for the v3 HD and v4.x families.

A version is an `IFNetConfig` (block kind, widths, feature head, timestep input, whether each
block also runs with the inputs swapped). Module names follow the upstream state dicts so that
weights load with `strict=True`.

Flow convention: a 4-channel flow holds (flow_t_to_0, flow_t_to_1) in pixels: the frame at time
t samples frame 0 at x + flow_t_to_0(x) and frame 1 at x + flow_t_to_1(x).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from tweenflow.nn.conv import Conv2d
from tweenflow.nn.warp import backward_warp


@dataclass(frozen=True)
class IFNetConfig:
    block_kind: str                 # "v4" (ResConv + PixelShuffle head) or "v3" (PReLU, 2 heads)
    widths: tuple[int, ...]         # channels c of each IFBlock
    scales: tuple[int, ...]         # downscale factor each block works at (for user scale 1)
    head_channels: int = 0          # per-frame features from the `encode` head (0: no head)
    block_feat_channels: int = 0    # features a v4 block hands to the next one
    timestep_input: bool = True     # v4 takes t as a constant plane; v3 is fixed at t = 0.5
    bidirectional: bool = False     # v3: each block also runs on swapped inputs, results averaged
    pad_multiple: int = 64          # input sides must be multiples of this (at scale 1)


def _resize(x: torch.Tensor, factor: float) -> torch.Tensor:
    if factor == 1.0:
        return x  # bilinear at factor 1 with align_corners=False is the identity
    return F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False,
                         recompute_scale_factor=False)


def _downscaled_cat(parts: list[torch.Tensor], flow: torch.Tensor | None,
                    scale: float) -> torch.Tensor:
    """cat(parts + [flow]) resized by 1/scale, the flow's values scaled with it.

    Bilinear resizing acts on each channel alone, so resizing the parts before concatenating is
    the same as upstream's concatenate-then-resize, without a full-resolution concatenation.
    """
    resized = [_resize(part, 1.0 / scale) for part in parts]
    if flow is not None:
        resized.append(_resize(flow, 1.0 / scale) / scale)
    return torch.cat(resized, 1)


def _conv_lrelu(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(Conv2d(c_in, c_out, 3, stride, 1), nn.LeakyReLU(0.2, inplace=True))


def _conv_prelu(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(Conv2d(c_in, c_out, 3, stride, 1), nn.PReLU(c_out))


class Head(nn.Module):
    """v4 feature head: full-resolution features of one frame."""

    def __init__(self, out_channels: int) -> None:
        super().__init__()
        self.cnn0 = Conv2d(3, 16, 3, 2, 1)
        self.cnn1 = Conv2d(16, 16, 3, 1, 1)
        self.cnn2 = Conv2d(16, 16, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(16, out_channels, 4, 2, 1)
        self.relu = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class ResConv(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = Conv2d(channels, channels, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, channels, 1, 1)))
        self.relu = nn.LeakyReLU(0.2, inplace=True)
        self.beta_folded = False

    def fold_beta(self) -> None:
        """conv(x) * beta == conv'(x) with beta folded into weight and bias: one op less."""
        with torch.no_grad():
            self.conv.weight.mul_(self.beta.view(-1, 1, 1, 1))
            self.conv.bias.mul_(self.beta.view(-1))
        self.beta_folded = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        return self.relu((out if self.beta_folded else out * self.beta) + x)


class IFBlockV4(nn.Module):
    """Returns (flow 4ch, mask logit 1ch, features) at the input's resolution."""

    def __init__(self, in_channels: int, c: int, feat_channels: int) -> None:
        super().__init__()
        self.conv0 = nn.Sequential(_conv_lrelu(in_channels, c // 2, 2), _conv_lrelu(c // 2, c, 2))
        self.convblock = nn.Sequential(*[ResConv(c) for _ in range(8)])
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * (5 + feat_channels), 4, 2, 1),
                                      nn.PixelShuffle(2))

    def forward(self, parts: list[torch.Tensor], flow: torch.Tensor | None, scale: float):
        x = _downscaled_cat(parts, flow, scale)
        # float(): under bf16 autocast the flow must still accumulate in fp32.
        out = _resize(self.run(x).float(), scale)
        return out[:, :4] * scale, out[:, 4:5], out[:, 5:]

    def run(self, x: torch.Tensor, flow_and_mask_only: bool = False) -> torch.Tensor:
        """The block's layers on its input at its own resolution: (N, 4 + 1 + feat, h, w), the
        flow in pixels of that resolution. flow_and_mask_only: (N, 5, h, w), the same values
        without computing the features (the last block's are not used)."""
        return self.run_after_first_conv(self.conv0[0](x), flow_and_mask_only)

    def run_after_first_conv(self, x: torch.Tensor, flow_and_mask_only: bool = False
                             ) -> torch.Tensor:
        """`run` from the output of the first convolution and its activation on."""
        y = self.convblock(self.conv0[1](x))
        if not flow_and_mask_only:
            return self.lastconv(y)
        deconv, shuffle = self.lastconv
        # PixelShuffle(2) makes output channel c from deconv channels 4c .. 4c + 3.
        kept = 4 * 5
        y = F.conv_transpose2d(y, deconv.weight[:, :kept], deconv.bias[:kept],
                               stride=deconv.stride, padding=deconv.padding)
        return shuffle(y)


class IFBlockV3(nn.Module):
    """Returns (flow 4ch, mask logit 1ch, None) at the input's resolution."""

    def __init__(self, in_channels: int, c: int) -> None:
        super().__init__()
        self.conv0 = nn.Sequential(_conv_prelu(in_channels, c // 2, 2), _conv_prelu(c // 2, c, 2))
        for i in range(4):
            setattr(self, f"convblock{i}", nn.Sequential(_conv_prelu(c, c), _conv_prelu(c, c)))
        self.conv1 = nn.Sequential(nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.PReLU(c // 2),
                                   nn.ConvTranspose2d(c // 2, 4, 4, 2, 1))
        self.conv2 = nn.Sequential(nn.ConvTranspose2d(c, c // 2, 4, 2, 1), nn.PReLU(c // 2),
                                   nn.ConvTranspose2d(c // 2, 1, 4, 2, 1))

    def forward(self, parts: list[torch.Tensor], flow: torch.Tensor, scale: float):
        feat = self.conv0(_downscaled_cat(parts, flow, scale))
        for i in range(4):
            feat = getattr(self, f"convblock{i}")(feat) + feat
        flow = _resize(self.conv1(feat).float(), scale) * scale
        mask = _resize(self.conv2(feat).float(), scale)
        return flow, mask, None


def _timestep_plane(like: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) constant plane of t; t may be one value or one per batch item."""
    n, _, height, width = like.shape
    if isinstance(t, torch.Tensor):
        return t.to(like.dtype).view(-1, 1, 1, 1).expand(n, 1, height, width).contiguous()
    return like.new_full((n, 1, height, width), float(t))


def _blend(img0: torch.Tensor, img1: torch.Tensor, flow: torch.Tensor,
           mask: torch.Tensor) -> torch.Tensor:
    """The output frame: both inputs warped by the final flow, mixed by sigmoid(mask) (every
    channel, a carried alpha too)."""
    alpha = torch.sigmoid(mask)
    return backward_warp(img0, flow[:, :2]) * alpha + backward_warp(img1, flow[:, 2:4]) * (1 - alpha)


def _result(img0: torch.Tensor, img1: torch.Tensor, flow: torch.Tensor, mask: torch.Tensor,
            with_weight: bool) -> tuple:
    frame = _blend(img0, img1, flow, mask)
    return (frame, flow, torch.sigmoid(mask)) if with_weight else (frame, flow)


def _swap_directions(flow: torch.Tensor) -> torch.Tensor:
    return torch.cat((flow[:, 2:4], flow[:, :2]), 1)


@dataclass
class FlowPrior:
    """A motion hint for the network: flows (N, 4, H, W) and a weight (N, 1, H, W) in [0, 1].

    After each of the first `blocks` IFBlocks the running flow is pulled towards `flow` where
    `weight` is high; the later blocks then refine from there. With a `tolerance` (pixels) only
    the part of the disagreement beyond it is pulled: a network flow already within that
    distance of the hint is left as it is.
    """

    flow: torch.Tensor
    weight: torch.Tensor
    blocks: int = 1
    tolerance: float = 0.0

    def apply(self, flow: torch.Tensor, block_index: int) -> torch.Tensor:
        """Pull `flow` (N, 4, h, w), in full-resolution pixels, towards the hint; h, w may be
        a bilinear downscale of the hint's size (the pyramid path's block resolutions)."""
        if block_index >= self.blocks:
            return flow
        target, weight = self.flow, self.weight
        if flow.shape[-2:] != target.shape[-2:]:
            factor = flow.shape[-1] / target.shape[-1]
            target, weight = _resize(target, factor), _resize(weight, factor)
        difference = target - flow
        if self.tolerance > 0:
            n, _, height, width = difference.shape
            pairs = difference.reshape(n, 2, 2, height, width)    # (flow_t_to_0, flow_t_to_1)
            length = pairs.norm(dim=2, keepdim=True)
            excess = (1 - self.tolerance / length.clamp_min(1e-6)).clamp_min(0)
            difference = (pairs * excess).reshape(n, 4, height, width)
        return flow + weight * difference


class IFNet(nn.Module):
    def __init__(self, config: IFNetConfig) -> None:
        super().__init__()
        self.config = config
        head = config.head_channels
        if config.block_kind == "v4":
            first_in = 6 + 2 * head + int(config.timestep_input)
            later_in = first_in + 1 + config.block_feat_channels + 4
            for i, c in enumerate(config.widths):
                setattr(self, f"block{i}",
                        IFBlockV4(first_in if i == 0 else later_in, c, config.block_feat_channels))
        elif config.block_kind == "v3":
            for i, c in enumerate(config.widths):
                setattr(self, f"block{i}", IFBlockV3(6 + 1 + 4, c))
        else:
            raise ValueError(f"unknown IFNet block kind {config.block_kind!r}")
        if head:
            self.encode = Head(head)

    @property
    def blocks(self) -> list[nn.Module]:
        return [getattr(self, f"block{i}") for i in range(len(self.config.widths))]

    def fold_resconv_betas(self) -> None:
        """Fast path: fold every ResConv's beta into its conv (see ResConv.fold_beta)."""
        for module in self.modules():
            if isinstance(module, ResConv) and not module.beta_folded:
                module.fold_beta()

    def encode_features(self, image: torch.Tensor) -> torch.Tensor | None:
        """Per-frame features from the head (None for versions without one)."""
        return self.encode(image) if self.config.head_channels else None

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, t: float = 0.5,
                scale: float = 1.0, feat0: torch.Tensor | None = None,
                feat1: torch.Tensor | None = None,
                flow_prior: FlowPrior | None = None, with_weight: bool = False) -> tuple:
        """Predict the frame at time t between img0 and img1.

        img0, img1: (N, 3, H, W) float in [0, 1], H and W multiples of pad_multiple / scale;
            or (N, 4, H, W) premultiplied RGBA: the network sees the RGB only, the alpha is
            warped and blended with the final flow and mask like the colour.
        feat0/feat1: precomputed `encode_features` of the RGB (computed here when None).
        Returns (frame (N, C, H, W), flow (N, 4, H, W)), C the inputs'; with_weight: also the
        blend weight of img0 (N, 1, H, W) in [0, 1]. v3 models ignore t (always 0.5).
        """
        scales = [s / scale for s in self.config.scales]
        carried0, carried1 = img0, img1      # what the final blend warps: all channels
        img0, img1 = img0[:, :3], img1[:, :3]
        if self.config.block_kind == "v3":
            flow, mask = self._forward_v3(img0, img1, scales, flow_prior)
            return _result(carried0, carried1, flow, mask, with_weight)
        if self.config.head_channels:
            feat0 = self.encode(img0) if feat0 is None else feat0
            feat1 = self.encode(img1) if feat1 is None else feat1
        n, _, height, width = img0.shape
        inputs = [img0, img1] + ([feat0, feat1] if self.config.head_channels else [])
        if self.config.timestep_input:
            inputs.append(_timestep_plane(img0, t))
        flow, mask, block_feat = None, None, None
        for i, block in enumerate(self.blocks):
            if flow is None:
                flow, mask, block_feat = block(inputs, None, scales[i])
            else:
                parts = [backward_warp(img0, flow[:, :2]), backward_warp(img1, flow[:, 2:4])]
                if self.config.head_channels:
                    parts += [backward_warp(feat0, flow[:, :2]), backward_warp(feat1, flow[:, 2:4])]
                if self.config.timestep_input:
                    parts.append(inputs[-1])
                parts += [mask, block_feat]
                flow_delta, mask, block_feat = block(parts, flow, scales[i])
                flow = flow + flow_delta
            if flow_prior is not None:
                flow = flow_prior.apply(flow, i)
        return _result(carried0, carried1, flow, mask, with_weight)

    def _forward_v3(self, img0, img1, scales, flow_prior):
        n, _, height, width = img0.shape
        flow = img0.new_zeros((n, 4, height, width))
        mask = img0.new_zeros((n, 1, height, width))
        warped0, warped1 = img0, img1
        for i, block in enumerate(self.blocks):
            if i > 0:
                warped0 = backward_warp(img0, flow[:, :2])
                warped1 = backward_warp(img1, flow[:, 2:4])
            # Both directions in one batch: (img0 -> img1) and the swapped pair.
            parts = [torch.cat((warped0, warped1), 0), torch.cat((warped1, warped0), 0),
                     torch.cat((mask, -mask), 0)]
            flows_in = torch.cat((flow, _swap_directions(flow)), 0)
            flow_both, mask_both, _ = block(parts, flows_in, scales[i])
            flow = flow + (flow_both[:n] + _swap_directions(flow_both[n:])) / 2
            mask = mask + (mask_both[:n] - mask_both[n:]) / 2
            if flow_prior is not None:
                flow = flow_prior.apply(flow, i)
        return flow, mask
