"""Speed benchmark: seconds per frame, peak memory and the fast path's PSNR cost.

    python -m tweenflow.bench speed [--sizes 448x256,1280x720,1920x1080] [--rounds 5]

Every configuration is timed in the same run, interleaved round by round, and the median is
reported with its ratio to the eager fp32 path of the same engine (these machines are noisy).
Peak RSS is measured in a child process per configuration (VmHWM after one frame), also for a
3840x2160 input whole, at --scale 0.5 and in tiles. Then the quality side: the fast paths'
PSNR against the eager fp32 path (Middlebury, UCF101), the classical presets on full-size
720p triplets (video720) and what tiling costs there.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from tweenflow.allocator import keep_freed_memory
from tweenflow.api import evenly_spaced_times, render_times
from tweenflow.bench import datasets
from tweenflow.bench.quality import evaluate
from tweenflow.engines.base import Runtime, create_engine

# name -> (engine, create_engine options, Runtime options). rife4 runs every t in one pass
# here (recursion="never"): recursion is a large-motion quality strategy with its own cost
# (BENCHMARKS.md, "Large motion"); this benchmark times the network's paths.
CONFIGS = {
    "rife4 fp32 eager": ("rife4", {"recursion": "never"}, {"fast": False, "precision": "fp32"}),
    "rife4 fast": ("rife4", {"recursion": "never"}, {}),
    "rife3 fp32 eager": ("rife3", {}, {"fast": False, "precision": "fp32"}),
    "rife3 fast": ("rife3", {}, {}),
    "classical fine": ("classical", {"preset": "fine"}, {}),
    "classical auto": ("classical", {}, {}),
    "classical fast": ("classical", {"preset": "fast"}, {}),
}
BASELINE = {"rife4": "rife4 fp32 eager", "rife3": "rife3 fp32 eager", "classical": "classical fine"}


def sample_pair(width: int, height: int, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """Two real consecutive frames (multi_gap/dog 0 and 2) resized to width x height."""
    clip = data_dir / "multi_gap" / "dog"
    from tweenflow.images import read_image
    return tuple(cv2.resize(read_image(clip / f"{i:05d}.png"), (width, height),
                            interpolation=cv2.INTER_CUBIC) for i in (0, 2))


def build(name: str, threads: int | None):
    engine_name, options, runtime_options = CONFIGS[name]
    return create_engine(engine_name, runtime=Runtime(threads=threads, **runtime_options),
                         **options)


def time_configs(names: list[str], size: tuple[int, int], rounds: int, data_dir: Path,
                 threads: int | None, many: int) -> dict:
    frame0, frame1 = sample_pair(*size, data_dir)
    engines = {name: build(name, threads) for name in names}
    many_times = evenly_spaced_times(many)
    single: dict[str, list[float]] = {name: [] for name in names}
    multi: dict[str, list[float]] = {name: [] for name in names}
    for name, engine in engines.items():  # warm-up: allocator, oneDNN kernels
        list(render_times(engine, frame0, frame1, [0.5]))
    for _ in range(rounds):
        for name, engine in engines.items():
            start = time.perf_counter()
            list(render_times(engine, frame0, frame1, [0.5]))
            single[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            list(render_times(engine, frame0, frame1, many_times))
            multi[name].append((time.perf_counter() - start) / many)
    return {name: {"single": statistics.median(single[name]),
                   "many": statistics.median(multi[name])} for name in names}


def child_peak_rss(name: str, size: tuple[int, int], threads: int | None, scale: float,
                   keep_memory: bool = True, tile: int = 0) -> tuple[float, float]:
    """(peak RSS in MiB, seconds for prepare + one frame) of a fresh process that loads the
    engine and makes a frame twice (with the allocator set as the CLI sets it, unless
    keep_memory is False); the seconds are the second frame's. NaNs if the process fails."""
    code = (
        ("from tweenflow.allocator import keep_freed_memory; keep_freed_memory()\n"
         if keep_memory else "") +
        "import time\n"
        "import numpy as np\n"
        "from tweenflow.bench.speed import build_scaled\n"
        f"engine = build_scaled({name!r}, {threads!r}, {scale!r}, {tile!r})\n"
        "rng = np.random.default_rng(0)\n"
        f"a = rng.integers(0, 256, ({size[1]}, {size[0]}, 3), dtype=np.uint8)\n"
        "b = np.roll(a, 8, axis=1)\n"
        "for _ in range(2):   # the first frame also faults its memory in; report the second\n"
        "    start = time.perf_counter()\n"
        "    engine.render(engine.prepare(a, b), 0.5)\n"
        "print(time.perf_counter() - start)\n"
        # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across fork+exec, so a child would
        # report this (large) benchmark process's peak.
        "print(next(int(line.split()[1]) for line in open('/proc/self/status')\n"
        "           if line.startswith('VmHWM')) / 1024)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if result.returncode != 0:
        return float("nan"), float("nan")
    seconds, peak = result.stdout.strip().splitlines()[-2:]
    return float(peak), float(seconds)


def build_scaled(name: str, threads: int | None, scale: float, tile: int = 0):
    engine_name, options, runtime_options = CONFIGS[name]
    return create_engine(engine_name, scale=scale,
                         runtime=Runtime(threads=threads, tile=tile, **runtime_options), **options)


def classical_presets_720p(data_dir: Path, threads: int | None) -> dict:
    """PSNR and s/frame of each classical preset on video720 (full-size 720p triplets), the
    size where `auto` picks `medium`."""
    results = {}
    for preset in ("fine", "auto", "fast"):
        engine = create_engine("classical", runtime=Runtime(threads=threads), preset=preset)
        result = evaluate(engine, "video720", data_dir, with_ssim=False)
        results[preset] = (result["psnr"], result["seconds_per_frame"])
    return results


def tiling_cost(data_dir: Path, threads: int | None, tile: int = 512) -> dict:
    """rife4 (fast path) PSNR on video720, whole frames against tiles of `tile` pixels."""
    results = {}
    for label, tiles in (("whole frames", 0), (f"--tile {tile}", tile)):
        engine = create_engine("rife4", runtime=Runtime(threads=threads, tile=tiles),
                               recursion="never")
        results[label] = evaluate(engine, "video720", data_dir, with_ssim=False)["psnr"]
    return results


def psnr_deltas(engine_name: str, data_dir: Path, threads: int | None) -> dict:
    fast = create_engine(engine_name, runtime=Runtime(threads=threads))
    reference = create_engine(engine_name, runtime=Runtime(threads=threads, fast=False,
                                                           precision="fp32"))
    deltas = {}
    for set_name in ("middlebury_other", "ucf101_dvf"):
        fast_psnr = evaluate(fast, set_name, data_dir, with_ssim=False)["psnr"]
        reference_psnr = evaluate(reference, set_name, data_dir, with_ssim=False)["psnr"]
        deltas[set_name] = (reference_psnr, fast_psnr)
    return deltas


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench speed")
    parser.add_argument("--sizes", default="448x256,1280x720,1920x1080")
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--many", type=int, default=7, help="in-betweens for the -n N timing")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-psnr", action="store_true")
    parser.add_argument("--skip-quality", action="store_true",
                        help="skip the 720p quality tables (classical presets, tiling)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--default-allocator", action="store_true",
                        help="leave glibc malloc's defaults (see tweenflow.allocator)")
    args = parser.parse_args(argv)
    if not args.default_allocator:
        keep_freed_memory()   # as `tweenflow interpolate/video` run (applies to every config)
    names = args.configs.split(",")
    results: dict = {"timing": {}, "rss": {}, "psnr": {}}
    print("| size | config | s/frame (1 frame) | x vs eager | s/frame (-n {0}) | x vs eager 1 frame |"
          " x vs eager -n {0} | peak RSS MiB |".format(args.many))
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size_text in args.sizes.split(","):
        size = tuple(int(v) for v in size_text.split("x"))
        timing = time_configs(names, size, args.rounds, args.data, args.threads, args.many)
        results["timing"][size_text] = timing
        for name in names:
            base = BASELINE[CONFIGS[name][0]]
            base_single = timing[base]["single"] if base in timing else float("nan")
            base_many = timing[base]["many"] if base in timing else float("nan")
            rss = float("nan") if args.skip_rss else child_peak_rss(
                name, size, args.threads, 1.0, not args.default_allocator)[0]
            results["rss"][f"{size_text} {name}"] = rss
            print(f"| {size_text} | {name} | {timing[name]['single']:.3f} | "
                  f"{base_single / timing[name]['single']:.2f} | {timing[name]['many']:.3f} | "
                  f"{base_single / timing[name]['many']:.2f} | "
                  f"{base_many / timing[name]['many']:.2f} | {rss:.0f} |", flush=True)
    if not args.skip_rss:
        print("\n| 3840x2160 input | peak RSS MiB | s/frame (a fresh process's 2nd frame) |\n"
              "| --- | --- | --- |")
        for name, scale, tile in (("rife4 fast", 1.0, 0), ("rife4 fast", 0.5, 0),
                                  ("rife4 fast", 1.0, 1024), ("rife4 fast", 1.0, 2048),
                                  ("classical auto", 1.0, 0), ("classical auto", 1.0, 1024)):
            rss, seconds = child_peak_rss(name, (3840, 2160), args.threads, scale,
                                          not args.default_allocator, tile)
            label = f"{name}, --scale {scale}" + (f", --tile {tile}" if tile else "")
            results["rss"][f"3840x2160 {label}"] = [rss, seconds]
            print(f"| {label} | {rss:.0f} | {seconds:.2f} |", flush=True)
    if not args.skip_quality:
        print("\n| classical preset on video720 | PSNR dB | s/frame |\n| --- | --- | --- |")
        for preset, (psnr_db, seconds) in classical_presets_720p(args.data, args.threads).items():
            results["psnr"][f"classical {preset} video720"] = psnr_db
            print(f"| {preset} | {psnr_db:.3f} | {seconds:.3f} |", flush=True)
        print("\n| rife4 fast path on video720 | PSNR dB |\n| --- | --- |")
        for label, psnr_db in tiling_cost(args.data, args.threads).items():
            results["psnr"][f"rife4 video720 {label}"] = psnr_db
            print(f"| {label} | {psnr_db:.3f} |", flush=True)
    if not args.skip_psnr:
        print("\n| engine | set | PSNR eager fp32 | PSNR fast path | delta dB |\n"
              "| --- | --- | --- | --- | --- |")
        for engine_name in ("rife4", "rife3"):
            for set_name, (ref, fast) in psnr_deltas(engine_name, args.data, args.threads).items():
                results["psnr"][f"{engine_name} {set_name}"] = [ref, fast]
                print(f"| {engine_name} | {set_name} | {ref:.3f} | {fast:.3f} | {fast - ref:+.3f} |",
                      flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
