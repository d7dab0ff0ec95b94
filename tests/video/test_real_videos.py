"""Whole real samples: frame counts, durations and audio as the options imply (PyAV reads)."""
from fractions import Fraction

import av
import pytest

from tweenflow import convert_video
from tests.video.conftest import VIDEOS, read_video

NASA = VIDEOS / "nasa_2video_aac_subtitles.mp4"


def stream_durations(path):
    """{stream type: [end time in s of each stream]} from the packets (independent read)."""
    ends: dict[str, list[Fraction]] = {}
    with av.open(str(path)) as container:
        for stream in container.streams:
            if stream.type not in ("video", "audio"):
                continue
            end = Fraction(0)
            for packet in container.demux(stream):
                if packet.pts is not None:
                    end = max(end, (packet.pts + packet.duration) * stream.time_base)
            container.seek(0)
            ends.setdefault(stream.type, []).append(end)
    return ends


@pytest.mark.skipif(not NASA.exists(), reason="shared sample videos not available")
def test_nasa_multi_2_whole_file(tmp_path):
    target = tmp_path / "nasa.mp4"
    result = convert_video(NASA, target, multi=2, engine="classical", scale=0.5, preset="ultrafast")
    times, _ = read_video(target)
    # first video stream: 325 frames at 25 fps, 13.000 s
    assert result.frames_in == 325 and len(times) == 650
    assert times == [Fraction(k, 50) for k in range(650)]
    # the hard cut between frames 201 and 202 is detected (and maybe dissolve edges, not more)
    assert 1 <= result.scene_cuts <= 3
    ends_in, ends_out = stream_durations(NASA), stream_durations(target)
    # the second video stream is copied unchanged (its own 390 frames, 13.013 s)
    assert ends_out["video"] == [Fraction(13), ends_in["video"][1]] == [13, Fraction(13013, 1000)]
    assert len(ends_out["audio"]) == 2                        # both audio streams copied
    for audio_in, audio_out in zip(ends_in["audio"], ends_out["audio"]):
        assert abs(audio_out - audio_in) <= Fraction(1, 25)   # +- one input frame
