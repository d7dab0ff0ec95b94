"""Where fusion's accuracy and one network's sharpness can come from (issue 18), measured.

    python -m tweenflow.bench large_motion_study [--sets multi_gap8,multi_gap16] [--threads N]
        [--members "rife4,rife4 mirror,classical,classical mirror"]

Renders every in-between of the sets once with each member engine (rife4, rife3 at full and
half scale, classical; each also on the mirrored pair; rife4 also on the reversed pair and both,
and rife4 and rife3 with their recursion resampled once), then scores ways of combining the
members' frames, from the same frames, with PSNR, sharpness and edge agreement (bench.metrics):

- each member alone, and the outlier-robust mean (fusion's rule) of several member sets: what
  pixel averaging gains, and what it costs in sharpness;
- selectors that keep ONE member's pixels per region, judged without the truth: nearest to the
  members' consensus by colour (the placement engine's rule), or by local structure (normalized
  cross-correlation of the Laplacians with the consensus's);
- the same choice judged WITH the truth ("oracle"): not an engine, an upper bound on what any
  selector among those members could reach;
- the input frames re-placed onto the consensus: a dense flow (OpenCV DIS) from the members'
  robust mean to each input frame, the ORIGINAL inputs warped along it and blended by how well
  each reproduces the consensus, so that the consensus says where things are and the inputs
  bring the detail (with the truth in the consensus's place as the upper bound);
- a selector with no consensus: per region, the sharp member that the inputs explain best (each
  input warped onto the member along a DIS flow member -> input; a ghost or a tear has no
  source in either input).
- a selector by majority among four rife4 runs (as is, mirrored, reversed, both): per region
  the run nearest the other three;
- rife4's and rife3's recursion with each frame rendered once from the inputs
  (`resample_once`), alone, averaged and as placement's and fusion's members;
- the motion fused instead of the pixels: rife4 resampled once on the pair as is, mirrored,
  reversed and both, each run's map of where the frame's pixels come from in the inputs mapped
  back and averaged, the frame rendered once along the fused map (MapFusion), alone and on the
  coarse band of a mean.

The numbers say which of issue 18's floors a choice among these members can meet at all, and
which rule comes how close (BENCHMARKS.md, "Sharpness at large motion").
"""
from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from tweenflow.api import render_times
from tweenflow.bench import datasets
from tweenflow.bench.metrics import edge_agreement, moving_area, psnr, sharpness
from tweenflow.engines.augment import (IDENTITY, MIRROR, REVERSE, Augmentation,
                                       AugmentedEngine)
from tweenflow.engines.base import Engine, Runtime, create_engine
from tweenflow.engines.classical import DIS_PRESETS, warp_backward
from tweenflow.engines.fusion import robust_mean
from tweenflow.engines.placement import place
from tweenflow.engines.rife import RifeEngine, to_frame, to_tensor
from tweenflow.nn.compose import fuse

MIRROR_REVERSE = Augmentation(mirror=True, reverse=True)
HALF, ONCE = {"scale": 0.5}, {"resample_once": True}
# member name -> (engine, its options, augmentation)
MEMBERS = {
    "rife4": ("rife4", {}, IDENTITY), "rife4 mirror": ("rife4", {}, MIRROR),
    "rife3": ("rife3", {}, IDENTITY), "rife3 mirror": ("rife3", {}, MIRROR),
    "rife3 half": ("rife3", HALF, IDENTITY), "rife3 half mirror": ("rife3", HALF, MIRROR),
    "classical": ("classical", {}, IDENTITY), "classical mirror": ("classical", {}, MIRROR),
    "rife4 reverse": ("rife4", {}, REVERSE), "rife4 mirror reverse": ("rife4", {}, MIRROR_REVERSE),
    # a recursion's frames rendered from the inputs (RifeEngine's resample_once)
    "rife4 once": ("rife4", ONCE, IDENTITY), "rife4 once mirror": ("rife4", ONCE, MIRROR),
    "rife3 once": ("rife3", ONCE, IDENTITY), "rife3 once mirror": ("rife3", ONCE, MIRROR),
}
# a member rendered along one map fused from several rife4 runs' maps (MapFusion)
MAP_FUSIONS = {
    "rife4 once maps x4": (IDENTITY, MIRROR, REVERSE, MIRROR_REVERSE),
    "rife4 once maps x2": (IDENTITY, MIRROR_REVERSE),
}
RIFE4S = ("rife4", "rife4 mirror")
RIFE4X4 = RIFE4S + ("rife4 reverse", "rife4 mirror reverse")
RIFE4_ONCE = ("rife4 once", "rife4 once mirror")
CLASSICALS = ("classical", "classical mirror")
FUSION = RIFE4S + ("rife3", "rife3 mirror") + CLASSICALS     # the fusion engine's members
SELECT_SIGMA = 4.0      # a selector's region: Gaussian window of this sigma (pixels)
# Re-placing the inputs onto the consensus (chosen on bear, blocks, cups, juggle; BENCHMARKS.md):
REPLACE_FLOW_PRESET = "fine"   # classical's DIS preset for the consensus -> input flows
REPLACE_AGREEMENT_SIGMA = 2.0  # a warped input is judged against the consensus at this low-pass
# Judging candidates by whether the inputs explain them (sigma chosen on the same half):
EXPLAIN_FLOW_PRESET = "fine"   # DIS preset for the candidate -> input flows
EXPLAIN_SIGMA = 8.0            # Gaussian window over which a candidate's residual counts (px)


@dataclass
class InBetween:
    """What a rule may look at besides the members' frames: the pair, t, and the truth (only
    the oracle rows use the truth)."""
    frame0: np.ndarray      # uint8 RGB (H, W, 3)
    frame1: np.ndarray
    t: float
    truth: np.ndarray


Rule = Callable[[list[np.ndarray], InBetween], np.ndarray]   # (members' frames, ...) -> frame


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
    return lambda frames, target: _uint8(robust_mean(frames[:count]))


def nearest_by_colour(sharp: int) -> Rule:
    """One of the first `sharp` frames per region: nearest the consensus of all, by colour."""
    def rule(frames, target):
        consensus = robust_mean(frames)
        return _take(frames[:sharp], [-_smooth(np.abs(f.astype(np.float32) - consensus).sum(2))
                                      for f in frames[:sharp]])
    return rule


def nearest_by_structure(sharp: int) -> Rule:
    """One of the first `sharp` frames per region: whose Laplacian correlates best (locally
    normalized) with the consensus's."""
    def rule(frames, target):
        reference = _laplacian(robust_mean(frames))
        scores = []
        for frame in frames[:sharp]:
            own = _laplacian(frame)
            scores.append(_smooth(own * reference) / (np.sqrt(
                _smooth(own * own) * _smooth(reference * reference)) + 1e-3))
        return _take(frames[:sharp], scores)
    return rule


def oracle(frames: list[np.ndarray], target: InBetween) -> np.ndarray:
    """Per region, the frame nearest the truth (an upper bound, not an engine)."""
    reference = target.truth.astype(np.float32)
    return _take(frames, [-_smooth(np.abs(f.astype(np.float32) - reference).sum(2))
                          for f in frames])


def _on_coarse_band(chosen: np.ndarray, frames: list[np.ndarray], sigma: float) -> np.ndarray:
    """The chosen frame's fine band on the coarse band (Gaussian, `sigma` px) of the robust mean
    of all frames: placement's split (sigma 0: the chosen frame as it is)."""
    if sigma <= 0:
        return chosen
    chosen = chosen.astype(np.float32)
    return _uint8(_low_pass(robust_mean(frames), sigma) + chosen - _low_pass(chosen, sigma))


def by_majority(count: int, coarse_sigma: float = 0.0) -> Rule:
    """One of the first `count` frames per region: the one nearest all the others (the sum of
    its colour distances to them, smoothed), so that the place most of them agree on wins
    without a blurred consensus as the judge. coarse_sigma > 0: the robust mean of all frames'
    coarse band + the chosen frame's fine band (placement's split)."""
    def rule(frames, target):
        candidates = [frame.astype(np.float32) for frame in frames[:count]]
        chosen = _take(frames[:count], [-_smooth(sum(np.abs(frame - other).sum(2)
                                                     for other in candidates))
                                        for frame in candidates])
        return _on_coarse_band(chosen, frames, coarse_sigma)
    return rule


def on_coarse_band(sigma: float) -> Rule:
    """The first frame's fine band on the coarse band (Gaussian, `sigma` px) of the robust
    mean of the others."""
    def rule(frames, target):
        return _on_coarse_band(frames[0], frames[1:], sigma)
    return rule


def placement(sharp: int) -> Rule:
    return lambda frames, target: place(frames[:sharp], frames)


def _low_pass(image: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(image, (0, 0), sigma) if sigma > 0 else image


def replaced_inputs(guide: np.ndarray, target: InBetween, match_sigma: float
                    ) -> list[np.ndarray]:
    """frame0 and frame1 (float32) backward-warped onto `guide` (float (H, W, 3) in 0-255):
    each along a DIS flow from the guide's grey levels to the input's, the input low-passed by
    a Gaussian of `match_sigma` px for the flow only (0: as it is), so that a soft guide is
    matched by structure rather than by blur. The warped pixels are the original inputs'."""
    preset, finest = DIS_PRESETS[REPLACE_FLOW_PRESET]
    guide_grey = cv2.cvtColor(_uint8(guide), cv2.COLOR_RGB2GRAY)
    warped = []
    for frame in (target.frame0, target.frame1):
        dis = cv2.DISOpticalFlow_create(preset)
        dis.setFinestScale(finest)
        input_grey = cv2.cvtColor(_uint8(_low_pass(frame.astype(np.float32), match_sigma)),
                                  cv2.COLOR_RGB2GRAY)
        flow = dis.calc(guide_grey, input_grey, None)      # guide(x) ~ input(x + flow(x))
        warped.append(warp_backward(frame.astype(np.float32), flow))
    return warped


def replace_onto_consensus(match_sigma: float, agreement_levels: float,
                           consensus_weight: float, coarse_sigma: float = 0.0) -> Rule:
    """The inputs re-placed onto the robust mean of all members (replaced_inputs), blended per
    pixel with weights (1 - t, t) times e^-(d / agreement_levels), d = mean absolute RGB
    difference between the low-passed warped input and the low-passed consensus; the consensus
    itself joins with `consensus_weight` (where both warps fail, it wins). coarse_sigma > 0:
    the consensus's coarse band plus the blend's fine band (placement's split)."""
    def rule(frames, target):
        consensus = robust_mean(frames)
        warped = replaced_inputs(consensus, target, match_sigma)
        reference = _low_pass(consensus, REPLACE_AGREEMENT_SIGMA)
        weights = []
        for frame, prior in zip(warped, (1 - target.t, target.t)):
            distance = np.abs(_low_pass(frame, REPLACE_AGREEMENT_SIGMA) - reference).mean(2)
            weights.append(prior * np.exp(-distance / agreement_levels))
        weights.append(np.full_like(weights[0], max(consensus_weight, 1e-6)))
        out = sum(weight[..., None] * frame for weight, frame in zip(weights, warped + [consensus]))
        out /= sum(weights)[..., None]
        if coarse_sigma > 0:
            out = _low_pass(consensus, coarse_sigma) + out - _low_pass(out, coarse_sigma)
        return _uint8(out)
    return rule


def replace_onto_truth(frames: list[np.ndarray], target: InBetween) -> np.ndarray:
    """The input nearer in time re-placed onto the truth (an upper bound for the flows and the
    warp, not an engine)."""
    warped = replaced_inputs(target.truth.astype(np.float32), target, 0.0)
    return _uint8(warped[0] if target.t < 0.5 else warped[1])


def unexplained(candidate: np.ndarray, target: InBetween) -> np.ndarray:
    """float32 (H, W): how badly the inputs explain `candidate` (uint8 RGB) per pixel, before
    smoothing: frame0 and frame1 each backward-warped onto the candidate along a DIS flow
    (candidate -> input; sharp to sharp, so well-posed), the residual the smaller of the two
    (sum of absolute RGB differences; occluded content comes from one side only). A ghost
    copy, a tear or a smear has no source in either input and stays unexplained."""
    preset, finest = DIS_PRESETS[EXPLAIN_FLOW_PRESET]
    candidate_grey = cv2.cvtColor(candidate, cv2.COLOR_RGB2GRAY)
    residuals = []
    for frame in (target.frame0, target.frame1):
        dis = cv2.DISOpticalFlow_create(preset)
        dis.setFinestScale(finest)
        flow = dis.calc(candidate_grey, cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), None)
        warped = warp_backward(frame.astype(np.float32), flow)
        residuals.append(np.abs(warped - candidate.astype(np.float32)).sum(2))
    return np.minimum(*residuals)


def explained_by_inputs(candidates: int, sigma: float = EXPLAIN_SIGMA,
                        coarse_sigma: float = 0.0) -> Rule:
    """Per region, the one of the first `candidates` frames that the inputs explain best
    (lowest unexplained residual, smoothed by a Gaussian of `sigma` px); no consensus judges.
    coarse_sigma > 0: the robust mean of all frames' coarse band + the chosen frame's fine
    band (placement's split)."""
    def rule(frames, target):
        chosen = _take(frames[:candidates],
                       [-_low_pass(unexplained(frame, target), sigma)
                        for frame in frames[:candidates]])
        return _on_coarse_band(chosen, frames, coarse_sigma)
    return rule


# label -> (members in order, rule)
ROWS: dict[str, tuple[tuple[str, ...], Rule]] = {
    **{name: ((name,), mean_of(1)) for name in [*MEMBERS, *MAP_FUSIONS]},
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
    "inputs re-placed onto consensus of rife4 x2, classical x2: blend, consensus where both fail":
        (RIFE4S + CLASSICALS, replace_onto_consensus(match_sigma=1.5, agreement_levels=10.0,
                                                     consensus_weight=np.exp(-1.0))),
    "inputs re-placed onto the same consensus: its coarse band + the blend's fine band":
        (RIFE4S + CLASSICALS, replace_onto_consensus(match_sigma=0.0, agreement_levels=3.0,
                                                     consensus_weight=0.0, coarse_sigma=2.0)),
    "oracle: input nearer in time re-placed onto the truth": ((), replace_onto_truth),
    "select rife4 x2 by what the inputs explain (no consensus)": (RIFE4S, explained_by_inputs(2)),
    "the same + the coarse band of the mean of rife4 x2, classical x2":
        (RIFE4S + CLASSICALS, explained_by_inputs(2, coarse_sigma=2.0)),
    "oracle among rife4 x4 (as is, mirrored, reversed, both)": (RIFE4X4, oracle),
    "mean: rife4 x4": (RIFE4X4, mean_of(4)),
    "select rife4 x4 by majority (nearest the others)": (RIFE4X4, by_majority(4)),
    "the same + the coarse band of the mean of rife4 x4, classical x2":
        (RIFE4X4 + CLASSICALS, by_majority(4, coarse_sigma=2.0)),
    "mean: rife4 once x2": (RIFE4_ONCE, mean_of(2)),
    "placement with rife4 once x2 as the sharp members": (RIFE4_ONCE + CLASSICALS, placement(2)),
    "mean: fusion's members, rife4 and rife3 resampled once": (
        RIFE4_ONCE + ("rife3 once", "rife3 once mirror") + CLASSICALS, mean_of(6)),
    "rife4 once maps x4 + the coarse band of the mean of rife4 x4, classical x2": (
        ("rife4 once maps x4",) + RIFE4X4 + CLASSICALS, on_coarse_band(1.0)),
    "rife4 once maps x4 + the coarse band of fusion": (
        ("rife4 once maps x4",) + FUSION, on_coarse_band(1.0)),
}


class MapFusion(Engine):
    """rife4 resampled once, run on the pair under several augmentations; each run's
    SourceMap of the frame is mapped back to the pair's own orientation and time, the maps are
    fused (nn.compose.fuse: one copy at the runs' mean place) and the frame rendered once from
    the inputs: issue 18's "fuse the motion rather than the pixels" with the full recursion."""

    def __init__(self, engine: RifeEngine, augmentations: Sequence[Augmentation]) -> None:
        self.engine, self.augmentations = engine, tuple(augmentations)
        self.name = f"{engine.name} maps x{len(self.augmentations)}"

    def prepare(self, frame0, frame1):
        # each run's own state, of the pair as its augmentation turns it
        states = [AugmentedEngine(self.engine, augmentation).prepare(frame0, frame1).inner
                  for augmentation in self.augmentations]
        return states, to_tensor(frame0), to_tensor(frame1), frame0.dtype

    def render(self, state, t, motion=None):
        states, input0, input1, dtype = state
        maps = []
        for augmentation, run in zip(self.augmentations, states):
            source_map = self.engine.source_map(run, 1 - t if augmentation.reverse else t)
            if augmentation.mirror:
                source_map = source_map.mirrored()
            maps.append(source_map.swapped() if augmentation.reverse else source_map)
        return to_frame(fuse(maps).render(input0, input1), dtype)


def member_engine(name: str, runtime: Runtime) -> Engine:
    if name in MAP_FUSIONS:
        return MapFusion(create_engine("rife4", runtime=runtime, **ONCE), MAP_FUSIONS[name])
    engine_name, options, augmentation = MEMBERS[name]
    engine = create_engine(engine_name, runtime=runtime, **options)
    return AugmentedEngine(engine, augmentation) if augmentation != IDENTITY else engine


def render_members(set_name: str, data_dir: Path, runtime: Runtime, names: Sequence[str]
                   ) -> tuple[dict[str, list[np.ndarray]], list[tuple[InBetween, np.ndarray]]]:
    """Every member's frame for every in-between of the set, in one order, and the
    (in-between, moving area) of each."""
    items = list(datasets.items(set_name, data_dir))
    targets = [(InBetween(item.frame0, item.frame1, t, truth),
                moving_area(item.frame0, item.frame1))
               for item in items for t, truth in item.targets]
    frames = {}
    for name in names:
        engine = member_engine(name, runtime)
        frames[name] = [frame for item in items for frame in render_times(
            engine, item.frame0, item.frame1, [t for t, _ in item.targets])]
        print(f"# {set_name}: {name} rendered", flush=True)
    return frames, targets


def score(rule: Rule, members: list[list[np.ndarray]],
          targets: list[tuple[InBetween, np.ndarray]]) -> tuple[float, float, float]:
    psnrs, sharps, edges = [], [], []
    for index, (target, area) in enumerate(targets):
        truth = target.truth
        frame = rule([frames[index] for frames in members], target)
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
    parser.add_argument("--members", default=",".join([*MEMBERS, *MAP_FUSIONS]),
                        help="render only these members (comma-separated) and score only the "
                             "rows made of them")
    args = parser.parse_args(argv)
    set_names = args.sets.split(",")
    members = args.members.split(",")
    unknown = [name for name in members if name not in MEMBERS and name not in MAP_FUSIONS]
    if unknown:
        parser.error(f"unknown member {unknown[0]!r}; known: "
                     f"{', '.join([*MEMBERS, *MAP_FUSIONS])}")
    rows = {label: row for label, row in ROWS.items() if set(row[0]) <= set(members)}
    runtime = Runtime(threads=args.threads)
    results = {}
    for set_name in set_names:
        frames, targets = render_members(set_name, args.data, runtime, members)
        for label, (names, rule) in rows.items():
            results[label, set_name] = score(rule, [frames[name] for name in names], targets)
        del frames
    print("\n| combination | " + " | ".join(f"{s} PSNR | sharpness | edges" for s in set_names)
          + " |")
    print("| --- |" + " --- | --- | --- |" * len(set_names))
    for label in rows:
        cells = [f"{p:.2f} | {s:.2f} | {e:.3f}"
                 for p, s, e in (results[label, set_name] for set_name in set_names)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
