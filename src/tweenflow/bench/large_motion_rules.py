"""Ways to combine member engines' frames of one in-between into one frame (issue 18's study).

Every rule takes the members' frames (uint8 RGB, in the order its row lists them) and the
in-between (the pair, t, and the truth, which only the oracle rules look at) and returns one
uint8 frame. `bench.large_motion_study` renders the members and scores each rule's frames;
BENCHMARKS.md, "Sharpness at large motion", says what each measured.

- means: the outlier-robust mean (fusion's rule) of the first members;
- selectors that keep ONE member's pixels per region, judged without the truth (by colour or
  structure against the consensus, by majority, by what the inputs explain), alone or on the
  coarse band of a mean (placement's split);
- oracles: the same choices judged WITH the truth, per region or per whole frame: not engines,
  upper bounds on any such choice among those members;
- the inputs re-placed onto the consensus along a dense flow;
- a gate: one sharp frame where several runs agree, a mean where they disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import cv2
import numpy as np

from tweenflow.bench.metrics import edge_agreement, moving_area
from tweenflow.engines.classical import DIS_PRESETS, warp_backward
from tweenflow.engines.fusion import robust_mean
from tweenflow.engines.placement import place

SELECT_SIGMA = 4.0      # a selector's region: Gaussian window of this sigma (pixels)
# Re-placing the inputs onto the consensus (chosen on bear, blocks, cups, juggle; BENCHMARKS.md):
REPLACE_FLOW_PRESET = "fine"   # classical's DIS preset for the consensus -> input flows
REPLACE_AGREEMENT_SIGMA = 2.0  # a warped input is judged against the consensus at this low-pass
# Judging candidates by whether the inputs explain them (sigma chosen on the same half):
EXPLAIN_FLOW_PRESET = "fine"   # DIS preset for the candidate -> input flows
EXPLAIN_SIGMA = 8.0            # Gaussian window over which a candidate's residual counts (px)
# Gating a sharp frame by the runs' scatter (chosen on the same half: the smallest hedge keeping
# sharpness >= 0.70 at g = 8 and 16):
AGREE_LEVELS = 120.0           # scatter (sum of RGB levels) at which the sharp frame keeps 1/e
AGREE_SIGMA = 6.0              # Gaussian window over which the scatter counts (px)


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


def where_runs_agree(sharp: int, runs: int, levels: float = AGREE_LEVELS,
                     sigma: float = AGREE_SIGMA) -> Rule:
    """Frame 0 (a sharp frame) where the next `runs` frames (runs of one network on the pair
    turned different ways) agree, the robust mean of the frames after them where they
    disagree: weight e^-(D / levels) on the sharp frame, D the runs' mean distance to their
    own mean (sum of absolute RGB differences) smoothed by a Gaussian of `sigma` px. Spends the
    hedge only where the runs scatter."""
    def rule(frames, target):
        candidates = [frame.astype(np.float32) for frame in frames[sharp:sharp + runs]]
        centre = sum(candidates) / runs
        scatter = _low_pass(sum(np.abs(frame - centre).sum(2) for frame in candidates) / runs,
                            sigma)
        weight = np.exp(-scatter / levels)[..., None]
        mean = robust_mean(frames[sharp + runs:])
        return _uint8(weight * frames[0].astype(np.float32) + (1 - weight) * mean)
    return rule


def oracle_frame(frames: list[np.ndarray], target: InBetween) -> np.ndarray:
    """The whole frame whose detail agrees best with the truth's (edge agreement over the moving
    area): an upper bound on choosing one frame per in-between, not an engine."""
    area = moving_area(target.frame0, target.frame1)
    scores = [edge_agreement(frame, target.truth, area) for frame in frames]
    if all(score is None for score in scores):
        return frames[0]
    return frames[int(np.argmax([-np.inf if s is None else s for s in scores]))]
