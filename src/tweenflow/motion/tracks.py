"""Tracks: where a piece of content is at which time, and the tracks-file format.

A tracks file (JSON), also what the studio writes:

    {"tracks": [{"points": [[0.0, 120, 80], [0.5, 200, 40], [1.0, 280, 80]], "radius": 40}]}

Each point is (t, x, y): time in [0, 1] (0 = the first frame, 1 = the second) and a position in
input pixels (x to the right, y down, pixel centres at integers). A track starts at t = 0 and
ends at t = 1; points in between are optional. Optional keys per track:
  "radius"   pixels of surroundings carried along (default 40)
  "linear"   true: straight segments between the points (default false: a smooth curve)
  "easing"   timing within each segment: "linear" (default), "ease-in", "ease-out", "ease-in-out"
  "strength" how strongly the track overrides the engine's own motion, in (0, 1] (default 1)
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from tweenflow.errors import InputError

EASINGS = ("linear", "ease-in", "ease-out", "ease-in-out")
DEFAULT_RADIUS = 40.0
# Control points closer in t than this are one point: the spline's tangents divide by the step
# (a step of 5e-324 overflowed them and made the whole path NaN).
MIN_TIME_STEP = 1e-6
TRACK_KEYS = {"points", "radius", "linear", "easing", "strength"}


@dataclass(frozen=True)
class Track:
    """One trajectory: control points (t, x, y) with t strictly increasing from 0 to 1."""

    points: tuple[tuple[float, float, float], ...]
    radius: float = DEFAULT_RADIUS
    linear: bool = False
    easing: str = "linear"
    strength: float = 1.0

    @property
    def start(self) -> tuple[float, float]:
        return self.points[0][1], self.points[0][2]

    @property
    def end(self) -> tuple[float, float]:
        return self.points[-1][1], self.points[-1][2]


def _number(value: Any, where: str) -> float:
    # bool is an int in Python; `true` as a coordinate is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{where} must be a number, got {json.dumps(value)}")
    try:
        number = float(value)
    except OverflowError:   # a JSON integer has no size limit (10 ** 400)
        raise InputError(f"{where} must be a finite number, got an integer beyond "
                         f"1e308") from None
    if not math.isfinite(number):
        raise InputError(f"{where} must be a finite number, got {number}")
    return number


def _point(raw: Any, where: str) -> tuple[float, float, float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 3:
        raise InputError(f"{where} must be a list [t, x, y], got {json.dumps(raw, default=str)}")
    return (_number(raw[0], f"{where} t"), _number(raw[1], f"{where} x"),
            _number(raw[2], f"{where} y"))


def make_track(raw: Any, where: str = "track", size: tuple[int, int] | None = None) -> Track:
    """A validated Track from a dict (the JSON form) or a Track.

    size: (width, height) of the frames; when given, every point must lie inside them.
    Raises InputError naming the track and point at fault.
    """
    if isinstance(raw, Track):
        raw = {"points": [list(p) for p in raw.points], "radius": raw.radius,
               "linear": raw.linear, "easing": raw.easing, "strength": raw.strength}
    if not isinstance(raw, dict):
        raise InputError(f"{where} must be an object like {{\"points\": [[0, x, y], [1, x, y]]}}, "
                         f"got {json.dumps(raw, default=str)}")
    unknown = sorted(set(raw) - TRACK_KEYS)
    if unknown:
        raise InputError(f"{where} has unknown key {unknown[0]!r}; known keys: "
                         f"{', '.join(sorted(TRACK_KEYS))}")
    if "points" not in raw:
        raise InputError(f"{where} has no \"points\"; give at least [[0, x0, y0], [1, x1, y1]]")
    raw_points = raw["points"]
    if not isinstance(raw_points, (list, tuple)) or len(raw_points) < 2:
        raise InputError(f"{where} \"points\" must be a list of at least two [t, x, y] points "
                         f"(t = 0 and t = 1)")
    points = tuple(_point(p, f"{where} point {i}") for i, p in enumerate(raw_points))
    if points[0][0] != 0.0:
        raise InputError(f"{where} must start at t = 0 (where the content is in the first "
                         f"frame), but its first point has t = {points[0][0]:g}")
    if points[-1][0] != 1.0:
        raise InputError(f"{where} must end at t = 1 (where the content is in the second "
                         f"frame), but its last point has t = {points[-1][0]:g}")
    for i in range(1, len(points)):
        if points[i][0] <= points[i - 1][0]:
            raise InputError(f"{where} point {i}: t must increase, but t = {points[i][0]:g} "
                             f"follows t = {points[i - 1][0]:g}")
        if points[i][0] - points[i - 1][0] < MIN_TIME_STEP:
            raise InputError(f"{where} point {i}: t = {points[i][0]:g} is too close to t = "
                             f"{points[i - 1][0]:g}; control points must be at least "
                             f"{MIN_TIME_STEP:g} apart in t")
    if size is not None:
        width, height = size
        for i, (_, x, y) in enumerate(points):
            if not (0 <= x <= width - 1 and 0 <= y <= height - 1):
                raise InputError(f"{where} point {i} ({x:g}, {y:g}) is outside the "
                                 f"{width}x{height} image (x in 0..{width - 1}, "
                                 f"y in 0..{height - 1})")
    radius = _number(raw.get("radius", DEFAULT_RADIUS), f"{where} radius")
    if radius <= 0:
        raise InputError(f"{where} radius must be positive (pixels), got {radius:g}")
    linear = raw.get("linear", False)
    if not isinstance(linear, bool):
        raise InputError(f"{where} \"linear\" must be true or false, got {json.dumps(linear)}")
    easing = raw.get("easing", "linear")
    if easing not in EASINGS:
        raise InputError(f"{where} easing {json.dumps(easing)} is unknown; use one of "
                         f"{', '.join(EASINGS)}")
    strength = _number(raw.get("strength", 1.0), f"{where} strength")
    if not 0 < strength <= 1:
        raise InputError(f"{where} strength must be in (0, 1], got {strength:g}")
    return Track(points=points, radius=radius, linear=linear, easing=easing, strength=strength)


def parse_tracks(document: Any, size: tuple[int, int] | None = None) -> list[Track]:
    """Tracks from a parsed tracks file ({"tracks": [...]}), a list of track dicts or Tracks."""
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"tracks"})
        if unknown:
            raise InputError(f"tracks file has unknown key {unknown[0]!r}; it holds "
                             f"{{\"tracks\": [...]}}")
        if "tracks" not in document:
            raise InputError("tracks file has no \"tracks\" list; expected "
                             "{\"tracks\": [{\"points\": [[0, x, y], [1, x, y]]}]}")
        document = document["tracks"]
    if not isinstance(document, (list, tuple)):
        raise InputError(f"\"tracks\" must be a list of tracks, got "
                         f"{type(document).__name__}")
    return [make_track(raw, f"track {i}", size) for i, raw in enumerate(document)]


def load_tracks(path: str | os.PathLike, size: tuple[int, int] | None = None) -> list[Track]:
    """Read and validate a tracks file; size (width, height) checks points lie in the image."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: a folder, not a tracks file (.json)")
    if not path.is_file():
        raise InputError(f"{path}: no such tracks file")
    return read_tracks(path.read_bytes(), str(path), size)


def read_tracks(content: bytes, name: str, size: tuple[int, int] | None = None) -> list[Track]:
    """Tracks from the bytes of a tracks file; every error names the file as `name`."""
    if not content.strip():
        raise InputError(f"{name}: the file is empty; a tracks file holds "
                         f"{{\"tracks\": [{{\"points\": [[0, x, y], [1, x, y]]}}]}}")
    try:
        document = json.loads(content.decode("utf-8-sig"))   # a BOM: Windows Notepad
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a text file; a tracks file is JSON") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{name}: not valid JSON (line {error.lineno}, column {error.colno}: "
                         f"{error.msg})") from None
    except ValueError:   # valid JSON that Python will not read
        raise InputError(f"{name}: not a usable tracks file (a number with thousands of "
                         f"digits)") from None
    except RecursionError:
        raise InputError(f"{name}: not a usable tracks file (lists nested too deeply)") from None
    try:
        return parse_tracks(document, size)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None


def tracks_to_json(tracks: Iterable[Track]) -> dict:
    """The tracks-file form of `tracks` (round-trips through parse_tracks)."""
    return {"tracks": [{"points": [list(p) for p in track.points], "radius": track.radius,
                        "linear": track.linear, "easing": track.easing,
                        "strength": track.strength} for track in tracks]}


def check_tracks_fit(tracks: Sequence[Track], width: int, height: int) -> None:
    """Raise InputError if a point of any track lies outside a width x height image."""
    for i, track in enumerate(tracks):
        make_track(track, f"track {i}", (width, height))
