"""Test-time augmentation: an engine run on mirrored or time-reversed inputs, undone after.

A network's errors depend on the orientation it sees (it was trained on flipped data, but it
is not exactly equivariant), so the same pair mirrored gives a different, equally plausible
answer; averaging such answers (see fusion.py) cancels part of the errors. Time reversal
(frame1 -> frame0 at 1 - t) does the same for models that are not symmetric in time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tweenflow.engines.base import Engine, MotionField


@dataclass(frozen=True)
class Augmentation:
    mirror: bool = False     # left-right flip of both frames
    reverse: bool = False    # swap the frames and render at 1 - t

    @property
    def name(self) -> str:
        parts = [name for name, on in (("mirror", self.mirror), ("reverse", self.reverse)) if on]
        return "+".join(parts) or "identity"


IDENTITY = Augmentation()
MIRROR = Augmentation(mirror=True)
REVERSE = Augmentation(reverse=True)


def _mirror_frame(frame: np.ndarray) -> np.ndarray:
    # a copy, not ascontiguousarray: a one-pixel-wide view counts as contiguous to NumPy and
    # would keep its negative stride, which torch.from_numpy refuses
    return frame[:, ::-1].copy()


@dataclass
class MirroredMotion:
    """A MotionField seen in the left-right mirrored image: arrays flipped, dx negated."""

    inner: MotionField

    @property
    def tolerance(self) -> float:
        return float(getattr(self.inner, "tolerance", 0.0))

    def prior(self, time0: float, time1: float, t: float, height: int, width: int):
        hint = self.inner.prior(time0, time1, t, height, width)
        if hint is None:
            return None
        flow_t_to_0, flow_t_to_1, weight = hint
        flip = np.array([-1.0, 1.0], np.float32)
        return (np.ascontiguousarray(flow_t_to_0[:, ::-1] * flip),
                np.ascontiguousarray(flow_t_to_1[:, ::-1] * flip),
                np.ascontiguousarray(weight[:, ::-1]))


@dataclass
class ReversedMotion:
    """A MotionField on the reversed time line s = 1 - t: frames at s0 < s1 are the original
    frames at 1 - s1 < 1 - s0, so the two flows trade places."""

    inner: MotionField

    @property
    def tolerance(self) -> float:
        return float(getattr(self.inner, "tolerance", 0.0))

    def prior(self, time0: float, time1: float, t: float, height: int, width: int):
        hint = self.inner.prior(1.0 - time1, 1.0 - time0, 1.0 - t, height, width)
        if hint is None:
            return None
        flow_to_later, flow_to_earlier, weight = hint
        return flow_to_earlier, flow_to_later, weight


@dataclass
class AugmentedState:
    inner: Any


class AugmentedEngine(Engine):
    """`engine` run through one Augmentation; same protocol, same output orientation."""

    def __init__(self, engine: Engine, augmentation: Augmentation) -> None:
        self.engine = engine
        self.augmentation = augmentation
        self.name = f"{engine.name}[{augmentation.name}]"

    @property
    def carries_alpha(self) -> bool:
        return self.engine.carries_alpha

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> AugmentedState:
        if self.augmentation.mirror:
            frame0, frame1 = _mirror_frame(frame0), _mirror_frame(frame1)
        if self.augmentation.reverse:
            frame0, frame1 = frame1, frame0
        return AugmentedState(self.engine.prepare(frame0, frame1))

    def _motion(self, motion: MotionField | None) -> MotionField | None:
        if motion is None:
            return None
        if self.augmentation.mirror:
            motion = MirroredMotion(motion)
        if self.augmentation.reverse:
            motion = ReversedMotion(motion)
        return motion

    def _times(self, times: list[float]) -> list[float]:
        return [1.0 - t for t in times] if self.augmentation.reverse else list(times)

    def _undo(self, frame: np.ndarray) -> np.ndarray:
        return _mirror_frame(frame) if self.augmentation.mirror else frame

    def render(self, state: AugmentedState, t: float,
               motion: MotionField | None = None) -> np.ndarray:
        (time,) = self._times([t])
        return self._undo(self.engine.render(state.inner, time, self._motion(motion)))

    def render_many(self, state: AugmentedState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        frames = self.engine.render_many(state.inner, self._times(times), self._motion(motion))
        return [self._undo(frame) for frame in frames]
