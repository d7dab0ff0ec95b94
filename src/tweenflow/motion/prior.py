"""Tracks as a dense motion prior: the `MotionField` every engine accepts.

For a track with path p(s), the frame at time t shows the content of p(time0) (in the frame at
time0) and of p(time1) (in the frame at time1) at p(t). Near p(t) the intermediate flows are
therefore flow_t_to_0 = p(time0) - p(t) and flow_t_to_1 = p(time1) - p(t): a translation that
carries the content along. The weight is the track's strength inside its radius around p(t)
and falls off smoothly (Gaussian, sigma = radius / 2) outside it, so the surroundings follow
smoothly and the engine's own motion takes over further out. Several tracks blend by weight.
Given the two input frames, the weight is also edge-aware: it is kept only where the tracks'
motion makes the two frames agree (see `TrackField.agreement`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from tweenflow.engines.classical import warp_backward
from tweenflow.motion.paths import position
from tweenflow.motion.tracks import Track

# The tail is cut where the Gaussian falls below ~1 %.
TAIL_SIGMAS = 3.0
# Edge-aware weights: colour difference (0-255 levels, mean over RGB) at which agreement is
# exp(-1/2), the blur (pixels) that keeps single noisy pixels from deciding, and the fraction of
# the radius around p(t) that follows the track whatever the colours say.
AGREEMENT_SIGMA = 12.0
AGREEMENT_BLUR = 2.0
CORE_FRACTION = 0.25


def falloff(distance: np.ndarray, radius: float) -> np.ndarray:
    """1 inside `radius`, then a Gaussian tail (sigma = radius / 2), 0 beyond 2.5 radii."""
    sigma = max(radius / 2, np.finfo(np.float64).tiny)   # the smallest radius halves to 0
    beyond = np.maximum(distance - radius, 0.0) / sigma
    weight = np.exp(-0.5 * beyond * beyond)
    weight[beyond > TAIL_SIGMAS] = 0.0
    return weight


@dataclass
class TrackField:
    """A MotionField made of tracks (see tweenflow.engines.base.MotionField)."""

    tracks: Sequence[Track]
    frame0: np.ndarray | None = None   # uint8 (H, W, 3): with both frames the falloff is
    frame1: np.ndarray | None = None   # edge-aware (photometric agreement, see below)
    tolerance: float = 0.0   # pixels the engines' own flow may differ before being pulled

    def prior(self, time0: float, time1: float, t: float, height: int, width: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(flow_t_to_0, flow_t_to_1, weight): (H, W, 2), (H, W, 2), (H, W) float32; None if
        no track reaches into the image."""
        # Offsets from p(t) to p(time0), p(time1) and, for the agreement check, p(0), p(1).
        times = np.array([time0, time1, 0.0, 1.0])
        weighted = np.zeros((4, height, width, 2), np.float64)
        weight_sum = np.zeros((height, width), np.float64)
        keep = np.ones((height, width), np.float64)   # prod(1 - w_i): what no track claims
        core = np.zeros((height, width), bool)
        touched = False
        for track in self.tracks:
            at_t = position(track, t)
            offsets = position(track, times) - at_t
            reach = track.radius * (1 + TAIL_SIGMAS / 2)   # inf for a radius near 1e308
            x_lo = int(np.clip(np.floor(at_t[0] - reach), 0, width))
            x_hi = int(np.clip(np.ceil(at_t[0] + reach) + 1, 0, width))
            y_lo = int(np.clip(np.floor(at_t[1] - reach), 0, height))
            y_hi = int(np.clip(np.ceil(at_t[1] + reach) + 1, 0, height))
            if x_lo >= x_hi or y_lo >= y_hi:
                continue
            touched = True
            ys, xs = np.mgrid[y_lo:y_hi, x_lo:x_hi]
            distance = np.hypot(xs - at_t[0], ys - at_t[1])
            weight = track.strength * falloff(distance, track.radius)
            window = (slice(y_lo, y_hi), slice(x_lo, x_hi))
            weighted[(slice(None),) + window] += weight[None, ..., None] * offsets[:, None, None]
            weight_sum[window] += weight
            keep[window] *= 1 - weight
            core[window] |= distance <= CORE_FRACTION * track.radius
        if not touched:
            return None
        flows = (weighted / np.maximum(weight_sum, 1e-12)[None, ..., None]).astype(np.float32)
        weight = (1 - keep).astype(np.float32)
        if self.frame0 is not None and self.frame1 is not None:
            weight *= np.maximum(self.agreement(flows[2], flows[3]), core)
        return flows[0], flows[1], weight

    def agreement(self, flow_t_to_0: np.ndarray, flow_t_to_1: np.ndarray) -> np.ndarray:
        """(H, W) float32 in [0, 1]: how well the tracks' motion explains the input frames.

        The content a track carries looks the same in frame 0 at x + (p(0) - p(t)) and in
        frame 1 at x + (p(1) - p(t)); surroundings that do not move with it do not. So the
        weight follows the object's edges rather than a circle (an edge-aware falloff that
        needs no segmentation). Inside each track's core the track counts regardless.
        """
        warped0 = warp_backward(self.frame0.astype(np.float32), flow_t_to_0)
        warped1 = warp_backward(self.frame1.astype(np.float32), flow_t_to_1)
        difference = np.abs(warped0 - warped1).mean(axis=2)
        difference = cv2.GaussianBlur(difference, (0, 0), AGREEMENT_BLUR)
        return np.exp(-0.5 * (difference / AGREEMENT_SIGMA) ** 2).astype(np.float32)
