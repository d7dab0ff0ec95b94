"""How far apart two frames are: a quick measure of their motion, for choosing a strategy.

Flow-based interpolation degrades with the size of the motion, and the large-motion
strategies (recursion, fusion) cost more, so engines look at this number before choosing.
"""
from __future__ import annotations

import cv2
import numpy as np

from tweenflow.engines.dis import dis_flow
from tweenflow.samples import as_uint8_rgb

# The frames are measured at most this many pixels on their long side (a few ms per pair).
MEASURE_LONG_SIDE = 320
# Pixels of motion (95th percentile, input pixels) from which a pair counts as large motion:
# from here on the large-motion strategies win clearly (BENCHMARKS.md, "Large motion").
LARGE_MOTION_PIXELS = 16.0
# What the default engine (auto) may send such pairs to (engines/auto.py).
LARGE_MOTION_ENGINES = ("fusion", "placement")


def motion_size(frame0: np.ndarray, frame1: np.ndarray, percentile: float = 95.0) -> float:
    """The `percentile` of per-pixel motion between two (H, W, 3) RGB frames, in input
    pixels: OpenCV DIS flow (preset medium) from frame0 to frame1 at <= MEASURE_LONG_SIDE px.

    A rough size, not an accurate flow: large motion is underestimated where DIS loses it,
    so thresholds on it are set from measured outcomes, not from geometry.
    """
    frame0, frame1 = as_uint8_rgb(frame0), as_uint8_rgb(frame1)
    height, width = frame0.shape[:2]
    factor = min(1.0, MEASURE_LONG_SIDE / max(height, width))
    size = (max(8, round(width * factor)), max(8, round(height * factor)))
    gray0, gray1 = (cv2.resize(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), size,
                               interpolation=cv2.INTER_AREA) for frame in (frame0, frame1))
    flow = dis_flow(cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM), gray0, gray1)
    magnitude = np.hypot(flow[..., 0], flow[..., 1]) * (width / size[0])
    return float(np.percentile(magnitude, percentile))
