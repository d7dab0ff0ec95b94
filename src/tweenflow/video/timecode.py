"""SMPTE timecodes ("HH:MM:SS:FF", drop-frame "HH:MM:SS;FF") as frame counts, and the start
timecode of an output at another frame rate.

A timecode labels a frame by counting frames at the stream's rate, so the same instant has
another label at another rate: 10:00:00:12 at 25 fps is 10:00:00:24 at 50 fps. FFmpeg writes
an MOV/MP4 timecode track from the video stream's `timecode` tag at the output's own rate, so
the tag of a converted video must be counted again at that rate or editors conforming by
timecode place the clip off by a fraction of a second.
"""
from __future__ import annotations

import re
from fractions import Fraction

_TIMECODE = re.compile(r"^(\d+):(\d\d):(\d\d)([:;.,])(\d+)$")
_DAY = 24 * 3600


def _frames_per_second(rate: Fraction) -> int:
    """The whole frame count a timecode second holds at `rate` (30 at 30000/1001)."""
    return max(1, round(rate))


def _drops(rate: Fraction, drop_frame: bool) -> int:
    """Labels skipped each minute but every tenth (2 at 29.97, 4 at 59.94; 0 without drop
    frame or at rates that are no multiple of 30000/1001)."""
    if not drop_frame or (rate * 1001 / 30000).denominator != 1:
        return 0
    return _frames_per_second(rate) // 15


def timecode_frames(timecode: str, rate: Fraction) -> tuple[int, bool] | None:
    """The frame count a timecode labels at `rate` and whether it is drop-frame; None if the
    text is no timecode."""
    match = _TIMECODE.match(timecode.strip())
    if not match:
        return None
    hours, minutes, seconds, separator, frames = match.groups()
    drop_frame = separator != ":"
    fps = _frames_per_second(rate)
    count = ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * fps + int(frames)
    total_minutes = int(hours) * 60 + int(minutes)
    return count - _drops(rate, drop_frame) * (total_minutes - total_minutes // 10), drop_frame


def timecode_text(count: int, rate: Fraction, drop_frame: bool) -> str:
    """The label of frame `count` at `rate` (drop-frame where asked and the rate has it),
    wrapping at 24 hours."""
    fps = _frames_per_second(rate)
    drops = _drops(rate, drop_frame)
    count %= _DAY * fps - drops * 9 * 24 * 6     # the frames one day holds
    if drops:     # add back the labels skipped before this frame
        per_ten_minutes = 600 * fps - 9 * drops
        tens, rest = divmod(count, per_ten_minutes)
        count += 9 * drops * tens + (drops * ((rest - drops) // (60 * fps - drops))
                                     if rest > drops else 0)
    seconds, frames = divmod(count, fps)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{';' if drops else ':'}{frames:02d}"


def retimed_timecode(timecode: str, rate_in: Fraction, rate_out: Fraction
                     ) -> tuple[str, Fraction] | None:
    """The label at `rate_out` of the instant `timecode` labels at `rate_in`, and how far that
    instant lies from the labelled frame (in frames of rate_out; 0 when the rates divide
    evenly); None if the text is no timecode."""
    parsed = timecode_frames(timecode, rate_in)
    if parsed is None:
        return None
    count, drop_frame = parsed
    exact = count * Fraction(rate_out) / Fraction(rate_in)
    nearest = round(exact)
    return timecode_text(nearest, rate_out, drop_frame), exact - nearest


def retimed_timecode_tags(tags: dict[str, str], rate_in: Fraction, rate_out: Fraction
                          ) -> tuple[dict[str, str], list[str]]:
    """The timecode tags among `tags` counted at rate_out instead of rate_in (the same start
    instant), and a note for each that falls between two frames at rate_out."""
    retimed: dict[str, str] = {}
    notes: list[str] = []
    if rate_in == rate_out:
        return retimed, notes
    for key, value in tags.items():
        new = retimed_timecode(value, rate_in, rate_out) if key.lower() == "timecode" else None
        if new is None:
            continue
        retimed[key], off = new
        if off:
            notes.append(f"start timecode {value} at {float(rate_in):g} fps falls between "
                         f"frames at {float(rate_out):g} fps: written as {retimed[key]} (the "
                         f"nearest frame, {abs(float(off)):.2f} frame away)")
    return retimed, notes
