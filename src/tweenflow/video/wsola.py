"""Time stretching with the pitch kept, in one pass: WSOLA (waveform-similarity overlap-add),
streamed. video/stretch.py runs two of these (long windows for tones, short ones for
transients); why not FFmpeg's atempo is said there. (The `audiotsm` package does WSOLA too, but
searches each channel's shift on its own, which smears a stereo image, and rounds the input hop
to whole samples, which drifts 0.4% at N = 3.)

Grain g is the window's length of input around `g * hop / factor` (exact, in whole
samples, so nothing drifts however long the file), moved by at most `tolerance` samples so that it
continues the previous grain's waveform best (cross-correlation of the channels' mix, so every
channel moves together), placed with a periodic Hann window centred at output sample `g * hop`.
Windows overlap by half and sum to exactly one.
"""
from __future__ import annotations

import numpy as np

from tweenflow.video.sample_buffer import SampleBuffer


class Wsola:
    """Makes float audio `factor` times longer at the same pitch. `push` input samples
    (float32, shape (channels, n)) in order; it returns the output samples that are final so far;
    `flush` returns the rest. In total the output has exactly `factor` times the input's samples.
    """

    def __init__(self, channels: int, sample_rate: int, factor: int,
                 window_ms: float, tolerance_ms: float):
        if factor < 1:
            raise ValueError(f"stretch factor must be a whole number >= 1, not {factor}")
        self.channels, self.factor = channels, factor
        self.hop = max(2, round(sample_rate * window_ms / 2000))
        self.tolerance = round(sample_rate * tolerance_ms / 1000)
        window = 2 * self.hop
        self.taper = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(window) / window)).astype(np.float32)
        self.input = SampleBuffer(channels)
        self.grain = 0                  # next grain to place
        self.previous: int | None = None        # input start of the previous grain
        self.pending = np.zeros((channels, self.hop), np.float32)   # the previous grain's tail
        self.emitted = 0                # output samples returned

    def push(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, np.float32)
        if samples.ndim != 2 or samples.shape[0] != self.channels:
            raise ValueError(f"expected samples of shape ({self.channels}, n), got {samples.shape}")
        self.input.append(samples)
        return self._grains(final=False)

    def flush(self) -> np.ndarray:
        return self._grains(final=True)

    def _grains(self, final: bool) -> np.ndarray:
        hop, tolerance, window = self.hop, self.tolerance, 2 * self.hop
        total = self.input.received * self.factor      # output length once all input is in
        parts = []
        while True:
            nominal = self.grain * hop // self.factor - hop     # input start, before moving
            # the furthest input this grain may read: its candidates, and the previous grain's
            # natural continuation
            needed = nominal + window + tolerance
            if self.previous is not None:
                needed = max(needed, self.previous + hop + window)
            if not final and needed > self.input.received:
                break
            if final and self.emitted >= total:
                break
            start = nominal
            if self.previous is not None and tolerance > 0:
                natural = self.input.read(self.previous + hop, window).sum(0)
                if float(natural @ natural) > 1e-12 * window:
                    candidates = self.input.read(nominal - tolerance,
                                                 window + 2 * tolerance).sum(0)
                    score = np.correlate(candidates, natural, mode="valid")
                    start = nominal - tolerance + int(np.argmax(score))
            grain = self.input.read(start, window) * self.taper
            if self.grain > 0:      # grain 0 is centred at output 0: its first half is before it
                parts.append(self.pending + grain[:, :hop])
                self.emitted += hop
            self.pending = grain[:, hop:].copy()
            self.previous = start
            self.grain += 1
            next_nominal = self.grain * hop // self.factor - hop
            self.input.drop_before(min(self.previous, next_nominal - tolerance))
        out = np.concatenate(parts, axis=1) if parts else np.zeros((self.channels, 0), np.float32)
        if final and self.emitted > total:     # the last grain's output past the end
            excess = self.emitted - total
            out = out[:, :out.shape[1] - excess]
            self.emitted = total
        return out
