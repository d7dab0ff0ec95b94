"""Packet windows: a segment's packets decode elsewhere to the frames the reader gives."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.video.conftest import moving_frames
from tweenflow import convert_video
from tweenflow.video.packets import decode_window, index_frames, read_window
from tweenflow.video.reader import probe, read_frames


def write_frames(path, codec: str, pix_fmt: str, frames: list[np.ndarray]):
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(25))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = pix_fmt
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# decoders that cannot open from the codec name and extradata alone: QuickTime RLE needs the
# bits per pixel, Ut Video its fourcc, raw video its pixel format (all from the container)
@pytest.mark.parametrize("name, codec, pix_fmt", [
    ("rle.mov", "qtrle", "rgb24"), ("rle_alpha.mov", "qtrle", "argb"),
    ("ut.avi", "utvideo", "gbrp"), ("raw.avi", "rawvideo", "bgr24")])
def test_a_window_decodes_like_the_file(tmp_path, name, codec, pix_fmt):
    source = write_frames(tmp_path / name, codec, pix_fmt, moving_frames(4, 32, 48))
    info = probe(source)
    index = index_frames(info)
    window = read_window(info, index, 0, len(index.pts) - 1)
    from_window = list(decode_window(info, window))
    from_file = list(read_frames(info))
    assert [frame.time for frame in from_window] == [frame.time for frame in from_file]
    assert len(from_file) == 4
    assert all(np.array_equal(a.rgb, b.rgb) for a, b in zip(from_window, from_file))


def test_a_quicktime_rle_video_converts(tmp_path):
    source = write_frames(tmp_path / "rle.mov", "qtrle", "rgb24", moving_frames(5, 32, 48))
    result = convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical")
    assert result.frames_in == 5 and result.frames_out == 10
