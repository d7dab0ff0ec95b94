"""The study's combination rules on small made-up frames (the rendering is the engines')."""
import cv2
import numpy as np
import pytest

from tweenflow.bench import large_motion_rules as rules
from tweenflow.engines.fusion import robust_mean


def _frames(seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    noisy = np.clip(truth.astype(int) + rng.integers(-60, 61, truth.shape), 0, 255).astype(np.uint8)
    return truth, noisy


def test_oracle_takes_the_member_nearest_the_truth_per_region():
    truth, noisy = _frames()
    half = noisy.copy()
    half[:, 32:] = truth[:, 32:]          # right half exact, left half noisy
    left = noisy.copy()
    left[:, :32] = truth[:, :32]          # the other way round
    out = rules.oracle([half, left], rules.InBetween(noisy, noisy, 0.5, truth))
    # away from the seam (the smoothing window), each side comes from the exact member
    assert np.array_equal(out[:, :20], truth[:, :20])
    assert np.array_equal(out[:, 44:], truth[:, 44:])


def test_selectors_keep_one_members_pixels():
    truth, noisy = _frames(1)
    shifted = np.roll(truth, 3, axis=1)
    members = [noisy, shifted, truth, truth]
    for rule in (rules.nearest_by_colour(2), rules.nearest_by_structure(2)):
        out = rule(members, rules.InBetween(noisy, shifted, 0.5, truth))
        from_first = np.all(out == noisy, axis=2)
        from_second = np.all(out == shifted, axis=2)
        assert np.all(from_first | from_second)    # never a mix: every pixel is one member's


def test_majority_takes_the_member_most_others_agree_with():
    """Three members agree on the truth in the left half, where the fourth is shifted; in the
    right half two are noisy in different ways: the choice never mixes members, takes an
    agreeing member on the left, and the chosen frame's fine band sits on the mean's coarse
    band with coarse_sigma."""
    truth, noisy = _frames(4)
    shifted = np.roll(truth, 5, axis=1)
    other_noise = _frames(5)[1]
    members = [shifted, truth.copy(), truth.copy(), truth.copy()]
    members[1][:, 32:], members[2][:, 32:] = noisy[:, 32:], other_noise[:, 32:]
    out = rules.by_majority(4)(members, rules.InBetween(truth, truth, 0.5, truth))
    assert np.array_equal(out[:, :20], truth[:, :20])
    assert np.all(np.any([np.all(out == m, axis=2) for m in members], axis=0))
    flat = [np.full((48, 64, 3), level, np.uint8) for level in (96, 98, 100, 102, 104, 107)]
    mixed = rules.by_majority(4, coarse_sigma=2.0)(flat, rules.InBetween(truth, truth, 0.5,
                                                                          truth))
    level = float(robust_mean(flat)[0, 0, 0])       # the others' coarse band: all flat
    assert level not in (100, 102) and np.all(np.abs(mixed.astype(float) - level) <= 0.5)


def test_mean_uses_only_the_first_members():
    truth, noisy = _frames(2)
    out = rules.mean_of(2)([truth, truth, noisy], rules.InBetween(truth, noisy, 0.5, truth))
    assert np.array_equal(out, truth)


def _texture(width: int = 96, height: int = 64, seed: int = 3) -> np.ndarray:
    """A smooth random texture (DIS needs structure at several scales), uint8 RGB."""
    rng = np.random.default_rng(seed)
    noise = rng.random((height, width + 32, 3)).astype(np.float32)
    texture = cv2.GaussianBlur(noise, (0, 0), 2.0)
    return cv2.normalize(texture, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def _moving_pair(shift: int = 8):
    """frame0, frame1 = the texture moved right by `shift` px, and the truth at t = 0.5."""
    wide = _texture()
    crop = lambda offset: np.ascontiguousarray(wide[:, 16 - offset:16 - offset + 96])  # noqa: E731
    return crop(0), crop(shift), crop(shift // 2)


def _interior(image: np.ndarray) -> np.ndarray:
    return image[8:-8, 16:-16].astype(np.float32)


def test_replaced_inputs_land_on_the_guide():
    frame0, frame1, middle = _moving_pair()
    target = rules.InBetween(frame0, frame1, 0.5, middle)
    for match_sigma in (0.0, 1.5):
        warped = rules.replaced_inputs(middle.astype(np.float32), target, match_sigma)
        for frame in warped:    # both inputs moved 4 px onto the guide, away from the borders
            assert np.abs(_interior(frame) - _interior(middle)).mean() < 2.0
        # unmoved, each input is far from the guide: the warp did the work
        assert np.abs(_interior(frame0) - _interior(middle)).mean() > 10.0


@pytest.mark.parametrize("coarse_sigma", [0.0, 2.0])
def test_replace_onto_consensus_places_the_inputs_where_the_members_agree(coarse_sigma):
    frame0, frame1, middle = _moving_pair()
    # soft members that agree on where the texture is at t = 0.5 (a consensus without the
    # fine detail): the output takes the detail from the inputs, moved there
    soft = cv2.GaussianBlur(middle, (0, 0), 1.5)
    rule = rules.replace_onto_consensus(match_sigma=1.5, agreement_levels=10.0,
                                        consensus_weight=0.0, coarse_sigma=coarse_sigma)
    out = rule([soft] * 4, rules.InBetween(frame0, frame1, 0.5, middle))
    error = np.abs(_interior(out) - _interior(middle)).mean()
    # with the coarse band from the (softer than truth) consensus the output keeps its error
    # there, but has the inputs' detail: half the consensus's error or less
    assert error < 0.5 * np.abs(_interior(soft) - _interior(middle)).mean()
    if coarse_sigma == 0:
        assert error < 1.0


def test_replace_onto_consensus_at_t0_gives_frame0():
    frame0, frame1, _ = _moving_pair()
    rule = rules.replace_onto_consensus(match_sigma=0.0, agreement_levels=3.0,
                                        consensus_weight=0.0)
    out = rule([frame0] * 4, rules.InBetween(frame0, frame1, 0.0, frame0))
    assert np.abs(out.astype(np.float32) - frame0).max() <= 2


def test_replace_falls_back_to_the_consensus_where_both_warps_fail():
    frame0, frame1, _ = _moving_pair()
    flat = np.full_like(frame0, 200)     # nothing in either input looks like this
    rule = rules.replace_onto_consensus(match_sigma=1.5, agreement_levels=10.0,
                                        consensus_weight=np.exp(-1.0))
    out = rule([flat] * 4, rules.InBetween(frame0, frame1, 0.5, flat))
    assert np.abs(out.astype(np.float32) - 200).max() <= 1


def test_oracle_replacement_uses_the_input_nearer_in_time():
    frame0, frame1, middle = _moving_pair()
    out = rules.replace_onto_truth([], rules.InBetween(frame0, frame1, 0.25, middle))
    assert np.abs(_interior(out) - _interior(middle)).mean() < 2.0


def _ghosted(frame0: np.ndarray, frame1: np.ndarray) -> np.ndarray:
    """A double exposure of the two inputs: the failure no input can explain."""
    return ((frame0.astype(np.uint16) + frame1) // 2).astype(np.uint8)


def test_inputs_explain_a_clean_in_between_and_not_a_ghost():
    frame0, frame1, middle = _moving_pair()
    target = rules.InBetween(frame0, frame1, 0.5, middle)
    clean = _interior(rules.unexplained(middle, target)[..., None]).mean()
    ghost = _interior(rules.unexplained(_ghosted(frame0, frame1), target)[..., None]).mean()
    assert clean < 1.0
    assert ghost > 10.0


@pytest.mark.parametrize("coarse_sigma", [0.0, 2.0])
def test_explained_selection_drops_the_ghost_copy(coarse_sigma):
    frame0, frame1, middle = _moving_pair()
    ghost = middle.copy()
    ghost[:, 48:] = _ghosted(frame0, frame1)[:, 48:]   # right half a double exposure
    rule = rules.explained_by_inputs(2, coarse_sigma=coarse_sigma)
    target = rules.InBetween(frame0, frame1, 0.5, middle)
    # in either order, the clean member's pixels win where the other has the ghost
    for members in ([ghost, middle], [middle, ghost]):
        out = rule(members + [middle, middle], target)
        right = out[8:-8, 64:-16].astype(np.float32)
        assert np.abs(right - middle[8:-8, 64:-16]).mean() < 1.0
        assert np.abs(right - ghost[8:-8, 64:-16]).mean() > 5.0
    if coarse_sigma == 0:   # without the coarse band, every pixel is one member's
        out = rule([ghost, middle], target)
        assert np.all(np.all(out == ghost, axis=2) | np.all(out == middle, axis=2))


def test_explained_selection_at_t0_gives_frame0():
    frame0, frame1, _ = _moving_pair()
    out = rules.explained_by_inputs(2)([_ghosted(frame0, frame1), frame0],
                                       rules.InBetween(frame0, frame1, 0.0, frame0))
    assert np.array_equal(out[8:-8, 16:-16], frame0[8:-8, 16:-16])


def test_gate_keeps_the_sharp_frame_where_the_runs_agree_and_the_mean_where_they_scatter():
    """Four runs agree on the left half and scatter (shifted copies) on the right: the output
    is the sharp frame on the left and the mean of the last members on the right."""
    truth, noisy = _frames(6)
    sharp = truth.copy()
    runs = [truth.copy() for _ in range(4)]
    for index, run in enumerate(runs):
        run[:, 32:] = np.roll(truth, 6 * index, axis=1)[:, 32:]
    grey = [np.full_like(truth, level) for level in (90, 110)]
    out = rules.where_runs_agree(1, 4)([sharp] + runs + grey,
                                        rules.InBetween(truth, truth, 0.5, truth))
    assert np.array_equal(out[:, :12], sharp[:, :12])             # runs equal: weight 1
    right = out[:, 52:].astype(np.float32)
    mean = robust_mean(grey)[:, 52:]
    # scattered runs: mostly the mean (100), little of the sharp frame's texture
    assert np.abs(right - mean).mean() < 0.3 * np.abs(sharp[:, 52:].astype(np.float32) - mean).mean()


def test_frame_oracle_takes_the_whole_frame_whose_detail_matches_the_truth():
    frame0, frame1, middle = _moving_pair()
    shifted = np.roll(middle, 3, axis=1)
    soft = cv2.GaussianBlur(middle, (0, 0), 3.0)
    target = rules.InBetween(frame0, frame1, 0.5, middle)
    for candidates in ([shifted, middle, soft], [soft, shifted, middle]):
        assert rules.oracle_frame(candidates, target) is middle
    # no moving area (nothing to judge): the first frame
    still = rules.InBetween(frame0, frame0, 0.5, frame0)
    assert rules.oracle_frame([shifted, middle], still) is shifted
