"""Colours survive: original frames inside a --multi 2 output match the input (real samples)."""
from fractions import Fraction

import av
import numpy as np
import pytest

from tweenflow import convert_video
from tweenflow.video.encoding import Encoding, encoder_settings
from tweenflow.video.reader import ColourInfo
from tweenflow.video.writer import VideoWriter
from tests.conftest import texture
from tests.video.conftest import VIDEOS, encode_clip, plane_samples

FRAMES = 6


def decode(path, count):
    """(colour tags, YUV planes, RGB by the file's own tags) of the first `count` frames."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = stream.codec_context
        tags = (int(context.colorspace), int(context.color_range),
                int(context.color_primaries), int(context.color_trc))
        planes, rgbs = [], []
        for index, frame in enumerate(container.decode(stream)):
            if index >= count:
                break
            planes.append(frame.to_ndarray(format="yuv420p").astype(float))
            rgbs.append(frame.reformat(format="rgb24", src_colorspace=tags[0],
                                       src_color_range=tags[1], dst_color_range=2)
                        .to_ndarray().astype(float))
    return tags, planes, rgbs


@pytest.mark.parametrize("name, matrix", [("bedroom_540p_30fps_bt601.mp4", 5),
                                          ("dog_720p_29.97fps_aac.mp4", 1)])
def test_original_frames_keep_their_colours(name, matrix, tmp_path):
    source = VIDEOS / name
    if not source.exists():
        pytest.skip(f"{source} not available")
    target = tmp_path / "out.mp4"
    convert_video(source, target, multi=2, engine="classical", scale=0.25, max_frames=FRAMES)
    tags_in, planes_in, rgb_in = decode(source, FRAMES)
    tags_out, planes_out, rgb_out = decode(target, 2 * FRAMES)
    assert tags_in[0] == matrix
    assert tags_out == tags_in                      # matrix, range, primaries, transfer
    assert len(planes_out) == 2 * FRAMES
    for index in range(FRAMES):
        original = 2 * index
        assert np.abs(planes_out[original] - planes_in[index]).mean() < 2.0
        channel_shift = (rgb_out[original] - rgb_in[index]).mean(axis=(0, 1))
        assert np.all(np.abs(channel_shift) < 1.0), channel_shift   # no hue/contrast shift


def ramp_frames(count: int) -> list[np.ndarray]:
    """Colour ramps from 0 to 255 down the picture (4:2:2 keeps vertical chroma detail):
    full-range extremes show a range mix-up."""
    ramp = np.tile(np.linspace(0, 255, 48).astype(np.uint8)[:, None], (1, 64))
    frame = np.stack([ramp, ramp[::-1], np.full((48, 64), 128, np.uint8)], axis=2)
    return [frame.copy() for _ in range(count)]


# ProRes is limited range only, and prores_ks writes the primaries and transfer of each frame,
# not of the stream: a full-range input came out with full-range codes read as limited
# (contrast stretched, 6..234 -> 0..255) and every ProRes output lost primaries and transfer
@pytest.mark.parametrize("colour", [ColourInfo(1, 2, 1, 1), ColourInfo(9, 1, 9, 16),
                                    ColourInfo(9, 2, 9, 18)])
def test_prores_keeps_the_colours_and_their_tags(tmp_path, colour):
    target = tmp_path / "out.mov"
    settings, _ = encoder_settings(Encoding("prores"), ".mov", False, False)
    writer = VideoWriter(target, 64, 48, Fraction(1, 25), Fraction(25), colour,
                         settings=settings)
    frames = ramp_frames(2)
    for index, frame in enumerate(frames):
        writer.write(Fraction(index, 25), frame)
    writer.close()
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        context = stream.codec_context
        tags = (colour.color_primaries, colour.color_trc)
        assert (int(context.color_primaries), int(context.color_trc)) == tags
        assert (int(frame.color_primaries), int(frame.color_trc)) == tags
        assert int(frame.color_range) == 1 and int(context.color_range) == 1
        rgb = frame.reformat(format="rgb24", src_colorspace=colour.colorspace,
                             src_color_range=1, dst_color_range=2).to_ndarray()
    error = np.abs(rgb.astype(int) - frames[0].astype(int))
    assert error.mean() <= 2.5 and error.max() <= 8     # a range mix-up: 5.7 and 17


def yuv_planes(path):
    """Each frame's Y, U, V planes as floats, with the stream's range tag."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        planes = [[plane_samples(frame, index).astype(float) for index in range(3)]
                  for frame in container.decode(stream)]
        return int(stream.codec_context.color_range), planes


# swscale's RGB -> full-range YUV rounds the chroma down (0.5 level on average; limited range
# is unbiased), so each pass through tweenflow moved a full-range video's colours (JPEG-style
# yuvj420p from phones, screen recorders, MJPEG) towards green: a grey at U = V = 127 came
# back at 126, R and B 1-2 levels lower. The original frames of a lossless --multi 2 output
# must carry the input's codes: 4:4:4 within one code, 4:2:0 without the bias (its chroma up-
# and downsampling around RGB moves a code by 0.15 on average, 0.56 of 1023 in 10 bits, as in
# limited range; before: 0.44-0.67, and 1.23 of 1023 in luma).
@pytest.mark.parametrize("encoder, pix_fmt, codec", [("ffv1", "yuv444p", "ffv1"),
                                                     ("libx264", "yuv420p", "h264"),
                                                     ("libx264", "yuv420p10le", "h264")])
def test_full_range_video_keeps_its_chroma(tmp_path, encoder, pix_fmt, codec):
    rgb = texture(48, 64, seed=4)
    frames = [rgb, np.roll(rgb, 2, axis=1)]
    if pix_fmt.endswith("10le"):
        frames = [frame.astype(np.uint16) * 257 for frame in frames]
    options = {"qp": "0", "preset": "ultrafast"} if encoder == "libx264" else {}
    source = encode_clip(tmp_path / "in.mkv", frames, encoder, pix_fmt, options,
                         color_range=2)
    target = tmp_path / "out.mkv"
    convert_video(source, target, multi=2, engine="classical", codec=codec,
                  lossless=codec != "ffv1")
    range_in, planes_in = yuv_planes(source)
    range_out, planes_out = yuv_planes(target)
    assert range_in == range_out == 2
    for index in range(2):
        for name, plane_in, plane_out in zip("YUV", planes_in[index], planes_out[2 * index]):
            bias = (plane_out - plane_in).mean()
            assert abs(bias) < (0.8 if pix_fmt.endswith("10le") else 0.25), (name, bias)
            if pix_fmt == "yuv444p":
                assert np.abs(plane_out - plane_in).max() <= 1, name
