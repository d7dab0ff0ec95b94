"""Slow-motion audio with the pitch kept: timing and sound of the stretchers (issue 17).

    python -m tweenflow.bench stretch_study [--rates 16000,48000] [--factors 2,3,4,8]

Compares, at each N:
- the atempo chain (FFmpeg through PyAV; what `--slowmo-audio stretch` ran before: atempo only
  reaches 0.5x per stage, so 1/N is a chain of stages);
- one WSOLA pass straight to 1/N (video/wsola.py) with short (10 ms) and long (60 ms) windows;
- the product (video/stretch.py): harmonic-percussive split, the harmonic part with the long
  windows and the percussive part with the short ones.

Timing: the click train `stretch_lag` calibrates on (video/audio.py), once over silence and once
over a quiet 220 Hz tone; for each click, its onset (first sample above half its peak) against N
times its time. Reported: the worst jitter around the mean (what no lag compensation removes) and
how far the mean moves between the two backgrounds (a lag that depends on the sound is not
compensable either).

Sound: log-spectral distance (dB) between the output's short-time spectrum (43 ms frames) and
the input's at the matching time (output time / N, best constant lag within 0.4 s): a
pitch-keeping stretch keeps each moment's spectrum, roughness and pitch errors show up as
distance. On the NASA sample's two speech tracks (8 and 16 kHz, ../shared/data/videos) and on a
chord with a 55 Hz bass (48 kHz). A proxy for listening, not a listening test.

Speed: CPU seconds per minute of 48 kHz stereo input at N = 4.
"""
from __future__ import annotations

import argparse
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tweenflow.bench import datasets
from tweenflow.video.audio import (_configured_graph, _run_graph, click_train, onset_offsets,
                                   streamed_mono, stretched_mono)
from tweenflow.video.stretch import TimeStretch
from tweenflow.video.wsola import Wsola

SPEECH = "videos/nasa_2video_aac_subtitles.mp4"


def tempo_chain(factor: int) -> list[Fraction]:
    """atempo factors (each >= 0.5, atempo's limit) whose product is 1/factor."""
    remaining, chain = Fraction(1, factor), []
    while remaining < Fraction(1, 2):
        chain.append(Fraction(1, 2))
        remaining *= 2
    return chain + ([remaining] if remaining != 1 else [])


def atempo_chain(samples: np.ndarray, rate: int, factor: int) -> np.ndarray:
    graph = _configured_graph("flt", "mono", rate, [("atempo", f"tempo={float(tempo)!r}")
                                                    for tempo in tempo_chain(factor)])
    out = []
    for start in range(0, len(samples), 1024):
        chunk = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt",
                                           layout="mono")
        chunk.sample_rate, chunk.pts = rate, start
        out.extend(frame.to_ndarray()[0] for frame in _run_graph(graph, chunk))
    out.extend(frame.to_ndarray()[0] for frame in _run_graph(graph, None))
    return np.concatenate(out)


METHODS = {
    "atempo chain (before)": atempo_chain,
    "wsola 10 ms": lambda x, rate, n: streamed_mono(Wsola(1, rate, n, 10, 3), x),
    "wsola 60 ms": lambda x, rate, n: streamed_mono(Wsola(1, rate, n, 60, 15), x),
    "harmonic-percussive (the product)": stretched_mono,
}


def click_errors(method, rate: int, factor: int, tone: bool) -> np.ndarray:
    """Per click of the calibration train, its onset minus N x its time, in ms."""
    samples, times = click_train(rate)
    if tone:
        samples = samples + 0.05 * np.sin(np.arange(len(samples)) * 2 * np.pi * 220 / rate)
    out = method(samples.astype(np.float32), rate, factor)
    return -np.array(onset_offsets(out, times, rate, factor)) / rate * 1000


def _spectra(samples: np.ndarray, rate: int, centres: np.ndarray) -> np.ndarray:
    size = int(2 ** np.ceil(np.log2(rate * 0.043)))
    padded = np.concatenate([np.zeros(size), samples, np.zeros(size)])
    frames = np.stack([padded[c + size // 2:c + size // 2 + size] for c in centres])
    return np.abs(np.fft.rfft(frames * np.hanning(size), axis=1))


def spectral_distance(source: np.ndarray, out: np.ndarray, rate: int, factor: int) -> float:
    """Mean log-spectral distance (dB) of out's frames against source's at out's time / N, at
    the best constant lag (0-400 ms early, 5 ms steps)."""
    hop = int(rate * 0.043) // 2
    centres = np.arange(hop * 2, len(out) - hop * 4, hop)
    out_spectra = _spectra(out, rate, centres)
    best = np.inf
    for lag_ms in range(0, 401, 5):
        at = ((centres + lag_ms * rate // 1000) / factor).astype(int)
        inside = at < len(source)
        reference = _spectra(source, rate, at[inside])
        loud = reference.sum(1) > 1e-3 * reference.sum(1).max()
        if loud.any():
            decibels = 20 * np.log10((reference[loud] + 1e-4) / (out_spectra[inside][loud] + 1e-4))
            best = min(best, float(np.sqrt((decibels ** 2).mean(1)).mean()))
    return best


def sounds(data: Path) -> dict[str, tuple[np.ndarray, int]]:
    """name -> (mono float32 samples, rate)."""
    out = {}
    with av.open(str(data / SPEECH)) as container:
        for stream in container.streams.audio:
            to_mono = av.AudioResampler(format="flt", layout="mono", rate=stream.sample_rate)
            chunks = [part.to_ndarray()[0] for frame in container.decode(stream)
                      for part in to_mono.resample(frame)]
            out[f"speech {stream.sample_rate // 1000} kHz"] = (np.concatenate(chunks),
                                                                 stream.sample_rate)
            container.seek(0)
    rate = 48000
    clock = np.arange(6 * rate) / rate
    chord = sum(level * np.sin(2 * np.pi * hz * clock)
                for level, hz in ((0.3, 55), (0.2, 220), (0.1, 1250)))
    out["chord, 55 Hz bass, 48 kHz"] = (chord.astype(np.float32), rate)
    return out


def speed(seconds: float = 60.0) -> float:
    """CPU seconds to stretch `seconds` of 48 kHz stereo noise-and-tones by 4."""
    rate = 48000
    samples = (0.1 * np.random.default_rng(0).standard_normal((2, int(seconds * rate)))
               ).astype(np.float32)
    stretch = TimeStretch(2, rate, 4)
    start = time.process_time()
    for begin in range(0, samples.shape[1], 1024):
        stretch.push(samples[:, begin:begin + 1024])
    stretch.flush()
    return time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench stretch_study")
    parser.add_argument("--rates", default="16000,48000")
    parser.add_argument("--factors", default="2,3,4,8")
    parser.add_argument("--data", type=Path, default=datasets.DEFAULT_DATA)
    args = parser.parse_args(argv)
    factors = [int(factor) for factor in args.factors.split(",")]
    print("Timing: worst click jitter around the mean, over silence / over a tone (ms); "
          "and how far the mean lag moves between the two (ms)\n")
    print("| rate | N | method | jitter, silence | jitter, tone | mean moves |")
    print("| --- | --- | --- | --- | --- | --- |")
    for rate in map(int, args.rates.split(",")):
        for factor in factors:
            for name, method in METHODS.items():
                quiet, toned = (click_errors(method, rate, factor, tone) for tone in (False, True))
                print(f"| {rate} | {factor} | {name} | "
                      f"{np.abs(quiet - quiet.mean()).max():.1f} | "
                      f"{np.abs(toned - toned.mean()).max():.1f} | "
                      f"{abs(toned.mean() - quiet.mean()):.1f} |", flush=True)
    print("\nSound: log-spectral distance to the input at the matching time (dB, lower is "
          "closer)\n")
    print("| sound | method | " + " | ".join(f"N = {factor}" for factor in factors) + " |")
    print("| --- | --- |" + " --- |" * len(factors))
    for label, (samples, rate) in sounds(args.data).items():
        for name, method in METHODS.items():
            cells = [f"{spectral_distance(samples, method(samples, rate, n), rate, n):.2f}"
                     for n in factors]
            print(f"| {label} | {name} | " + " | ".join(cells) + " |", flush=True)
    print(f"\nSpeed: {speed():.1f} CPU s per minute of 48 kHz stereo at N = 4 (the product)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
