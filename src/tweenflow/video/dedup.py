"""Held frames: animation on twos and threes, where one drawing is shown for 2-3 frames.

After encoding, the repeats of a drawing are near-duplicates (codec noise), not pixel-exact.
A held frame is dropped and its time kept in the schedule, so the engine interpolates from one
drawing to the next over their real time gap instead of stalling and then jumping. Runs longer
than MAX_HELD_RUN repeats are a real still: every frame is kept (and the pipeline copies, never
morphs, between frames that look the same).

Everything here is a pure function of the decoded frames in order, so a segment of a video
can run it on its own frames.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Iterator

import cv2
import numpy as np

from tweenflow.errors import InputError
from tweenflow.samples import full_scale
from tweenflow.video.reader import TimedFrame

# Levels (0-255) of `held_frame_score`. `python -m tweenflow.bench dedup` (BENCHMARKS.md, "Held
# frames"): frames of the sample videos at their own size, 480 and 240 px wide, held twice and
# re-encoded with x264. At CRF 23 repeats score at most 6, or 9 when keyframes fall between a
# frame and its repeat; two different frames of a moving shot score at least 15.5 (the slowly
# moving dog at 240 px; 31-92 elsewhere). At CRF 35 repeats reach 19 (`--dedup 20` for such
# input) and at 240 px they overlap slow motion (15 vs 12). A repeat missed stutters as it did
# without dedup; a tiny real motion taken for a repeat is interpolated across, which is hard to
# see; so the threshold sits nearer the motion than the noise.
DEFAULT_HELD_THRESHOLD = 12.0
MAX_HELD_RUN = 2          # repeats of one drawing: animation on threes shows it 3 times
_THUMB_FACTOR = 4         # averaging 4x4 pixels cuts codec noise, keeps changes of real size
_PERCENTILE = 99.9        # a change must cover at least 0.1% of the picture to count


def held_frame_score(frame0: np.ndarray, frame1: np.ndarray) -> float:
    """How much two frames differ beyond codec noise, in levels of 0-255 luma.

    The 99.9th percentile of the absolute luma difference of the two frames shrunk up to 4x by
    area averaging (less for frames under 256 px). Exact repeats score 0; re-encoded repeats a
    few levels; frames with anything moving tens of levels. Accepts HxWx3 RGB or HxWx4 RGBA (alpha is
    not compared) as uint8, uint16 (0-65535) or float32 (0-1). Frames of different sizes are
    never held (score inf).
    """
    if frame0.shape != frame1.shape:
        return float("inf")
    lumas = [_luma_thumbnail(frame) for frame in (frame0, frame1)]
    return float(np.percentile(np.abs(lumas[0] - lumas[1]), _PERCENTILE))


def _luma_thumbnail(frame: np.ndarray) -> np.ndarray:
    """BT.601 luma of the RGB channels (alpha is left out) in 0-255 levels, shrunk by area
    averaging (float32)."""
    rgb = frame[..., :3]
    if not np.issubdtype(rgb.dtype, np.integer):
        rgb = rgb.astype(np.float32, copy=False)
    luma = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)  # integers stay integers
    height, width = luma.shape
    factor = max(1, min(_THUMB_FACTOR, width // 16, height // 16))
    if factor > 1:
        luma = cv2.resize(luma, (width // factor, height // factor), interpolation=cv2.INTER_AREA)
    return luma.astype(np.float32) * np.float32(255.0 / full_scale(frame.dtype))


def parse_dedup(value: str | float | None) -> float | None:
    """The held-frame threshold from `dedup` ("auto", "off" or a threshold): a level (0-255),
    or None for off. "auto" (and None) give DEFAULT_HELD_THRESHOLD."""
    given = value         # as the caller wrote it, for the message
    if value is None:
        return DEFAULT_HELD_THRESHOLD
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return DEFAULT_HELD_THRESHOLD
        if text == "off":
            return None
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{{dedup=}}: use auto, off or a threshold in luma levels "
                             f"(0-255, auto is {DEFAULT_HELD_THRESHOLD:g})",
                             {"dedup": given}) from None
    threshold = float(value)
    if not 0 <= threshold <= 255:     # also refuses nan
        raise InputError(f"{{dedup=}}: the threshold is in luma levels, 0-255 "
                         f"(auto is {DEFAULT_HELD_THRESHOLD:g})", {"dedup": given})
    return threshold


def looks_same(frame0: np.ndarray, frame1: np.ndarray, threshold: float | None) -> bool:
    """Two frames show the same picture: pixel-exact when threshold is None (dedup off),
    else within the held-frame threshold."""
    if threshold is None:
        return frame0.shape == frame1.shape and np.array_equal(frame0, frame1)
    return held_frame_score(frame0, frame1) <= threshold


@dataclass(frozen=True)
class Drawing:
    """A kept frame and the input frame times it stands for (its own first, then the times of
    the held repeats that were dropped)."""

    frame: TimedFrame
    times: list[Fraction]

    @property
    def dropped(self) -> int:
        return len(self.times) - 1


def distinct_drawings(decoded: Iterable[TimedFrame], threshold: float | None,
                      max_run: int = MAX_HELD_RUN) -> Iterator[Drawing]:
    """The decoded frames with held repeats folded into the frame they repeat, in order.

    A frame is a repeat when it looks the same (`looks_same`) as the last kept frame. Runs of
    at most `max_run` repeats are folded; longer runs are a still and every frame is yielded
    on its own. threshold None (dedup off): nothing is folded. Every input time appears in
    exactly one Drawing's times, in order.
    """
    kept: TimedFrame | None = None
    repeats: list[TimedFrame] = []
    for frame in decoded:
        if kept is not None and threshold is not None \
                and looks_same(kept.rgb, frame.rgb, threshold):
            repeats.append(frame)
            continue
        if kept is not None:
            yield from _fold(kept, repeats, max_run)
        kept, repeats = frame, []
    if kept is not None:
        yield from _fold(kept, repeats, max_run)


def _fold(kept: TimedFrame, repeats: list[TimedFrame], max_run: int) -> Iterator[Drawing]:
    if len(repeats) > max_run:
        for frame in [kept, *repeats]:
            yield Drawing(frame, [frame.time])
    else:
        yield Drawing(kept, [kept.time] + [repeat.time for repeat in repeats])
