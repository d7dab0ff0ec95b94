"""Harmonic-percussive separation (Fitzgerald's median filtering), streamed.

Sustained tones are horizontal lines in a spectrogram, clicks and drum hits vertical ones: the
median of each bin over neighbouring frames keeps the first, the median of each frame over
neighbouring bins the second. Soft (Wiener) masks made from the two split every STFT frame; the
percussive part is resynthesised and the harmonic part is the input minus it, so the two always
add up to the input exactly. Slow-motion audio stretches each part with its own window
(video/stretch.py, after Driedger, Mueller and Ewert's harmonic-percussive time-scale
modification), so tones get long windows and transients short ones.

The masks come from the channels' mix and apply to every channel: a stereo image stays put.
"""
from __future__ import annotations

import numpy as np

from tweenflow.video.sample_buffer import SampleBuffer

FRAME_MS = 43.0         # STFT frame, rounded up to a power of two in samples
MEDIAN_FRAMES = 17      # harmonic median: frames (about 0.2 s)
MEDIAN_BINS = 17        # percussive median: bins
# Percussive only where the percussive median is well above the harmonic one: a click is far
# above at every margin tried, while more of speech (which sounds rough in 10 ms windows) stays
# harmonic the larger the margin (BENCHMARKS.md, "The stretch: one pass, harmonic and percussive
# parts apart": 1, 2, 4, 8, 16 measured; 8 chosen).
SEPARATION = 8.0


class HarmonicPercussive:
    """`push` float32 samples of shape (channels, n) in order; it returns (harmonic, percussive),
    each of shape (channels, m), for the next m input samples that are final (a fixed latency of
    about 0.2 s); `flush` returns the rest. harmonic + percussive == the input, sample for sample
    (to float rounding).
    """

    def __init__(self, channels: int, sample_rate: int):
        self.channels = channels
        self.size = int(2 ** np.ceil(np.log2(sample_rate * FRAME_MS / 1000)))
        self.hop = self.size // 4
        self.analysis = np.hanning(self.size + 1)[:-1].astype(np.float32)   # periodic
        # Hann x Hann at a quarter-frame hop sums to 1.5: the synthesis window undoes that
        self.synthesis = self.analysis / 1.5
        self.half_context = MEDIAN_FRAMES // 2
        self.input = SampleBuffer(channels)
        self.first_frame = -(self.size // (2 * self.hop)) + 1   # the first frame touching sample 0
        self.next_analysed = self.first_frame
        self.next_masked = self.first_frame
        self.spectra: dict[int, np.ndarray] = {}      # frame -> (channels, bins) complex
        self.magnitudes: dict[int, np.ndarray] = {}   # frame -> (bins,) of the channels' mix
        self.percussive = np.zeros((channels, 0), np.float32)   # overlap-add, from `emitted`
        self.emitted = 0            # input samples returned so far

    def push(self, samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        samples = np.asarray(samples, np.float32)
        self.input.append(samples)
        return self._run(final=False)

    def flush(self) -> tuple[np.ndarray, np.ndarray]:
        return self._run(final=True)

    def _last_frame(self) -> int:
        """The last frame touching an input sample, once the input is complete."""
        return (self.input.received - 1 + self.size // 2) // self.hop

    def _run(self, final: bool) -> tuple[np.ndarray, np.ndarray]:
        half = self.size // 2
        last = self._last_frame() if final else None
        while (self.next_analysed * self.hop + half <= self.input.received
               or (final and self.next_analysed <= last)):
            self._analyse(self.next_analysed)
            self.next_analysed += 1
        while (self.next_masked + self.half_context < self.next_analysed
               or (final and self.next_masked <= last)):
            self._mask(self.next_masked, last)
            self.next_masked += 1
        # samples before the next frame to be masked are final
        ready = min(self.next_masked * self.hop - half, self.input.received)
        if final:
            ready = self.input.received
        count = max(0, ready - self.emitted)
        percussive = np.zeros((self.channels, count), np.float32)
        available = min(count, self.percussive.shape[1])
        percussive[:, :available] = self.percussive[:, :available]
        self.percussive = self.percussive[:, available:]
        both = self.input.read(self.emitted, count)
        self.emitted += count
        self.input.drop_before(min(self.emitted, self.next_analysed * self.hop - half))
        return both - percussive, percussive

    def _analyse(self, frame: int) -> None:
        spectrum = np.fft.rfft(self.input.read(frame * self.hop - self.size // 2, self.size)
                               * self.analysis, axis=1)
        self.spectra[frame] = spectrum
        self.magnitudes[frame] = np.abs(spectrum.sum(0))

    def _mask(self, frame: int, last: int | None) -> None:
        low = max(self.first_frame, frame - self.half_context)
        high = frame + self.half_context
        if last is not None:
            high = min(high, last)
        harmonic = np.median(np.stack([self.magnitudes[k] for k in range(low, high + 1)]), axis=0)
        magnitude = self.magnitudes[frame]
        padded = np.pad(magnitude, MEDIAN_BINS // 2, mode="reflect")
        percussive = np.median(np.lib.stride_tricks.sliding_window_view(padded, MEDIAN_BINS),
                               axis=1)
        mask = percussive ** 2 / ((SEPARATION * harmonic) ** 2 + percussive ** 2 + 1e-12)
        grain = np.fft.irfft(self.spectra.pop(frame) * mask, n=self.size, axis=1)
        grain = (grain * self.synthesis).astype(np.float32)
        self.magnitudes.pop(frame - self.half_context, None)
        # overlap-add at input index frame * hop - size / 2 (parts before 0 are dropped)
        start = frame * self.hop - self.size // 2 - self.emitted
        if start < 0:
            grain, start = grain[:, -start:], 0
        end = start + grain.shape[1]
        if end > self.percussive.shape[1]:
            self.percussive = np.pad(self.percussive, ((0, 0), (0, end - self.percussive.shape[1])))
        self.percussive[:, start:end] += grain
