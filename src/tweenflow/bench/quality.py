"""Quality benchmark: mean PSNR/SSIM, sharpness and edge agreement (bench.metrics, over the
moving area) and seconds per frame, every engine on every set.

    python -m tweenflow.bench quality [--engines rife4,rife3,classical,blend] [--sets ...]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from tweenflow.api import render_times
from tweenflow.bench import datasets
from tweenflow.bench.metrics import edge_agreement, moving_area, psnr, sharpness, ssim
from tweenflow.engines.base import Engine, Runtime, create_engine

# Mean RGB PSNR of the upstream code on these files (shared/data/README.md).
REFERENCE = {
    ("blend", "middlebury_other"): 28.01, ("blend", "ucf101_dvf"): 34.09,
    ("blend", "multi_gap4"): 24.06, ("blend", "multi_gap8"): 22.27, ("blend", "multi_gap16"): 20.56,
    ("rife4", "middlebury_other"): 33.29, ("rife4", "ucf101_dvf"): 35.80,
    ("rife4", "multi_gap4"): 28.44, ("rife4", "multi_gap8"): 24.37, ("rife4", "multi_gap16"): 21.57,
    ("rife3", "middlebury_other"): 34.82, ("rife3", "ucf101_dvf"): 36.05,
    ("rife3", "multi_gap4"): 28.41, ("rife3", "multi_gap8"): 24.27, ("rife3", "multi_gap16"): 21.91,
    ("classical", "middlebury_other"): 34.18, ("classical", "ucf101_dvf"): 35.83,
    ("classical", "multi_gap4"): 27.99, ("classical", "multi_gap8"): 24.12,
    ("classical", "multi_gap16"): 21.73,
}


class BlendEngine(Engine):
    """The trivial baseline: round((1 - t) * frame0 + t * frame1)."""

    name = "blend"

    def prepare(self, frame0, frame1):
        return frame0.astype(np.float64), frame1.astype(np.float64)

    def render(self, state, t, motion=None):
        return np.clip(np.rint((1 - t) * state[0] + t * state[1]), 0, 255).astype(np.uint8)


def evaluate(engine: Engine, set_name: str, data_dir: Path, limit: int | None = None,
             with_ssim: bool = True) -> dict:
    """Scores of one engine on one set: mean PSNR/SSIM, sharpness and edge agreement (frames
    with no moving area left out of those two), per-item PSNR, seconds per frame."""
    scores, ssims, per_item, seconds, frames = [], [], {}, 0.0, 0
    sharp, edges = [], []
    for item in datasets.items(set_name, data_dir, limit):
        times = [t for t, _ in item.targets]
        start = time.perf_counter()
        predictions = list(render_times(engine, item.frame0, item.frame1, times))
        seconds += time.perf_counter() - start
        frames += len(times)
        item_scores = [psnr(pred, truth) for pred, (_, truth) in zip(predictions, item.targets)]
        area = moving_area(item.frame0, item.frame1)
        for pred, (_, truth) in zip(predictions, item.targets):
            sharp.append(sharpness(pred, truth, area))
            edges.append(edge_agreement(pred, truth, area))
        if with_ssim:
            ssims += [ssim(pred, truth) for pred, (_, truth) in zip(predictions, item.targets)]
        per_item[item.name] = statistics.fmean(item_scores)
        scores += item_scores
    return {"psnr": statistics.fmean(scores), "ssim": statistics.fmean(ssims) if ssims else None,
            "sharpness": _mean_of_known(sharp), "edges": _mean_of_known(edges),
            "frames": frames, "seconds_per_frame": seconds / max(frames, 1), "per_item": per_item}


def _mean_of_known(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.fmean(known) if known else None


def format_optional(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def make_engine(name: str, runtime: Runtime, scale: float = 1.0) -> Engine:
    engine = (BlendEngine() if name == "blend"
              else create_engine(name, runtime=runtime, scale=scale))
    if hasattr(engine, "path"):       # a RIFE engine: which execution path this machine runs
        print(f"# {name}: {engine.path} (self-check {engine.checks or 'not needed'})",
              flush=True)
    return engine


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench quality")
    parser.add_argument("--engines", default="blend,classical,rife4,rife3")
    parser.add_argument("--sets", default=",".join(datasets.SETS))
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="items per set (quick runs)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-ssim", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="the engines' --scale (flow estimated at this fraction of the size; "
                             "the reference column is for scale 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write all results here")
    args = parser.parse_args(argv)
    runtime = Runtime(threads=args.threads)
    results = {}
    print("| engine | set | PSNR dB | reference dB | SSIM | sharpness | edges | frames | s/frame |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for engine_name in args.engines.split(","):
        engine = make_engine(engine_name, runtime, args.scale)
        for set_name in args.sets.split(","):
            result = evaluate(engine, set_name, args.data, args.limit, not args.no_ssim)
            results[f"{engine_name}/{set_name}"] = result
            reference = REFERENCE.get((engine_name, set_name)) if args.scale == 1.0 else None
            print(f"| {engine_name} | {set_name} | {result['psnr']:.2f} | "
                  f"{'' if reference is None else f'{reference:.2f}'} | "
                  f"{format_optional(result['ssim'], '.4f')} | "
                  f"{format_optional(result['sharpness'], '.2f')} | "
                  f"{format_optional(result['edges'], '.2f')} | "
                  f"{result['frames']} | {result['seconds_per_frame']:.3f} |", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
