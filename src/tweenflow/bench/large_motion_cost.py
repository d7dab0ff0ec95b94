"""What the large-motion strategies cost per frame, as a ratio to rife4, in one interleaved run.

    python -m tweenflow.bench large_motion_cost [--strategies ...] [--pairs 4] [--rounds 3]

On a shared machine absolute times drift with the load; ratios measured in one run, each
round timing every strategy once on the same pairs (order rotated per round), and taken as
medians over rounds, are what can be compared. Each timed unit is one multi_gap16 pair:
prepare plus all 15 in-betweens, as the large_motion benchmark renders them.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from tweenflow.api import render_times
from tweenflow.bench import datasets
from tweenflow.bench.large_motion import STRATEGIES
from tweenflow.engines.base import Runtime

DEFAULT_STRATEGIES = ("rife4", "placement", "fusion", "auto", "auto + placement")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench large_motion_cost")
    parser.add_argument("--strategies", default=",".join(DEFAULT_STRATEGIES),
                        help="the first is the reference (ratio 1)")
    parser.add_argument("--set", default="multi_gap16")
    parser.add_argument("--pairs", type=int, default=4, help="the set's first N pairs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    names = args.strategies.split(",")
    unknown = [name for name in names if name not in STRATEGIES]
    if unknown:
        parser.error(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    runtime = Runtime(threads=args.threads)
    engines = {name: STRATEGIES[name](runtime) for name in names}
    items = list(datasets.items(args.set, args.data, args.pairs))
    frames = sum(len(item.targets) for item in items)
    for item in items[:1]:    # warm-up: first-use costs (allocations, kernel choice) untimed
        for engine in engines.values():
            list(render_times(engine, item.frame0, item.frame1, [0.5]))
    seconds: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(args.rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            start = time.perf_counter()
            for item in items:
                list(render_times(engines[name], item.frame0, item.frame1,
                                  [t for t, _ in item.targets]))
            seconds[name].append((time.perf_counter() - start) / frames)
        print(f"round {round_index + 1}: " + ", ".join(
            f"{name} {seconds[name][-1]:.3f}" for name in names) + " s/frame", flush=True)
    reference = statistics.median(seconds[names[0]])
    print(f"\n{args.set}, first {len(items)} pairs ({frames} frames), {args.rounds} interleaved "
          f"rounds, medians\n")
    print(f"| strategy | s/frame | x {names[0]} |")
    print("| --- | --- | --- |")
    for name in names:
        median = statistics.median(seconds[name])
        print(f"| {name} | {median:.3f} | {median / reference:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
