"""Slow-motion audio sync: FFmpeg's atempo chain against a single-stage WSOLA (issue 17).

    python -m tweenflow.bench stretch_study [--rates 16000,48000] [--factors 2,3,4,8]

`--slowmo-audio stretch` runs atempo, which reaches 1/N only as a chain of 0.5x stages, each a
WSOLA pass with a ~42-64 ms window whose timing jitter the next stages multiply. This study
measures, on the click train `atempo_lag` calibrates on (video/audio.py) over a quiet 220 Hz
tone, where each click's onset (first sample above half its peak) lands against N times its
time, for the atempo chain and for one WSOLA pass straight to 1/N (`wsola`, below) with 20 and 10 ms windows: the mean lag (constant, so
compensable, as video/audio.py does for atempo) and the worst jitter around it (not
compensable). A study for the next step, not the product's stretcher: it does not judge how
either sounds on speech or music.
"""
from __future__ import annotations

import argparse

import numpy as np

from tweenflow.video.audio import click_train, onset_offsets, stretched_mono


def clicks_over_a_tone(rate: int):
    """The product's calibration click train (video/audio.py) over a 220 Hz tone at -26 dB."""
    samples, times = click_train(rate)
    tone = 0.05 * np.sin(np.arange(len(samples)) * 2 * np.pi * 220 / rate)
    return (samples + tone).astype(np.float32), times


def wsola(samples: np.ndarray, rate: int, factor: int, window_ms: float = 20.0,
          tolerance_ms: float = 5.0) -> np.ndarray:
    """One WSOLA pass to `factor` times the length: Hann windows at half-window output hops,
    each taken from the input at exactly its output time / factor, moved by up to
    `tolerance_ms` to continue the previous grain best (cross-correlation)."""
    window = int(rate * window_ms / 1000) // 2 * 2
    hop, tolerance = window // 2, int(rate * tolerance_ms / 1000)
    taper = np.hanning(window).astype(np.float32)
    length = len(samples) * factor
    out = np.zeros(length + window, np.float32)
    weight = np.zeros(length + window, np.float32)
    margin = window + tolerance
    padded = np.concatenate([np.zeros(margin, np.float32), samples,
                             np.zeros(margin, np.float32)])
    previous = None
    for grain in range(length // hop):
        at = grain * hop
        source = int(round(at / factor)) + margin
        if previous is not None:
            natural = padded[previous + hop:previous + hop + window]
            candidates = padded[source - tolerance:source + tolerance + window]
            source += int(np.argmax(np.correlate(candidates, natural, mode="valid"))) - tolerance
        out[at:at + window] += taper * padded[source:source + window]
        weight[at:at + window] += taper
        previous = source
    return out[:length] / np.maximum(weight[:length], 1e-3)


def onset_errors(stretched: np.ndarray, times, rate: int, factor: int) -> np.ndarray:
    """Per click, its onset in `stretched` minus factor x its time, in ms."""
    return -np.array(onset_offsets(stretched, times, rate, factor)) / rate * 1000


METHODS = {"atempo chain (the product)": stretched_mono,
           "wsola 20 ms": lambda samples, rate, factor: wsola(samples, rate, factor, 20, 5),
           "wsola 10 ms": lambda samples, rate, factor: wsola(samples, rate, factor, 10, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench stretch_study")
    parser.add_argument("--rates", default="16000,48000")
    parser.add_argument("--factors", default="2,3,4,8")
    args = parser.parse_args(argv)
    print("| rate | N | method | mean lag ms | worst jitter around it ms |")
    print("| --- | --- | --- | --- | --- |")
    for rate in map(int, args.rates.split(",")):
        samples, times = clicks_over_a_tone(rate)
        for factor in map(int, args.factors.split(",")):
            for name, method in METHODS.items():
                errors = onset_errors(method(samples, rate, factor), times, rate, factor)
                print(f"| {rate} | {factor} | {name} | {errors.mean():+.1f} | "
                      f"{np.abs(errors - errors.mean()).max():.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
