"""video/writer.py: the last frame is shown until the end `close` is given, whether the writer
encodes frames itself or joins packets encoded elsewhere (segments); the packets' order and
contents stay the encoder's."""
from fractions import Fraction

import av
import pytest

from tests.video.conftest import moving_frames, read_video
from tweenflow.video.reader import ColourInfo
from tweenflow.video.writer import VideoWriter

COLOUR = ColourInfo(1, 1, 1, 1)
RATE = Fraction(24)
TIME_BASE = Fraction(1, 120)
FRAMES = moving_frames(33, height=48, width=64)     # times k/24: the last at 4/3 s


def played(path):
    with av.open(str(path)) as container:
        return Fraction(container.duration, av.time_base)


def packets_of(path):
    with av.open(str(path)) as container:
        return [(packet.pts, bytes(packet)) for packet in container.demux(video=0)
                if packet.size]


@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
@pytest.mark.parametrize("joined", [False, True])
def test_close_shows_the_last_frame_until_the_given_end(tmp_path, suffix, joined):
    duration = Fraction(41, 30)        # 41 frames at 30 fps: the last frame shows 1/30 s
    paths = {}
    for name, end in (("nominal", None), ("cut", duration)):
        writer = VideoWriter(tmp_path / f"{name}{suffix}", 64, 48, TIME_BASE, RATE, COLOUR)
        if joined:      # encoded by a segment writer, muxed packet by packet
            segment = VideoWriter(tmp_path / "segment.mp4", 64, 48, TIME_BASE, RATE, COLOUR,
                                  keep_packets=True)
            for index, frame in enumerate(FRAMES):
                segment.write(Fraction(index, 24), frame)
            segment.close()
            for packet in segment.packets:
                writer.write_packet(packet)
        else:
            for index, frame in enumerate(FRAMES):
                writer.write(Fraction(index, 24), frame)
        writer.close(end)
        paths[name] = tmp_path / f"{name}{suffix}"
    assert played(paths["nominal"]) == pytest.approx(Fraction(33, 24), abs=0.001)
    assert played(paths["cut"]) == pytest.approx(duration, abs=0.001)
    times, _ = read_video(paths["cut"])
    assert len(times) == 33        # at k/24 (Matroska to the ms)
    assert max(abs(time - Fraction(index, 24)) for index, time in enumerate(times)) < 0.001
    nominal, cut = packets_of(paths["nominal"]), packets_of(paths["cut"])
    assert nominal == cut and len(cut) == 33
    assert [pts for pts, _ in cut] != sorted(pts for pts, _ in cut)    # B-frames: reordered
