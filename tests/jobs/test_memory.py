"""Memory of a segmented run stays flat in the video's length: the driver holds no finished
segment's frames, and every process that ran segments reports its peak (and its times)."""
import gc
import os
import resource
import weakref
from fractions import Fraction

import pytest

from tests.video.conftest import moving_frames, write_video
from tweenflow import convert_video
from tweenflow.jobs.local import LocalRunner


class WatchedRunner(LocalRunner):
    """Keeps a weak reference to every packet it hands to the driver; when the driver asks for
    the next segment, counts how many of the earlier ones are still alive."""

    def __init__(self):
        super().__init__()
        self.handed: list[weakref.ref] = []
        self.alive: list[int] = []

    def run(self, tasks, on_frame=None):
        for output in super().run(tasks, on_frame):
            gc.collect()
            self.alive.append(sum(ref() is not None for ref in self.handed))
            self.handed += [weakref.ref(packet) for packet in output.packets]
            yield output
        gc.collect()
        self.alive.append(sum(ref() is not None for ref in self.handed))


def test_the_driver_keeps_no_finished_segment_in_memory(tmp_path):
    source = write_video(tmp_path / "clip.mp4", moving_frames(60))
    runner = WatchedRunner()
    result = convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical",
                           segment_seconds=Fraction(2, 5), runner=runner)
    assert result.segments == 6 and len(runner.handed) == result.frames_out
    # each segment's packets are on disk (and dropped) before the next one is made
    assert runner.alive == [0] * 7


def test_each_process_that_ran_segments_reports_its_peak_and_times(tmp_path):
    source = write_video(tmp_path / "clip.mp4", moving_frames(30))
    result = convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical",
                           segment_seconds=Fraction(2, 5))
    assert list(result.peak_rss_by_process) == [f"local pid {os.getpid()}"]
    peak = result.peak_rss_by_process[f"local pid {os.getpid()}"]
    assert 10 * 2 ** 20 < peak <= resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    timings = result.timings
    assert set(timings) == {"open", "read", "mux", "total"}
    assert timings["read"] > 0 and timings["mux"] > 0
    assert timings["total"] > timings["read"] + timings["mux"] + timings["open"]
    runs = result.segment_timings
    assert [run["number"] for run in runs] == list(range(result.segments)) == [0, 1, 2]
    assert sum(run["frames_out"] for run in runs) == result.frames_out
    assert all(0 <= run["setup"] < run["seconds"] for run in runs)
    for run in runs:
        assert 0 < run["seconds"] <= run["round_trip"] and run["cpu"] > 0
        assert run["round_trip"] == pytest.approx(run["setup"] + run["seconds"], abs=0.05)
    assert sum(run["round_trip"] for run in runs) < timings["total"]
