"""RIFE engines: a model version is a row in VERSIONS (network config + weights entry)."""
from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import torch

from tweenflow import selfcheck, weights
from tweenflow.engines.base import Engine, EngineInfo, MotionField, Runtime, register
from tweenflow.engines.motion_size import LARGE_MOTION_PIXELS, motion_size
from tweenflow.errors import EngineError
from tweenflow.nn.compose import SourceMap, compose
from tweenflow.nn.ifnet import FlowPrior, IFNet, IFNetConfig
from tweenflow.nn.pyramid import NhwcSources, PyramidIFNet
from tweenflow.nn.padding import crop_to, extend_edges, pad_to_multiple, padded_size
from tweenflow.samples import full_scale


@dataclass(frozen=True)
class RifeVersion:
    name: str
    config: IFNetConfig
    weights_id: str
    summary: str


VERSIONS: dict[str, RifeVersion] = {
    "rife4": RifeVersion(
        name="rife4",
        config=IFNetConfig(block_kind="v4", widths=(192, 128, 96, 64, 32),
                           scales=(16, 8, 4, 2, 1), head_channels=4, block_feat_channels=8,
                           timestep_input=True, pad_multiple=64),
        weights_id="rife-4.25",
        summary="RIFE 4.25/4.26 (Practical-RIFE): any t in one pass"),
    "rife3": RifeVersion(
        name="rife3",
        config=IFNetConfig(block_kind="v3", widths=(90, 90, 90), scales=(4, 2, 1),
                           timestep_input=False, bidirectional=True, pad_multiple=32),
        weights_id="rife-3.6-hd",
        summary="RIFE v3.6 HD (ECCV2022-RIFE): midpoint model, other t by recursive bisection"),
}

ALLOWED_SCALES = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
# rife3 reaches t by bisection; t is rounded to the nearest multiple of 1 / 2**MAX_BISECTION_DEPTH.
MAX_BISECTION_DEPTH = 6
# rife4 with recursion: midpoints down to intervals of 1 / 2**RIFE4_RECURSION_DEPTH, then t directly
# inside the last interval (so any t stays exact). Depth 4 covers every t = k/16 by midpoints.
RIFE4_RECURSION_DEPTH = 4
RECURSION_MODES = ("auto", "always", "never")


def _samples(frame: np.ndarray) -> torch.Tensor:
    if frame.dtype == np.uint16:     # torch has no uint16 arithmetic: widen first
        frame = frame.astype(np.int32)
    if not frame.flags.writeable:    # np.frombuffer: torch warns of undefined behaviour
        frame = frame.copy()
    return torch.from_numpy(np.ascontiguousarray(frame))


def to_tensor(frame: np.ndarray) -> torch.Tensor:
    """uint8, uint16 or float32 (H, W, C) -> float32 (1, C, H, W) in [0, 1]."""
    return _samples(frame).permute(2, 0, 1)[None].float() / full_scale(frame.dtype)


def to_padded_tensor(frame: np.ndarray, multiple: int) -> torch.Tensor:
    """pad_to_multiple(to_tensor(frame), multiple) in one pass, channels-last (the fast path):
    uint8/uint16/float32 (H, W, C) -> float32 (1, C, Hp, Wp) in [0, 1], zero padding at bottom
    and right."""
    height, width, channels = frame.shape
    padded_h, padded_w = padded_size(height, width, multiple)
    out = torch.zeros((1, padded_h, padded_w, channels), dtype=torch.float32)
    out[0, :height, :width] = _samples(frame)
    return out.div_(full_scale(frame.dtype)).permute(0, 3, 1, 2)


def to_frame(tensor: torch.Tensor, dtype: np.dtype = np.dtype(np.uint8)) -> np.ndarray:
    """float (1, C, H, W) in [0, 1] -> (H, W, C) of `dtype`: uint8/uint16 rounded and clipped,
    float32 as computed."""
    values = tensor[0].permute(1, 2, 0).float()
    if dtype == np.uint8:
        return (values * 255.0).round().clamp(0, 255).to(torch.uint8).numpy()
    if dtype == np.uint16:
        return (values * 65535.0).round().clamp(0, 65535).numpy().astype(np.uint16)
    return values.numpy().copy()


# render_many batches several t while the batch holds at most this many pixels (memory).
BATCH_PIXELS = 4_000_000


def use_bf16(precision: str) -> bool:
    """Whether to compute in bf16: asked for, or "auto" on a CPU with native bf16 support."""
    if precision == "bf16":
        return True
    if precision == "auto":
        return bool(torch.backends.mkldnn.is_available()
                    and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    if precision == "fp32":
        return False
    raise EngineError(f"unknown precision {precision!r}; use auto, fp32 or bf16")


# Execution paths, fastest first; the last is the reference the others are checked against
# (tweenflow.selfcheck). A runtime asks for one; the self-check may settle on a later one.
PATHS = ("fast-bf16", "fast-fp32", "eager-fp32")
PATH_LABELS = {"fast-bf16": "bf16 on the fast path", "fast-fp32": "the fp32 fast path",
               "eager-fp32": "the eager fp32 reference path"}


def requested_path(runtime: Runtime) -> str:
    """The execution path a runtime asks for (bf16 only on the fast path)."""
    if not runtime.fast:
        return "eager-fp32"
    return "fast-bf16" if use_bf16(runtime.precision) else "fast-fp32"


def dyadic_approximation(t: float, max_depth: int = MAX_BISECTION_DEPTH) -> Fraction:
    """The multiple of 1/2**max_depth nearest to t, reduced (e.g. 0.5 -> 1/2)."""
    return Fraction(round(t * 2 ** max_depth), 2 ** max_depth)


@dataclass
class RifePairState:
    img0: torch.Tensor              # padded (1, C, Hp, Wp), C = 3 or 4 (premultiplied RGBA)
    img1: torch.Tensor
    height: int
    width: int
    feat0: torch.Tensor | None = None
    feat1: torch.Tensor | None = None
    recurse: bool = True            # reach t by FILM-style recursion (else one direct pass)
    dtype: np.dtype = np.dtype(np.uint8)   # the inputs' sample type, also the outputs'

    sources: NhwcSources | None = None   # the v4 fast path's per-pair warp sources
    # Frames already made by bisection, keyed by their time (runs without motion hints only),
    # and with resample_once where their pixels come from in the inputs.
    midpoints: dict[Fraction, torch.Tensor] = field(default_factory=dict)
    source_maps: dict[Fraction, SourceMap] = field(default_factory=dict)


class RifeEngine(Engine):
    """A RIFE network as an engine.

    recursion (models with a timestep input; midpoint-only models always recurse):
    "always": FILM's recursion, midpoints first, so each step sees smaller motion;
    "never": every t in one pass (batched, fastest); "auto" (default): recursion for pairs
    whose measured motion is at least LARGE_MOTION_PIXELS, where it pays (BENCHMARKS.md,
    "Large motion"), one pass otherwise.

    resample_once: a recursion's frames are rendered from the input frames along the
    recursion's composed flows (tweenflow.nn.compose), each pixel resampled once instead of
    once per level: sharper at large motion (0.81 of the truth's detail at 16 px and more
    against 0.72), slightly less accurate (-0.05 dB; BENCHMARKS.md, "Sharpness at large
    motion").

    Premultiplied RGBA frames: the network sees the RGB; the alpha is warped and blended by
    the final flow and mask of each pass (midpoints carry it on through the recursion). The
    alpha is padded with its edge values, not zeros (see `_input`).
    """

    carries_alpha = True

    def __init__(self, version: RifeVersion, scale: float = 1.0,
                 runtime: Runtime | None = None, notify=None, recursion: str = "auto",
                 resample_once: bool = False) -> None:
        if scale not in ALLOWED_SCALES:
            raise EngineError(f"{{scale=}} is not supported by {version.name}; use one of "
                              f"{', '.join(str(s) for s in ALLOWED_SCALES)}", {"scale": scale})
        self.name = version.name
        self.version = version
        self.scale = scale
        self.recursion = self._recursion_mode(recursion)
        self.resample_once = resample_once
        self.runtime = runtime or Runtime()
        if self.runtime.threads:
            torch.set_num_threads(self.runtime.threads)
        self.pad_multiple = max(version.config.pad_multiple,
                                int(math.ceil(version.config.pad_multiple / scale)))
        notify_kwargs = {"notify": notify} if notify else {}
        self._state_dict = weights.load_state_dict(weights.REGISTRY[version.weights_id],
                                                   **notify_kwargs)
        self.path = requested_path(self.runtime)
        self.checks: dict[str, selfcheck.Agreement] = {}
        self._reference_frames = None   # the self-check's, made once for all candidates
        candidates = PATHS[PATHS.index(self.path):]
        if self.runtime.self_check and len(candidates) > 1:
            decision = selfcheck.choose(f"{version.name} at scale {scale:g}", candidates,
                                        self._agreement, PATH_LABELS, **notify_kwargs)
            self.path, self.checks = decision.path, decision.agreements
        self._build(self.path)
        self._state_dict = self._reference_frames = None   # the model holds the weights now

    def _build(self, path: str) -> None:
        """The network for an execution path (see PATHS), from the loaded weights."""
        self.model = IFNet(self.version.config)
        self.model.load_state_dict(self._state_dict, strict=True)
        self.model.eval().requires_grad_(False)
        self.autocast_dtype = torch.bfloat16 if path == "fast-bf16" else None
        # What runs the network: the model itself (the reference), or for v4 on the fast
        # path the pyramid path (same weights, same call).
        self.network = self.model
        self.fast = path != "eager-fp32"
        if self.fast:
            self.model.fold_resconv_betas()
            self.model.to(memory_format=torch.channels_last)
            if self.version.config.block_kind == "v4":
                self.network = PyramidIFNet(self.model, parallel=self.runtime.threads != 1)

    def _agreement(self, path: str) -> "selfcheck.Agreement":
        """The self-check of one execution path: this network on `path` against the eager
        fp32 reference, one pass per t (no recursion), at this engine's scale."""
        def frames_on(variant_path: str) -> list[list[np.ndarray]]:
            engine = copy.copy(self)
            engine.recursion = engine._recursion_mode("never")
            engine._build(variant_path)
            return selfcheck.check_frames(engine)
        if self._reference_frames is None:
            self._reference_frames = frames_on("eager-fp32")
        return selfcheck.compare(frames_on(path), self._reference_frames)

    def _recursion_mode(self, recursion: str) -> str:
        """The mode this engine runs for a requested one (midpoint-only models: always)."""
        if recursion not in RECURSION_MODES:
            raise EngineError(f"unknown recursion {recursion!r}; use one of "
                              f"{', '.join(RECURSION_MODES)}")
        return recursion if self.version.config.timestep_input else "always"

    def with_recursion(self, recursion: str) -> "RifeEngine":
        """The same engine (sharing the loaded model) with another recursion mode."""
        variant = copy.copy(self)
        variant.recursion = self._recursion_mode(recursion)
        return variant

    def _network(self, img0, img1, t, feat0, feat1, prior=None, sources=None,
                 with_weight=False):
        """The network at this engine's scale: the reference model, or the pyramid path with
        its per-pair sources (made from the inputs when None)."""
        if self.network is self.model:
            return self.model(img0, img1, t, self.scale, feat0, feat1, prior,
                              with_weight=with_weight)
        return self.network(img0, img1, t, self.scale, feat0, feat1, prior, sources,
                            with_weight=with_weight)

    def _autocast(self):
        return torch.autocast("cpu", dtype=self.autocast_dtype,
                              enabled=self.autocast_dtype is not None)

    def _input(self, frame: np.ndarray) -> torch.Tensor:
        if self.fast:
            padded = to_padded_tensor(frame, self.pad_multiple)
        else:
            padded = pad_to_multiple(to_tensor(frame), self.pad_multiple)
        if padded.shape[1] == 4:
            # Zero alpha in the padding is transparent black, which the warp pulls into the
            # frame near the right and bottom borders; the alpha continues its edge instead
            # (an opaque frame stays opaque). The colour keeps the upstream zero padding.
            extend_edges(padded[:, 3:], *frame.shape[:2])
        return padded

    @torch.inference_mode()
    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> RifePairState:
        height, width = frame0.shape[:2]
        img0, img1 = self._input(frame0), self._input(frame1)
        recurse = self.recursion == "always" or (
            self.recursion == "auto" and motion_size(frame0, frame1) >= LARGE_MOTION_PIXELS)
        state = RifePairState(img0=img0, img1=img1, height=height, width=width, recurse=recurse,
                              dtype=frame0.dtype)
        with self._autocast():
            state.feat0 = self.model.encode_features(img0[:, :3])
            state.feat1 = self.model.encode_features(img1[:, :3])
        if state.feat0 is not None:
            state.feat0, state.feat1 = state.feat0.float(), state.feat1.float()
        if isinstance(self.network, PyramidIFNet):
            state.sources = self.network.sources(img0, img1, state.feat0, state.feat1)
        return state

    @torch.inference_mode()
    def render(self, state: RifePairState, t: float,
               motion: MotionField | None = None) -> np.ndarray:
        with self._autocast():
            if state.recurse:
                frame = self._recurse(state, t, motion)[0]
            else:
                frame, _ = self._network(state.img0, state.img1, t, state.feat0, state.feat1,
                                         self._prior(state, 0.0, 1.0, t, motion), state.sources)
        return to_frame(crop_to(frame, state.height, state.width), state.dtype)

    @torch.inference_mode()
    def render_many(self, state: RifePairState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        """rife4 without motion hints: several t in one batched forward pass (fewer, larger
        matrix products; same maths). Otherwise one at a time."""
        if state.recurse or not self.fast or motion is not None:
            return super().render_many(state, times, motion)
        pixels = state.img0.shape[-2] * state.img0.shape[-1]
        batch = max(1, min(len(times), BATCH_PIXELS // pixels))
        frames = []
        for start in range(0, len(times), batch):
            chunk = torch.tensor(times[start:start + batch], dtype=torch.float32)
            n = len(chunk)
            expand = lambda x: x.expand(n, -1, -1, -1)  # noqa: E731
            with self._autocast():
                out, _ = self._network(expand(state.img0), expand(state.img1), chunk,
                                       expand(state.feat0), expand(state.feat1),
                                       sources=state.sources)
            out = crop_to(out, state.height, state.width)
            frames += [to_frame(out[i:i + 1], state.dtype) for i in range(n)]
        return frames

    def _recurse(self, state: RifePairState, t: float, motion: MotionField | None
                 ) -> tuple[torch.Tensor, SourceMap | None]:
        """FILM-style recursion: midpoints of ever smaller intervals around t. The frame at t
        and its SourceMap (None unless resample_once).

        A midpoint-only model stops when a midpoint is t (rounded to 1 / 2**MAX_BISECTION_DEPTH);
        a model with a timestep input stops there too, or after RIFE4_RECURSION_DEPTH levels
        makes t directly from the two ends of its interval.
        """
        arbitrary = self.version.config.timestep_input
        target = Fraction(t).limit_denominator(1 << 20) if arbitrary else dyadic_approximation(t)
        low, high = Fraction(0), Fraction(1)
        ends = self._input_ends(state)
        if target in (0, 1):
            return ends[target]
        for depth in range(MAX_BISECTION_DEPTH + 1):
            middle = (low + high) / 2
            if arbitrary and middle != target and depth == RIFE4_RECURSION_DEPTH:
                return self._step(state, ends[low], ends[high], low, high, target, motion)
            if motion is None and middle in state.midpoints:
                made = state.midpoints[middle], state.source_maps.get(middle)
            else:
                made = self._step(state, ends[low], ends[high], low, high, middle, motion)
                if motion is None:
                    state.midpoints[middle] = made[0]
                    if made[1] is not None:
                        state.source_maps[middle] = made[1]
            if middle == target:
                return made
            low, high = (low, middle) if target < middle else (middle, high)
            ends[middle] = made
        raise AssertionError("unreachable: a dyadic target is met within MAX_BISECTION_DEPTH")

    @torch.inference_mode()
    def source_map(self, state: RifePairState, t: float) -> SourceMap:
        """Where the frame at t takes each pixel from in the two input frames, cropped to the
        frame: the map `render` renders it along (resample_once only; no motion hints)."""
        if not self.resample_once:
            raise EngineError("source maps are made only with resample_once")
        with self._autocast():
            if state.recurse:
                made = self._recurse(state, t, None)
            else:
                ends = self._input_ends(state)
                made = self._step(state, ends[0], ends[1], Fraction(0), Fraction(1),
                                  Fraction(t), None)
        return made[1].cropped(state.height, state.width)

    @staticmethod
    def _input_ends(state: RifePairState) -> dict[Fraction, tuple[torch.Tensor, SourceMap]]:
        """The recursion's two ends: each input frame with its own SourceMap."""
        return {Fraction(0): (state.img0, SourceMap.of_input(0, state.img0)),
                Fraction(1): (state.img1, SourceMap.of_input(1, state.img1))}

    def _step(self, state: RifePairState, low_end, high_end, low: Fraction, high: Fraction,
              time: Fraction, motion: MotionField | None):
        """One pass of the recursion: the frame at `time` from the frames made at `low` and
        `high` (each end: (frame, its SourceMap)), and the frame's SourceMap (None unless
        resample_once, whose frame is rendered from the inputs along it)."""
        prior = self._prior(state, float(low), float(high), float(time), motion)
        outputs = self._network(low_end[0], high_end[0], float((time - low) / (high - low)),
                                *self._end_features(state, low, high), prior,
                                self._sources(state, low, high), with_weight=self.resample_once)
        if not self.resample_once:
            return outputs[0], None
        source_map = compose(low_end[1], high_end[1], outputs[1], outputs[2])
        return source_map.render(state.img0, state.img1), source_map

    @staticmethod
    def _end_features(state: RifePairState, low: Fraction, high: Fraction):
        """The input frames' cached features where an interval ends at them (None: computed)."""
        return (state.feat0 if low == 0 else None), (state.feat1 if high == 1 else None)

    @staticmethod
    def _sources(state: RifePairState, low: Fraction, high: Fraction) -> NhwcSources | None:
        """The pair's pyramid sources for the whole interval (None: made from the ends)."""
        return state.sources if (low, high) == (0, 1) else None

    def _prior(self, state: RifePairState, time0: float, time1: float, t: float,
               motion: MotionField | None) -> FlowPrior | None:
        if motion is None:
            return None
        hint = motion.prior(time0, time1, t, state.height, state.width)
        if hint is None:
            return None
        flow_t_to_0, flow_t_to_1, weight = hint
        flow = np.concatenate([flow_t_to_0, flow_t_to_1], axis=2)
        flow = pad_to_multiple(torch.from_numpy(flow).permute(2, 0, 1)[None].float(),
                               self.pad_multiple)
        weight = pad_to_multiple(torch.from_numpy(weight)[None, None].float(), self.pad_multiple)
        # v4: the last block refines from the prior. v3's last (full-resolution) block undoes
        # large prior motions (a dragged object vanished in tests), so v3 follows it after
        # every block; the edge-aware weight keeps that to the content the track carries.
        blocks = len(self.version.config.widths)
        return FlowPrior(flow=flow, weight=weight,
                         blocks=blocks if self.version.config.block_kind == "v3" else blocks - 1,
                         tolerance=float(getattr(motion, "tolerance", 0.0)))


for _version in VERSIONS.values():
    register(EngineInfo(name=_version.name, summary=_version.summary,
                        weights_ids=(_version.weights_id,),
                        arbitrary_t=_version.config.timestep_input,
                        factory=functools.partial(RifeEngine, _version)))
