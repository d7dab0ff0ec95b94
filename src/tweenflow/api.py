"""The Python API: in-between frames for two images."""
from __future__ import annotations

import operator
from typing import Any, Iterable, Sequence

import numpy as np

from tweenflow.engines.alpha import AlphaEngine, checked
from tweenflow.engines.base import Engine, MotionField, Runtime, create_engine
from tweenflow.errors import EngineError, InputError
from tweenflow.samples import as_uint8_rgb, check_float_samples, check_frame, to_dtype
from tweenflow.motion import TrackField, parse_tracks
from tweenflow.motion.autopilot import AutopilotConfig, autopilot_tracks, drop_overlapping

# Times of one pair rendered together (and held in memory together) by render_times.
RENDER_CHUNK = 16


def check_pair(frame0: np.ndarray, frame1: np.ndarray, names=("frame0", "frame1")) -> None:
    check_frame(frame0, names[0])
    check_frame(frame1, names[1])
    if frame0.dtype != frame1.dtype:
        raise InputError(f"{names[1]} has {frame1.dtype} samples but {names[0]} has "
                         f"{frame0.dtype}; both inputs must have the same sample type")
    if frame0.shape[:2] == frame1.shape[:2] and frame0.shape != frame1.shape:
        channels0, channels1 = frame0.shape[2], frame1.shape[2]
        kinds = {3: "RGB", 4: "RGBA"}
        raise InputError(f"{names[1]} is {kinds[channels1]} ({channels1} channels) but "
                         f"{names[0]} is {kinds[channels0]} ({channels0}); both inputs must "
                         f"have the same channels")
    if frame0.shape != frame1.shape:
        raise InputError(f"{names[1]} is {frame1.shape[1]}x{frame1.shape[0]} but {names[0]} is "
                         f"{frame0.shape[1]}x{frame0.shape[0]}; both inputs must have the same size")
    for frame, name in zip((frame0, frame1), names):
        check_float_samples(frame, name)


def matched_pair(frame0: np.ndarray, frame1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two images as one sample format: 8-bit with 16-bit becomes 16-bit (exactly), RGB with
    RGBA becomes RGBA (opaque). Arrays that are not frames are returned unchanged."""
    frames = [frame0, frame1]
    if not all(isinstance(frame, np.ndarray) and frame.ndim == 3 for frame in frames):
        return frame0, frame1
    if {frame0.dtype, frame1.dtype} == {np.dtype(np.uint8), np.dtype(np.uint16)}:
        frames = [to_dtype(frame, np.uint16) for frame in frames]
    if sorted(frame.shape[2] for frame in frames) == [3, 4]:
        frames = [frame if frame.shape[2] == 4 else np.dstack(
            [frame, np.full(frame.shape[:2], np.iinfo(frame.dtype).max
                            if frame.dtype != np.float32 else 1.0, frame.dtype)])
                  for frame in frames]
    return frames[0], frames[1]


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
    try:
        count = operator.index(count)
    except TypeError:
        raise InputError(f"the number of in-betweens must be a whole number, got {count!r}") \
            from None
    if count < 1:
        raise InputError("{count=}: give at least 1 in-between", {"count": count})
    return [k / (count + 1) for k in range(1, count + 1)]


def render_times(engine: Engine, frame0: np.ndarray, frame1: np.ndarray,
                 times: Sequence[float], motion: MotionField | None = None):
    """Yield the frame for each time, in order; the pair is prepared once. t = 0 and 1 give
    the inputs. Times are rendered RENDER_CHUNK at a time: engines batch them, and a long run
    (-n 1000) does not hold all its frames in memory at once."""
    engine = checked(engine, alpha=frame0.shape[2] == 4 and not isinstance(engine, AlphaEngine))
    state = None
    for start in range(0, len(times), RENDER_CHUNK):
        chunk = times[start:start + RENDER_CHUNK]
        inner = [t for t in chunk if 0.0 < t < 1.0]
        rendered = {}
        if inner:
            state = engine.prepare(frame0, frame1) if state is None else state
            rendered = dict(zip(inner, engine.render_many(state, inner, motion)))
        for t in chunk:
            yield frame0.copy() if t == 0.0 else frame1.copy() if t == 1.0 else rendered[t]


def interpolate(frame0: np.ndarray, frame1: np.ndarray, times: float | Sequence[float] = 0.5,
                engine: str | Engine = "auto", *, scale: float = 1.0,
                motion: MotionField | None = None,
                runtime: Runtime | None = None, tracks: Any = None,
                autopilot: bool = False) -> list[np.ndarray]:
    """In-between frames of two images.

    frame0, frame1: (H, W, 3) RGB or (H, W, 4) RGBA (straight alpha: interpolated premultiplied,
        moved with the colour), uint8 (0-255), uint16 (0-65535) or float32 (0-1), the same
        size and type (any size: engines pad and crop back; they compute in float). 10- or
        12-bit samples in uint16 must be scaled to 0-65535 first (`frame << 4` for 12 bits).
    times: one t or a sequence, each in [0, 1]; t = 0 returns frame0, t = 1 frame1 (copies).
    engine: a name (`auto`, the default: rife4, or fusion for large motion; `rife4`, `rife3`,
        `classical`, `fusion`) or an engine from `create_engine`.
    scale: flow resolution factor for large inputs (e.g. 0.5 for 4K), used with an engine name.
    tracks: motion control, a list of `tweenflow.motion.Track`s or track dicts, or a parsed
        tracks file ({"tracks": [...]}, see tweenflow.motion.tracks); points in input pixels.
    autopilot: also match keypoints between the frames and steer large motion along them.
    motion: any other MotionField (not together with tracks or autopilot).
    Returns one frame per time, in the order given, in the inputs' shape and sample type.
    """
    check_pair(frame0, frame1)
    single = np.isscalar(times) or times is None or np.ndim(times) == 0 and hasattr(times, "ndim")
    times = check_times([times] if single else times)
    if motion is not None and (tracks is not None or autopilot):
        raise InputError("give either motion= or tracks=/autopilot=, not both")
    if motion is not None and not hasattr(motion, "prior"):
        raise InputError(f"motion must be a MotionField (an object with a prior method), got "
                         f"{type(motion).__name__}")
    if motion is None:
        motion = motion_field(frame0, frame1, tracks, autopilot)
    if isinstance(engine, str):
        engine = create_engine(engine, scale=scale, runtime=runtime)
    elif not hasattr(engine, "render_many"):
        raise EngineError(f"engine must be a name or an engine from create_engine, got "
                          f"{type(engine).__name__}")
    return list(render_times(engine, frame0, frame1, times, motion))


def motion_field(frame0: np.ndarray, frame1: np.ndarray, tracks: Any = None,
                 autopilot: bool = False) -> TrackField | None:
    """The MotionField for user tracks (validated against the frame size) plus, with autopilot,
    keypoint tracks matched between the frames; None when there is nothing to steer."""
    height, width = frame0.shape[:2]
    frame0, frame1 = as_uint8_rgb(frame0), as_uint8_rgb(frame1)   # edges: 8 bits are plenty
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
