"""Segment plans: which input frames each segment of a video covers. Pure: times in, plan out.

A segment covers the input frames first .. stop - 1 and produces the outputs whose source time
lies in [begin, end) (end = the next segment's first frame; None for the last segment: to the
input's end), so every output of the video belongs to exactly one segment. To compute them it
decodes a window reaching `context` frames beyond both ends (duplicate runs and the pair across
each boundary are then seen as a one-piece run sees them).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from tweenflow.errors import InputError

DEFAULT_SEGMENT_SECONDS = Fraction(10)
KEYFRAME_REACH = Fraction(1, 4)   # a boundary moves to a keyframe within this share of a segment


@dataclass(frozen=True)
class Segment:
    number: int                 # 0-based, in time order
    first: int                  # index of its first input frame (presentation order)
    stop: int                   # index after its last input frame
    begin: Fraction             # time of its first input frame (s)
    end: Fraction | None        # time of the next segment's first frame; None for the last
    window_first: int           # first and last input frame decoded for it (with context)
    window_last: int

    def describe(self, count: int) -> str:
        """'segment 3/12 (20.000-30.000 s)' for messages."""
        end = "end" if self.end is None else f"{float(self.end):.3f}"
        return f"segment {self.number + 1}/{count} ({float(self.begin):.3f}-{end} s)"


def plan_segments(times: Sequence[Fraction], keyframe_times: Sequence[Fraction],
                  segment_seconds: Fraction = DEFAULT_SEGMENT_SECONDS,
                  context: int = 5) -> list[Segment]:
    """Cut a video whose frames show at `times` (ascending, s) into segments of about
    `segment_seconds`.

    A boundary falls on the first frame at or after start + k * segment_seconds, or on a
    keyframe within KEYFRAME_REACH of a segment from there (the nearest one): decoding then
    starts right at the segment, and encoders put keyframes at scene cuts. A last piece
    shorter than half a segment joins the one before.
    """
    if segment_seconds <= 0:
        raise InputError(f"{{segment_seconds}} must be positive, got {segment_seconds}",
                         {"segment_seconds": segment_seconds})
    if len(times) < 2:
        raise InputError("a video needs at least two frames")
    if any(later <= earlier for earlier, later in zip(times, times[1:])):
        raise InputError("input frame times must increase")
    keyframes = sorted(set(keyframe_times))
    start, last = times[0], times[-1]
    reach = segment_seconds * KEYFRAME_REACH
    firsts = [0]
    target = start + segment_seconds
    while target <= last:
        index = _boundary(times, keyframes, target, reach)
        if index > firsts[-1] and last - times[index] >= segment_seconds / 2:
            firsts.append(index)
        target = max(target, times[firsts[-1]]) + segment_seconds
    stops = firsts[1:] + [len(times)]
    return [Segment(number, first, stop, times[first],
                    times[stop] if stop < len(times) else None,
                    max(0, first - context), min(len(times) - 1, stop - 1 + context))
            for number, (first, stop) in enumerate(zip(firsts, stops))]


def _boundary(times: Sequence[Fraction], keyframes: Sequence[Fraction], target: Fraction,
              reach: Fraction) -> int:
    """Index of the frame a boundary aimed at `target` falls on."""
    low = bisect.bisect_left(keyframes, target - reach)
    high = bisect.bisect_right(keyframes, target + reach)
    near = keyframes[low:high]
    if near:
        chosen = min(near, key=lambda time: (abs(time - target), time))
        position = bisect.bisect_left(times, chosen)
        if position < len(times) and times[position] == chosen:
            return position
    return min(bisect.bisect_left(times, target), len(times) - 1)
