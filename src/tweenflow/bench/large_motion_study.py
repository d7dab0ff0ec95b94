"""Where fusion's accuracy and one network's sharpness can come from (issue 18), measured.

    python -m tweenflow.bench large_motion_study [--sets multi_gap8,multi_gap16] [--threads N]
        [--members "rife4,rife4 mirror,classical,classical mirror"]

Renders every in-between of the sets once with each member engine (rife4, rife3 at full and
half scale, classical; each also on the mirrored pair; rife4 also on the reversed pair and both,
and rife4 and rife3 with their recursion resampled once), then scores ways of combining the
members' frames, from the same frames, with PSNR, sharpness, edge agreement and aligned
detail (bench.metrics):

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
  coarse band of a mean;
- a gate: the fused-motion frame where four rife4 runs agree, fusion's mean where they scatter;
- one whole sharp frame per in-between chosen with the truth: the bound of any per-frame choice.

The rules are in bench.large_motion_rules. The numbers say which of issue 18's floors a choice
among these members can meet at all, and which rule comes how close (BENCHMARKS.md, "Sharpness
at large motion").
"""
from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Sequence

import numpy as np

from tweenflow.api import render_times
from tweenflow.bench import datasets
from tweenflow.bench.large_motion_rules import (InBetween, Rule, by_majority,
                                                explained_by_inputs, mean_of, nearest_by_colour,
                                                nearest_by_structure, on_coarse_band, oracle,
                                                oracle_frame, placement, replace_onto_consensus,
                                                replace_onto_truth, where_runs_agree)
from tweenflow.bench.metrics import (aligned_detail, edge_agreement, moving_area, psnr,
                                     sharpness)
from tweenflow.engines.augment import (IDENTITY, MIRROR, REVERSE, Augmentation,
                                       AugmentedEngine)
from tweenflow.engines.base import Engine, Runtime, create_engine
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
    "rife4 once maps x4 where rife4 x4 agree, fusion where they scatter": (
        ("rife4 once maps x4",) + RIFE4X4 + FUSION, where_runs_agree(1, 4)),
    "oracle: one whole frame per in-between among rife4 x4, rife4 once x2, rife3 once x2, "
    "maps x4": (RIFE4X4 + RIFE4_ONCE + ("rife3 once", "rife3 once mirror", "rife4 once maps x4"),
                oracle_frame),
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
          targets: list[tuple[InBetween, np.ndarray]]) -> tuple[float, float, float, float]:
    """Mean PSNR, sharpness, edge agreement and aligned detail of the rule's frames."""
    psnrs, sharps, edges, aligned = [], [], [], []
    for index, (target, area) in enumerate(targets):
        truth = target.truth
        frame = rule([frames[index] for frames in members], target)
        psnrs.append(psnr(frame, truth))
        for values, value in ((sharps, sharpness(frame, truth, area)),
                              (edges, edge_agreement(frame, truth, area)),
                              (aligned, aligned_detail(frame, truth, area))):
            if value is not None:
                values.append(value)
    return (statistics.fmean(psnrs), statistics.fmean(sharps), statistics.fmean(edges),
            statistics.fmean(aligned))


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
    print("\n| combination | " + " | ".join(f"{s} PSNR | sharpness | edges | aligned"
                                           for s in set_names) + " |")
    print("| --- |" + " --- | --- | --- | --- |" * len(set_names))
    for label in rows:
        cells = [f"{p:.2f} | {s:.2f} | {e:.3f} | {a:.3f}"
                 for p, s, e, a in (results[label, set_name] for set_name in set_names)]
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
