"""The recent part of a stream of audio samples, read by absolute sample index (for the
streamed audio stretch: video/hpss.py and video/wsola.py)."""
from __future__ import annotations

import numpy as np


class SampleBuffer:
    """Samples (float32, shape (channels, n)) appended in order; `read` any range by absolute
    index, zeros where nothing was received (before the start, after the end) or `drop_before`
    let go of."""

    def __init__(self, channels: int):
        self.samples = np.zeros((channels, 0), np.float32)
        self.start = 0          # absolute index of samples[:, 0]
        self.received = 0       # samples appended so far

    def append(self, samples: np.ndarray) -> None:
        self.samples = np.concatenate([self.samples, samples], axis=1)
        self.received += samples.shape[1]

    def read(self, start: int, length: int) -> np.ndarray:
        out = np.zeros((self.samples.shape[0], length), np.float32)
        low, high = max(start, self.start), min(start + length, self.received)
        if high > low:
            out[:, low - start:high - start] = self.samples[:, low - self.start:high - self.start]
        return out

    def drop_before(self, index: int) -> None:
        """Forget the samples before absolute index `index` (they will not be read again)."""
        drop = min(max(0, index - self.start), self.samples.shape[1])
        self.samples = self.samples[:, drop:]
        self.start += drop
