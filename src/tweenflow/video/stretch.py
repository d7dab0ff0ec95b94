"""Slow-motion audio with the pitch kept: one pass straight to N times the length.

FFmpeg's `atempo` (what `--slowmo-audio stretch` used first) only slows down to 0.5x per
instance, so 1/N for N >= 3 is a chain, and each stage's window jitter (a 43-64 ms window) is
multiplied by the stages after it: clicks landed up to 29-99 ms off their frames at N = 3-8. A
single short-window WSOLA keeps transients on time but makes tones and voices rough (it cannot
follow a period longer than its window); a single long-window one is smooth but smears
transients by up to half its window. So, as in harmonic-percussive time-scale modification
(Driedger, Mueller, Ewert 2014): split the audio into its harmonic and percussive parts
(video/hpss.py) and stretch the first with long windows and the second with short ones.
Measured (BENCHMARKS.md, "The stretch: one pass, harmonic and percussive parts apart"): clicks
within 1-14 ms of a constant lag at N = 2-8, and tones and speech closer to the input's spectrum
than the atempo chain at N >= 3.
"""
from __future__ import annotations

import numpy as np

from tweenflow.video.hpss import HarmonicPercussive
from tweenflow.video.wsola import Wsola

HARMONIC_WINDOW_MS, HARMONIC_TOLERANCE_MS = 60.0, 15.0
PERCUSSIVE_WINDOW_MS, PERCUSSIVE_TOLERANCE_MS = 10.0, 3.0


class TimeStretch:
    """Makes float audio `factor` times longer at the same pitch. `push` float32 samples of shape
    (channels, n) in order; it returns the output samples that are final so far (a latency of a
    few tenths of a second); `flush` returns the rest. In total the output has exactly `factor`
    times the input's samples, and sample k of it plays input sample k / factor (plus a constant
    lag of a few ms at the onset of a sound, which `stretch_lag` in video/audio.py measures)."""

    def __init__(self, channels: int, sample_rate: int, factor: int):
        self.split = HarmonicPercussive(channels, sample_rate)
        self.harmonic = Wsola(channels, sample_rate, factor, HARMONIC_WINDOW_MS,
                              HARMONIC_TOLERANCE_MS)
        self.percussive = Wsola(channels, sample_rate, factor, PERCUSSIVE_WINDOW_MS,
                                PERCUSSIVE_TOLERANCE_MS)
        self.pending = [np.zeros((channels, 0), np.float32) for _ in range(2)]

    def push(self, samples: np.ndarray) -> np.ndarray:
        harmonic, percussive = self.split.push(samples)
        return self._mix(self.harmonic.push(harmonic), self.percussive.push(percussive))

    def flush(self) -> np.ndarray:
        harmonic, percussive = self.split.flush()
        head = self._mix(self.harmonic.push(harmonic), self.percussive.push(percussive))
        return np.concatenate([head, self._mix(self.harmonic.flush(), self.percussive.flush())],
                              axis=1)

    def _mix(self, harmonic: np.ndarray, percussive: np.ndarray) -> np.ndarray:
        """The two parts' sum, as far as both have come (they run with different latencies)."""
        self.pending = [np.concatenate([pending, part], axis=1)
                        for pending, part in zip(self.pending, (harmonic, percussive))]
        ready = min(pending.shape[1] for pending in self.pending)
        out = self.pending[0][:, :ready] + self.pending[1][:, :ready]
        self.pending = [pending[:, ready:] for pending in self.pending]
        return out
