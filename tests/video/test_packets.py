"""Packet windows: a segment's packets decode elsewhere to the frames the reader gives."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.video.conftest import moving_frames, mux_frames
from tweenflow import convert_video
from tweenflow.video.packets import decode_window, index_frames, read_window
from tweenflow.video.reader import probe, read_frames


def write_frames(path, codec: str, pix_fmt: str, frames: list[np.ndarray]):
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=Fraction(25))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = pix_fmt
        mux_frames(container, stream, frames)
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


# A broadcast or streamed .ts starts anywhere in a GOP: the packets before the first keyframe,
# and an open GOP's leading B-frames after it, decode to nothing; the index counted them, so
# every such file failed as "truncated or corrupt"
@pytest.mark.parametrize("gop", [{"g": "12", "bf": "2"},
                                 {"g": "12", "bf": "3", "x264-params": "open-gop=1"}])
def test_a_transport_stream_cut_inside_a_gop_converts(tmp_path, gop):
    whole = tmp_path / "whole.ts"
    with av.open(str(whole), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(25))
        stream.width, stream.height, stream.pix_fmt = 48, 32, "yuv420p"
        stream.options = gop
        mux_frames(container, stream, moving_frames(40, 32, 48))
    data = whole.read_bytes()
    cut = tmp_path / "cut.ts"
    cut.write_bytes(data[len(data) * 3 // 10 // 188 * 188:])      # at a TS packet boundary
    with av.open(str(cut)) as container:
        decodable = len(list(container.decode(video=0)))
    assert 10 < decodable < 35
    result = convert_video(cut, tmp_path / "out.mp4", multi=2, engine="classical")
    assert result.frames_in == decodable and result.frames_out == 2 * decodable
