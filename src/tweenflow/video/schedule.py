"""Output timestamps: where each output frame sits between two input frames. Exact fractions.

All times here are `fractions.Fraction` seconds. The input is a sequence of frames with
presentation times pts_0 < pts_1 < ... < pts_last; the input ends at `end` = pts_last + the
last frame's duration. Output times start at pts_0:

- `fps R`:    T_k = pts_0 + k / R for every k >= 0 with T_k < end.
- `multi N`:  N outputs per input frame: pts_i + j * (pts_{i+1} - pts_i) / N, j = 0 .. N-1
              (j = 0 is the input frame itself); the last frame's interval is [pts_last, end).
- `slowmo N`: the frames of `multi N`, each shown for as long as the input frames were, so the
              clip plays N times longer: output time = pts_0 + N * (source time - pts_0).

Each output frame is described by the interval it falls in (input frames i and i + 1) and
t = (T - pts_i) / (pts_{i+1} - pts_i) in [0, 1). t == 0 means the input frame itself, passed
through untouched. In the last interval there is no frame i + 1: the last frame is repeated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from tweenflow.errors import InputError

MODES = ("fps", "multi", "slowmo")


@dataclass(frozen=True)
class Retime:
    """What the user asked for: `mode` is "fps" (value = output frames per second, rational),
    "multi" or "slowmo" (value = integer factor N >= 2)."""

    mode: str
    value: Fraction

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"unknown retiming mode {self.mode!r}; use one of {', '.join(MODES)}")
        if self.value <= 0:
            raise InputError(f"{{{self.mode}}} must be positive, got {self.value}",
                             {self.mode: self.value})
        if self.mode != "fps" and (self.value.denominator != 1 or self.value < 2):
            raise InputError(f"{{{self.mode}}} must be a whole number of at least 2, got "
                             f"{self.value}", {self.mode: self.value})


@dataclass(frozen=True)
class OutputFrame:
    """One output frame: its presentation time (seconds) and where it sits in its input interval.

    t = 0 is input frame i itself; 0 < t < 1 lies between input frames i and i + 1.
    """

    time: Fraction
    t: Fraction


def retime_from(fps: Fraction | str | float | None, multi: int | None,
                slowmo: int | None) -> Retime:
    """The Retime for exactly one of fps (e.g. Fraction(60000, 1001) or "59.94"), multi or
    slowmo."""
    chosen = [(name, value) for name, value in (("fps", fps), ("multi", multi),
                                                 ("slowmo", slowmo)) if value is not None]
    if len(chosen) != 1:
        raise InputError("give exactly one of {fps}, {multi} or {slowmo}",
                         {"fps": fps, "multi": multi, "slowmo": slowmo})
    mode, value = chosen[0]
    if isinstance(value, (str, float)):     # 59.94 as a float is not exactly 59.94
        value = parse_rate(str(value))
    else:
        value = Fraction(value)
    return Retime(mode, value)


def parse_rate(text: str) -> Fraction:
    """A frame rate from "60", "59.94", "60000/1001", "29.97" (NTSC rates are made exact).

    Decimal rates that are 1000/1001 of a whole rate to the given precision (23.976, 29.97,
    59.94, 119.88) mean that exact NTSC rate, as every video tool assumes.
    """
    try:
        rate = Fraction(text.strip())
    except (ValueError, ZeroDivisionError, AttributeError):
        raise InputError(f"{text!r} is not a frame rate; give a number like 60, 59.94 or "
                         f"60000/1001") from None
    if rate <= 0:
        raise InputError(f"frame rate {text} must be positive")
    if "." in text and "/" not in text:
        decimals = len(text.strip().split(".")[1])
        ntsc = Fraction(math.ceil(rate), 1) * Fraction(1000, 1001)
        if rate != math.ceil(rate) and abs(ntsc - rate) < Fraction(1, 10 ** decimals):
            return ntsc
    return rate


def interval_outputs(retime: Retime, start: Fraction, pts0: Fraction, pts1: Fraction
                     ) -> list[OutputFrame]:
    """The output frames whose source time lies in [pts0, pts1), in order.

    start: pts of the first input frame. pts1 > pts0 is the next input frame's pts or, for the
    last frame, the input's end time.
    """
    if pts1 <= pts0:
        raise InputError(f"input timestamps must increase; got {float(pts0):.6f} s then "
                         f"{float(pts1):.6f} s")
    length = pts1 - pts0
    if retime.mode == "fps":
        rate = retime.value
        first = math.ceil((pts0 - start) * rate)
        stop = math.ceil((pts1 - start) * rate)        # first k with T_k >= pts1
        times = [start + Fraction(k) / rate for k in range(first, stop)]
        return [OutputFrame(time, (time - pts0) / length) for time in times]
    factor = int(retime.value)
    frames = []
    for j in range(factor):
        source_time = pts0 + length * j / factor
        time = source_time if retime.mode == "multi" else start + (source_time - start) * factor
        frames.append(OutputFrame(time, Fraction(j, factor)))
    return frames


def plan(retime: Retime, input_times: Iterable[Fraction], end: Fraction
         ) -> list[tuple[int, OutputFrame]]:
    """Every output frame of a whole input as (index of input frame i, frame); for tests and
    tools. The pipeline calls `interval_outputs` one interval at a time instead."""
    input_times = list(input_times)
    if not input_times:
        return []
    bounds = input_times[1:] + [end]
    return [(index, frame)
            for index, (pts0, pts1) in enumerate(zip(input_times, bounds))
            for frame in interval_outputs(retime, input_times[0], pts0, pts1)]


def output_time_base(retime: Retime, input_time_base: Fraction) -> Fraction:
    """A time base in which every output time is a whole number of ticks.

    Input times are multiples of input_time_base = a/b, so their denominators divide b.
    multi N adds multiples of (pts gap)/N: denominators divide b*N. fps p/q adds multiples of
    q/p: denominators divide lcm(b, p). slowmo only scales by N: denominators still divide b.
    """
    base = input_time_base.denominator
    if retime.mode == "multi":
        return Fraction(1, base * int(retime.value))
    if retime.mode == "fps":
        return Fraction(1, math.lcm(base, retime.value.numerator))
    return Fraction(1, base)


def nominal_rate(retime: Retime, input_rate: Fraction) -> Fraction:
    """The output's nominal frame rate (a hint for the encoder and players)."""
    if retime.mode == "fps":
        return retime.value
    if retime.mode == "multi":
        return input_rate * retime.value
    return input_rate


def output_duration(retime: Retime, start: Fraction, end: Fraction) -> Fraction:
    """How long the output plays (seconds), given the input's start and end times."""
    if retime.mode == "slowmo":
        return (end - start) * retime.value
    return end - start


@dataclass(frozen=True)
class TimeMap:
    """Where the other streams' times (audio, subtitles, chapters) land in the output.

    start: time of the first converted frame; factor: 1 for fps and multi, N for slowmo (the
    output is N times longer, as for the frames: output = start + N * (source - start));
    end: source time where the output stops (--max-frames), None for the whole input.
    In slow motion the output begins at `start`: what comes before the first frame has no
    picture to be slowed with, and N times its distance before it would be a negative time.
    """

    start: Fraction
    factor: int = 1
    end: Fraction | None = None

    def to_output(self, source_time: Fraction) -> Fraction:
        return self.start + (source_time - self.start) * self.factor

    def slowed_from(self, source_time: Fraction) -> Fraction:
        """source_time, or in slow motion no earlier than `start`."""
        return max(source_time, self.start) if self.factor > 1 else source_time

    def span(self, source_start: Fraction, duration: Fraction | None
             ) -> tuple[Fraction, Fraction | None] | None:
        """(output start, output duration) of an event at source_start lasting duration, cut at
        the end and, in slow motion, at the start; None if it starts at or after the end or
        (slow motion) ends at or before the start."""
        if self.end is not None and source_start >= self.end:
            return None
        begin = self.slowed_from(source_start)
        if duration is None:
            return self.to_output(begin), None
        stop = source_start + duration
        if self.end is not None:
            stop = min(stop, self.end)
        if begin > source_start and stop <= begin:
            return None
        return self.to_output(begin), (stop - begin) * self.factor


def time_map_for(retime: Retime, start: Fraction, end: Fraction | None) -> TimeMap:
    return TimeMap(start, int(retime.value) if retime.mode == "slowmo" else 1, end)
