"""`tweenflow interpolate -n N -o FOLDER`: the frames appear together, or not at all."""
import signal
import subprocess
import sys
import time

import cv2
import pytest

from tests.conftest import one_error_line, run_cli as run, shifted_pair
from tests.interrupt import popen_interruptible
from tweenflow import read_image


def write_pair(folder, height=72, width=100):
    frame0, frame1, _ = shifted_pair(height, width, 6, 2, seed=5)
    for name, frame in (("a.png", frame0), ("b.png", frame1)):
        cv2.imwrite(str(folder / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return str(folder / "a.png"), str(folder / "b.png")


@pytest.mark.parametrize("output", ["frames", "clip.mp4"])
@pytest.mark.parametrize("stop, code, said", [(signal.SIGINT, 130, "interrupted"),
                                               (signal.SIGTERM, 143, "terminated")])
def test_ctrl_c_leaves_no_frames(tmp_path, output, stop, code, said):
    """Ctrl-C or SIGTERM (kill, timeout, a scheduler) midway: neither the frames nor the
    clip's hidden partial file remain."""
    a, b = write_pair(tmp_path, 240, 320)
    target = tmp_path / output
    process = popen_interruptible([sys.executable, "-m", "tweenflow", "interpolate", a, b,
                                   "-n", "400", "-o", str(target), "--engine", "classical"],
                                  stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120

    def started() -> bool:
        if output == "frames":
            return sum(1 for _ in tmp_path.rglob("frame_*.png")) >= 3
        partial = [path for path in tmp_path.iterdir() if ".part" in path.name]
        return bool(partial) and partial[0].stat().st_size > 0
    while not started() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code and said in stderr, stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.png", "b.png"]


def test_frames_join_an_existing_folder_and_keep_its_other_files(tmp_path):
    a, b = write_pair(tmp_path)
    target = tmp_path / "shots"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = run("interpolate", a, b, "-n", "2", "-o", str(target), "--engine", "classical")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in target.iterdir()) == [
        "frame_0001.png", "frame_0002.png", "notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"
    assert read_image(target / "frame_0002.png").shape == (72, 100, 3)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.png", "b.png", "shots"]


def test_a_missing_folder_is_made_with_its_parents(tmp_path):
    a, b = write_pair(tmp_path)
    result = run("interpolate", a, b, "-n", "1", "-o", str(tmp_path / "new" / "frames"),
                 "--engine", "classical")
    assert result.returncode == 0, result.stderr
    assert [path.name for path in (tmp_path / "new" / "frames").iterdir()] == ["frame_0001.png"]
    assert [path.name for path in (tmp_path / "new").iterdir()] == ["frames"]


def test_a_folder_that_cannot_be_made_is_one_line(tmp_path):
    a, b = write_pair(tmp_path)
    result = run("interpolate", a, b, "-n", "1", "-o", "/proc/tweenflow-frames",
                 "--engine", "classical")
    assert result.returncode == 2
    assert "/proc/tweenflow-frames: cannot write" in one_error_line(result)


def test_frame_names_sort_in_their_order_from_10000_on():
    from tweenflow.cli import frame_names
    assert frame_names(3) == ["frame_0001.png", "frame_0002.png", "frame_0003.png"]
    names = frame_names(10000)
    assert names[0] == "frame_00001.png" and names[-1] == "frame_10000.png"
    assert sorted(names) == names


def test_a_long_run_shows_progress_in_a_terminal(tmp_path):
    import fcntl
    import os
    import pty
    import struct
    import termios
    a, b = write_pair(tmp_path)
    command = [sys.executable, "-m", "tweenflow", "interpolate", a, b, "-n", "20", "-o",
               str(tmp_path / "frames"), "--engine", "classical"]
    parent, child = pty.openpty()            # stderr is a terminal, as a user's is
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 100 columns
    with subprocess.Popen(command, stderr=child, stdout=subprocess.DEVNULL) as process:
        os.close(child)
        shown = b""
        while True:
            try:
                chunk = os.read(parent, 4096)
            except OSError:                      # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
    os.close(parent)
    assert process.returncode == 0, shown
    assert b"tweenflow:   0%" in shown and b"0/20 [" in shown, shown
    piped = run("interpolate", a, b, "-n", "20", "-o", str(tmp_path / "more"), "--engine",
                "classical")
    assert piped.stderr.strip().splitlines() == [f"tweenflow: wrote {tmp_path / 'more'}"]
