"""tweenflow batch: many inputs, a summary, exit 1 when one failed, the others still done."""
import subprocess
import sys
from fractions import Fraction

import pytest

from tests.video.conftest import moving_frames, read_video, write_video
from tweenflow import convert_many
from tweenflow.images import write_image


def make_inputs(folder):
    videos = folder / "in"
    videos.mkdir()
    write_video(videos / "a.mp4", moving_frames(10))
    sequence = videos / "b_frames"
    sequence.mkdir()
    for index, frame in enumerate(moving_frames(6)):
        write_image(sequence / f"{index:03d}.png", frame)
    whole = write_video(folder / "c.mp4", moving_frames(10)).read_bytes()
    (videos / "c.mp4").write_bytes(whole[:len(whole) // 2])           # truncated
    write_video(videos / "d.mp4", moving_frames(10))
    (videos / "notes.txt").write_text("not a video")                  # ignored in a folder
    return videos


def test_batch_summary_and_exit_code(tmp_path):
    videos = make_inputs(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "d.mp4").write_bytes(b"done before")                       # already done
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(videos), "-o", str(out), "--multi",
         "2", "--engine", "classical", "-q"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert lines[-1] == "tweenflow: 2 converted, 1 skipped (already done), 1 failed"
    rows = [line for line in lines[:-1] if not line.startswith(" ")]   # not a file's notes
    status = {line.split()[0].rsplit("/", 1)[-1]: line.split()[1] for line in rows}
    assert status == {"a.mp4": "converted", "b_frames": "converted", "c.mp4": "failed",
                      "d.mp4": "skipped"}
    failed = next(line for line in rows if line.split()[1] == "failed")
    assert "c.mp4" in failed and "not a readable video" in failed
    assert len(read_video(out / "a.mp4")[0]) == 20 and len(read_video(out / "b_frames.mp4")[0]) == 12
    assert (out / "d.mp4").read_bytes() == b"done before"
    assert sorted(path.name for path in out.iterdir()) == ["a.mp4", "b_frames.mp4", "d.mp4"]


def test_convert_many_returns_results_per_file(tmp_path):
    videos = make_inputs(tmp_path)
    results = convert_many([videos / "a.mp4", videos / "c.mp4"], tmp_path / "new", multi=2,
                           engine="classical", segment_seconds=Fraction(1, 5))
    assert [(r.input.name, r.status) for r in results] == [("a.mp4", "converted"),
                                                           ("c.mp4", "failed")]
    assert results[0].result.frames_out == 20 and results[0].result.segments == 2
    assert results[1].result is None and results[1].reason


def test_batch_errors(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(tmp_path / "missing"), "-o",
         str(tmp_path / "out"), "--multi", "2"], capture_output=True, text=True, timeout=120)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1
    assert "missing: no such file or folder" in lines[0]
    (tmp_path / "empty").mkdir()
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(tmp_path / "empty"), "-o",
         str(tmp_path / "out"), "--multi", "2", "--ext", "avi"],
        capture_output=True, text=True, timeout=120)
    assert completed.returncode == 2 and "--ext .avi" in completed.stderr


@pytest.mark.parametrize("options, message", [
    (["--multi", "2", "--engine", "rife4", "--large-motion", "placement"],
     "--large-motion applies to --engine auto, not rife4"),
    (["--multi", "2", "--engine", "rife4", "--flow-preset", "fast"],
     "--flow-preset applies to --engine classical, not rife4"),
    (["--multi", "2", "--max-frames", "1"], "--max-frames must be at least 2"),
    (["--multi", "1"], "at least 2"),
    (["--multi", "2", "--dedup", "sometimes"], "use auto, off or a threshold"),
    (["--multi", "2", "--slowmo-audio", "pitch"], "--slowmo-audio"),
    (["--multi", "2", "--scene-threshold", "-1"], "--scene-threshold -1: the scene-cut score "
                                                  "is 0-255"),
])
def test_options_wrong_for_every_file_are_one_line_before_any_file(tmp_path, options, message):
    source = write_video(tmp_path / "a.mp4", moving_frames(4))
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(source), "-o", str(tmp_path / "out"),
         *options], capture_output=True, text=True, timeout=120)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1, completed.stderr
    assert message in lines[0]
    assert not (tmp_path / "out").exists()        # refused before anything was made


# -o the input folder itself: a.mp4's output is a.mp4, and a.mkv's is a.mp4 too; both were
# "skipped (already done)" with exit 0, and with -y a.mkv's conversion replaced the input a.mp4
@pytest.mark.parametrize("overwrite", [[], ["-y"]])
def test_an_output_that_is_one_of_the_inputs_fails_and_leaves_it(tmp_path, overwrite):
    write_video(tmp_path / "a.mp4", moving_frames(4))
    write_video(tmp_path / "a.mkv", moving_frames(5))
    before = (tmp_path / "a.mp4").read_bytes()
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(tmp_path), "-o", str(tmp_path),
         "--multi", "2", "--engine", "classical", "-q", *overwrite],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert lines[-1] == "tweenflow: 0 converted, 0 skipped (already done), 2 failed"
    assert all("is one of the inputs" in line for line in lines[:-1]), completed.stderr
    assert (tmp_path / "a.mp4").read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.mkv", "a.mp4"]


def test_batch_says_each_files_notes_under_its_row(tmp_path):
    """What `tweenflow video` says of a file (here: its audio stretched) is said in the batch
    table too, under that file's row; a file without notes gets none."""
    videos = tmp_path / "in"
    videos.mkdir()
    write_video(videos / "a.mp4", moving_frames(10), audio=True)
    write_video(videos / "b.mp4", moving_frames(10))
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "batch", str(videos), "-o", str(tmp_path / "out"),
         "--slowmo", "2", "--engine", "classical", "-q"], capture_output=True, text=True,
        timeout=300)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert lines[0].split()[:2] == [str(videos / "a.mp4"), "converted"]
    assert lines[1].startswith(" ") and "audio stretched to 2x its length" in lines[1]
    assert lines[2].split()[:2] == [str(videos / "b.mp4"), "converted"]
    assert lines[3] == "tweenflow: 2 converted, 0 skipped (already done), 0 failed"
