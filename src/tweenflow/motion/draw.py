"""Drawing tracks over frames (as in Framer's figures): the path, and the point at time t."""
from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from tweenflow.motion.paths import position, sample_path
from tweenflow.motion.tracks import Track
from tweenflow.samples import full_scale

USER_COLOUR = (255, 64, 64)        # RGB: tracks the user gave
AUTOPILOT_COLOUR = (64, 200, 255)  # RGB: tracks autopilot found


def draw_tracks(frame: np.ndarray, tracks: Sequence[Track], t: float,
                colour: tuple[int, int, int] = USER_COLOUR) -> np.ndarray:
    """A copy of `frame` (uint8 or uint16 (H, W, 3) RGB or (H, W, 4) RGBA, or float32 in 0-1)
    with each track's path drawn as a line, its control points as small rings and its position
    at time t as a filled dot; `colour` is 8-bit RGB, drawn opaque."""
    canvas = np.ascontiguousarray(frame.copy())
    colour, white = _in_samples(colour, frame), _in_samples((255, 255, 255), frame)
    shift = 4    # sub-pixel drawing: coordinates in 1/16 pixel
    scale = 1 << shift
    thickness = max(1, round(max(frame.shape[:2]) / 400))
    for track in tracks:
        path = np.round(sample_path(track, 64) * scale).astype(np.int32)
        cv2.polylines(canvas, [path.reshape(-1, 1, 2)], False, colour, thickness, cv2.LINE_AA,
                      shift)
        for _, x, y in track.points:
            cv2.circle(canvas, (round(x * scale), round(y * scale)), 3 * thickness * scale,
                       colour, thickness, cv2.LINE_AA, shift)
        x, y = position(track, t)
        cv2.circle(canvas, (round(x * scale), round(y * scale)), 4 * thickness * scale,
                   white, -1, cv2.LINE_AA, shift)
        cv2.circle(canvas, (round(x * scale), round(y * scale)), 3 * thickness * scale,
                   colour, -1, cv2.LINE_AA, shift)
    return canvas


def _in_samples(colour: tuple[int, int, int], frame: np.ndarray) -> tuple[float, ...]:
    """An 8-bit RGB colour in the frame's sample range, with opaque alpha on RGBA."""
    peak = full_scale(frame.dtype)
    scaled = tuple(value / 255 * peak for value in colour)
    return scaled + (peak,) if frame.shape[2] == 4 else scaled
