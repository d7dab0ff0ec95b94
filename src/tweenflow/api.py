"""The Python API: in-between frames for two images."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from tweenflow.engines.base import Engine, MotionField, Runtime, create_engine
from tweenflow.errors import InputError
from tweenflow.motion import TrackField, parse_tracks
from tweenflow.motion.autopilot import AutopilotConfig, autopilot_tracks, drop_overlapping


def check_frame(frame: np.ndarray, name: str) -> None:
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.ndim != 3 \
            or frame.shape[2] != 3:
        described = (f"{frame.dtype} array of shape {frame.shape}"
                     if isinstance(frame, np.ndarray) else type(frame).__name__)
        raise InputError(f"{name} must be a uint8 array of shape (H, W, 3) in RGB order, "
                         f"got {described}")
    if frame.shape[0] < 8 or frame.shape[1] < 8:
        raise InputError(f"{name} is {frame.shape[1]}x{frame.shape[0]}; at least 8x8 is needed")


def check_pair(frame0: np.ndarray, frame1: np.ndarray, names=("frame0", "frame1")) -> None:
    check_frame(frame0, names[0])
    check_frame(frame1, names[1])
    if frame0.shape != frame1.shape:
        raise InputError(f"{names[1]} is {frame1.shape[1]}x{frame1.shape[0]} but {names[0]} is "
                         f"{frame0.shape[1]}x{frame0.shape[0]}; both inputs must have the same size")


def check_times(times: Iterable[float]) -> list[float]:
    checked = []
    for t in times:
        try:
            value = float(t)
        except (TypeError, ValueError):
            raise InputError(f"time {t!r} is not a number") from None
        if not 0.0 <= value <= 1.0:  # also rejects NaN
            raise InputError(f"time {t} is outside [0, 1]; 0 is the first frame, 1 the second")
        checked.append(value)
    return checked


def evenly_spaced_times(count: int) -> list[float]:
    """The times of `count` evenly spaced in-betweens: k / (count + 1), k = 1 .. count."""
    if count < 1:
        raise InputError(f"-n must be at least 1, got {count}")
    return [k / (count + 1) for k in range(1, count + 1)]


def render_times(engine: Engine, frame0: np.ndarray, frame1: np.ndarray,
                 times: Sequence[float], motion: MotionField | None = None):
    """Yield the frame for each time; the pair is prepared once. t = 0 and 1 give the inputs."""
    inner = [t for t in times if 0.0 < t < 1.0]
    rendered = {}
    if inner:
        state = engine.prepare(frame0, frame1)
        rendered = dict(zip(inner, engine.render_many(state, inner, motion)))
    for t in times:
        yield frame0.copy() if t == 0.0 else frame1.copy() if t == 1.0 else rendered[t]


def interpolate(frame0: np.ndarray, frame1: np.ndarray, times: float | Sequence[float] = 0.5,
                engine: str | Engine = "auto", *, scale: float = 1.0,
                motion: MotionField | None = None,
                runtime: Runtime | None = None, tracks: Any = None,
                autopilot: bool = False) -> list[np.ndarray]:
    """In-between frames of two images.

    frame0, frame1: uint8 (H, W, 3) RGB, same size (any size: engines pad and crop back).
    times: one t or a sequence, each in [0, 1]; t = 0 returns frame0, t = 1 frame1 (copies).
    engine: a name (`auto`, the default: rife4, or fusion for large motion; `rife4`, `rife3`,
        `classical`, `fusion`) or an engine from `create_engine`.
    scale: flow resolution factor for large inputs (e.g. 0.5 for 4K), used with an engine name.
    tracks: motion control, a list of `tweenflow.motion.Track`s or track dicts, or a parsed
        tracks file ({"tracks": [...]}, see tweenflow.motion.tracks); points in input pixels.
    autopilot: also match keypoints between the frames and steer large motion along them.
    motion: any other MotionField (not together with tracks or autopilot).
    Returns one uint8 (H, W, 3) RGB frame per time, in the order given.
    """
    check_pair(frame0, frame1)
    times = check_times([times] if np.isscalar(times) else times)
    if motion is not None and (tracks is not None or autopilot):
        raise InputError("give either motion= or tracks=/autopilot=, not both")
    if motion is None:
        motion = motion_field(frame0, frame1, tracks, autopilot)
    if isinstance(engine, str):
        engine = create_engine(engine, scale=scale, runtime=runtime)
    return list(render_times(engine, frame0, frame1, times, motion))


def motion_field(frame0: np.ndarray, frame1: np.ndarray, tracks: Any = None,
                 autopilot: bool = False) -> TrackField | None:
    """The MotionField for user tracks (validated against the frame size) plus, with autopilot,
    keypoint tracks matched between the frames; None when there is nothing to steer."""
    height, width = frame0.shape[:2]
    user_tracks = [] if tracks is None else parse_tracks(tracks, size=(width, height))
    all_tracks = list(user_tracks)
    if autopilot:
        all_tracks += drop_overlapping(autopilot_tracks(frame0, frame1), user_tracks)
    if not all_tracks:
        return None
    # Autopilot alone only corrects the engine where it is far off; user tracks are followed
    # exactly (and then so are autopilot's, which keep away from the user's).
    tolerance = AutopilotConfig().tolerance if autopilot and not user_tracks else 0.0
    return TrackField(all_tracks, frame0, frame1, tolerance=tolerance)
