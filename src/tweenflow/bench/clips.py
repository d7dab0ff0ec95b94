"""Short clips encoded for the benchmarks (and the tests that mirror them)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np


def encode_h264(path: Path, frames: list[np.ndarray], crf: int = 23,
                rate: Fraction = Fraction(30), preset: str = "medium",
                keyint: int | None = None) -> Path:
    """RGB uint8 frames to x264 yuv420p at `rate` frames/s and `crf`, as an exported edit
    would be; keyint: a keyframe every keyint frames (else x264's default, 250)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": preset}
        if keyint:
            stream.options["x264-params"] = f"keyint={keyint}:min-keyint=1:scenecut=0"
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path
