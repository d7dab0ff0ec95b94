"""`python -m tweenflow.bench alpha`: what transparency costs (issue 17, item 4).

    python -m tweenflow.bench alpha [--size 1280x720] [--engines rife4,classical] [--rounds 7]
                                    [--threads N]

One in-between (t = 0.5, prepare + render) of a real pair (multi_gap/dog frames 0 and 2,
resized) timed three ways, interleaved round by round in one run, medians reported with their
ratio to the RGB pair, in wall-clock seconds and in CPU seconds of this process (all its
threads; on a machine shared with other jobs the CPU time is the steadier measure of the work,
the wall time also counts waiting for a core). The three ways: the RGB pair; the same pair as
RGBA (a soft-edged sprite matte moving with the picture) through AlphaEngine, the alpha
carried by the engine's own pass; and the same RGBA pair with the matte rendered by a second
pass (AlphaEngine's fallback, what every engine did before). rife4 runs every t in one pass
(recursion="never"), as in the speed benchmark.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from tweenflow.bench import datasets
from tweenflow.bench.speed import sample_pair
from tweenflow.engines.alpha import AlphaEngine
from tweenflow.engines.base import Engine, Runtime, create_engine

ENGINE_OPTIONS = {"rife4": {"recursion": "never"}}


class MattePass(Engine):
    """An engine seen as one that cannot carry alpha, so AlphaEngine takes its fallback."""

    carries_alpha = False

    def __init__(self, inner: Engine) -> None:
        self.inner, self.name = inner, inner.name

    def prepare(self, frame0, frame1):
        return self.inner.prepare(frame0, frame1)

    def render(self, state, t, motion=None):
        return self.inner.render(state, t, motion)

    def render_many(self, state, times, motion=None):
        return self.inner.render_many(state, times, motion)


def with_matte(frame: np.ndarray, centre_x: float) -> np.ndarray:
    """The RGB frame as straight RGBA: an ellipse a third of the frame wide, opaque inside,
    with a soft edge (8 % of its size), centred at column centre_x; transparent around it."""
    height, width = frame.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    radius = ((xx - centre_x) / (width / 6)) ** 2 + ((yy - height / 2) / (height / 3)) ** 2
    alpha = np.clip((1.08 - np.sqrt(radius)) / 0.16, 0, 1)
    return np.dstack([frame, np.rint(alpha * 255).astype(np.uint8)])


def timed(engine: Engine, frame0: np.ndarray, frame1: np.ndarray) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one in-between."""
    start, start_cpu = time.perf_counter(), time.process_time()
    engine.render_many(engine.prepare(frame0, frame1), [0.5])
    return time.perf_counter() - start, time.process_time() - start_cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench alpha")
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--engines", default="rife4,classical")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    args = parser.parse_args(argv)
    width, height = (int(side) for side in args.size.split("x"))
    rgb0, rgb1 = sample_pair(width, height, args.data)
    # the sprite moves 12 px to the right between the frames (the picture's own motion aside)
    rgba0, rgba1 = with_matte(rgb0, width / 2 - 6), with_matte(rgb1, width / 2 + 6)
    print(f"# one in-between (t = 0.5) of a {width}x{height} pair, {args.rounds} rounds "
          f"interleaved, threads={args.threads or 'default'}; median seconds, wall (CPU)")
    print("| engine | RGB | RGBA, alpha carried | ratio to RGB | RGBA, matte pass | "
          "ratio to RGB |")
    print("|---|---|---|---|---|---|")
    runtime = Runtime(threads=args.threads)
    for name in args.engines.split(","):
        engine = create_engine(name, runtime=runtime, **ENGINE_OPTIONS.get(name, {}))
        ways = {"rgb": (engine, rgb0, rgb1),
                "carried": (AlphaEngine(engine), rgba0, rgba1),
                "matte": (AlphaEngine(MattePass(engine)), rgba0, rgba1)}
        for way in ways.values():     # warm-up: first-call allocations, the self-check
            timed(*way)
        seconds: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
        for _ in range(args.rounds):
            for way, (runner, frame0, frame1) in ways.items():
                seconds[way].append(timed(runner, frame0, frame1))
        wall = {way: statistics.median(s[0] for s in values) for way, values in seconds.items()}
        cpu = {way: statistics.median(s[1] for s in values) for way, values in seconds.items()}
        cells = [f"{wall[way]:.3f} ({cpu[way]:.3f})" for way in ways]
        ratios = [f"{wall[way] / wall['rgb']:.2f}x ({cpu[way] / cpu['rgb']:.2f}x)"
                  for way in ("carried", "matte")]
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratios[0]} | {cells[2]} | {ratios[1]} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
