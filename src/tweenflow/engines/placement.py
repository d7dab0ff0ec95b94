"""Placement: large motion with fusion's accuracy and one network's sharpness (issue 18).

The mean of several engines' frames (fusion.py) scores well on PSNR but, where members place a
fast moving detail differently, shows it as soft double exposures. This engine keeps the
members' consensus only in the coarse band and places the fine detail from ONE sharp member
per region instead of averaging it:

1. members: rife4 as it is and on the mirrored pair (the sharp members, each placing its own
   single copy of a moving detail), plus the classical engine as it is and mirrored (cheap;
   they only vote in the consensus);
2. consensus: the outlier-robust per-pixel mean of all members (fusion.robust_mean);
3. choice: per pixel, how far each sharp member is from the consensus, smoothed over a
   Gaussian window (a smoothness prior: regions, not single pixels, change member); the
   nearest member wins, with soft seams where two are about equally near;
4. output: the consensus's coarse band (Gaussian low-pass) plus the chosen members' fine band
   (the frame minus its own low-pass). Fine detail is only ever a member's, at the place that
   member moved it to: nothing is sharpened or added.

Where the sharp members agree, the choice does not matter and the output is their frame up to
the coarse band. Cost: two rife4 runs and two classical runs, about 2.3x rife4 alone.
Measured (BENCHMARKS.md, "Sharpness at large motion"): much sharper than fusion at large
motion, but below it on PSNR and edge agreement, so `auto` uses it only when asked
(`large_motion="placement"`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import cv2
import numpy as np

from tweenflow.engines.augment import MIRROR, AugmentedEngine
from tweenflow.engines.base import Engine, EngineInfo, MotionField, Runtime, register
from tweenflow.engines.fusion import member_engines, robust_mean
from tweenflow.samples import from_float, full_scale

# Sizes in pixels up to a REFERENCE_LONG_SIDE frame; larger frames scale them (the same content
# covers more pixels there). Chosen on half of the multi_gap clips (BENCHMARKS.md).
REFERENCE_LONG_SIDE = 640
CHOICE_SIGMA = 8.0       # Gaussian window over which a member's distance to consensus counts
COARSE_SIGMA = 2.0       # the coarse band: Gaussian low-pass with this sigma
# Softness of the choice: a member this many levels (summed over RGB, after smoothing)
# farther from the consensus than the nearest one gets e^-1 of its weight.
CHOICE_LEVELS = 0.5
TIMES_PER_CHUNK = 4      # render_many makes this many t at a time (bounds memory)


@dataclass
class PlacementState:
    sharp_states: list[Any]
    voter_states: list[Any]


class PlacementEngine(Engine):
    """Coarse band from all members' consensus, fine band chosen per region from one of the
    `sharp` members (see `place`); RGB in and out, in the inputs' sample type."""

    name = "placement"

    def __init__(self, sharp: Sequence[Engine], voters: Sequence[Engine] = ()) -> None:
        if not sharp:
            raise ValueError("placement needs at least one sharp member")
        self.sharp = list(sharp)
        self.voters = list(voters)

    @property
    def carries_alpha(self) -> bool:
        return all(member.carries_alpha for member in self.sharp + self.voters)

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> PlacementState:
        return PlacementState([member.prepare(frame0, frame1) for member in self.sharp],
                              [member.prepare(frame0, frame1) for member in self.voters])

    def render(self, state: PlacementState, t: float,
               motion: MotionField | None = None) -> np.ndarray:
        return self.render_many(state, [t], motion)[0]

    def render_many(self, state: PlacementState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        frames = []
        for start in range(0, len(times), TIMES_PER_CHUNK):
            chunk = times[start:start + TIMES_PER_CHUNK]
            sharp = [member.render_many(member_state, chunk, motion)
                     for member, member_state in zip(self.sharp, state.sharp_states)]
            voters = [member.render_many(member_state, chunk, motion)
                      for member, member_state in zip(self.voters, state.voter_states)]
            for i in range(len(chunk)):
                sharp_frames = [member_frames[i] for member_frames in sharp]
                frames.append(place(sharp_frames, sharp_frames
                                    + [member_frames[i] for member_frames in voters]))
        return frames


def _sizes(shape: tuple[int, ...]) -> tuple[float, float]:
    """(choice sigma, coarse sigma) in pixels for a frame of this shape."""
    factor = max(1.0, max(shape[:2]) / REFERENCE_LONG_SIDE)
    return CHOICE_SIGMA * factor, COARSE_SIGMA * factor


def choice_weights(sharp_frames: Sequence[np.ndarray], consensus: np.ndarray,
                   choice_sigma: float) -> np.ndarray:
    """float32 (members, H, W) weights summing to 1 per pixel: near 1 for the sharp member
    nearest to `consensus` (float32 (H, W, C), C = 3 or 4: judged on the RGB) over a Gaussian
    window of `choice_sigma`."""
    rgb_sum = np.zeros((1, consensus.shape[2]), np.float32)
    rgb_sum[0, :3] = 1
    distances = [cv2.GaussianBlur(cv2.transform(cv2.absdiff(frame.astype(np.float32), consensus),
                                                rgb_sum), (0, 0), choice_sigma)
                 for frame in sharp_frames]
    nearest = np.minimum.reduce(distances)
    weights = np.stack([cv2.exp((nearest - distance) * (1.0 / CHOICE_LEVELS))
                        for distance in distances])
    weights /= weights.sum(axis=0)
    return weights


def place(sharp_frames: Sequence[np.ndarray], all_frames: Sequence[np.ndarray]) -> np.ndarray:
    """One frame from members' (H, W, C) frames (any sample type, kept; C = 3, or 4 for
    premultiplied RGBA, chosen by its RGB): the coarse band of the robust mean of
    `all_frames`, the fine band of the `sharp_frames` chosen per region (choice_weights)."""
    dtype = sharp_frames[0].dtype
    if dtype != np.uint8:    # CHOICE_LEVELS and the outlier test are in 0-255 levels
        levels = np.float32(255.0 / full_scale(dtype))
        sharp_frames = [frame.astype(np.float32) * levels for frame in sharp_frames]
        all_frames = [frame.astype(np.float32) * levels for frame in all_frames]
    consensus = robust_mean(all_frames, full=255.0)
    choice_sigma, coarse_sigma = _sizes(consensus.shape)
    weights = choice_weights(sharp_frames, consensus, choice_sigma)
    chosen = np.zeros_like(consensus)
    for weight, frame in zip(weights, sharp_frames):
        chosen += cv2.merge([weight] * consensus.shape[2]) * frame.astype(np.float32)
    low_pass = lambda image: cv2.GaussianBlur(image, (0, 0), coarse_sigma)  # noqa: E731
    out = low_pass(consensus) + (chosen - low_pass(chosen))
    if dtype != np.uint8:
        return from_float(out, dtype, 255.0)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def build_placement(scale: float = 1.0, runtime: Runtime | None = None) -> PlacementEngine:
    rife4, classical = member_engines(scale, runtime, names=("rife4", "classical"))
    return PlacementEngine(sharp=[rife4, AugmentedEngine(rife4, MIRROR)],
                           voters=[classical, AugmentedEngine(classical, MIRROR)])


register(EngineInfo(name="placement",
                    summary="large motion: fusion's consensus in the coarse band, fine detail "
                            "from one rife4 run (as is or mirrored) per region; about 2.3x rife4",
                    weights_ids=("rife-4.25",), arbitrary_t=True, factory=build_placement))
