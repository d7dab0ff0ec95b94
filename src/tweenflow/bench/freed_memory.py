"""`python -m tweenflow.bench freed_memory`: what keeping freed memory in the process is worth.

    python -m tweenflow.bench freed_memory [--sizes 1280x720,1920x1080] [--engines rife4,classical]
                                           [--rounds 3] [--frames 6]

glibc gives large freed blocks back to the system, so an engine that allocates and frees its
tensors for every frame faults them in again every frame; `tweenflow.keep_freed_memory()`
(tweenflow.allocator; the CLI and the Ray workers call it, a Python script may) keeps them. The
setting is process-wide, so each measurement is a fresh process (`--worker`) that creates the
engine with the setting on or off,
renders one pair once to warm up, then times `--frames` in-betweens (prepare + render, t = 0.5,
a real pair: multi_gap/dog frames 0 and 2, resized) and reports the median seconds per frame, the
page faults per frame and its peak RSS. Processes alternate on/off round by round; medians of
the rounds. rife4 runs every t in one pass (recursion="never"), as in the speed benchmark.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tweenflow.bench import datasets

ENGINE_OPTIONS = {"rife4": {"recursion": "never"}}


def worker(engine_name: str, size: str, keep: bool, frames: int, data: Path) -> dict:
    from tweenflow.allocator import keep_freed_memory
    from tweenflow.bench.speed import sample_pair
    from tweenflow.engines.base import create_engine

    width, height = map(int, size.split("x"))
    frame0, frame1 = sample_pair(width, height, data)
    if keep and not keep_freed_memory():
        raise SystemExit("glibc's malloc settings did not take on this system")
    engine = create_engine(engine_name, **ENGINE_OPTIONS.get(engine_name, {}))
    engine.render(engine.prepare(frame0, frame1), 0.5)
    times, faults = [], []
    for _ in range(frames):
        faults_before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        started = time.perf_counter()
        engine.render(engine.prepare(frame0, frame1), 0.5)
        times.append(time.perf_counter() - started)
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_before)
    return {"seconds": statistics.median(times), "faults": statistics.median(faults),
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(engine_name: str, size: str, keep: bool, frames: int, data: Path) -> dict:
    command = [sys.executable, "-m", "tweenflow.bench.freed_memory", "--worker", engine_name,
               size, "keep" if keep else "default", "--frames", str(frames), "--data", str(data)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(result.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench freed_memory")
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--engines", default="rife4,classical")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--worker", nargs=3, metavar=("ENGINE", "SIZE", "MODE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        engine_name, size, mode = args.worker
        print(json.dumps(worker(engine_name, size, mode == "keep", args.frames, args.data)))
        return 0
    print("| engine | size | s/frame, default / kept | speed-up | page faults per frame, "
          "default / kept | peak RSS MiB, default / kept |")
    print("| --- | --- | --- | --- | --- | --- |")
    for engine_name in args.engines.split(","):
        for size in args.sizes.split(","):
            runs: dict[bool, list[dict]] = {False: [], True: []}
            for round_number in range(args.rounds):
                for keep in ((False, True) if round_number % 2 == 0 else (True, False)):
                    runs[keep].append(measure(engine_name, size, keep, args.frames, args.data))
            cell = {keep: {key: statistics.median(run[key] for run in runs[keep])
                           for key in ("seconds", "faults", "peak_mib")} for keep in runs}
            default, kept = cell[False], cell[True]
            print(f"| {engine_name} | {size} | {default['seconds']:.3f} / {kept['seconds']:.3f} | "
                  f"{default['seconds'] / kept['seconds']:.2f}x | {default['faults']:.0f} / "
                  f"{kept['faults']:.0f} | {default['peak_mib']:.0f} / {kept['peak_mib']:.0f} |",
                  flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
