"""The pitch-keeping stretch (video/stretch.py) and its parts, the harmonic-percussive split
(video/hpss.py) and WSOLA (video/wsola.py): exact lengths, no drift, the same output however the
input is cut into pushes, the pitch kept, clicks on time, and tones and clicks apart."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tweenflow.video.audio import onset_offsets, stretch_lag
from tweenflow.video.hpss import HarmonicPercussive
from tweenflow.video.stretch import TimeStretch
from tweenflow.video.wsola import Wsola

RATE = 16000


def tone(frequency, seconds, rate=RATE, channels=1):
    time = np.arange(int(seconds * rate)) / rate
    return np.tile(0.5 * np.sin(2 * np.pi * frequency * time), (channels, 1)).astype(np.float32)


def run(processor, samples, chunk):
    """All of processor's output for samples pushed `chunk` at a time, then flushed."""
    parts = [processor.push(samples[:, start:start + chunk])
             for start in range(0, samples.shape[1], chunk)]
    return np.concatenate(parts + [processor.flush()], axis=1)


def peak_frequency(samples, rate=RATE):
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.argmax(spectrum) * rate / len(samples)


@pytest.mark.parametrize("factor", [1, 2, 3, 8])
def test_output_is_exactly_n_times_as_long_and_the_same_for_any_push_size(factor):
    samples = tone(440, 0.77, channels=2)
    whole = run(TimeStretch(2, RATE, factor), samples, samples.shape[1])
    assert whole.shape == (2, factor * samples.shape[1])
    for chunk in (1, 317, 4096):
        np.testing.assert_array_equal(run(TimeStretch(2, RATE, factor), samples, chunk), whole)


@pytest.mark.parametrize("factor", [2, 3, 5])
def test_a_tone_keeps_its_pitch_and_level(factor):
    out = run(TimeStretch(1, RATE, factor), tone(220, 1.0), 1000)[0]
    middle = out[len(out) // 4:-len(out) // 4]
    assert peak_frequency(middle) == pytest.approx(220, abs=2)
    assert np.sqrt(np.mean(middle ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_stereo_channels_move_together():
    """The same signal on both channels stays the same on both (one shift for all channels)."""
    samples = tone(150, 0.5, channels=2) + 0.1 * np.random.default_rng(0).standard_normal(
        (1, 8000)).astype(np.float32)
    out = run(TimeStretch(2, RATE, 3), samples, 500)
    np.testing.assert_array_equal(out[0], out[1])


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
@pytest.mark.parametrize("factor", [2, 3, 4, 8])
def test_clicks_land_within_a_few_ms_of_n_times_their_time(factor, rate):
    """After the constant lag (measured on the calibration train, over silence) is taken off, no
    click of another train, over a quiet tone, is more than 15 ms off (an output frame at 25 fps
    is 40 ms), and nothing drifts along the file."""
    gaps = np.random.default_rng(factor).uniform(0.25, 0.45, 20)
    times = [Fraction(round(time * 1000), 1000) for time in 0.2 + np.cumsum(gaps)]
    samples = tone(220, float(times[-1]) + 0.4, rate)[0] * 0.1
    burst = np.sin(np.arange(rate // 500) * 2 * np.pi * 2000 / rate)
    for time in times:
        samples[int(time * rate):int(time * rate) + len(burst)] += burst
    out = run(TimeStretch(1, rate, factor), samples[None], 1024)[0]
    errors = np.array(onset_offsets(out, times, rate, factor)) - stretch_lag(factor, rate)
    assert np.abs(errors).max() / rate < 0.015, errors / rate
    assert abs(np.polyfit(np.array(times, float), errors, 1)[0]) / rate < 1e-3   # no drift


def test_split_adds_up_to_the_input_and_puts_clicks_apart_from_tones():
    samples = tone(330, 1.0, channels=2)
    click_at = 8000
    samples[:, click_at:click_at + 80] += 0.8
    split = HarmonicPercussive(2, RATE)
    parts = [split.push(samples[:, start:start + 700]) for start in range(0, 16000, 700)]
    parts.append(split.flush())
    harmonic, percussive = (np.concatenate([part[k] for part in parts], axis=1) for k in (0, 1))
    np.testing.assert_allclose(harmonic + percussive, samples, atol=1e-5)
    near = slice(click_at - 400, click_at + 480)
    assert (percussive[:, near] ** 2).sum() > 0.5 * 0.8 ** 2 * 80 * 2     # most of the click
    quiet = slice(2000, 6000)          # tone only: it stays harmonic
    assert (percussive[:, quiet] ** 2).sum() < 1e-3 * (samples[:, quiet] ** 2).sum()


def test_wsola_takes_each_grain_from_its_exact_input_time():
    """Silence in, silence out; a tone's phase continues, so the output is the tone at the
    same frequency (WSOLA alone, with the long windows the stretch uses for tones)."""
    assert not run(Wsola(1, RATE, 4, 60, 15), np.zeros((1, 5000), np.float32), 999).any()
    out = run(Wsola(1, RATE, 4, 60, 15), tone(100, 0.6), 999)[0]
    assert out.shape == (4 * 9600,)
    assert peak_frequency(out[4000:-4000]) == pytest.approx(100, abs=2)


def test_wsola_refuses_what_it_cannot_do():
    with pytest.raises(ValueError):
        Wsola(1, RATE, 0, 10, 3)
    with pytest.raises(ValueError):
        Wsola(2, RATE, 2, 10, 3).push(np.zeros((1, 10), np.float32))
