"""`python -m tweenflow.bench cluster`: segments, Ray, scaling (issue 16).

On one 720p clip (the dog sample's packets looped to --seconds), --multi 2, one torch thread
per worker, each configuration timed end to end (decode, engine, encode, mux):

  one-piece      the streaming pipeline in one piece (video.pipeline.convert_video)
  segmented      the in-process segment runner (the default of `tweenflow video`)
  ray 1 node     --ray on a local cluster: one node with 1 CPU (one worker)
  ray 2 nodes    --ray on a local cluster: two nodes with 1 CPU each (two workers)

--pin-nodes pins each node's processes (raylet, its workers and agents) to a core of its own,
as separate 1-CPU machines would be; without it a 1-CPU node's worker still runs its decoder and
encoder threads on the other core. The driver is never pinned.

Ray clusters are started here with only loopback (the benchmark re-runs itself in a network
namespace of its own with `unshare -n` when it can; RAY_AUTH_MODE=disabled, no dashboard).
Rounds are interleaved and the median is reported; other jobs on the machine show up as noise.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from tweenflow.bench.video import SAMPLE, looped_clip
from tweenflow.engines.base import Runtime

NODE = {"num_cpus": 1, "object_store_memory": 200 * 1024 * 1024,
        "node_ip_address": "127.0.0.1"}


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


@contextmanager
def on_core(core: int | None):
    """Processes started inside (from this thread) run on `core` only; None: anywhere."""
    if core is None:
        yield
        return
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {sorted(cores)[core % len(cores)]})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def ray_processes_cpu() -> float:
    """CPU seconds so far of this process's descendants (the clusters' raylets, GCS, agents)
    other than the segment workers."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            worker = b"SegmentWorker" in (entry / "cmdline").read_bytes()
        except OSError:            # gone meanwhile
            continue
        parents[int(entry.name)] = int(fields[1])
        if not worker:
            cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    ours, found = {os.getpid()}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                found = True
    return sum(cpu.get(pid, 0.0) for pid in ours if pid != os.getpid())


def run_configs(clip: Path, folder: Path, engine: str, rounds: int, segment_seconds: Fraction,
                pin_nodes: bool = False) -> tuple[dict[str, list[float]], dict[str, list]]:
    """Wall times of each configuration by round, and the segment runs' results with the CPU
    seconds Ray's own processes used meanwhile (0 in-process)."""
    from ray.cluster_utils import Cluster

    from tweenflow.jobs.convert import convert_video
    from tweenflow.video import pipeline
    options = dict(multi=2, engine=engine, runtime=Runtime(threads=1), overwrite=True)
    times: dict[str, list[float]] = {name: [] for name in
                                     ("one-piece", "segmented", "ray 1 node", "ray 2 nodes")}
    results: dict[str, list] = {name: [] for name in times}
    # warm-up: imports, the engine's first-use checks, x264 (not part of any configuration)
    pipeline.convert_video(clip, folder / "warm.mp4", max_frames=4, **options)
    for round_number in range(rounds):
        seconds, _ = timed(pipeline.convert_video, clip, folder / "one.mp4", **options)
        times["one-piece"].append(seconds)
        seconds, result = timed(convert_video, clip, folder / "seg.mp4",
                                segment_seconds=segment_seconds, **options)
        times["segmented"].append(seconds)
        results["segmented"].append((result, 0.0))
        with on_core(0 if pin_nodes else None):
            cluster = Cluster(initialize_head=True,
                              head_node_args={**NODE, "include_dashboard": False})
        try:
            for name, nodes in (("ray 1 node", 1), ("ray 2 nodes", 2)):
                if nodes == 2:
                    with on_core(1 if pin_nodes else None):
                        cluster.add_node(**NODE)
                before = ray_processes_cpu()
                seconds, result = timed(convert_video, clip, folder / f"ray{nodes}.mp4",
                                        ray=cluster.address, segment_seconds=segment_seconds,
                                        **options)
                times[name].append(seconds)
                results[name].append((result, ray_processes_cpu() - before))
            print(f"  round {round_number + 1}: "
                  + ", ".join(f"{name} {values[-1]:.1f} s" for name, values in times.items())
                  + f"; segments per node {sorted(result.segments_by_worker.values())}",
                  file=sys.stderr, flush=True)
        finally:
            cluster.shutdown()
    return times, results


def breakdown(name: str, result, ray_cpu: float) -> list[str]:
    """Table rows: where one run's time went, the driver's share and each worker's."""
    timings = result.timings
    rows = [f"| {name} | driver | {timings['total']:.1f} | open {timings['open']:.1f}, read "
            f"packets {timings['read']:.1f}, mux {timings['mux']:.1f}; Ray's own processes "
            f"{ray_cpu:.1f} CPU-s | | | | |"]
    by_process: dict[str, list[dict]] = {}
    for run in result.segment_timings:
        by_process.setdefault(run["process"], []).append(run)
    for number, runs in enumerate(by_process.values(), start=1):
        setup = sum(run["setup"] for run in runs)
        busy = sum(run["seconds"] for run in runs)
        cpu = sum(run["cpu"] for run in runs)
        round_trip = sum(run["round_trip"] for run in runs)
        frames = sum(run["frames_out"] for run in runs)
        rows.append(f"| {name} | worker {number} ({len(runs)} segments, {frames} frames) | "
                    f"{round_trip:.1f} | | {setup:.1f} | {busy:.1f} | "
                    f"{round_trip - setup - busy:.1f} | {cpu / busy:.2f} |")
    return rows


def isolated(argv: list[str], module: str = "tweenflow.bench.cluster") -> int:
    """`python -m MODULE --inside ARGV` in a new network namespace with only loopback up."""
    ray_tmp = tempfile.mkdtemp(prefix="r", dir="/tmp")     # Ray's socket paths must be short
    env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0",
               RAY_TMPDIR=ray_tmp, OMP_NUM_THREADS="1")
    try:
        return subprocess.call(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"',
                                "sh", sys.executable, "-m", module,
                                "--inside", *argv], env=env)
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench cluster")
    parser.add_argument("--engine", default="rife4")
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length (s)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--segment-seconds", type=Fraction, default=Fraction(10))
    parser.add_argument("--pin-nodes", action="store_true",
                        help="each Ray node's processes on a core of their own")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    argv = list(argv if argv is not None else sys.argv[1:])
    if not args.inside:
        if shutil.which("unshare") and os.geteuid() == 0:
            return isolated(argv)
        print("note: not root or no unshare: Ray runs in this network namespace",
              file=sys.stderr)
    if not SAMPLE.exists():
        print(f"missing sample video {SAMPLE}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="tweenflow-bench-") as name:
        folder = Path(name)
        clip = looped_clip(SAMPLE, folder / "clip.mp4", args.seconds)
        times, results = run_configs(clip, folder, args.engine, args.rounds,
                                     args.segment_seconds, args.pin_nodes)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n{args.seconds:g} s of 1280x720 at 29.97 fps, --multi 2, --engine {args.engine}, "
          f"--segment-seconds {args.segment_seconds}, 1 torch thread per worker, "
          f"{'nodes pinned to a core each, ' if args.pin_nodes else ''}"
          f"median of {args.rounds} round(s)\n")
    print("| configuration | wall time (s) | vs one-piece | vs ray 1 node |")
    print("| --- | --- | --- | --- |")
    for name, seconds in median.items():
        print(f"| {name} | {seconds:.1f} | {seconds / median['one-piece']:.3f}x | "
              f"{seconds / median['ray 1 node']:.3f}x |")
    print("\nWhere the time went (last round; s). A worker's time is from the driver handing "
          "out its segments to their outputs being back: building the engine, the segments "
          "(decode, render, encode), and the rest (the worker process starting and importing, "
          "moving packets); cores: its CPU time over the segments' wall time.\n")
    print("| configuration | who | wall | driver: | engine build | segments | start, "
          "transfer | cores |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ("segmented", "ray 1 node", "ray 2 nodes"):
        print("\n".join(breakdown(name, *results[name][-1])))
    print(f"\nscaling 1 -> 2 nodes: {median['ray 1 node'] / median['ray 2 nodes']:.2f}x "
          f"(target >= 1.8x)")
    print(f"segmented vs one-piece: {100 * (median['segmented'] / median['one-piece'] - 1):+.1f}%"
          f" (target <= 3%)")
    print(f"ray 1 node vs segmented in-process: "
          f"{100 * (median['ray 1 node'] / median['segmented'] - 1):+.1f}% (target <= 10%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
