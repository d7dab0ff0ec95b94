"""The stretch study's measures: the click timing and the spectral distance."""
from fractions import Fraction

import numpy as np

from tweenflow.bench import stretch_study


def exact_stretch(samples, rate, factor):
    """Sample-and-hold: every sound at exactly N times its time (its pitch drops)."""
    return np.repeat(samples, factor)


def test_click_errors_are_zero_for_an_exact_stretch_and_small_for_the_product():
    for tone in (False, True):
        assert np.abs(stretch_study.click_errors(exact_stretch, 8000, 2, tone)).max() < 0.5
    errors = stretch_study.click_errors(stretch_study.METHODS["harmonic-percussive (the product)"],
                                        8000, 3, True)
    assert np.abs(errors - errors.mean()).max() < 15


def test_spectral_distance_is_small_for_a_kept_pitch_and_large_for_a_dropped_one():
    rate = 8000
    clock = np.arange(2 * rate) / rate
    tone = np.sin(2 * np.pi * 440 * clock).astype(np.float32)
    same_pitch = np.sin(2 * np.pi * 440 * np.arange(4 * rate) / rate).astype(np.float32)
    assert stretch_study.spectral_distance(tone, same_pitch, rate, 2) < 1.0
    assert stretch_study.spectral_distance(tone, exact_stretch(tone, rate, 2), rate, 2) > 10.0


def test_atempo_chain_reaches_one_over_n_in_stages_atempo_accepts():
    for factor in range(2, 17):
        chain = stretch_study.tempo_chain(factor)
        assert all(0.5 <= tempo <= 1 for tempo in chain)
        assert np.prod(chain) == Fraction(1, factor)
    out = stretch_study.atempo_chain(np.zeros(8000, np.float32), 8000, 3)
    assert abs(len(out) - 24000) < 2000      # atempo loses part of a window at the ends
