"""Motion-control benchmark: PSNR with and without autopilot, and autopilot's matching time.

    python -m tweenflow.bench.motion [--engines classical,rife4,rife3] [--sets multi_gap8,multi_gap16]

For every engine and set (protocol: shared/data/README.md, all t of every pair), the mean RGB
PSNR of the plain engine and with `autopilot=True`, their difference, how many pairs autopilot
steered (found at least one large-motion track) and the per-clip differences. Then the median
time of `autopilot_tracks` per pair at 1280x720 (the multi_gap frames upscaled, bicubic).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from pathlib import Path

import cv2

from tweenflow.api import motion_field, render_times
from tweenflow.bench import datasets
from tweenflow.bench.metrics import psnr
from tweenflow.engines.base import Runtime, create_engine
from tweenflow.motion.autopilot import autopilot_tracks


def compare(engine_name: str, set_name: str, data_dir: Path, runtime: Runtime,
            limit: int | None = None) -> dict:
    engine = create_engine(engine_name, runtime=runtime)
    plain, steered, per_clip = [], [], defaultdict(list)
    pairs_steered, pairs = 0, 0
    for item in datasets.items(set_name, data_dir, limit):
        times = [t for t, _ in item.targets]
        motion = motion_field(item.frame0, item.frame1, autopilot=True)
        pairs += 1
        pairs_steered += motion is not None
        plain_frames = list(render_times(engine, item.frame0, item.frame1, times))
        steered_frames = (plain_frames if motion is None else
                          list(render_times(engine, item.frame0, item.frame1, times, motion)))
        for (_, truth), a, b in zip(item.targets, plain_frames, steered_frames):
            plain.append(psnr(a, truth))
            steered.append(psnr(b, truth))
            per_clip[item.name.split("/")[0]].append(steered[-1] - plain[-1])
    return {"plain": statistics.fmean(plain), "autopilot": statistics.fmean(steered),
            "frames": len(plain), "pairs": pairs, "pairs_steered": pairs_steered,
            "per_clip_delta": {clip: statistics.fmean(d) for clip, d in per_clip.items()}}


def matching_seconds(data_dir: Path, size=(1280, 720), repeats: int = 1) -> list[float]:
    """Seconds of autopilot_tracks per multi_gap16 pair, frames upscaled to `size`."""
    seconds = []
    for item in datasets.items("multi_gap16", data_dir):
        frame0 = cv2.resize(item.frame0, size, interpolation=cv2.INTER_CUBIC)
        frame1 = cv2.resize(item.frame1, size, interpolation=cv2.INTER_CUBIC)
        for _ in range(repeats):
            start = time.perf_counter()
            autopilot_tracks(frame0, frame1)
            seconds.append(time.perf_counter() - start)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench.motion")
    parser.add_argument("--engines", default="classical,rife4,rife3")
    parser.add_argument("--sets", default="multi_gap8,multi_gap16")
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="items per set (quick runs)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write all results here")
    args = parser.parse_args(argv)
    runtime = Runtime(threads=args.threads)
    results = {}
    print("| engine | set | PSNR plain | PSNR autopilot | delta dB | pairs steered | frames |"
          " per-clip delta dB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for engine_name in args.engines.split(","):
        for set_name in args.sets.split(","):
            result = compare(engine_name, set_name, args.data, runtime, args.limit)
            results[f"{engine_name}/{set_name}"] = result
            clips = ", ".join(f"{clip} {delta:+.2f}" for clip, delta
                              in sorted(result["per_clip_delta"].items()))
            print(f"| {engine_name} | {set_name} | {result['plain']:.2f} | "
                  f"{result['autopilot']:.2f} | {result['autopilot'] - result['plain']:+.2f} | "
                  f"{result['pairs_steered']}/{result['pairs']} | {result['frames']} | {clips} |",
                  flush=True)
    seconds = matching_seconds(args.data, repeats=3)
    results["matching_seconds_720p"] = seconds
    print(f"\nautopilot matching at 1280x720: median {statistics.median(seconds):.3f} s per pair "
          f"(max {max(seconds):.3f} s, {len(seconds)} runs)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
