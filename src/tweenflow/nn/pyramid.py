"""The v4 IFNet fast path: every block at its own resolution, channels-last, OpenCV warps.

The reference (`IFNet.forward`, upstream's order of operations) upsamples each block's flow,
mask and features to full resolution, warps the full-resolution inputs and downsamples all of
it again for the next block. On a CPU that full-resolution traffic, not the convolutions, is
most of the time. Here, with the same weights:

- The running state (flow, mask logit, features) stays at the resolution of the block that
  made it, channels-last (NHWC), so nothing is transposed between layers.
- A block's first convolution is linear in its input, so it is split by input channels:
  * the warped frames and features, warped at the block's own resolution by `cv2.remap` and
    convolved part by part (a coarse block samples a 2x2 box-filtered copy of the sources at
    its own grid: what warp-then-downscale computes, up to the bilinear footprint);
  * the upsampled state: a 3x3 stride-2 convolution of up2(x) (bilinear x2) is a 3x3 stride-1
    convolution of x itself with a composed kernel, so the state is never upsampled;
  * the timestep plane: constant, so inside the frame its convolution is t * sum(weights).
  Both identities fail only on row 0 and column 0, where the convolution's zero padding meets
  the upsampled state and the t plane; those two lines are recomputed the plain way.
  Only the flow is upsampled, for the warps and the running sum.

The approximation against the reference is the coarse warps' (see `warp_sources`);
tests/engines/test_fast_path.py bounds its cost on real data. Flows are in full-resolution
pixels throughout.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from tweenflow.nn.conv import conv2d
from tweenflow.nn.ifnet import FlowPrior, IFNet

PART = 4   # channels per warp source array: a layout cv2.remap and oneDNN both handle well


@dataclass
class NhwcSources:
    """One pair's warp sources, float32 (H, W, PART) arrays: per frame, its RGB plus a 4th
    channel that the convolutions give zero weight (the premultiplied alpha of RGBA inputs,
    else 1), then its head features in groups of PART channels; and box2 of each, what coarse
    warps sample. H, W: the padded input size. channels: what `blend` returns (3 or 4)."""

    fine: list[list[np.ndarray]]     # [frame][part]
    boxed: list[list[np.ndarray]]
    height: int
    width: int
    channels: int = 3


def box2(image: np.ndarray) -> np.ndarray:
    """(H, W, C) float32: the mean of each pixel and its right, lower and lower-right
    neighbours, the edge replicated."""
    return cv2.boxFilter(image, -1, (2, 2), anchor=(0, 0), normalize=True,
                         borderType=cv2.BORDER_REPLICATE)


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="tweenflow-pyramid")


def _frame_parts(img: torch.Tensor, feat: torch.Tensor | None) -> list[np.ndarray]:
    pixels = img[0].float().permute(1, 2, 0).contiguous().numpy()
    # RGBA goes in as it is: the first convolution does not see channel 3, the blend does
    parts = [pixels if pixels.shape[2] == PART else cv2.cvtColor(pixels, cv2.COLOR_RGB2RGBA)]
    if feat is not None:
        feat = feat[0].float().permute(1, 2, 0)
        for start in range(0, feat.shape[2], PART):
            chunk = feat[..., start:start + PART]
            if chunk.shape[2] < PART:
                chunk = F.pad(chunk, (0, PART - chunk.shape[2]))
            # a channels-last head output of PART channels is already this array: no copy
            parts.append(np.ascontiguousarray(chunk.numpy()))
    return parts


def make_sources(img0: torch.Tensor, img1: torch.Tensor, feat0: torch.Tensor | None,
                 feat1: torch.Tensor | None, parallel: bool = True) -> NhwcSources:
    """img: (1, 3, H, W) RGB or (1, 4, H, W) premultiplied RGBA and feat: (1, head, H, W) of
    the RGB or None; float, any memory layout. parallel: box-filter the parts in two threads
    (OpenCV releases the GIL)."""
    fine = [_frame_parts(img0, feat0), _frame_parts(img1, feat1)]
    flat = fine[0] + fine[1]
    boxed = list(_pool().map(box2, flat)) if parallel else [box2(part) for part in flat]
    count = len(fine[0])
    height, width = flat[0].shape[:2]
    return NhwcSources(fine=fine, boxed=[boxed[:count], boxed[count:]],
                       height=height, width=width, channels=img0.shape[1])


@lru_cache(maxsize=8)   # one frame size's levels; a 4K grid is 66 MB
def sample_grid(height: int, width: int, factor: float = 1.0, offset: float = 0.0
                ) -> torch.Tensor:
    """(h, w, 2) float32 source-pixel coordinates (x, y) = factor * (i, j) + offset."""
    xs = torch.arange(width, dtype=torch.float32) * factor + offset
    ys = torch.arange(height, dtype=torch.float32) * factor + offset
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    return torch.stack((grid_x, grid_y), dim=-1)


def remap(source: np.ndarray, coordinates: np.ndarray, out: np.ndarray) -> None:
    """out (h, w, C) = source (H, W, C) sampled at pixel coordinates (h, w, 2) (x, y):
    bilinear, edge replicated (grid_sample's border padding, align_corners=True)."""
    cv2.remap(source, coordinates, None, cv2.INTER_LINEAR, dst=out,
              borderMode=cv2.BORDER_REPLICATE)


def even_factor(scale: float) -> int:
    """scale as an integer when it is 1 or even (0 otherwise)."""
    return int(scale) if scale == int(scale) and (scale == 1 or int(scale) % 2 == 0) else 0


def warp_sources(sources: NhwcSources, flow: torch.Tensor | None, scale: float,
                 size: tuple[int, int], n: int) -> list[list[torch.Tensor]]:
    """Each source part at a block's resolution (the padded size / scale = `size`), sampled
    at x + flow(x) for flow (n, h, w, 4) (flow_t_to_0, flow_t_to_1), full-resolution pixels;
    flow None: not warped. Returns [frame][part] -> (n, h, w, PART) float32.

    For an even scale f the reference warps at full resolution and downscales bilinearly,
    which makes coarse pixel j the mean of the warp at the 2x2 full-resolution pixels from
    q = f * j + f / 2 - 1. Taking the coarse flow at j for all four, that is box2(source)
    sampled at q + flow: exact for a flow constant there, one sample instead of four. Other
    scales (a block above full resolution, at user scales > 1) do what the reference does:
    warp at full resolution with the flow resized there, then resize the result.
    """
    height, width = size
    factor = even_factor(scale)
    if factor == 0:
        full_flow = None if flow is None else resize_nhwc(flow, sources.height, sources.width)
        full = warp_sources(sources, full_flow, 1.0, (sources.height, sources.width), n)
        return [[resize_nhwc(part, height, width) for part in frame] for frame in full]
    if factor == 1:
        images, grid = sources.fine, sample_grid(height, width)
    else:
        images, grid = sources.boxed, sample_grid(height, width, factor, factor / 2 - 1)
    warped = []
    for frame, parts in enumerate(images):
        if flow is None:
            coordinates = grid.expand(n, -1, -1, -1).contiguous()
        else:
            coordinates = grid + flow[..., 2 * frame:2 * frame + 2]
        frame_out = []
        for part in parts:
            out = torch.empty((n, height, width, PART), dtype=torch.float32)
            for b in range(n):
                remap(part, coordinates[b].numpy(), out[b].numpy())
            frame_out.append(out)
        warped.append(frame_out)
    return warped


def resize_nhwc(x: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear resize of (N, h, w, C) float32, C <= 4, with half-pixel centres and no
    antialiasing (F.interpolate's align_corners=False): OpenCV's float resize, several times
    faster."""
    x = x.contiguous()
    out = torch.empty((x.shape[0], height, width, x.shape[3]), dtype=torch.float32)
    for b in range(x.shape[0]):
        resized = cv2.resize(x[b].numpy(), (width, height), interpolation=cv2.INTER_LINEAR)
        out[b] = torch.from_numpy(resized).view(height, width, -1)
    return out


# Bilinear x2 (align_corners=False) then a 3x3 stride-2 convolution equals a 3x3 stride-1
# convolution of the low-resolution input, its edges replicated: row k says how the
# convolution's tap k (-1, 0, 1) spreads over the low-resolution taps -1, 0, 1.
_UP2_TAPS = torch.tensor([[0.75, 0.25, 0.0], [0.25, 0.75, 0.0], [0.0, 0.75, 0.25]])


def compose_with_up2(weight: torch.Tensor) -> torch.Tensor:
    """(O, C, 3, 3) stride-2 kernel on up2(x) -> (O, C, 3, 3) stride-1 kernel on x."""
    return torch.einsum("ocyx,ya,xb->ocab", weight, _UP2_TAPS, _UP2_TAPS)


@dataclass
class FirstConv:
    """A block's first convolution split by input channels (see the module docstring)."""

    warp_weights: list[list[torch.Tensor]]   # [frame][part] (O, PART, 3, 3)
    time_weight: torch.Tensor | None         # (O, 1, 3, 3)
    state_weight: torch.Tensor | None        # (O, state, 3, 3), the state's channel order
    state_composed: torch.Tensor | None      # compose_with_up2(state_weight)
    bias: torch.Tensor                       # (O,)
    converted: dict = field(default_factory=dict)   # state_composed by dtype

    def composed_as(self, dtype: torch.dtype) -> torch.Tensor:
        """state_composed in `dtype`, converted once (a new weight tensor per call would cost
        oneDNN a fresh weight reorder each time)."""
        if dtype not in self.converted:
            self.converted[dtype] = self.state_composed.to(dtype)
        return self.converted[dtype]


def split_first_conv(weight: torch.Tensor, bias: torch.Tensor, head: int, timestep: bool,
                     has_state: bool, scale: float) -> FirstConv:
    """Split an upstream block's first convolution. Its input channels are: img0 (3),
    img1 (3), feat0 (head), feat1 (head), [t], and after block 0: mask (1), block features,
    flow / scale (4). The state holds the flow first, in full-resolution pixels."""
    weight, bias = weight.detach().float(), bias.detach().float()
    warp = []
    for frame in range(2):
        layout = [[3 * frame + j for j in range(3)]] + \
            [[6 + frame * head + j for j in range(start, min(start + PART, head))]
             for start in range(0, head, PART)]
        frame_parts = []
        for channels in layout:
            part = weight.new_zeros((weight.shape[0], PART, 3, 3))
            part[:, :len(channels)] = weight[:, channels]
            frame_parts.append(part.contiguous(memory_format=torch.channels_last))
        warp.append(frame_parts)
    rest = weight[:, 6 + 2 * head:]
    time_weight = None
    if timestep:
        time_weight, rest = rest[:, :1], rest[:, 1:]
    state_weight = state_composed = None
    if has_state:
        state_weight = torch.cat((rest[:, -4:] / scale, rest[:, :-4]), 1)
        state_composed = compose_with_up2(state_weight).contiguous(
            memory_format=torch.channels_last)
    return FirstConv(warp, time_weight, state_weight, state_composed, bias)


def first_conv_output(first: FirstConv, warped: list[list[torch.Tensor]],
                      state: torch.Tensor | None, times: torch.Tensor, dtype: torch.dtype
                      ) -> torch.Tensor:
    """A block's first convolution, before its activation: (n, O, h / 2, w / 2) fp32,
    channels-last. warped: `warp_sources` at the block's (h, w); state: the previous block's
    (n, h / 2, w / 2, channels) or None; times: (n,). dtype: of the state's convolution."""
    total = None
    # fp32, whatever the autocast: oneDNN's bf16 kernels are ~3x slower than its fp32 ones
    # with 4 input channels on the CPUs measured.
    with torch.autocast("cpu", enabled=False):
        for frame_parts, weights in zip(warped, first.warp_weights):
            for part, weight in zip(frame_parts, weights):
                out = conv2d(part.permute(0, 3, 1, 2), weight, stride=2, padding=1)
                total = out if total is None else total.add_(out)
    total.add_(first.bias.view(1, -1, 1, 1))
    if first.time_weight is not None:
        total.add_(times.view(-1, 1, 1, 1) * first.time_weight.sum((1, 2, 3)).view(1, -1, 1, 1))
    if state is not None:
        low = F.pad(state.permute(0, 3, 1, 2), (1, 1, 1, 1), mode="replicate")
        total.add_(conv2d(low.to(dtype), first.composed_as(dtype)).float())
    if first.time_weight is not None or state is not None:
        size = (2 * total.shape[2], 2 * total.shape[3])
        # In fp32, whatever the autocast: two lines of pixels, and the column's strip is a
        # stride-2 convolution with a one-pixel-wide output, the shape AMX's bf16 kernel gets
        # wrong (tweenflow.nn.conv).
        with torch.autocast("cpu", enabled=False):
            total[:, :, 0, :] += _edge_correction(first, state, times, size, rows=True)
            total[:, :, 1:, 0] += _edge_correction(first, state, times, size,
                                                   rows=False)[:, :, 1:]
    return total


def _edge_correction(first: FirstConv, state: torch.Tensor | None, times: torch.Tensor,
                     size: tuple[int, int], rows: bool) -> torch.Tensor:
    """Row 0 (rows=True) or column 0 of the t plane's and the state's part of the first
    convolution, computed the plain way, minus what first_conv_output computed there."""
    n = times.numel()
    strip = (2, size[1]) if rows else (size[0], 2)
    weights = [first.time_weight] if first.time_weight is not None else []
    inputs = [times.view(-1, 1, 1, 1).expand(n, 1, *strip)] if weights else []
    composed = times.view(-1, 1, 1) * first.time_weight.sum((1, 2, 3)).view(1, -1, 1) \
        if weights else 0.0
    if state is not None:
        low = state.permute(0, 3, 1, 2).float()
        low = low[:, :, :2] if rows else low[:, :, :, :2]
        # Full-resolution lines 0 and 1 of up2(state) read low lines 0 and 1 only.
        up = F.interpolate(low, scale_factor=2, mode="bilinear", align_corners=False)
        weights.append(first.state_weight)
        inputs.append(up[:, :, :2] if rows else up[:, :, :, :2])
        line = conv2d(F.pad(low, (1, 1, 1, 1), mode="replicate"), first.state_composed.float())
        composed = composed + (line[:, :, 0] if rows else line[:, :, :, 0])
    plain = conv2d(torch.cat(inputs, 1), torch.cat(weights, 1), stride=2, padding=1)
    return (plain[:, :, 0] if rows else plain[:, :, :, 0]) - composed


class PyramidIFNet:
    """The fast path of a v4 `IFNet`, sharing its weights: `forward` takes the same
    arguments as `IFNet.forward` plus this path's per-pair `sources`."""

    def __init__(self, model: IFNet, parallel: bool = True) -> None:
        if model.config.block_kind != "v4":
            raise ValueError("the pyramid path is for v4 IFNets")
        self.model = model
        self.parallel = parallel      # False: one thread (Runtime(threads=1))
        self._first: dict[tuple[int, float], FirstConv] = {}

    def sources(self, img0: torch.Tensor, img1: torch.Tensor, feat0: torch.Tensor | None,
                feat1: torch.Tensor | None) -> NhwcSources:
        return make_sources(img0, img1, feat0, feat1, self.parallel)

    def first_conv(self, index: int, scale: float) -> FirstConv:
        """Block `index`'s split first convolution when the block runs at `scale`."""
        if (index, scale) not in self._first:
            conv = self.model.blocks[index].conv0[0][0]
            config = self.model.config
            self._first[index, scale] = split_first_conv(
                conv.weight, conv.bias, config.head_channels, config.timestep_input,
                has_state=index > 0, scale=scale)
        return self._first[index, scale]

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, t: float | torch.Tensor = 0.5,
                scale: float = 1.0, feat0: torch.Tensor | None = None,
                feat1: torch.Tensor | None = None, flow_prior: FlowPrior | None = None,
                sources: NhwcSources | None = None, with_weight: bool = False) -> tuple:
        """As `IFNet.forward` for one pair: (frame (N, C, H, W), flow (N, 4, H, W)), here NCHW
        views of channels-last memory, N the number of times t, C the inputs' channels (3, or
        4 for premultiplied RGBA, whose alpha only the final blend moves). The inputs (and
        features) are only read to make `sources` when none are given."""
        if sources is None:
            if img0.shape[0] != 1:
                raise ValueError("the pyramid path takes one pair (several t), not a batch")
            if self.model.config.head_channels:
                feat0 = self.model.encode(img0[:, :3]) if feat0 is None else feat0
                feat1 = self.model.encode(img1[:, :3]) if feat1 is None else feat1
            sources = self.sources(img0, img1, feat0, feat1)
        times = t.float().view(-1) if isinstance(t, torch.Tensor) else torch.tensor([float(t)])
        n = times.numel()
        scales = [s / scale for s in self.model.config.scales]
        height, width = sources.height, sources.width
        dtype = torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") \
            else torch.float32
        state = None   # (n, h, w, 4 + 1 + features) fp32: flow, mask logit, features
        last = len(self.model.blocks) - 1
        for i, block in enumerate(self.model.blocks):
            size = (int(height / scales[i]), int(width / scales[i]))   # as F.interpolate
            if state is not None and scales[i - 1] < 1:
                # The reference brings every block's output to full resolution: from a block
                # above it (user scale > 1) that loses detail, which the next block expects.
                state = _round_trip(state, (height, width))
            flow = None if state is None else resize_nhwc(state[..., :4], *size)
            warped = warp_sources(sources, flow, scales[i], size, n)
            x = first_conv_output(self.first_conv(i, scales[i]), warped, state, times, dtype)
            x = F.leaky_relu_(x, 0.2).to(dtype)
            out = block.run_after_first_conv(x, flow_and_mask_only=i == last)
            state = out.float().permute(0, 2, 3, 1).contiguous()
            state[..., :4] *= scales[i]
            if flow is not None:
                state[..., :4] += flow
            if flow_prior is not None:
                state[..., :4] = flow_prior.apply(state[..., :4].permute(0, 3, 1, 2), i) \
                    .permute(0, 2, 3, 1)
        flow, mask = state[..., :4].contiguous(), state[..., 4:5].contiguous()
        if scales[-1] != 1:   # the last block ran at another resolution than the input's
            flow, mask = resize_nhwc(flow, height, width), resize_nhwc(mask, height, width)
        frame = blend(sources, flow, mask)
        result = frame.permute(0, 3, 1, 2), flow.permute(0, 3, 1, 2)
        return result + (torch.sigmoid(mask).permute(0, 3, 1, 2),) if with_weight else result

    __call__ = forward


def _round_trip(state: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(n, h, w, C) resized to `size` and back, bilinear (the reference's resize pair)."""
    low = F.interpolate(state.permute(0, 3, 1, 2), size=size, mode="bilinear",
                        align_corners=False)
    back = F.interpolate(low, size=state.shape[1:3], mode="bilinear", align_corners=False)
    return back.permute(0, 2, 3, 1).contiguous()


def blend(sources: NhwcSources, flow: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Both frames warped by the final flow (n, H, W, 4) and mixed by sigmoid(mask)
    (n, H, W, 1): (n, H, W, sources.channels) float32 (a view of a 4-channel buffer)."""
    n, height, width, _ = flow.shape
    grid = sample_grid(height, width)
    frame = torch.empty((n, height, width, PART), dtype=torch.float32)
    warped = [torch.empty((height, width, PART), dtype=torch.float32) for _ in range(2)]
    for b in range(n):
        for k in range(2):
            coordinates = grid + flow[b, :, :, 2 * k:2 * k + 2]
            remap(sources.fine[k][0], coordinates.numpy(), warped[k].numpy())
        torch.lerp(warped[1], warped[0], torch.sigmoid(mask[b]), out=frame[b])
    return frame[..., :sources.channels]
