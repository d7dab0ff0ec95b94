"""Paths through a track's control points: where its content is at any time t.

Smooth tracks use a cubic Hermite spline with Catmull-Rom tangents on the (non-uniform) control
times, so the path passes every control point at its own time. With three points the ends use
the parabola through all three (its tangent), so (0, A), (0.5, C), (1, B) gives exactly that
parabola; with two points the path is the straight line. `linear` tracks are piecewise linear.
Easing reshapes the timing inside each segment (between consecutive control points) and leaves
the control points where they are in time.
"""
from __future__ import annotations

import numpy as np

from tweenflow.motion.tracks import Track


def ease(u: np.ndarray, easing: str) -> np.ndarray:
    """Timing curve on [0, 1] -> [0, 1] with ease(0) = 0 and ease(1) = 1."""
    if easing == "linear":
        return u
    if easing == "ease-in":
        return u * u
    if easing == "ease-out":
        return 1 - (1 - u) * (1 - u)
    if easing == "ease-in-out":
        return u * u * (3 - 2 * u)
    raise ValueError(f"unknown easing {easing!r}")


def _tangents(times: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Catmull-Rom velocities (pixels per unit time) at each control point, (N, 2)."""
    count = len(times)
    if count == 2:
        velocity = (positions[1] - positions[0]) / (times[1] - times[0])
        return np.stack([velocity, velocity])
    tangents = np.empty_like(positions)
    tangents[1:-1] = (positions[2:] - positions[:-2]) / (times[2:] - times[:-2])[:, None]
    # End tangents of the parabola through the first (last) three points.
    tangents[0] = 2 * (positions[1] - positions[0]) / (times[1] - times[0]) - tangents[1]
    tangents[-1] = 2 * (positions[-1] - positions[-2]) / (times[-1] - times[-2]) - tangents[-2]
    return tangents


def position(track: Track, times: float | np.ndarray) -> np.ndarray:
    """Where the track's content is at each time: (..., 2) float64 (x, y), times clipped to [0, 1]."""
    times_array = np.clip(np.asarray(times, dtype=np.float64), 0.0, 1.0)
    flat = times_array.reshape(-1)
    knots = np.array([p[0] for p in track.points])
    control = np.array([[p[1], p[2]] for p in track.points])
    segment = np.clip(np.searchsorted(knots, flat, side="right") - 1, 0, len(knots) - 2)
    start, end = knots[segment], knots[segment + 1]
    span = end - start
    u = ease((flat - start) / span, track.easing)[:, None]
    p0, p1 = control[segment], control[segment + 1]
    if track.linear:
        result = p0 + u * (p1 - p0)
    else:
        tangents = _tangents(knots, control)
        m0, m1 = tangents[segment] * span[:, None], tangents[segment + 1] * span[:, None]
        u2, u3 = u * u, u * u * u
        result = ((2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * m0
                  + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * m1)
    return result.reshape(times_array.shape + (2,))


def sample_path(track: Track, count: int = 64) -> np.ndarray:
    """`count` points along the whole path (t = 0 .. 1 evenly), (count, 2) float64."""
    return position(track, np.linspace(0.0, 1.0, count))
