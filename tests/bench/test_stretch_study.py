"""The stretch study's WSOLA and onset measure on a small click train."""
import numpy as np

from tweenflow.bench import stretch_study


def test_wsola_makes_the_audio_n_times_longer_with_clicks_near_their_times():
    samples, times = stretch_study.clicks_over_a_tone(8000)
    for factor in (2, 3):
        stretched = stretch_study.wsola(samples, 8000, factor, 10, 3)
        assert len(stretched) == len(samples) * factor
        errors = stretch_study.onset_errors(stretched, times, 8000, factor)
        # every click is found within a window's reach of N times its time
        assert np.abs(errors).max() < 10 * factor


def test_onset_errors_are_zero_for_an_exact_stretch():
    samples, times = stretch_study.clicks_over_a_tone(8000)
    exact = np.repeat(samples, 2)          # sample-and-hold: every sound at exactly 2x its time
    assert np.abs(stretch_study.onset_errors(exact, times, 8000, 2)).max() < 0.5
