"""Alpha video in and out: FFV1, ProRes 4444, VP9 with alpha, PNG sequences; the alpha moves
with the colour; outputs that cannot hold alpha say so."""
from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from tests.engines.test_alpha import HEIGHT, MOTION, WIDTH, sprite
from tests.video.conftest import encode_clip, plane_samples
from tweenflow.images import read_image, write_image
from tweenflow.video.pipeline import convert_video
from tweenflow.video.reader import probe, read_frames

STEP = MOTION // 2   # px per input frame: the in-between of frames k, k+1 is at 40 + STEP*(k+.5)


def sprite_frames(count: int, dtype=np.uint8) -> list[np.ndarray]:
    return [sprite(STEP * index, dtype) for index in range(count)]


def alpha_centre(rgba: np.ndarray) -> float:
    columns = np.nonzero(rgba[36, :, 3] > np.iinfo(rgba.dtype).max // 2)[0]
    return (columns[0] + columns[-1]) / 2


def decoded_rgba(path: Path, decoder: str | None = None) -> tuple[str, list[np.ndarray]]:
    """(pix_fmt, RGBA frames), with an explicit decoder where FFmpeg's default ignores alpha."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if decoder is None:
            frames = list(container.decode(stream))
        else:
            context = av.CodecContext.create(decoder, "r")
            frames = [frame for packet in container.demux(stream) for frame in
                      context.decode(packet)]
        return frames[0].format.name, [frame.to_ndarray(format="rgba") for frame in frames]


def check_moved_alpha(frames: list[np.ndarray]) -> None:
    assert len(frames) == 6
    for index, frame in enumerate(frames):
        expected = 40 + STEP * min(index, 4) / 2   # the last input frame is held at the end
        assert abs(alpha_centre(frame) - expected) <= 1.0, (index, alpha_centre(frame))
        assert frame[5, 100, 3] == 0


# (the ProRes decoder gives 12-bit frames of a 10-bit-coded 4444 stream)
@pytest.mark.parametrize("codec,suffix,pix_fmt", [("ffv1", ".mkv", "yuva444p"),
                                                  ("prores", ".mov", "yuva444p12le")])
def test_alpha_video_keeps_alpha_moved_with_the_colour(tmp_path, codec, suffix, pix_fmt):
    if codec == "ffv1":
        source = encode_clip(tmp_path / "in.mkv", sprite_frames(3), "ffv1", "yuva444p")
    else:
        source = encode_clip(tmp_path / "in.mov", sprite_frames(3, np.uint16), "prores_ks",
                                   "yuva444p10le", {"profile": "4"})
    info = probe(source)
    assert info.alpha and info.high_depth == (codec == "prores")
    assert next(read_frames(info)).rgb.shape == (HEIGHT, WIDTH, 4)
    target = tmp_path / f"out{suffix}"
    result = convert_video(source, target, multi=2, engine="classical", codec=codec)
    assert result.interpolated == 2 and not result.notes
    got_format, frames = decoded_rgba(target)
    assert got_format == pix_fmt
    check_moved_alpha(frames)


def test_vp9_with_alpha_in_and_out(tmp_path):
    source = encode_clip(tmp_path / "in.webm", sprite_frames(3), "libvpx-vp9",
                               "yuva420p", {"crf": "10", "b": "0"})
    info = probe(source)
    assert info.alpha and next(read_frames(info)).rgb.shape == (HEIGHT, WIDTH, 4)
    target = tmp_path / "out.webm"
    convert_video(source, target, multi=2, engine="classical", codec="vp9", crf=10)
    got_format, frames = decoded_rgba(target, decoder="libvpx-vp9")
    assert got_format == "yuva420p"
    check_moved_alpha(frames)


def test_an_opaque_alpha_channel_is_left_out(tmp_path):
    opaque = [frame.copy() for frame in sprite_frames(2)]
    for frame in opaque:
        frame[..., 3] = 255
    source = encode_clip(tmp_path / "in.mkv", opaque, "ffv1", "yuva444p")
    info = probe(source)
    assert not info.alpha and next(read_frames(info)).rgb.shape == (HEIGHT, WIDTH, 3)


def test_png_sequence_with_alpha_in_and_out(tmp_path):
    folder = tmp_path / "seq"
    folder.mkdir()
    for index, frame in enumerate(sprite_frames(3)):
        write_image(folder / f"f{index}.png", frame)
    target = tmp_path / "frames"
    convert_video(folder, target, multi=2, engine="classical")
    frames = [read_image(path, keep_alpha=True) for path in sorted(target.iterdir())]
    check_moved_alpha(frames)


def test_a_codec_without_alpha_drops_it_with_a_note(tmp_path):
    source = encode_clip(tmp_path / "in.mkv", sprite_frames(3), "ffv1", "yuva444p")
    result = convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical")
    assert any(note.startswith("alpha dropped: h264 cannot store it") for note in result.notes)
    got_format, _ = decoded_rgba(tmp_path / "out.mp4")
    assert got_format == "yuv420p"


# `tweenflow video` runs files in segments (tweenflow.convert_video): ProRes could not go in a
# segment's own temporary file (a traceback), and VP9 keeps its alpha in packet side data,
# which a segment's packets do not carry (the alpha was lost on the way in and out)
@pytest.mark.parametrize("codec,suffix", [("prores", ".mov"), ("vp9", ".webm")])
def test_the_segmented_conversion_keeps_alpha(tmp_path, codec, suffix):
    from tweenflow import convert_video as convert_in_segments
    if codec == "prores":
        source = encode_clip(tmp_path / "in.mov", sprite_frames(3, np.uint16),
                                   "prores_ks", "yuva444p10le", {"profile": "4"})
    else:
        source = encode_clip(tmp_path / "in.webm", sprite_frames(3), "libvpx-vp9",
                                   "yuva420p", {"crf": "10", "b": "0"})
    target = tmp_path / f"out{suffix}"
    result = convert_in_segments(source, target, multi=2, engine="classical", codec=codec,
                                 **({"crf": 10} if codec == "vp9" else {}))
    assert result.interpolated == 2
    got_format, frames = decoded_rgba(target, "libvpx-vp9" if codec == "vp9" else None)
    assert got_format == ("yuva420p" if codec == "vp9" else "yuva444p12le")
    check_moved_alpha(frames)


# An editor's ProRes 4444 with alpha, converted to .mov without --codec: the default H.264
# dropped the alpha (with a line); the output is ProRes 4444 with the alpha and 10 bits kept
@pytest.mark.parametrize("suffix", [".mov", ".mkv"])
def test_without_codec_an_alpha_input_is_written_as_prores_4444(tmp_path, suffix):
    from tweenflow import convert_video as convert_in_segments
    source = encode_clip(tmp_path / "in.mov", sprite_frames(3, np.uint16),
                               "prores_ks", "yuva444p10le", {"profile": "4"})
    target = tmp_path / f"out{suffix}"
    result = convert_in_segments(source, target, multi=2, engine="classical")
    # a ProRes input: written back in its own profile (video/intermediate.py), alpha kept
    assert [note for note in result.notes if "alpha" in note] == [
        "written as ProRes 4444 (yuva444p10le) like the input (the default for ProRes inputs "
        f"in {suffix}; codec='h264' makes a smaller file without the alpha)"]
    got_format, frames = decoded_rgba(target)
    assert got_format == "yuva444p12le"
    with av.open(str(target)) as container:
        assert container.streams.video[0].codec_context.profile == "4444"
    check_moved_alpha(frames)


def alpha_ramp_video(path: Path, encoder: str, pix_fmt: str, options: dict | None = None
                     ) -> Path:
    """3 frames of a moving colour pattern whose alpha plane holds every code of a ramp
    (0 to the format's maximum across the columns; written into the plane as they are)."""
    def ramp_alpha(video_frame: av.VideoFrame) -> None:
        plane = video_frame.planes[3]
        bits = video_frame.format.components[3].bits
        stored = np.uint8 if bits == 8 else np.uint16
        codes = np.zeros((plane.height, plane.line_size // np.dtype(stored).itemsize), stored)
        codes[:, :plane.width] = np.linspace(0, (1 << bits) - 1, plane.width).round()
        plane.update(codes)

    return encode_clip(path, sprite_frames(3), encoder, pix_fmt, options, finish=ramp_alpha)


def alpha_codes(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [plane_samples(frame, 3) for frame in container.decode(container.streams.video[0])]


# swscale wrote 8-bit alpha a as a + 1 from 128 up (254 became opaque) and read 10-12 bit
# alpha shifted instead of scaled: every pass made semi-transparent edges more opaque (FFV1:
# 2 in 5 codes + 1; ProRes 4444: + 4 of 4095 in the upper half). The original frames of a
# --multi 2 output carry the input's alpha codes.
@pytest.mark.parametrize("encoder, pix_fmt, codec, suffix, options", [
    ("ffv1", "yuva444p", "ffv1", ".mkv", None),
    ("prores_ks", "yuva444p10le", "prores", ".mov", {"profile": "4"})])
def test_the_original_frames_keep_their_alpha_codes(tmp_path, encoder, pix_fmt, codec, suffix,
                                                    options):
    source = alpha_ramp_video(tmp_path / f"in{suffix}", encoder, pix_fmt, options)
    target = tmp_path / f"out{suffix}"
    convert_video(source, target, multi=2, engine="classical", codec=codec, dedup="off")
    codes_in, codes_out = alpha_codes(source), alpha_codes(target)
    assert len(codes_out) == 6
    for index in range(3):
        assert np.array_equal(codes_out[2 * index], codes_in[index]), \
            np.abs(codes_out[2 * index] - codes_in[index]).max()
