"""Fusion: the mean of several engines' frames, each also run on the mirrored pair.

Where the members agree (most of a frame) the mean is their common answer. Where they
disagree, each is wrong in its own way (different flows, different training, different
orientation), and the mean is the better guess: it scores higher against the true frame than
any member (BENCHMARKS.md, "Large motion"), at the price of softness or faint doubles of fast
moving details where members place them differently. It costs the members' time added up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np

from tweenflow.engines.augment import IDENTITY, MIRROR, Augmentation, AugmentedEngine
from tweenflow.engines.base import Engine, EngineInfo, MotionField, Runtime, create_engine, \
    register
from tweenflow.samples import from_float, full_scale

# The default members: every engine, as it is and mirrored.
MEMBER_ENGINES = ("rife4", "rife3", "classical")
MEMBER_AUGMENTATIONS = (IDENTITY, MIRROR)
# A member farther than this many times the typical member from the per-pixel median is left
# out of that frame; OUTLIER_FLOOR (levels, 0-255) keeps near-identical members all in.
OUTLIER_FACTOR = 2.5
OUTLIER_FLOOR = 1.0
# render_many makes this many t at a time (each member's frames for them are held at once).
TIMES_PER_CHUNK = 4


@dataclass
class FusionState:
    member_states: list[Any]


class FusionEngine(Engine):
    """The per-pixel mean of `members`' frames, outliers left out (see `fuse`); RGB (or
    premultiplied RGBA, when every member carries alpha) in and out, in the inputs' sample
    type."""

    name = "fusion"

    def __init__(self, members: Sequence[Engine]) -> None:
        if not members:
            raise ValueError("fusion needs at least one member engine")
        self.members = list(members)

    @property
    def carries_alpha(self) -> bool:
        return all(member.carries_alpha for member in self.members)

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> FusionState:
        return FusionState([member.prepare(frame0, frame1) for member in self.members])

    def render(self, state: FusionState, t: float,
               motion: MotionField | None = None) -> np.ndarray:
        return self.render_many(state, [t], motion)[0]

    def render_many(self, state: FusionState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        frames = []
        for start in range(0, len(times), TIMES_PER_CHUNK):   # bounds memory for large -n
            chunk = times[start:start + TIMES_PER_CHUNK]
            rendered = [member.render_many(member_state, chunk, motion)
                        for member, member_state in zip(self.members, state.member_states)]
            frames += [fuse([member_frames[i] for member_frames in rendered])
                       for i in range(len(chunk))]
        return frames


def fuse(frames: Sequence[np.ndarray]) -> np.ndarray:
    """robust_mean of the members' (H, W, C) frames, in their sample type (rounded)."""
    mean = robust_mean(frames)
    if frames[0].dtype != np.uint8:
        return from_float(mean, frames[0].dtype, full_scale(frames[0].dtype))
    return np.clip(np.rint(mean), 0, 255).astype(np.uint8)


def robust_mean(frames: Sequence[np.ndarray], full: float | None = None) -> np.ndarray:
    """The float32 (H, W, C) mean of the members' (H, W, C) frames (uint8, uint16 or float32;
    the mean in their own scale), leaving out outliers. C = 3 (RGB) or 4 (premultiplied RGBA:
    outliers are judged on the RGB, the mean is of all four). full: the value of full
    intensity in these frames (default: their type's, see tweenflow.samples.full_scale).

    A member whose mean distance to the per-pixel median of the members is more than
    OUTLIER_FACTOR times the typical (median) member's has failed on this frame (e.g. a flow
    that lost a large motion the others follow) and would only add a ghost. Repeated among
    the members kept until none is left out (at least two stay). Same result as
    `robust_mean_reference`, faster (a min/max sorting network, OpenCV distances).
    """
    full = full_scale(frames[0].dtype) if full is None else full
    members = np.stack(frames)
    if full != 255.0:    # outlier distances in 0-255 levels whatever the sample type
        members = members.astype(np.float32) * np.float32(255.0 / full)
    keep = np.ones(len(frames), bool)
    while len(frames) > 2:
        median = _median(members[keep])
        distance = np.array([sum(cv2.mean(cv2.absdiff(member.astype(np.float32), median))[:3])
                             / 3 for member in members])
        threshold = max(OUTLIER_FACTOR * float(np.median(distance[keep])), OUTLIER_FLOOR)
        kept = keep & (distance <= threshold)
        if kept.sum() < 2 or np.array_equal(kept, keep):
            break
        keep = kept
    mean = members[keep].astype(np.float32).mean(axis=0)
    if full != 255.0:
        mean *= np.float32(full / 255.0)
    return mean


def _median(members: np.ndarray) -> np.ndarray:
    """np.median(members, axis=0) of (n, H, W, 3) members, as float32.

    Sorted by an odd-even transposition network of element-wise min/max (n passes over whole
    frames): much faster than sorting along the short member axis for the few members here.
    """
    ordered = list(members)
    for sweep in range(len(ordered)):
        for i in range(sweep % 2, len(ordered) - 1, 2):
            low = np.minimum(ordered[i], ordered[i + 1])
            ordered[i + 1] = np.maximum(ordered[i], ordered[i + 1])
            ordered[i] = low
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle].astype(np.float32)
    return (ordered[middle - 1].astype(np.float32) + ordered[middle]) / 2


def robust_mean_reference(frames: Sequence[np.ndarray], full: float | None = None
                          ) -> np.ndarray:
    """robust_mean written plainly in NumPy (the slow path the fast one is tested against)."""
    full = full_scale(frames[0].dtype) if full is None else full
    stack = np.stack(frames).astype(np.float32)
    if full != 255.0:
        stack *= np.float32(255.0 / full)
    keep = np.ones(len(frames), bool)
    while len(frames) > 2:
        median = np.median(stack[keep], axis=0)
        distance = np.abs(stack - median)[..., :3].mean(axis=(1, 2, 3))
        threshold = max(OUTLIER_FACTOR * float(np.median(distance[keep])), OUTLIER_FLOOR)
        kept = keep & (distance <= threshold)
        if kept.sum() < 2 or np.array_equal(kept, keep):
            break
        keep = kept
    mean = stack[keep].mean(axis=0)
    if full != 255.0:
        mean *= np.float32(full / 255.0)
    return mean


def fusion_of(engines: Sequence[Engine],
              augmentations: Sequence[Augmentation] = MEMBER_AUGMENTATIONS) -> FusionEngine:
    """Fusion of every engine under every augmentation (the engines' models are shared)."""
    return FusionEngine([engine if augmentation == IDENTITY
                         else AugmentedEngine(engine, augmentation)
                         for engine in engines for augmentation in augmentations])


def member_engines(scale: float = 1.0, runtime: Runtime | None = None,
                   names: Sequence[str] = MEMBER_ENGINES) -> list[Engine]:
    """The member engines by name; a scale the classical engine cannot take is clamped into
    its range [0.0625, 1]."""
    return [create_engine(name, runtime=runtime,
                          scale=min(max(scale, 0.0625), 1.0) if name == "classical" else scale)
            for name in names]


def build_fusion(scale: float = 1.0, runtime: Runtime | None = None) -> FusionEngine:
    return fusion_of(member_engines(scale, runtime))


register(EngineInfo(name="fusion",
                    summary="mean of rife4, rife3 and classical, each also mirrored: best PSNR, "
                            "6-9x the time of rife4",
                    weights_ids=("rife-4.25", "rife-3.6-hd"), arbitrary_t=True,
                    factory=build_fusion))
