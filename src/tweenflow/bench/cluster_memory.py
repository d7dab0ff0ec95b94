"""`python -m tweenflow.bench cluster_memory`: peak memory per worker against the video's length.

The same 720p source (the dog sample's packets looped, no re-encode) cut to 5 s and 60 s is
converted with --multi 2 in segments (default 10 s), one torch thread per worker:

  in-process   the in-process segment runner (the default of `tweenflow video`): the driver is
               the worker
  ray          --ray on a local 1-node cluster with 2 CPUs (two workers, one per CPU)
  ray-uncapped the same with the workers' malloc arenas left at glibc's default (what
               RayRunner.WORKER_ENV prevents; not run unless asked for)

Each run is a fresh interpreter. Every process that runs segments reports its own peak resident
memory at the end of each segment (ru_maxrss: Ray's object store pages it touched included);
the driver's peak is the child interpreter's own ru_maxrss (Ray's raylet and object store are
other processes). Streaming means 60 s should need about what 5 s does (target <= 1.2x).
Clusters run in a loopback-only network namespace (as `bench cluster` does).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from tweenflow.allocator import keep_freed_memory
from tweenflow.bench.cluster import NODE, isolated
from tweenflow.bench.video import SAMPLE, looped_clip
from tweenflow.engines.base import Runtime

MODES = ("in-process", "ray", "ray-uncapped")
MIB = 1024 * 1024


def child(mode: str, clip: Path, output: Path, engine: str, segment_seconds: Fraction) -> dict:
    """One conversion in this (fresh) interpreter; its memory and counts."""
    from tweenflow.jobs.convert import convert_video
    keep_freed_memory()       # as `tweenflow video` sets it (the workers set it themselves)
    options = dict(multi=2, engine=engine, runtime=Runtime(threads=1), overwrite=True,
                   segment_seconds=segment_seconds)
    cluster = None
    if mode.startswith("ray"):
        from ray.cluster_utils import Cluster

        from tweenflow.jobs.ray_runner import RayRunner
        cluster = Cluster(initialize_head=True,
                          head_node_args={**NODE, "num_cpus": 2, "include_dashboard": False})
        options["ray"] = cluster.address
        if mode == "ray-uncapped":
            class Uncapped(RayRunner):
                WORKER_ENV: dict = {}
            options["runner"] = Uncapped(cluster.address, cpus_per_worker=1)
    try:
        started = time.perf_counter()
        result = convert_video(clip, output, **options)
        seconds = time.perf_counter() - started
    finally:
        if "runner" in options:
            options["runner"].close()
        if cluster is not None:
            cluster.shutdown()
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"seconds": seconds, "frames_in": result.frames_in, "frames_out": result.frames_out,
            "segments": result.segments, "driver_peak": driver,
            "workers": result.peak_rss_by_process,
            "segments_by_worker": result.segments_by_worker}


def measure(mode: str, clip: Path, engine: str, segment_seconds: Fraction) -> dict:
    output = clip.with_name(f"{clip.stem}_{mode}.mp4")
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow.bench.cluster_memory", "--child", mode, str(clip),
         str(output), engine, str(segment_seconds)], capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"{mode} on {clip.name} failed:\n{completed.stderr[-3000:]}")
    output.unlink(missing_ok=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def worker_peaks(row: dict) -> list[int]:
    """Peaks of the processes that ran segments; in-process that is the driver itself."""
    return sorted(row["workers"].values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench cluster_memory")
    parser.add_argument("--engine", action="append",
                        help="engine (repeat for several; default rife4)")
    parser.add_argument("--seconds", type=float, nargs=2, default=[5.0, 60.0],
                        help="the short and the long clip (s)")
    parser.add_argument("--segment-seconds", type=Fraction, default=Fraction(10))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES[:2]))
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, clip, output, engine, segment_seconds = args.child
        print(json.dumps(child(mode, Path(clip), Path(output), engine,
                               Fraction(segment_seconds))))
        return 0
    argv = list(argv if argv is not None else sys.argv[1:])
    if not args.inside and any(mode.startswith("ray") for mode in args.modes):
        if shutil.which("unshare") and os.geteuid() == 0:
            return isolated(argv, "tweenflow.bench.cluster_memory")
        print("note: not root or no unshare: Ray runs in this network namespace",
              file=sys.stderr)
    if not SAMPLE.exists():
        print(f"missing sample video {SAMPLE}", file=sys.stderr)
        return 2
    engines = args.engine or ["rife4"]
    rows: dict[tuple[str, str, float], dict] = {}
    with tempfile.TemporaryDirectory(prefix="tweenflow-bench-") as name:
        folder = Path(name)
        clips = {seconds: looped_clip(SAMPLE, folder / f"dog_{seconds:g}s.mp4", seconds)
                 for seconds in args.seconds}
        for engine in engines:
            for mode in args.modes:
                for seconds, clip in clips.items():
                    row = measure(mode, clip, engine, args.segment_seconds)
                    rows[engine, mode, seconds] = row
                    print(f"  {engine} {mode} {seconds:g} s: {row['seconds']:.0f} s, driver "
                          f"{row['driver_peak'] / MIB:.0f} MiB, workers "
                          f"{[round(peak / MIB) for peak in worker_peaks(row)]} MiB",
                          file=sys.stderr, flush=True)
    short, long = args.seconds
    print(f"\n1280x720 at 29.97 fps, --multi 2, --segment-seconds {args.segment_seconds}, "
          f"1 torch thread per worker; peak RSS (MiB)\n")
    print("| engine | runner | clip | segments | wall time (s) | driver peak | "
          "worker peaks (segments per node) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (engine, mode, seconds), row in rows.items():
        workers = ", ".join(f"{peak / MIB:.0f}" for peak in worker_peaks(row))
        print(f"| {engine} | {mode} | {seconds:g} s | {row['segments']} | "
              f"{row['seconds']:.0f} | {row['driver_peak'] / MIB:.0f} | {workers} "
              f"({', '.join(str(count) for count in row['segments_by_worker'].values())}) |")
    print()
    for engine in engines:
        for mode in args.modes:
            if (engine, mode, short) not in rows or (engine, mode, long) not in rows:
                continue
            low, high = rows[engine, mode, short], rows[engine, mode, long]
            driver = high["driver_peak"] / low["driver_peak"]
            worker = max(worker_peaks(high)) / max(worker_peaks(low))
            print(f"{engine} {mode}: {long:g} s / {short:g} s: driver {driver:.3f}x, "
                  f"largest worker {worker:.3f}x (target <= 1.2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
