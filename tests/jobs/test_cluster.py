"""--ray on real Ray clusters on this machine, in a network namespace with only loopback (Ray
binds to the machine's interface even when told 127.0.0.1; nothing may leave the machine)."""
import json
from collections import deque
from fractions import Fraction
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.jobs.test_segmented import assert_same_video
from tests.video.conftest import moving_frames, write_video
from tweenflow import convert_video

pytest.importorskip("ray")
ROOT = Path(__file__).resolve().parents[2]
# 127.0.0.1, ::ffff:127.0.0.1 and ::1 as /proc/net/tcp{,6} write them
LOOPBACK_HEX = {"0100007F", "0000000000000000FFFF00000100007F",
                "00000000000000000000000001000000"}


def isolated_env(ray_tmp):
    env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0",
               RAY_TMPDIR=ray_tmp, OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), str(ROOT),
                                                      env.get("PYTHONPATH")]))
    return env


def run_isolated(arguments, ray_tmp, timeout):
    """python ARGUMENTS in a new network namespace with only loopback up."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs unshare and ip (util-linux, iproute2) for a loopback-only namespace")
    command = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
               sys.executable, *arguments]
    return subprocess.run(command, cwd=ROOT, env=isolated_env(ray_tmp), capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture
def ray_tmp():
    folder = tempfile.mkdtemp(prefix="r", dir="/tmp")      # socket paths must stay short
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_two_nodes_and_a_lost_node_give_the_frames_of_one_machine(tmp_path, ray_tmp):
    source = write_video(tmp_path / "clip.mp4", moving_frames(150, height=192, width=256))
    completed = run_isolated(["-m", "tests.jobs.cluster_scenarios", str(tmp_path),
                              str(source)], ray_tmp, timeout=600)
    if completed.returncode != 0 and "Operation not permitted" in completed.stderr:
        pytest.skip("unshare -n needs root (or user namespaces)")
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["listeners"] and all(address in LOOPBACK_HEX
                                       for address in report["listeners"])
    local = convert_video(source, tmp_path / "local.mp4", multi=4, engine="classical", crf=0,
                          segment_seconds=0.4)
    two = report["two_nodes"]
    assert two["segments"] == local.segments == 15
    assert len(two["by_worker"]) == 2 and sum(two["by_worker"].values()) == 15
    assert report["second_node"] in two["by_worker"]
    # one process per node ran segments, reported its peak memory, and ran with glibc's
    # arenas capped (else each segment's frames land in another of up to 16 arenas, and a
    # worker's memory grows with the number of segments it runs)
    assert len(two["peak_rss"]) == 2 and all(peak > 50 * 2 ** 20
                                             for peak in two["peak_rss"].values())
    assert two["arena_max"] == ["2", "2"]
    # where the time went: each segment's wall time lies inside its round trip through Ray,
    # and the run's total covers the slowest worker's round trips
    runs = two["segment_timings"]
    assert sorted(run["number"] for run in runs) == list(range(15))
    assert all(0 < run["seconds"] < run["round_trip"] and run["cpu"] > 0 for run in runs)
    for process in two["peak_rss"]:
        assert sum(run["round_trip"] for run in runs if run["process"] == process) \
            < two["timings"]["total"]
    assert_same_video(tmp_path / "local.mp4", tmp_path / "two_nodes.mp4")
    lost = report["node_lost"]
    assert lost["killed_after"] is not None and lost["retried"] >= 1
    assert sum(lost["by_worker"].values()) == 15
    assert_same_video(tmp_path / "local.mp4", tmp_path / "node_lost.mp4")


def test_unreachable_address_is_one_line_and_exit_3(tmp_path, ray_tmp):
    source = write_video(tmp_path / "clip.mp4", moving_frames(4))
    completed = run_isolated(["-m", "tweenflow", "video", str(source), "-o",
                              str(tmp_path / "out.mp4"), "--multi", "2", "--engine",
                              "classical", "--ray", "127.0.0.1:9"], ray_tmp, timeout=120)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 3, completed.stderr
    assert len(lines) == 1 and "cannot reach the Ray cluster at 127.0.0.1:9" in lines[0]
    assert not (tmp_path / "out.mp4").exists()


# a worker of --threads CPUs that fits on no node stayed pending for ever: the run hung
def test_threads_beyond_every_node_are_one_line_and_exit_3(tmp_path, ray_tmp):
    source = write_video(tmp_path / "clip.mp4", moving_frames(4))
    completed = run_isolated(["-m", "tweenflow", "video", str(source), "-o",
                              str(tmp_path / "out.mp4"), "--multi", "2", "--engine",
                              "classical", "--ray", "--threads", "1024"], ray_tmp, timeout=120)
    assert completed.returncode == 3, completed.stderr
    assert "Traceback" not in completed.stderr
    ours = [line for line in completed.stderr.splitlines() if line.startswith("tweenflow")]
    assert len(ours) == 1 and ours[0].startswith(
        "tweenflow: error: a worker of 1024 CPUs (--threads) fits on no node of the Ray "
        "cluster (the largest has "), completed.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4"]


def test_workers_are_counted_node_by_node():
    from tweenflow.jobs.ray_runner import workers_that_fit
    node = lambda cpus, alive=True: {"Alive": alive, "Resources": {"CPU": cpus}}  # noqa: E731
    assert workers_that_fit([node(3), node(3)], 2) == 2           # not 6 // 2 = 3
    assert workers_that_fit([node(4), node(2), node(8, alive=False)], 2) == 3
    assert workers_that_fit([node(2), {"Alive": True, "Resources": {}}], 1) == 2
    assert workers_that_fit([node(2), node(2)], 4) == 0


def test_a_segment_failing_three_times_names_file_segment_and_times():
    from types import SimpleNamespace

    from tweenflow.errors import ClusterError
    from tweenflow.jobs.plan import plan_segments
    from tweenflow.jobs.ray_runner import RayRunner
    runner = RayRunner.__new__(RayRunner)      # no cluster: only the retry bookkeeping
    runner.retried = 0
    plan = plan_segments([Fraction(k, 10) for k in range(100)], [], Fraction(3))
    task = SimpleNamespace(segment=plan[1], segment_count=len(plan),
                           info=SimpleNamespace(path=Path("film.mp4")))
    queue, attempts = deque(), {}
    runner._retry(queue, task, attempts, "worker died")
    runner._retry(queue, task, attempts, "worker died")
    assert list(queue) == [task, task] and runner.retried == 2
    with pytest.raises(ClusterError) as failure:
        runner._retry(queue, task, attempts, "node lost")
    message = str(failure.value)
    assert "film.mp4: segment 2/3 (3.000-6.000 s) failed 3 times (last: node lost)" in message
    assert "run the command again to resume" in message and failure.value.exit_code == 3
