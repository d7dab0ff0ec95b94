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

    def __init__(self, count, engine=None):
        super().__init__(engine)
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


@pytest.fixture
def short_video(tmp_path):
    """30 frames at 25 fps: 3 segments of 0.4 s."""
    return write_video(tmp_path / "short.mp4", moving_frames(30))


SHORT = dict(multi=2, engine="classical", segment_seconds=Fraction(2, 5))


def test_segments_without_their_manifest_are_not_reused(short_video, tmp_path):
    """Finished segments whose manifest is gone (removed by hand, unreadable) were made from
    unknown settings: a rerun makes them again instead of joining them in."""
    target = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        convert_video(short_video, target, crf=30, runner=StopAfter(2), **SHORT)
    (work_folder_for(target) / "manifest.json").unlink()
    result = convert_video(short_video, target, crf=0, **SHORT)
    assert result.segments == 3 and result.segments_reused == 0
    pipeline.convert_video(short_video, tmp_path / "one.mp4", multi=2, engine="classical",
                           crf=0)
    assert_same_video(tmp_path / "one.mp4", target)


def test_other_precision_starts_the_file_over(short_video, tmp_path):
    """The runtime's precision, tile overlap and fast path change pixels as threads do."""
    target = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        convert_video(short_video, target, runtime=Runtime(threads=1, precision="fp32"),
                      runner=StopAfter(1), **SHORT)
    result = convert_video(short_video, target, runtime=Runtime(threads=1, precision="bf16"),
                           **SHORT)
    assert result.segments_reused == 0
    assert "precision changed since the interrupted run; starting this file over" \
        in result.notes


def test_an_engine_object_set_up_otherwise_starts_the_file_over(short_video, tmp_path):
    """An Engine given as an object (API) is named in the manifest by its class and settings:
    the same class with another preset made other pixels, and its segments were joined in."""
    from tweenflow.engines import create_engine
    target = tmp_path / "out.mp4"
    options = {"multi": 2, "segment_seconds": Fraction(2, 5), "crf": 0}

    def stopped(path, engine):
        with pytest.raises(KeyboardInterrupt):
            convert_video(short_video, path, **options, engine=engine,
                          runner=StopAfter(1, engine))
    stopped(target, create_engine("classical"))
    stopped(tmp_path / "same.mp4", create_engine("classical"))
    resumed = convert_video(short_video, tmp_path / "same.mp4", **options,
                            engine=create_engine("classical"))
    assert resumed.segments_reused == 1    # an engine object set up the same resumes
    other = convert_video(short_video, target, **options,
                          engine=create_engine("classical", preset="fast"))
    assert other.segments_reused == 0
    assert "engine changed since the interrupted run; starting this file over" in other.notes
    plain = pipeline.convert_video(short_video, tmp_path / "one.mp4", multi=2, crf=0,
                                   engine=create_engine("classical", preset="fast"))
    assert plain.frames_out == other.frames_out
    assert_same_video(tmp_path / "one.mp4", target)


def test_another_retime_says_which_option_changed(short_video, tmp_path):
    target = tmp_path / "out.mp4"
    with pytest.raises(KeyboardInterrupt):
        convert_video(short_video, target, runner=StopAfter(1), **SHORT)
    result = convert_video(short_video, target, **{**SHORT, "multi": 3})
    assert result.segments_reused == 0 and result.frames_out == 90
    assert "multi changed since the interrupted run; starting this file over" in result.notes
    with pytest.raises(KeyboardInterrupt):
        convert_video(short_video, target, overwrite=True, runner=StopAfter(1), **SHORT)
    result = convert_video(short_video, target, overwrite=True,
                           **{**SHORT, "multi": None, "fps": "50"})
    [note] = [note for note in result.notes if "changed since" in note]
    assert note == "fps, multi changed since the interrupted run; starting this file over"
    # as the CLI says it
    from tweenflow.cli import option_flag
    assert note.worded(option_flag).startswith("--fps, --multi changed since")


def test_an_output_another_run_made_meanwhile_is_not_replaced(short_video, tmp_path,
                                                              monkeypatch):
    """Two runs on one output: the second checked that the output did not exist yet, then
    (while it indexed its input) the first finished; it must not replace that output."""
    from tweenflow.errors import OutputError
    from tweenflow.jobs import convert
    target = tmp_path / "out.mp4"
    index_frames = convert.index_frames

    def first_run_finishes_meanwhile(info):
        target.write_bytes(b"the first run's output")
        return index_frames(info)

    monkeypatch.setattr(convert, "index_frames", first_run_finishes_meanwhile)
    with pytest.raises(OutputError, match="exists; pass overwrite=True"):
        convert_video(short_video, target, **SHORT)
    assert target.read_bytes() == b"the first run's output"
    assert not work_folder_for(target).exists()


KILLED_WHILE_JOINING = """
import os, signal, sys
from fractions import Fraction
from tweenflow import convert_video
from tweenflow.video.writer import VideoWriter
write_packet = VideoWriter.write_packet
def killed_midway(writer, packet):
    if writer.count == 20:
        os.kill(os.getpid(), signal.SIGKILL)
    write_packet(writer, packet)
VideoWriter.write_packet = killed_midway
convert_video(sys.argv[1], sys.argv[2], multi=2, engine="classical",
              segment_seconds=Fraction(2, 5))
"""


def test_killed_while_joining_then_rerun_leaves_only_the_output(short_video, tmp_path):
    """SIGKILL (no cleanup possible) while the segments are joined: the half-written output
    lies in the work folder, which the rerun removes, not beside the output for ever."""
    target = tmp_path / "out.mp4"
    killed = subprocess.run([sys.executable, "-c", KILLED_WHILE_JOINING, str(short_video),
                             str(target)], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not target.exists() and len(finished_segments(target)) == 3
    result = convert_video(short_video, target, **SHORT)
    assert result.segments_reused == 3 and result.frames_out == 60
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.mp4", "short.mp4"]


def test_ctrl_c_while_joining_keeps_the_segments_and_no_partial_output(short_video, tmp_path,
                                                                        monkeypatch):
    from tweenflow.video.writer import VideoWriter
    target = tmp_path / "out.mp4"
    write_packet = VideoWriter.write_packet

    def interrupted_midway(writer, packet):
        if writer.count == 20:
            raise KeyboardInterrupt
        write_packet(writer, packet)

    monkeypatch.setattr(VideoWriter, "write_packet", interrupted_midway)
    with pytest.raises(KeyboardInterrupt):
        convert_video(short_video, target, crf=0, **SHORT)
    monkeypatch.undo()
    assert sorted(path.name for path in tmp_path.iterdir()) == [".out.mp4.tweenflow-work",
                                                                "short.mp4"]
    assert not list(work_folder_for(target).glob("*.part*"))
    result = convert_video(short_video, target, crf=0, **SHORT)
    assert result.segments_reused == 3 and not work_folder_for(target).exists()
    pipeline.convert_video(short_video, tmp_path / "one.mp4", multi=2, engine="classical",
                           crf=0)
    assert_same_video(tmp_path / "one.mp4", target)


class ReplacesTheInputAfter(LocalRunner):
    """Another program writes a clip of the same length over the input once `count` segments
    are done (an editor exporting again while tweenflow runs)."""

    def __init__(self, source, count):
        super().__init__()
        self.source, self.count = source, count

    def run(self, tasks, on_frame=None):
        for done, output in enumerate(super().run(tasks, on_frame), start=1):
            yield output
            if done == self.count:
                write_video(self.source, moving_frames(30, step=5))


def test_an_input_replaced_during_the_run_is_one_line_and_no_mixed_output(short_video,
                                                                           tmp_path):
    """Each segment reads its packets when it starts: the later ones came from the new clip
    (same frame count and times) and the output joined both without a word."""
    from tweenflow.errors import InputError
    target = tmp_path / "out.mp4"
    with pytest.raises(InputError, match="short.mp4: changed while it was converted"):
        convert_video(short_video, target, runner=ReplacesTheInputAfter(short_video, 1),
                      **SHORT)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["short.mp4"]


def test_a_changed_option_is_named_as_convert_video_names_it():
    # the manifest keeps the scene-cut threshold as scene_threshold, the CLI's option
    from tweenflow.cli import option_flag
    from tweenflow.errors import Note
    from tweenflow.jobs.manifest import _changed
    names, arguments = _changed({"options": {"scene_threshold": 27.0, "crf": 20}},
                                {"options": {"scene_threshold": 30.0, "crf": 20}})
    note = Note(", ".join(names), arguments)
    assert (note, note.worded(option_flag)) == ("scene_cut_threshold", "--scene-threshold")
