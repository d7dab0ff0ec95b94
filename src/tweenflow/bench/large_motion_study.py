"""Where fusion's accuracy and one network's sharpness can come from (issue 18), measured.

    python -m tweenflow.bench large_motion_study [--sets multi_gap8,multi_gap16] [--threads N]

Renders every in-between of the sets once with each member engine (rife4, rife3 at full and
half scale, classical; each also on the mirrored pair), then scores ways of combining the
members' frames, from the same frames, with PSNR, sharpness and edge agreement (bench.metrics):

- each member alone, and the outlier-robust mean (fusion's rule) of several member sets: what
  pixel averaging gains, and what it costs in sharpness;
- selectors that keep ONE member's pixels per region, judged without the truth: nearest to the
  members' consensus by colour (the placement engine's rule), or by local structure (normalized
  cross-correlation of the Laplacians with the consensus's);
- the same choice judged WITH the truth ("oracle"): not an engine, an upper bound on what any
  selector among those members could reach.

The numbers say which of issue 18's floors a choice among these members can meet at all, and
which rule comes how close (BENCHMARKS.md, "Sharpness at large motion").
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from tweenflow.api import render_times
from tweenflow.bench import datasets
from tweenflow.bench.metrics import edge_agreement, moving_area, psnr, sharpness
from tweenflow.engines.augment import MIRROR, AugmentedEngine
from tweenflow.engines.base import Engine, Runtime, create_engine
from tweenflow.engines.fusion import robust_mean
from tweenflow.engines.placement import place

# member name -> (engine, scale, mirrored)
MEMBERS = {
    "rife4": ("rife4", 1.0, False), "rife4 mirror": ("rife4", 1.0, True),
    "rife3": ("rife3", 1.0, False), "rife3 mirror": ("rife3", 1.0, True),
    "rife3 half": ("rife3", 0.5, False), "rife3 half mirror": ("rife3", 0.5, True),
    "classical": ("classical", 1.0, False), "classical mirror": ("classical", 1.0, True),
}
RIFE4S = ("rife4", "rife4 mirror")
CLASSICALS = ("classical", "classical mirror")
FUSION = RIFE4S + ("rife3", "rife3 mirror") + CLASSICALS     # the fusion engine's members
SELECT_SIGMA = 4.0      # a selector's region: Gaussian window of this sigma (pixels)
Rule = Callable[[list[np.ndarray], np.ndarray], np.ndarray]   # (members' frames, truth) -> frame


def _uint8(image: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _laplacian(image: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(np.clip(image, 0, 255).astype(np.float32), cv2.COLOR_RGB2GRAY)
    return cv2.Laplacian(grey, cv2.CV_32F, ksize=3)


def _smooth(image: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), SELECT_SIGMA)


def _take(frames: Sequence[np.ndarray], scores: list[np.ndarray]) -> np.ndarray:
    """Per pixel, the frame with the highest score."""
    best = np.argmax(np.stack(scores), axis=0)
    out = frames[0].copy()
    for index, frame in enumerate(frames[1:], start=1):
        out[best == index] = frame[best == index]
    return out


def mean_of(count: int) -> Rule:
    return lambda frames, truth: _uint8(robust_mean(frames[:count]))


def nearest_by_colour(sharp: int) -> Rule:
    """One of the first `sharp` frames per region: nearest the consensus of all, by colour."""
    def rule(frames, truth):
        consensus = robust_mean(frames)
        return _take(frames[:sharp], [-_smooth(np.abs(f.astype(np.float32) - consensus).sum(2))
                                      for f in frames[:sharp]])
    return rule


def nearest_by_structure(sharp: int) -> Rule:
    """One of the first `sharp` frames per region: whose Laplacian correlates best (locally
    normalized) with the consensus's."""
    def rule(frames, truth):
        reference = _laplacian(robust_mean(frames))
        scores = []
        for frame in frames[:sharp]:
            own = _laplacian(frame)
            scores.append(_smooth(own * reference) / (np.sqrt(
                _smooth(own * own) * _smooth(reference * reference)) + 1e-3))
        return _take(frames[:sharp], scores)
    return rule


def oracle(frames: list[np.ndarray], truth: np.ndarray) -> np.ndarray:
    """Per region, the frame nearest the truth (an upper bound, not an engine)."""
    reference = truth.astype(np.float32)
    return _take(frames, [-_smooth(np.abs(f.astype(np.float32) - reference).sum(2))
                          for f in frames])


def placement(sharp: int) -> Rule:
    return lambda frames, truth: place(frames[:sharp], frames)


# label -> (members in order, rule)
ROWS: dict[str, tuple[tuple[str, ...], Rule]] = {
    **{name: ((name,), mean_of(1)) for name in MEMBERS},
    "mean: fusion (rife4, rife3, classical, each mirrored)": (FUSION, mean_of(6)),
    "mean: rife4 x2, classical x2": (RIFE4S + CLASSICALS, mean_of(4)),
    "mean: rife4 x2, classical x2, rife3 half x2": (
        RIFE4S + CLASSICALS + ("rife3 half", "rife3 half mirror"), mean_of(6)),
    "placement (rife4 x2 sharp, classical x2 vote)": (RIFE4S + CLASSICALS, placement(2)),
    "select rife4 x2 by colour vs consensus": (RIFE4S + CLASSICALS, nearest_by_colour(2)),
    "select rife4 x2 by structure vs consensus": (RIFE4S + CLASSICALS, nearest_by_structure(2)),
    "select rife4 x2, rife3 x2 by structure vs fusion": (
        RIFE4S + ("rife3", "rife3 mirror") + CLASSICALS, nearest_by_structure(4)),
    "oracle among rife4 x2": (RIFE4S, oracle),
    "oracle among rife4 x2, rife3 half": (RIFE4S + ("rife3 half",), oracle),
    "oracle among rife4 x2, rife3 x2": (RIFE4S + ("rife3", "rife3 mirror"), oracle),
}


def member_engine(name: str, runtime: Runtime) -> Engine:
    engine_name, scale, mirrored = MEMBERS[name]
    engine = create_engine(engine_name, runtime=runtime, scale=scale)
    return AugmentedEngine(engine, MIRROR) if mirrored else engine


def render_members(set_name: str, data_dir: Path, runtime: Runtime, names: Sequence[str]
                   ) -> tuple[dict[str, list[np.ndarray]], list[tuple[np.ndarray, np.ndarray]]]:
    """Every member's frame for every in-between of the set, in one order, and the
    (truth, moving area) of each."""
    items = list(datasets.items(set_name, data_dir))
    targets = [(truth, moving_area(item.frame0, item.frame1))
               for item in items for _, truth in item.targets]
    frames = {}
    for name in names:
        engine = member_engine(name, runtime)
        frames[name] = [frame for item in items for frame in render_times(
            engine, item.frame0, item.frame1, [t for t, _ in item.targets])]
        print(f"# {set_name}: {name} rendered", flush=True)
    return frames, targets


def score(rule: Rule, members: list[list[np.ndarray]],
          targets: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float]:
    psnrs, sharps, edges = [], [], []
    for index, (truth, area) in enumerate(targets):
        frame = rule([frames[index] for frames in members], truth)
        psnrs.append(psnr(frame, truth))
        for values, value in ((sharps, sharpness(frame, truth, area)),
                              (edges, edge_agreement(frame, truth, area))):
            if value is not None:
                values.append(value)
    return statistics.fmean(psnrs), statistics.fmean(sharps), statistics.fmean(edges)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench large_motion_study")
    parser.add_argument("--sets", default="multi_gap8,multi_gap16")
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    set_names = args.sets.split(",")
    runtime = Runtime(threads=args.threads)
    results = {}
    for set_name in set_names:
        frames, targets = render_members(set_name, args.data, runtime, list(MEMBERS))
        for label, (names, rule) in ROWS.items():
            results[label, set_name] = score(rule, [frames[name] for name in names], targets)
        del frames
    print("\n| combination | " + " | ".join(f"{s} PSNR | sharpness | edges" for s in set_names)
          + " |")
    print("| --- |" + " --- | --- | --- |" * len(set_names))
    for label in ROWS:
        cells = [f"{p:.2f} | {s:.2f} | {e:.3f}"
                 for p, s, e in (results[label, set_name] for set_name in set_names)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
