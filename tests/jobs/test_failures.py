"""A segmented run or a batch that cannot finish: one line, a non-zero exit, nothing that looks
finished or resumable left behind, and a batch's other files still done."""
import subprocess
import sys
from fractions import Fraction

import pytest

from tests.video.conftest import moving_frames, read_video, write_video
from tweenflow import convert_video
from tweenflow.jobs.local import LocalRunner


def run_cli(*arguments):
    return subprocess.run([sys.executable, "-m", "tweenflow", *map(str, arguments)],
                          capture_output=True, text=True, timeout=300)


# libx265 refuses frames under 16 pixels a side when it opens, which PyAV does at the first
# frame: a segmented run stopped with an ArgumentError traceback and left its work folder (a
# manifest, no segment) for a "resume" that failed the same way
def test_an_encoder_refusing_the_frame_size_is_one_line_and_leaves_nothing(tmp_path):
    source = write_video(tmp_path / "tiny.mp4", moving_frames(30, height=8, width=8))
    completed = run_cli("video", source, "-o", tmp_path / "out.mkv", "--codec", "h265",
                        "--multi", "2", "--engine", "classical", "--segment-seconds", "0.4",
                        "-q")
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1, completed.stderr
    assert "cannot open the h265 encoder (libx265) for 8x8 frames" in lines[0]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["tiny.mp4"]


def test_batch_does_the_others_when_the_encoder_refuses_one(tmp_path):
    videos = tmp_path / "in"
    videos.mkdir()
    write_video(videos / "good clip é.mp4", moving_frames(10, height=16, width=16))
    write_video(videos / "tiny.mp4", moving_frames(10, height=8, width=8))
    completed = run_cli("batch", videos, "-o", tmp_path / "out", "--codec", "h265",
                        "--ext", "mkv", "--multi", "2", "--engine", "classical", "-q")
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert lines[-1] == "tweenflow: 1 converted, 0 skipped (already done), 1 failed"
    failed = [line for line in lines if " failed " in line]
    assert len(failed) == 1 and "tiny.mp4" in failed[0] and "8x8" in failed[0]
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["good clip é.mkv"]
    assert len(read_video(tmp_path / "out" / "good clip é.mkv")[0]) == 20


class InterruptedInFirstSegment(LocalRunner):
    """Ctrl-C while the first segment is being made."""

    def run(self, tasks, on_frame=None):
        next(iter(tasks))()          # its packets read, then the interruption
        raise KeyboardInterrupt
        yield


def test_ctrl_c_before_any_segment_is_finished_leaves_no_work_folder(tmp_path):
    source = write_video(tmp_path / "clip.mp4", moving_frames(30))
    with pytest.raises(KeyboardInterrupt):
        convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical",
                      segment_seconds=Fraction(2, 5), runner=InterruptedInFirstSegment())
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4"]


def test_a_corrupt_packet_is_named_by_its_time(tmp_path):
    """One keyframe (at 0 s) and the packet of 1.52 s overwritten: every segment decodes from
    0 s, and the line said 'corrupt packets near 0.000 s' (the window's first packet)."""
    import av
    source = write_video(tmp_path / "clip.mp4", moving_frames(50))
    with av.open(str(source)) as container:
        packets = sorted((packet.pts, packet.pos, packet.size)
                         for packet in container.demux(video=0) if packet.size)
    _, position, size = packets[38]                    # 38 / 25 fps
    data = bytearray(source.read_bytes())
    data[position + 4:position + size] = b"\xff" * (size - 4)
    source.write_bytes(data)
    completed = run_cli("video", source, "-o", tmp_path / "out.mp4", "--multi", "2",
                        "--engine", "classical", "--segment-seconds", "0.4", "-q")
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1, completed.stderr
    assert "clip.mp4: corrupt packets near 1.520 s" in lines[0]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4"]
