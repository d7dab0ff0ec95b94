"""Classical engine: OpenCV DIS optical flow both ways, occlusion-aware blending. No weights.

Intermediate flows use Super SloMo's linear combination of the two bidirectional flows. Where
the forward and backward flows disagree (forward-backward consistency), a pixel of one frame is
occluded in the other: that content is seen in its own frame only, so where the in-between frame
samples it, the other frame's sample (something else) gets less weight in the blend.
Premultiplied RGBA frames: the flow comes from the RGB; the alpha is warped by the same flows and
blended with the same weights.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import cv2
import numpy as np

from tweenflow.engines.base import Engine, EngineInfo, MotionField, Runtime, register
from tweenflow.engines.dis import dis_flow
from tweenflow.errors import EngineError
from tweenflow.samples import as_uint8_rgb, from_float, full_scale

# name -> (OpenCV preset, finest pyramid level or None for the preset's own).
DIS_PRESETS = {"ultrafast": (cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST, None),
               "fast": (cv2.DISOPTICAL_FLOW_PRESET_FAST, None),
               "medium": (cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, None),
               # medium, refined down to full resolution: +0.34 dB on Middlebury, ~2.5x slower
               "fine": (cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 0)}
# "auto": "fine" up to this many flow pixels, "medium" above (fine costs ~5x more at 720p).
AUTO_FINE_MAX_PIXELS = 500_000


@dataclass
class ClassicalPairState:
    # float32 (H, W, 4): frame k's RGB and, as channel 3, its occlusion in [0, 1] (its pixel
    # has no match in the other frame). Packed so that one remap warps both.
    packed0: np.ndarray
    packed1: np.ndarray
    flow_0_to_1: np.ndarray      # float32 (H, W, 2), pixels
    flow_1_to_0: np.ndarray
    dtype: np.dtype = np.dtype(np.uint8)   # the inputs' sample type, also the outputs'
    # float32 (H, W) alpha of RGBA inputs, in 0-255 like packed's colour (None: RGB inputs).
    # Warped on its own: OpenCV's float remap interpolates 1, 3 and 4 channels exactly but
    # rounds the weights to 1/32 for 5, so it is not packed in.
    alpha0: np.ndarray | None = None
    alpha1: np.ndarray | None = None


@lru_cache(maxsize=8)
def _identity_grid(height: int, width: int) -> np.ndarray:
    """(H, W, 2) float32 pixel coordinates (x, y); shared, so read-only."""
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    grid = np.stack([xs, ys], axis=2)
    grid.flags.writeable = False
    return grid


def warp_backward(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `image` at x + flow(x) (bilinear, border replicate); flow (H, W, 2) in pixels."""
    height, width = flow.shape[:2]
    coordinates = cv2.add(_identity_grid(height, width), flow)   # one (x, y) map: no split
    return cv2.remap(image, coordinates, None, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REPLICATE)


def _squared_length(vectors: np.ndarray) -> np.ndarray:
    """|v|^2 of (H, W, 2) vectors, (H, W) float32."""
    return np.einsum("ijk,ijk->ij", vectors, vectors)


def occlusion_mask(flow_ab: np.ndarray, flow_ba: np.ndarray, blur_sigma: float = 1.0,
                   pixel_size: float = 1.0) -> np.ndarray:
    """Forward-backward check (Sundaram et al. 2010): 1 where a's pixel has no match in b.

    Occluded where |F_ab + F_ba(x + F_ab)|^2 > 0.01 (|F_ab|^2 + |F_ba(x + F_ab)|^2) + 0.5, in
    full-resolution pixels; the relative term keeps fast but consistent motion from being
    flagged. Softened by a blur of `blur_sigma` full-resolution pixels. pixel_size: how many
    full-resolution pixels one pixel of these flows spans (flows in their own pixels).
    """
    flow_back = warp_backward(flow_ba, flow_ab)
    round_trip_sq = _squared_length(cv2.add(flow_ab, flow_back))
    magnitude_sq = _squared_length(flow_ab) + _squared_length(flow_back)
    occluded = (round_trip_sq > 0.01 * magnitude_sq + 0.5 / pixel_size ** 2).astype(np.float32)
    sigma = blur_sigma / pixel_size
    return cv2.GaussianBlur(occluded, (0, 0), sigma) if sigma > 0 else occluded


def _levels(frame: np.ndarray) -> np.ndarray:
    """The frame as float32 in 0-255 (any sample type)."""
    values = frame.astype(np.float32)
    if frame.dtype != np.uint8:
        values *= np.float32(255.0 / full_scale(frame.dtype))
    return values


def _pack(frame: np.ndarray, occlusion: np.ndarray) -> np.ndarray:
    """(H, W, 4) float32: the frame's RGB as floats in 0-255 (any sample type), and its
    occlusion mask."""
    return cv2.merge([*cv2.split(_levels(frame[..., :3])), occlusion])


def _alpha(frame: np.ndarray) -> np.ndarray | None:
    """An RGBA frame's alpha as float32 (H, W) in 0-255 (None for RGB)."""
    return np.ascontiguousarray(_levels(frame[..., 3])) if frame.shape[2] == 4 else None


@lru_cache(maxsize=1)
def _pair_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="tweenflow-classical")


def _both(function: Callable, first: tuple, second: tuple, parallel: bool) -> tuple:
    """function(*first), function(*second), side by side when `parallel`. OpenCV releases the
    GIL, and a DIS run alone leaves the second core partly idle (its variational refinement
    and its coarse levels are mostly serial), so the two directions overlap well."""
    if not parallel:
        return function(*first), function(*second)
    later = _pair_pool().submit(function, *second)
    return function(*first), later.result()


def _beyond(difference: np.ndarray, tolerance: float) -> np.ndarray:
    """The part of a flow difference (H, W, 2) longer than `tolerance` pixels (the prior's
    optional tolerance, see MotionField)."""
    if tolerance <= 0:
        return difference
    length = np.sqrt((difference ** 2).sum(axis=2, keepdims=True))
    return difference * np.maximum(0.0, 1 - tolerance / np.maximum(length, 1e-6))


class ClassicalEngine(Engine):
    name = "classical"
    carries_alpha = True

    def __init__(self, scale: float = 1.0, runtime: Runtime | None = None,
                 preset: str = "auto", occlusion_strength: float = 0.5) -> None:
        if not 0.0625 <= scale <= 1.0:
            raise EngineError("{scale=} is not supported by classical; use a value in "
                              "[0.0625, 1] (flow is estimated at that fraction of the size)",
                              {"scale": scale})
        if preset not in DIS_PRESETS and preset != "auto":
            raise EngineError(f"unknown DIS preset {preset!r}; use one of {', '.join(DIS_PRESETS)}")
        self.scale = scale
        self.runtime = runtime or Runtime()
        if self.runtime.threads:
            cv2.setNumThreads(self.runtime.threads)
        self.preset = preset
        self.occlusion_strength = occlusion_strength

    def _dis(self, pixels: int) -> tuple[int, int]:
        """(OpenCV preset, finest level) for a flow of this many pixels."""
        name = self.preset
        if name == "auto":
            name = "fine" if pixels <= AUTO_FINE_MAX_PIXELS else "medium"
        preset, finest = DIS_PRESETS[name]
        if finest is None:
            finest = cv2.DISOpticalFlow_create(preset).getFinestScale()
        return preset, finest

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> ClassicalPairState:
        height, width = frame0.shape[:2]
        gray0 = cv2.cvtColor(as_uint8_rgb(frame0), cv2.COLOR_RGB2GRAY)
        gray1 = cv2.cvtColor(as_uint8_rgb(frame1), cv2.COLOR_RGB2GRAY)
        flow_w, flow_h = width, height
        if self.scale != 1.0:
            flow_w, flow_h = max(8, round(width * self.scale)), max(8, round(height * self.scale))
        preset, finest = self._dis(flow_w * flow_h)
        # DIS stops refining at its finest pyramid level and upsamples from there; run it on
        # the grays at that level's size instead (sides rounded down, as DIS does: the same
        # flow where they divide by 2**finest, within ~0.03 px otherwise; tests) so that the
        # occlusion check also runs there, on 4**finest times fewer pixels.
        flow_w, flow_h = max(8, flow_w // 2 ** finest), max(8, flow_h // 2 ** finest)
        if (flow_w, flow_h) != (width, height):
            gray0 = cv2.resize(gray0, (flow_w, flow_h), interpolation=cv2.INTER_AREA)
            gray1 = cv2.resize(gray1, (flow_w, flow_h), interpolation=cv2.INTER_AREA)

        def flow(gray_from: np.ndarray, gray_to: np.ndarray) -> np.ndarray:
            dis = cv2.DISOpticalFlow_create(preset)
            dis.setFinestScale(0)
            return dis_flow(dis, gray_from, gray_to)

        parallel = self.runtime.threads != 1
        flow01, flow10 = _both(flow, (gray0, gray1), (gray1, gray0), parallel)
        pixel_size = float(np.sqrt(width * height / (flow_w * flow_h)))
        occlusion0, occlusion1 = _both(occlusion_mask, (flow01, flow10, 1.0, pixel_size),
                                       (flow10, flow01, 1.0, pixel_size), parallel)
        if (flow_w, flow_h) != (width, height):
            factors = np.array([width / flow_w, height / flow_h], dtype=np.float32)
            up = lambda image: cv2.resize(image, (width, height),  # noqa: E731
                                          interpolation=cv2.INTER_LINEAR)
            flow01, flow10 = up(flow01) * factors, up(flow10) * factors
            occlusion0, occlusion1 = up(occlusion0), up(occlusion1)
        return ClassicalPairState(packed0=_pack(frame0, occlusion0),
                                  packed1=_pack(frame1, occlusion1),
                                  flow_0_to_1=flow01, flow_1_to_0=flow10, dtype=frame0.dtype,
                                  alpha0=_alpha(frame0), alpha1=_alpha(frame1))

    def intermediate_flows(self, state: ClassicalPairState, t: float
                           ) -> tuple[np.ndarray, np.ndarray]:
        """(flow_t_to_0, flow_t_to_1) from the bidirectional flows (Super SloMo, eq. 4)."""
        flow01, flow10 = state.flow_0_to_1, state.flow_1_to_0
        flow_t_to_0 = cv2.addWeighted(flow01, -(1 - t) * t, flow10, t * t, 0.0)
        flow_t_to_1 = cv2.addWeighted(flow01, (1 - t) * (1 - t), flow10, -t * (1 - t), 0.0)
        return flow_t_to_0, flow_t_to_1

    def render(self, state: ClassicalPairState, t: float,
               motion: MotionField | None = None) -> np.ndarray:
        flow_t_to_0, flow_t_to_1 = self.intermediate_flows(state, t)
        if motion is not None:
            height, width = state.packed0.shape[:2]
            hint = motion.prior(0.0, 1.0, t, height, width)
            if hint is not None:
                prior0, prior1, weight = hint
                tolerance = float(getattr(motion, "tolerance", 0.0))
                flow_t_to_0 = flow_t_to_0 + weight[..., None] * _beyond(prior0 - flow_t_to_0,
                                                                        tolerance)
                flow_t_to_1 = flow_t_to_1 + weight[..., None] * _beyond(prior1 - flow_t_to_1,
                                                                        tolerance)
        warped0 = warp_backward(state.packed0, flow_t_to_0)
        warped1 = warp_backward(state.packed1, flow_t_to_1)
        # Content whose frame-0 flow has no consistent match in frame 1 is disappearing, so
        # at time t it is seen in frame 0 only: the frame-1 sample there is something else.
        strength, tiny = self.occlusion_strength, 1e-3
        occluded0, occluded1 = cv2.extractChannel(warped0, 3), cv2.extractChannel(warped1, 3)
        # weight0 = (1 - t)(1 - strength occluded1 + tiny), weight1 likewise, both times 1000:
        # blendLinear adds 1e-5 to their sum, which that makes smaller than float precision.
        weight0 = cv2.addWeighted(occluded1, -1000 * strength * (1 - t), occluded1, 0.0,
                                  1000 * (1 - t) * (1 + tiny))
        weight1 = cv2.addWeighted(occluded0, -1000 * strength * t, occluded0, 0.0,
                                  1000 * t * (1 + tiny))
        # (weight0 warped0 + weight1 warped1) / (weight0 + weight1), on all four channels
        # (contiguous, so OpenCV's parallel kernel); rounded half to even and saturated.
        blended = cv2.blendLinear(warped0, warped1, weight0, weight1)
        if state.alpha0 is None:
            frame = cv2.cvtColor(blended, cv2.COLOR_RGBA2RGB)     # the occlusion left out
        else:   # the alpha, by the same flows and weights, in the occlusion's place
            alpha = cv2.blendLinear(warp_backward(state.alpha0, flow_t_to_0),
                                    warp_backward(state.alpha1, flow_t_to_1), weight0, weight1)
            frame = cv2.insertChannel(alpha, blended, 3)
        if state.dtype == np.uint8:
            return cv2.convertScaleAbs(frame)
        return from_float(frame, state.dtype, 255.0)


register(EngineInfo(name="classical",
                    summary="OpenCV DIS flow both ways + occlusion-aware blend; no weights",
                    weights_ids=(), arbitrary_t=True,
                    factory=ClassicalEngine))
