"""Resume after an interruption, restart on changed options, one run per output at a time."""
import json
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from tests.interrupt import popen_interruptible
from tests.jobs.test_segmented import assert_same_video
from tests.video.conftest import moving_frames, write_video
from tweenflow import convert_video
from tweenflow.engines.base import Runtime
from tweenflow.jobs.local import LocalRunner
from tweenflow.jobs.manifest import WorkFolder, work_folder_for
from tweenflow.video import pipeline


@pytest.fixture(scope="module")
def long_video(tmp_path_factory):
    """150 frames at 25 fps (6 s), 256x192: 15 segments of 0.4 s."""
    folder = tmp_path_factory.mktemp("long")
    return write_video(folder / "long.mp4", moving_frames(150, height=192, width=256))


def finished_segments(target):
    return sorted(work_folder_for(target).glob("segment_*.json"))


def test_ctrl_c_then_rerun_redoes_only_missing_segments(long_video, tmp_path):
    target = tmp_path / "out.mp4"
    command = [sys.executable, "-m", "tweenflow", "video", str(long_video), "-o", str(target),
               "--multi", "4", "--engine", "classical", "--crf", "0", "-q",
               "--segment-seconds", "0.4"]
    process = popen_interruptible(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(finished_segments(target)) < 3 and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "interrupted" in stderr
    assert not target.exists()
    kept = len(finished_segments(target))
    assert 3 <= kept < 15

    result = convert_video(long_video, target, multi=4, engine="classical", crf=0,
                           segment_seconds=Fraction(2, 5))
    assert result.segments == 15 and result.segments_reused == kept
    assert result.segments_by_worker == {"local": 15 - kept}       # only the missing ones
    assert not work_folder_for(target).exists()
    pipeline.convert_video(long_video, tmp_path / "one.mp4", multi=4, engine="classical",
                           crf=0)
    assert_same_video(tmp_path / "one.mp4", target)


class StopAfter(LocalRunner):
    """A runner that is interrupted after `count` segments (as Ctrl-C would)."""

    def __init__(self, count):
        super().__init__()
        self.count = count

    def run(self, tasks, on_frame=None):
        for done, output in enumerate(super().run(tasks, on_frame), start=1):
            yield output
            if done == self.count:
                raise KeyboardInterrupt


def resume_with_changed(source, target, option, value):
    """Run the CLI again on an interrupted output (multi 2, classical, 0.4 s segments) with
    `option` changed: it says so, starts over and finishes (work folder gone)."""
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "video", str(source), "-o", str(target),
         "--multi", "2", "--engine", "classical", "--segment-seconds", "0.4", option, value,
         "-q"], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert f"{option} changed since the interrupted run; starting this file over" \
        in completed.stderr
    assert target.exists() and not work_folder_for(target).exists()


def test_changed_option_starts_the_file_over(long_video, tmp_path):
    target = tmp_path / "out.mp4"
    options = dict(multi=2, engine="classical", segment_seconds=Fraction(2, 5))
    with pytest.raises(KeyboardInterrupt):
        convert_video(long_video, target, crf=20, runner=StopAfter(2), **options)
    assert len(finished_segments(target)) == 2
    manifest = json.loads((work_folder_for(target) / "manifest.json").read_text())
    assert manifest["options"]["crf"] == 20 and manifest["input"]["size"] > 0
    # same options: resumes
    with pytest.raises(KeyboardInterrupt):
        convert_video(long_video, target, crf=20, runner=StopAfter(1), **options)
    assert len(finished_segments(target)) == 3
    # another crf: the 3 segments are thrown away, with a message
    resume_with_changed(long_video, target, "--crf", "21")


def test_changed_input_starts_over(long_video, tmp_path):
    source = tmp_path / "clip.mp4"
    source.write_bytes(long_video.read_bytes())
    target = tmp_path / "out.mp4"
    options = dict(multi=2, engine="classical", segment_seconds=Fraction(2, 5))
    with pytest.raises(KeyboardInterrupt):
        convert_video(source, target, runner=StopAfter(1), **options)
    write_video(source, moving_frames(40, height=192, width=256))      # replaced meanwhile
    result = convert_video(source, target, **options)
    assert result.segments_reused == 0 and result.frames_in == 40
    assert any("the input" in note and "starting this file over" in note
               for note in result.notes)


def test_second_run_on_the_same_output_refuses(long_video, tmp_path):
    target = tmp_path / "out.mp4"
    with WorkFolder(target):           # a first run holds the work folder
        completed = subprocess.run(
            [sys.executable, "-m", "tweenflow", "video", str(long_video), "-o", str(target),
             "--multi", "2", "--engine", "classical", "-q"],
            capture_output=True, text=True, timeout=120)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1, completed.stderr
    assert "another tweenflow run is writing this output" in lines[0]
    assert not target.exists()


def test_other_threads_start_the_file_over(long_video, tmp_path):
    """Thread counts change rife4's pixels by a level here and there (torch splits some sums
    by thread), so the manifest holds the threads and a resume with others starts over."""
    import cv2
    import torch
    saved = cv2.getNumThreads(), torch.get_num_threads()
    target = tmp_path / "out.mp4"
    try:
        with pytest.raises(KeyboardInterrupt):
            convert_video(long_video, target, multi=2, engine="classical",
                          runtime=Runtime(threads=1), segment_seconds=Fraction(2, 5),
                          runner=StopAfter(2))
    finally:
        cv2.setNumThreads(saved[0])
        torch.set_num_threads(saved[1])
    manifest = json.loads((work_folder_for(target) / "manifest.json").read_text())
    assert manifest["options"]["threads"] == 1
    resume_with_changed(long_video, target, "--threads", "2")
