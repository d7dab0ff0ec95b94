"""The study's combination rules on small made-up frames (the rendering is the engines')."""
import numpy as np

from tweenflow.bench import large_motion_study as study


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
    out = study.oracle([half, left], truth)
    # away from the seam (the smoothing window), each side comes from the exact member
    assert np.array_equal(out[:, :20], truth[:, :20])
    assert np.array_equal(out[:, 44:], truth[:, 44:])


def test_selectors_keep_one_members_pixels():
    truth, noisy = _frames(1)
    shifted = np.roll(truth, 3, axis=1)
    members = [noisy, shifted, truth, truth]
    for rule in (study.nearest_by_colour(2), study.nearest_by_structure(2)):
        out = rule(members, truth)
        from_first = np.all(out == noisy, axis=2)
        from_second = np.all(out == shifted, axis=2)
        assert np.all(from_first | from_second)    # never a mix: every pixel is one member's


def test_mean_uses_only_the_first_members():
    truth, noisy = _frames(2)
    out = study.mean_of(2)([truth, truth, noisy], truth)
    assert np.array_equal(out, truth)


def test_every_row_names_known_members():
    for names, _ in study.ROWS.values():
        assert set(names) <= set(study.MEMBERS)
