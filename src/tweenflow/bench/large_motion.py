"""Large-motion benchmark: every engine and strategy on every set, per clip, by motion size.

    python -m tweenflow.bench large_motion [--strategies ...] [--sets ...] [--json out.json]
        [--images docs/large_motion]

Prints mean PSNR/SSIM and seconds per frame for each strategy and set, per-clip PSNR on the
multi_gap sets, and (with both `rife4 direct` and `fusion` run) the per-pair gain of fusion
binned by the measured motion size that `auto` switches on. With --images, writes side-by-side
pictures (inputs, ground truth, blend, each engine) of the hardest multi_gap16 pairs.
"""
from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from tweenflow.bench import datasets
from tweenflow.bench.quality import BlendEngine, evaluate, format_optional
from tweenflow.engines.augment import IDENTITY, MIRROR, REVERSE, Augmentation
from tweenflow.engines.base import Engine, Runtime, create_engine
from tweenflow.engines.fusion import fusion_of
from tweenflow.engines.motion_size import LARGE_MOTION_PIXELS, motion_size


class WithAutopilot(Engine):
    """`engine` steered by the autopilot's keypoint tracks (api.motion_field), per pair."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = f"{engine.name} + autopilot"

    def prepare(self, frame0, frame1):
        from tweenflow.api import motion_field
        return self.engine.prepare(frame0, frame1), motion_field(frame0, frame1, autopilot=True)

    def render(self, state, t, motion=None):
        return self.engine.render(state[0], t, state[1])

    def render_many(self, state, times, motion=None):
        return self.engine.render_many(state[0], times, state[1])


def _rife4(recursion: str) -> Callable[[Runtime], Engine]:
    return lambda runtime: create_engine("rife4", runtime=runtime, recursion=recursion)


def _augmented(name: str, augmentations: list[Augmentation]) -> Callable[[Runtime], Engine]:
    return lambda runtime: fusion_of([create_engine(name, runtime=runtime)], augmentations)


# name -> builder; the engines' defaults are `rife4`, `rife3`, `classical`, `fusion`, `auto`.
STRATEGIES: dict[str, Callable[[Runtime], Engine]] = {
    "blend": lambda runtime: BlendEngine(),
    "classical": lambda runtime: create_engine("classical", runtime=runtime),
    "rife3": lambda runtime: create_engine("rife3", runtime=runtime),
    "rife4 direct": _rife4("never"),
    "rife4 recursive": _rife4("always"),
    "rife4": _rife4("auto"),
    "rife4 resampled once": lambda runtime: create_engine("rife4", runtime=runtime,
                                                          resample_once=True),
    "rife4 + mirror": _augmented("rife4", [IDENTITY, MIRROR]),
    "rife4 + mirror + reverse": _augmented(
        "rife4", [IDENTITY, MIRROR, REVERSE, Augmentation(mirror=True, reverse=True)]),
    "rife3 + mirror": _augmented("rife3", [IDENTITY, MIRROR]),
    "classical + mirror": _augmented("classical", [IDENTITY, MIRROR]),
    "rife4 + rife3 + classical": lambda runtime: fusion_of(
        [create_engine(name, runtime=runtime) for name in ("rife4", "rife3", "classical")],
        [IDENTITY]),
    "fusion": lambda runtime: create_engine("fusion", runtime=runtime),
    "fusion + autopilot": lambda runtime: WithAutopilot(create_engine("fusion", runtime=runtime)),
    "placement": lambda runtime: create_engine("placement", runtime=runtime),
    "auto": lambda runtime: create_engine("auto", runtime=runtime),
    "auto + placement": lambda runtime: create_engine("auto", runtime=runtime,
                                                      large_motion="placement"),
}
# The pictures show these, in this order, after the inputs and the ground truth.
PICTURED = ("blend", "classical", "rife3", "rife4 direct", "rife4", "fusion")
# The close-ups (issue 18) compare these with the truth, on the pairs with the most motion.
COMPARED = ("auto", "auto + placement", "rife4")
CLOSE_UP = (320, 240)     # width, height of a close-up in input pixels
MOTION_BINS = (0, 2, 4, 8, 16, 32, 64, float("inf"))


def pair_motion(set_names: list[str], data_dir: Path, limit: int | None = None) -> dict[str, dict[str, float]]:
    """motion_size of every pair, by set and item name."""
    return {set_name: {item.name: motion_size(item.frame0, item.frame1)
                       for item in datasets.items(set_name, data_dir, limit)}
            for set_name in set_names}


def print_main_table(results: dict, strategies: list[str], set_names: list[str]) -> None:
    print("| strategy | " + " | ".join(f"{s} PSNR | SSIM | sharpness | edges | s/frame"
                                       for s in set_names) + " |")
    print("| --- |" + " --- | --- | --- | --- | --- |" * len(set_names))
    for name in strategies:
        cells = []
        for set_name in set_names:
            result = results[name][set_name]
            cells.append(f"{result['psnr']:.2f} | {format_optional(result['ssim'], '.4f')} | "
                         f"{format_optional(result['sharpness'], '.2f')} | "
                         f"{format_optional(result['edges'], '.2f')} | "
                         f"{result['seconds_per_frame']:.3f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def clip_means(per_item: dict[str, float]) -> dict[str, float]:
    """Per-clip mean over a multi_gap set's pairs (pairs of a clip have equal frame counts)."""
    by_clip = defaultdict(list)
    for item, value in per_item.items():
        by_clip[item.split("/")[0]].append(value)
    return {clip: statistics.fmean(values) for clip, values in sorted(by_clip.items())}


def print_clip_tables(results: dict, strategies: list[str], set_names: list[str]) -> None:
    for set_name in [s for s in set_names if s.startswith("multi_gap")]:
        clips = list(clip_means(results[strategies[0]][set_name]["per_item"]))
        print(f"\nPer clip, {set_name} (mean PSNR dB)\n")
        print("| strategy | " + " | ".join(clips) + " |")
        print("| --- |" + " --- |" * len(clips))
        for name in strategies:
            means = clip_means(results[name][set_name]["per_item"])
            print(f"| {name} | " + " | ".join(f"{means[c]:.2f}" for c in clips) + " |")


def print_motion_bins(results: dict, motion: dict, set_names: list[str], base: str,
                      candidate: str) -> None:
    """Per-pair PSNR gain of `candidate` over `base`, by measured motion size."""
    rows = []
    for set_name in set_names:
        for item, pixels in motion[set_name].items():
            if item not in results[base][set_name]["per_item"]:
                continue  # not evaluated (--limit)
            rows.append((pixels, results[base][set_name]["per_item"][item],
                         results[candidate][set_name]["per_item"][item]))
    print(f"\nGain of {candidate} over {base} per pair, by measured motion size "
          f"(motion_size: 95th percentile, input pixels; all sets)\n")
    print(f"| motion px | pairs | {base} PSNR | {candidate} PSNR | mean gain dB | worst pair dB |")
    print("| --- | --- | --- | --- | --- | --- |")
    for low, high in zip(MOTION_BINS, MOTION_BINS[1:]):
        chosen = [row for row in rows if low <= row[0] < high]
        if chosen:
            gains = [new - old for _, old, new in chosen]
            print(f"| {low:g}-{high:g} | {len(chosen)} | "
                  f"{statistics.fmean(r[1] for r in chosen):.2f} | "
                  f"{statistics.fmean(r[2] for r in chosen):.2f} | "
                  f"{statistics.fmean(gains):+.2f} | {min(gains):+.2f} |")


def _label(image: np.ndarray, text: str) -> np.ndarray:
    image = image.copy()
    cv2.rectangle(image, (0, 0), (8 + 9 * len(text), 22), (0, 0, 0), -1)
    cv2.putText(image, text, (4, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                cv2.LINE_AA)
    return image


def write_pictures(folder: Path, engines: dict[str, Engine], results: dict, data_dir: Path,
                   count: int = 3, tile_width: int = 320) -> list[Path]:
    """Side-by-side pictures of the `count` multi_gap16 pairs where `rife4` scores lowest at
    t = 0.5: inputs, ground truth, then each pictured strategy with its PSNR there."""
    from tweenflow.bench.metrics import psnr
    folder.mkdir(parents=True, exist_ok=True)
    per_item = results["rife4"]["multi_gap16"]["per_item"]
    hardest = sorted(per_item, key=per_item.get)[:count]
    written = []
    for item in datasets.items("multi_gap16", data_dir):
        if item.name not in hardest:
            continue
        truth = dict(item.targets)[0.5]
        tiles = [_label(item.frame0, "frame 0"), _label(item.frame1, "frame 16"),
                 _label(truth, "truth (frame 8)")]
        for name in PICTURED:
            frame = engines[name].render(engines[name].prepare(item.frame0, item.frame1), 0.5)
            tiles.append(_label(frame, f"{name} {psnr(frame, truth):.2f} dB"))
        height = round(item.frame0.shape[0] * tile_width / item.frame0.shape[1])
        tiles = [cv2.resize(tile, (tile_width, height), interpolation=cv2.INTER_AREA)
                 for tile in tiles]
        rows = [np.hstack(tiles[i:i + 3]) for i in range(0, len(tiles), 3)]
        path = folder / f"{item.name.split('/')[0]}_g16_t0.5.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 85])
        written.append(path)
    return written


def write_close_ups(folder: Path, engines: dict[str, Engine], data_dir: Path,
                    count: int = 2) -> list[Path]:
    """Close-ups at t = 0.5 of the `count` multi_gap16 pairs with the largest motion_size:
    the truth, then each COMPARED strategy with its PSNR and sharpness there, side by side, in
    input pixels (no scaling). The window is centred where the first two strategies differ
    most (smoothed), so it shows what changed."""
    from tweenflow.bench.metrics import moving_area, psnr, sharpness
    folder.mkdir(parents=True, exist_ok=True)
    items = list(datasets.items("multi_gap16", data_dir))
    items.sort(key=lambda item: motion_size(item.frame0, item.frame1), reverse=True)
    written = []
    for item in items[:count]:
        truth = dict(item.targets)[0.5]
        area = moving_area(item.frame0, item.frame1)
        frames = {name: engines[name].render(engines[name].prepare(item.frame0, item.frame1), 0.5)
                  for name in COMPARED}
        first, second = (frames[name].astype(np.float32) for name in COMPARED[:2])
        change = cv2.GaussianBlur(np.abs(first - second).sum(axis=2), (0, 0), 16)
        y, x = np.unravel_index(np.argmax(change), change.shape)
        height, width = truth.shape[:2]
        crop_w, crop_h = min(CLOSE_UP[0], width), min(CLOSE_UP[1], height)
        left = int(np.clip(x - crop_w // 2, 0, width - crop_w))
        top = int(np.clip(y - crop_h // 2, 0, height - crop_h))
        window = (slice(top, top + crop_h), slice(left, left + crop_w))
        tiles = [_label(truth[window], "truth (frame 8)")]
        for name, frame in frames.items():
            tiles.append(_label(frame[window], f"{name} {psnr(frame, truth):.2f} dB, "
                                               f"sharp {sharpness(frame, truth, area):.2f}"))
        path = folder / f"{item.name.split('/')[0]}_g16_t0.5_close_up.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.hstack(tiles), cv2.COLOR_RGB2BGR))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench large_motion")
    parser.add_argument("--strategies", default=",".join(STRATEGIES))
    parser.add_argument("--sets", default=",".join(datasets.SETS))
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="items per set (quick runs)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write all results here")
    parser.add_argument("--images", type=Path, default=None,
                        help="write side-by-side pictures of the hardest pairs here")
    parser.add_argument("--close-ups", type=Path, default=None,
                        help="write close-ups (truth, " + ", ".join(COMPARED) + ") of the two "
                             "multi_gap16 pairs with the most motion here")
    args = parser.parse_args(argv)
    strategies = args.strategies.split(",")
    set_names = args.sets.split(",")
    unknown = [name for name in strategies if name not in STRATEGIES]
    if unknown:
        parser.error(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    runtime = Runtime(threads=args.threads)
    results: dict = {}
    engines = {}
    for name in strategies:
        engines[name] = STRATEGIES[name](runtime)
        results[name] = {}
        for set_name in set_names:
            results[name][set_name] = evaluate(engines[name], set_name, args.data, args.limit)
            result = results[name][set_name]
            print(f"{name} / {set_name}: {result['psnr']:.2f} dB, SSIM {result['ssim']:.4f}, "
                  f"sharpness {format_optional(result['sharpness'], '.2f')}, "
                  f"edges {format_optional(result['edges'], '.2f')}, "
                  f"{result['seconds_per_frame']:.3f} s/frame", flush=True)
    print("\nMean RGB PSNR / SSIM / sharpness / edge agreement (moving area, bench.metrics) / "
          "seconds per predicted frame\n")
    print_main_table(results, strategies, set_names)
    print_clip_tables(results, strategies, set_names)
    motion = pair_motion(set_names, args.data, args.limit)
    if "rife4 direct" in results and "fusion" in results:
        print_motion_bins(results, motion, set_names, "rife4 direct", "fusion")
        print(f"\n(auto switches to fusion from {LARGE_MOTION_PIXELS:g} px)")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "motion": motion}, indent=1))
    if args.images:
        missing = [name for name in PICTURED if name not in engines]
        for name in missing:
            engines[name] = STRATEGIES[name](runtime)
        if "rife4" not in results or "multi_gap16" not in results["rife4"]:
            results.setdefault("rife4", {})["multi_gap16"] = evaluate(
                engines["rife4"], "multi_gap16", args.data, with_ssim=False)
        for path in write_pictures(args.images, engines, results, args.data):
            print(f"wrote {path}")
    if args.close_ups:
        for name in [name for name in COMPARED if name not in engines]:
            engines[name] = STRATEGIES[name](runtime)
        for path in write_close_ups(args.close_ups, engines, args.data):
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
