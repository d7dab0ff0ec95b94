"""Colours survive: original frames inside a --multi 2 output match the input (real samples)."""
import av
import numpy as np
import pytest

from tweenflow import convert_video
from tests.video.conftest import VIDEOS

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
