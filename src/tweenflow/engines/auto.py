"""The default engine: rife4 for ordinary motion, fusion where the two frames are far apart.

Per pair, `motion_size` measures the motion (a few milliseconds). Below LARGE_MOTION_PIXELS
the pair goes to rife4, the fastest network; from there on to fusion (rife4, rife3 and
classical, each also mirrored), which costs 6-9x as much (8.4x at g = 16) but gains most
where single engines fail visibly. Fusion scores higher at every motion size on our test sets; the switch
spends its cost where single engines fail visibly (BENCHMARKS.md, "Large motion"); `fusion`
and `rife4` are there to choose either always. `large_motion="placement"` sends far-apart pairs
to the placement engine instead (sharp, about 2.3x rife4, but 0.25 dB below fusion at g = 16;
BENCHMARKS.md, "Sharpness at large motion").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tweenflow.engines.base import Engine, EngineInfo, MotionField, Runtime, register
from tweenflow.engines.fusion import fusion_of, member_engines
from tweenflow.engines.motion_size import (LARGE_MOTION_ENGINES, LARGE_MOTION_PIXELS,
                                           motion_size)
from tweenflow.engines.placement import build_placement
from tweenflow.errors import EngineError


@dataclass
class AutoState:
    large_motion: bool
    motion_pixels: float
    inner: Any           # the chosen engine's pair state


class AutoEngine(Engine):
    name = "auto"

    def __init__(self, small_motion: Engine, large_motion: Engine,
                 threshold_pixels: float = LARGE_MOTION_PIXELS) -> None:
        self.small_motion = small_motion
        self.large_motion = large_motion
        self.threshold_pixels = threshold_pixels

    @property
    def carries_alpha(self) -> bool:
        return self.small_motion.carries_alpha and self.large_motion.carries_alpha

    def _engine(self, large_motion: bool) -> Engine:
        return self.large_motion if large_motion else self.small_motion

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> AutoState:
        pixels = motion_size(frame0, frame1)
        large = pixels >= self.threshold_pixels
        return AutoState(large, pixels, self._engine(large).prepare(frame0, frame1))

    def render(self, state: AutoState, t: float, motion: MotionField | None = None) -> np.ndarray:
        return self._engine(state.large_motion).render(state.inner, t, motion)

    def render_many(self, state: AutoState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        return self._engine(state.large_motion).render_many(state.inner, times, motion)


def build_auto(scale: float = 1.0, runtime: Runtime | None = None,
               large_motion: str = "fusion") -> AutoEngine:
    """rife4 below LARGE_MOTION_PIXELS; `large_motion` ("fusion" or "placement") from there."""
    if large_motion not in LARGE_MOTION_ENGINES:
        raise EngineError(f"unknown large-motion engine {large_motion!r}; use one of "
                          f"{', '.join(LARGE_MOTION_ENGINES)}")
    if large_motion == "placement":
        placement = build_placement(scale, runtime)
        rife4, far = placement.sharp[0], placement       # the same model serves small motion
    else:
        members = member_engines(scale, runtime)      # rife4 first: it also serves small motion
        rife4, far = members[0], fusion_of(members)
    # Below the threshold rife4's own recursion="auto" would not recurse either (the same
    # measure on the same frames); "never" just skips measuring the pair a second time.
    return AutoEngine(small_motion=rife4.with_recursion("never"), large_motion=far)


register(EngineInfo(name="auto",
                    summary=f"the default: rife4, or fusion where the frames are far apart "
                            f"(motion >= {LARGE_MOTION_PIXELS:g} px)",
                    weights_ids=("rife-4.25", "rife-3.6-hd"), arbitrary_t=True,
                    factory=build_auto))
