"""10-bit and HDR video end to end: decoded to 16-bit RGB, interpolated in float, encoded in 10
bits with the input's colour tags and HDR side data (read back with PyAV)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.video.conftest import encode_clip
from tweenflow.video.encoding import hdr_from_side_data
from tweenflow.video.pipeline import convert_video
from tweenflow.video.reader import probe, read_frames

MASTERING = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)"
BT2020, PQ, HLG = 9, 16, 18


def gradient_frames(count: int, height: int = 48, width: int = 320, step: int = 2
                    ) -> list[np.ndarray]:
    """uint16 RGB: smooth ramps (many more than 256 levels) panning right by `step` px a
    frame; each channel its own range so none is a copy of another."""
    span = width + step * count
    ramp = np.linspace(0.0, 1.0, span, dtype=np.float64)
    rows = np.linspace(0.9, 1.0, height)[:, None]
    channels = [0.05 + 0.9 * ramp, 0.2 + 0.6 * ramp ** 1.5, 0.85 - 0.7 * ramp]
    picture = np.stack([rows * c[None, :] for c in channels], axis=2)
    picture = np.rint(picture * 65535).astype(np.uint16)
    return [np.ascontiguousarray(picture[:, step * i:step * i + width]) for i in range(count)]


def write_10bit(path: Path, frames: list[np.ndarray], encoder: str = "libx265",
                transfer: int = PQ, hdr: bool = True) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=Fraction(24))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p10le"
        context = stream.codec_context
        context.colorspace, context.color_primaries = BT2020, BT2020
        context.color_trc, context.color_range = transfer, 1
        hdr_params = f"hdr10=1:master-display={MASTERING}:max-cll=1000,400" if hdr else ""
        if encoder == "libx265":
            stream.options = {"x265-params": ":".join(
                p for p in ("log-level=error:crf=4", hdr_params) if p), "preset": "ultrafast"}
        else:
            stream.options = {"crf": "4", "preset": "ultrafast"}
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb48le").reformat(
                format="yuv420p10le", src_colorspace=BT2020, dst_colorspace=BT2020,
                src_color_range=2, dst_color_range=1)
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def described(path: Path) -> tuple:
    """(pix_fmt, matrix, primaries, transfer, range, HDR metadata of the first frame, raw side
    data bytes by type): what an ffprobe-style read shows."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        frame = next(container.decode(stream))
        raw = {str(side.type).rsplit(".", 1)[-1]: bytes(side) for side in frame.side_data
               if "SEI_UNREGISTERED" not in str(side.type)}
        return (context.pix_fmt, context.colorspace, context.color_primaries, context.color_trc,
                context.color_range, hdr_from_side_data(frame), raw)


def levels(path: Path) -> list[np.ndarray]:
    """Each output frame as 16-bit RGB (uint16), converted with the file's matrix."""
    info = probe(path)
    return [frame.rgb for frame in read_frames(info)]


@pytest.fixture(scope="module")
def pq_clip(tmp_path_factory) -> Path:
    return write_10bit(tmp_path_factory.mktemp("hdr") / "pq.mkv", gradient_frames(4))


def test_a_10bit_input_is_read_as_16bit_rgb(pq_clip):
    info = probe(pq_clip)
    assert info.high_depth and not info.alpha
    frame = next(read_frames(info)).rgb
    assert frame.dtype == np.uint16 and frame.shape == (48, 320, 3)
    assert len(np.unique(frame[..., 0])) > 256


def test_10bit_pq_video_stays_10bit_with_tags_and_hdr_side_data(pq_clip, tmp_path):
    target = tmp_path / "out.mkv"
    # dedup off: the ramp moves by about 1.4 levels a frame, which dedup takes for held frames
    result = convert_video(pq_clip, target, multi=2, engine="classical", codec="h265",
                           preset="ultrafast", dedup="off")
    assert result.frames_out == 8 and result.interpolated == 3
    source, output = described(pq_clip), described(target)
    assert output[0] == "yuv420p10le"
    assert output[1:5] == source[1:5] == (BT2020, BT2020, PQ, 1)
    assert not source[5].empty and output[5] == source[5]
    assert source[5].max_cll == 1000 and source[5].max_fall == 400
    assert float(source[5].luminance[1]) == 1000.0
    assert output[6]["MASTERING_DISPLAY_METADATA"] == source[6]["MASTERING_DISPLAY_METADATA"]
    assert output[6]["CONTENT_LIGHT_LEVEL"] == source[6]["CONTENT_LIGHT_LEVEL"]


def test_default_h264_writes_high_10_with_the_hdr_metadata(pq_clip, tmp_path):
    target = tmp_path / "out.mp4"
    convert_video(pq_clip, target, multi=2, engine="classical", preset="ultrafast")
    with av.open(str(target)) as container:
        assert container.streams.video[0].codec_context.profile == "High 10"
    source, output = described(pq_clip), described(target)
    assert output[0] == "yuv420p10le" and output[1:6] == source[1:6]


def test_a_10bit_gradient_keeps_more_than_256_levels_in_every_frame(tmp_path):
    source = write_10bit(tmp_path / "hlg.mkv", gradient_frames(4, step=3), transfer=HLG,
                         hdr=False)
    target = tmp_path / "out.mkv"
    convert_video(source, target, multi=2, engine="classical", codec="h265",
                  preset="ultrafast")
    frames = levels(target)
    assert len(frames) == 8 and described(target)[3] == HLG
    for index, frame in enumerate(frames):   # odd indices: interpolated
        for channel in range(3):
            distinct = len(np.unique(frame[8:-8, 8:-8, channel]))
            assert distinct > 256, (index, channel, distinct)


def test_an_8bit_input_still_gives_8bit_output(tmp_path):
    from tests.video.conftest import moving_frames, write_video
    source = write_video(tmp_path / "in.mp4", moving_frames(3))
    info = probe(source)
    assert not info.high_depth and next(read_frames(info)).rgb.dtype == np.uint8
    target = tmp_path / "out.mp4"
    convert_video(source, target, multi=2, engine="classical")
    assert described(target)[0] == "yuv420p"


def test_a_codec_without_10bit_says_so(pq_clip, tmp_path):
    result = convert_video(pq_clip, tmp_path / "out.webm", multi=2, engine="classical",
                           codec="vp9", preset="8", max_frames=2)
    assert described(tmp_path / "out.webm")[0] == "yuv420p"
    assert any("reduced to 8 bits" in note for note in result.notes)
    assert any("HDR mastering display" in note for note in result.notes)


def test_cli_video_on_a_pq_clip_writes_a_pq_file_with_the_same_side_data(pq_clip, tmp_path):
    import subprocess
    import sys
    target = tmp_path / "cli.mkv"
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "video", str(pq_clip), "-o", str(target), "--multi",
         "2", "--engine", "classical", "--codec", "h265", "--preset", "ultrafast", "-q"],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert described(target)[:6] == ("yuv420p10le",) + described(pq_clip)[1:6]


def test_a_folder_of_16bit_pngs_becomes_a_10bit_video(tmp_path):
    from tweenflow.images import write_image
    folder = tmp_path / "seq"
    folder.mkdir()
    for index, frame in enumerate(gradient_frames(3)):
        write_image(folder / f"{index:03d}.png", frame)
    target = tmp_path / "out.mkv"
    convert_video(folder, target, multi=2, engine="classical", codec="h265", preset="ultrafast")
    assert described(target)[0] == "yuv420p10le"
    assert len(np.unique(levels(target)[1][..., 0])) > 256


@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv420p12le", "yuva420p10le",
                                     "yuv422p10le", "yuv444p12le"])
def test_a_high_depth_input_is_read_with_its_own_colours(tmp_path, pix_fmt):
    # swscale's bilinear full-chroma path from vertically subsampled chroma (4:2:0) to 16-bit
    # RGB put colours 30-50 levels off (green lost): every 10-bit HEVC/AV1 input
    picture = gradient_frames(2, height=48, width=96)
    alpha = pix_fmt.startswith("yuva")
    if alpha:
        ramp = np.linspace(20000, 60000, 96, dtype=np.float64)
        picture = [np.dstack([p, np.rint(np.broadcast_to(ramp, p.shape[:2])).astype(np.uint16)])
                   for p in picture]
    # ffv1: lossless, only the chroma sampled
    source = encode_clip(tmp_path / "lossless.mkv", picture, "ffv1", pix_fmt)
    info = probe(source)
    assert info.high_depth and info.alpha == alpha
    for frame, truth in zip(read_frames(info), picture):
        error = np.abs(frame.rgb.astype(np.float64) - truth) / 257    # in 8-bit levels
        assert error.mean() < 0.5 and error.max() < 4, (error.mean(), error.max())
