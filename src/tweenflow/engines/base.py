"""The engine protocol and the engine registry.

An engine is pure: NumPy frames in, NumPy frames out; it never opens files, parses arguments or
prints. Work that depends only on the pair (features, flows) happens once in `prepare`; `render`
makes the frame at one time t from that state, so N in-betweens of a pair share the work.
"""
from __future__ import annotations

import inspect
import numbers
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, Callable, Protocol

import numpy as np

from tweenflow.engines.motion_size import LARGE_MOTION_ENGINES
from tweenflow.errors import EngineError, InputError


@dataclass(frozen=True)
class Runtime:
    """How engines run: CPU threads (None: torch's default) and numeric precision."""

    threads: int | None = None
    # "auto": bf16 matrix maths where the CPU does bf16 natively (AVX-512 BF16/AMX), else fp32.
    precision: str = "auto"   # "auto", "fp32" or "bf16" (engines that support it)
    # False: the plain eager fp32 path, kept as the reference the fast path is checked against.
    fast: bool = True
    # Tiling (tweenflow.engines.tiled): 0 = whole frames; else tiles of about this many pixels
    # a side, with tile_overlap pixels of context (None: tile // 8, at least 16).
    tile: int = 0
    tile_overlap: int | None = None
    # Check a fast path against the reference before first using it on a machine, and fall
    # back to a safe path if they disagree (tweenflow.selfcheck). Verdicts are cached.
    self_check: bool = True

    def __post_init__(self) -> None:
        # torch refused 0 or less deep inside the first engine made; 0 passed for "all"
        if self.threads is not None and (not isinstance(self.threads, numbers.Integral) or self.threads < 1):
            raise EngineError("{threads=}: give a whole number of threads, 1 or more (default: "
                              "all the CPUs)", {"threads": self.threads})
        if self.precision not in ("auto", "fp32", "bf16"):
            raise EngineError(f"unknown precision {self.precision!r}; use auto, fp32 or bf16")
        if not isinstance(self.tile, numbers.Integral):
            raise EngineError(f"tile must be a whole number of pixels (0: whole frames), got "
                              f"{self.tile!r}")


class MotionField(Protocol):
    """A source of motion hints (e.g. user tracks), independent of any engine.

    `prior(time0, time1, t, height, width)` describes the motion between the frames at absolute
    times time0 < time1 (0 and 1 for the input pair; sub-intervals during bisection) as seen from
    absolute time t in between. It returns (flow_t_to_0, flow_t_to_1, weight): two (H, W, 2)
    float32 flows in pixels and an (H, W) float32 weight in [0, 1] saying how strongly to follow
    them, or None where the field has nothing to say. A field may also have a `tolerance`
    attribute (pixels, default 0): engines then only pull their own flow towards the hint by
    the part of the disagreement beyond it (a hint for where they give up, not an override).
    """

    def prior(self, time0: float, time1: float, t: float, height: int, width: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None: ...


class Engine(ABC):
    """Two-frame in-betweening. Frames are (H, W, 3) RGB arrays, uint8 (0-255), uint16
    (0-65535) or float32 (0-1); outputs have the inputs' sample type.

    An engine whose `carries_alpha` is True also takes (H, W, 4) premultiplied RGBA frames: it
    estimates the motion from the RGB channels alone and moves the fourth channel by the same
    flows and blend weights as the colour, returning (H, W, 4); its RGB output is the one it
    gives for the RGB channels alone. (tweenflow.engines.alpha builds straight-alpha frames
    on this.)
    """

    name: str = ""
    carries_alpha: bool = False

    @abstractmethod
    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> Any:
        """Pair state: everything about (frame0, frame1) that does not depend on t."""

    @abstractmethod
    def render(self, state: Any, t: float, motion: MotionField | None = None) -> np.ndarray:
        """The frame at time t in (0, 1): the inputs' size, channels and sample type."""

    def render_many(self, state: Any, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        """Frames for several times of one pair; engines may batch them (same results)."""
        return [self.render(state, t, motion) for t in times]


class ProtocolCheck(Engine):
    """`engine`, with what its render and render_many return checked against the protocol
    (for each t, a frame of the inputs' shape and sample type): an EngineError naming the
    engine where its frames come back, not a traceback deep in what uses them (or a wrong
    frame handed on). api.render_times, convert_video (whole and segmented runs) and the
    studio run every engine through it."""

    def __init__(self, engine: Engine) -> None:
        # the API also takes an object with prepare/render/render_many that is no Engine
        self.engine = engine
        self.name = getattr(engine, "name", "") or type(engine).__name__
        self.carries_alpha = getattr(engine, "carries_alpha", False)

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> tuple[Any, np.ndarray]:
        return self.engine.prepare(frame0, frame1), frame0

    def render(self, state: tuple[Any, np.ndarray], t: float,
               motion: MotionField | None = None) -> np.ndarray:
        inner, like = state
        return self._checked("render", [self.engine.render(inner, t, motion)], [t], like)[0]

    def render_many(self, state: tuple[Any, np.ndarray], times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        inner, like = state
        return self._checked("render_many", self.engine.render_many(inner, times, motion),
                             times, like)

    def _checked(self, method: str, frames: Any, times: list[float],
                 like: np.ndarray) -> list[np.ndarray]:
        broke = f"engine {self.name!r} broke the engine protocol: {method} returned"
        if not isinstance(frames, (list, tuple)) or len(frames) != len(times):
            got = (f"{len(frames)} of {len(times)} frames" if isinstance(frames, (list, tuple))
                   else f"a {type(frames).__name__}")
            raise EngineError(f"{broke} {got}; it returns a list of one frame per time")
        for frame, t in zip(frames, times):
            if not isinstance(frame, np.ndarray) or frame.shape != like.shape \
                    or frame.dtype != like.dtype:
                got = (f"a {frame.dtype} array of shape {frame.shape}"
                       if isinstance(frame, np.ndarray)
                       else "None" if frame is None else f"a {type(frame).__name__}")
                raise EngineError(f"{broke} {got} for t={t:g}; it returns frames like its "
                                  f"inputs, {like.dtype} arrays of shape {like.shape}")
        return list(frames)


@dataclass(frozen=True)
class EngineInfo:
    name: str
    summary: str
    weights_ids: tuple[str, ...]  # weights registry ids it needs (empty: none)
    arbitrary_t: bool             # False: midpoints only, other t by recursive bisection
    factory: Callable[..., Engine]


_REGISTRY: dict[str, EngineInfo] = {}


def register(info: EngineInfo) -> None:
    _REGISTRY[info.name] = info


# How the built-in engines are listed (CLI, studio), whatever order their modules were
# imported in; other registered engines follow in registration order.
LISTING_ORDER = ("classical", "rife4", "rife3", "fusion", "placement", "auto")


def engine_names() -> list[str]:
    """Every engine's name in listing order without importing the built-in engines' modules
    (the CLI's choices: parsing and its errors need no torch)."""
    return [*LISTING_ORDER, *(name for name in _REGISTRY if name not in LISTING_ORDER)]


def engine_infos() -> list[EngineInfo]:
    _load_builtin_engines()
    return [_REGISTRY[name] for name in engine_names()]


def engine_info(name: str) -> EngineInfo:
    _load_builtin_engines()
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY))
        raise EngineError(f"unknown engine {name!r}; choose one of: {known}")
    return _REGISTRY[name]


def engine_options(name: str, flow_preset: str | None = None,
                   large_motion: str | None = None) -> dict[str, str]:
    """create_engine's extra options from `flow_preset` (classical only) and `large_motion`
    (auto only); None: not given. InputError for one given with another engine, or an
    unknown large-motion engine."""
    if flow_preset is not None and name != "classical":
        raise InputError(f"{{flow_preset}} applies to {{engine=}}, not {name}",
                         {"flow_preset": flow_preset, "engine": "classical"})
    if large_motion is not None and name != "auto":
        raise InputError(f"{{large_motion}} applies to {{engine=}}, not {name}",
                         {"large_motion": large_motion, "engine": "auto"})
    if large_motion is not None and large_motion not in LARGE_MOTION_ENGINES:
        raise InputError(f"unknown {{large_motion=}}; use {' or '.join(LARGE_MOTION_ENGINES)}",
                         {"large_motion": large_motion})
    options = {"preset": flow_preset, "large_motion": large_motion}
    return {key: value for key, value in options.items() if value is not None}


def create_engine(name: str, *, scale: float = 1.0, runtime: Runtime | None = None,
                  **options: Any) -> Engine:
    """A ready engine by name (loads weights, downloading them on first use); tiled when the
    runtime says so (the engine inside, and any engines it is made of, run whole tiles)."""
    runtime = runtime or Runtime()
    if not isinstance(scale, numbers.Real):
        raise EngineError(f"scale must be a number, got {scale!r}")
    check_options(name, options)
    if not runtime.tile:
        return engine_info(name).factory(scale=scale, runtime=runtime, **options)
    from tweenflow.engines.tiled import TiledEngine, checked_overlap  # tiled imports this module
    overlap = checked_overlap(runtime.tile, runtime.tile_overlap)   # before loading weights
    inner = engine_info(name).factory(scale=scale, runtime=replace(runtime, tile=0), **options)
    return TiledEngine(inner, runtime.tile, overlap)


def check_options(name: str, options: dict[str, Any]) -> None:
    """EngineError for an option the engine's factory does not take (it was a TypeError)."""
    parameters = inspect.signature(engine_info(name).factory).parameters
    if any(parameter.kind == parameter.VAR_KEYWORD for parameter in parameters.values()):
        return                           # a factory that takes anything checks for itself
    own = [key for key in parameters if key not in ("scale", "runtime")]
    for key in options:
        if key not in own:
            raise EngineError(f"{name} has no option {key!r}; its options: "
                              f"{', '.join(own) or 'none besides scale and runtime'}")


def _load_builtin_engines() -> None:
    # Imported here so that `tweenflow.engines.base` does not depend on torch at import time.
    from tweenflow.engines import classical, rife, fusion, auto  # noqa: F401,I001 (listing order)
