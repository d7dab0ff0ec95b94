"""Writing a short sequence of frames as a video clip (the pipeline's VideoWriter) or a GIF."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import numpy as np
from PIL import Image

from tweenflow.errors import OutputError
from tweenflow.outputs import discard, publish, temp_file_for
from tweenflow.video.encoding import VIDEO_SUFFIXES, Encoding, encoder_settings
from tweenflow.video.writer import BT709_COLOUR, VideoWriter

CLIP_SUFFIXES = VIDEO_SUFFIXES | {".gif"}
# a GIF frame lasts whole centiseconds, at least 2: browsers slow shorter delays to 100 ms
GIF_MAX_FPS = 50
# The slowest clip: one frame per 100 s (slower, the video writers round the rate to 0 and a
# GIF's frame delay overflows).
MIN_CLIP_FPS = Fraction(1, 100)


def write_clip(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: Fraction | float,
               encoding: Encoding | None = None) -> int:
    """Write frames played at `fps` to a video file (.mp4/.mkv/.mov/.webm: the video pipeline's
    writer, default H.264 CRF 18 yuv420p, tagged BT.709 like computer-made RGB) or a .gif.

    frames: uint8 or uint16 (H, W, 3) RGB or (H, W, 4) RGBA (alpha kept where the codec can
    store it; a GIF takes uint8 RGB). The file appears only when complete (written under a
    temporary name, then renamed). Returns the number of frames written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CLIP_SUFFIXES:
        raise OutputError(f"{path}: unknown clip type; use one of {', '.join(sorted(CLIP_SUFFIXES))}")
    fps = Fraction(fps).limit_denominator(1001 * 1000)
    if fps < MIN_CLIP_FPS:
        raise OutputError(f"{path}: {float(fps):g} fps is too slow for a clip; give at least "
                          f"{float(MIN_CLIP_FPS):g} (one frame per 100 s)")
    frames = iter(frames)
    first = next(frames, None)
    if first is None:
        raise OutputError("no frames to write")
    if suffix == ".gif":
        return _write_gif([first, *frames], path, fps)
    settings, _ = encoder_settings(encoding or Encoding(), suffix, first.dtype != np.uint8,
                                   first.shape[2] == 4)
    writer = VideoWriter(path, first.shape[1], first.shape[0], 1 / fps, fps, BT709_COLOUR,
                         settings=settings)
    try:
        writer.write(Fraction(0), first)
        for index, frame in enumerate(frames, start=1):
            writer.write(index / fps, frame)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return writer.count


def _write_gif(frames: list[np.ndarray], path: Path, fps: Fraction) -> int:
    temp_name = temp_file_for(path)
    try:
        images = [Image.fromarray(_as_gif_rgb(frame)) for frame in frames]
        images[0].save(temp_name, format="GIF", save_all=True, append_images=images[1:],
                       duration=gif_delays_ms(len(images), fps), loop=0)
        publish(temp_name, path)
    finally:
        discard(temp_name if os.path.exists(temp_name) else None)
    return len(images)


def gif_delays_ms(count: int, fps: Fraction) -> list[int]:
    """Each of `count` frames' delay in ms, whole centiseconds (what a GIF stores): frame k
    starts at k/fps rounded to the centisecond, so the clip lasts count/fps (one delay rounded
    for all, 12 fps played at 12.5). At least 20 ms, as browsers slow shorter delays down to
    100 ms: above 50 fps a GIF plays slower than asked."""
    starts = [round(Fraction(100 * index) / fps) for index in range(count + 1)]
    shortest = round(100 / GIF_MAX_FPS)
    return [10 * max(shortest, end - start) for start, end in zip(starts, starts[1:])]


def _as_gif_rgb(frame: np.ndarray) -> np.ndarray:
    """uint8 RGB for a GIF (256 colours, 1-bit transparency at best: alpha is dropped)."""
    if frame.dtype == np.uint16:
        frame = ((frame.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    return np.ascontiguousarray(frame[..., :3])
