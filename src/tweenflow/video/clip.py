"""Writing a short sequence of RGB frames as an MP4 (H.264) or an animated GIF."""
from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import av
import numpy as np
from PIL import Image

from tweenflow.errors import OutputError
from tweenflow.outputs import discard, publish, temp_file_for

CLIP_SUFFIXES = {".mp4", ".mkv", ".mov", ".gif"}


def even_sized(frame: np.ndarray) -> np.ndarray:
    """yuv420p needs even sides: repeat the last row/column where a side is odd."""
    height, width = frame.shape[:2]
    return np.pad(frame, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")


def write_clip(frames: Iterable[np.ndarray], path: str | os.PathLike, fps: Fraction | float,
               crf: int = 18) -> int:
    """Write uint8 (H, W, 3) RGB frames to `path` (.mp4/.mkv/.mov: H.264 yuv420p, .gif).

    The file appears only when complete (written under a temporary name, then renamed).
    Returns the number of frames written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in CLIP_SUFFIXES:
        raise OutputError(f"{path}: unknown clip type; use one of {', '.join(sorted(CLIP_SUFFIXES))}")
    fps = Fraction(fps).limit_denominator(1001 * 1000)
    temp_name = temp_file_for(path)
    try:
        count = (_write_gif if suffix == ".gif" else _write_h264)(frames, temp_name, fps, crf)
        publish(temp_name, path)
    finally:
        discard(temp_name if os.path.exists(temp_name) else None)
    return count


def _write_gif(frames, temp_name: str, fps: Fraction, crf: int) -> int:
    images = [Image.fromarray(frame) for frame in frames]
    if not images:
        raise OutputError("no frames to write")
    duration_ms = max(20, round(1000 / float(fps)))  # browsers clamp shorter GIF delays
    images[0].save(temp_name, format="GIF", save_all=True, append_images=images[1:],
                   duration=duration_ms, loop=0)
    return len(images)


def _write_h264(frames, temp_name: str, fps: Fraction, crf: int) -> int:
    count = 0
    with av.open(temp_name, "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf)}
        for frame in frames:
            frame = even_sized(frame)
            if count == 0:
                stream.height, stream.width = frame.shape[:2]
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
            count += 1
        for packet in stream.encode():
            container.mux(packet)
    return count
