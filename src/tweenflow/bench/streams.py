"""`python -m tweenflow.bench streams`: slow-motion audio sync (issue 17).

A 10 s, 25 fps clip (32x32) whose frames flash white at irregular times, with a 2 ms 2 kHz
click at the start of each flash frame, is converted with `--slowmo N` for each audio mode,
factor and sample rate. For every click: (time the click starts in the output audio) - (time of
its flash frame in the output video, read back from the file). One output frame is 40 ms.
Also: the output audio's length against the video's.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import numpy as np

from tweenflow.video.pipeline import convert_video

RATE = 25
FRAMES = 250


def flash_frames(count: int = FRAMES) -> list[int]:
    """Irregular gaps (13-27 frames) so no alignment with the stretch's windows repeats."""
    generator = np.random.default_rng(17)
    frames, index = [], 5
    while index < count - 5:
        frames.append(index)
        index += int(generator.integers(13, 28))
    return frames


def click_clip(path: Path, sample_rate: int, flashes: list[int]) -> Path:
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        video.options = {"preset": "ultrafast"}
        audio = container.add_stream("aac", rate=sample_rate)
        audio.layout = "mono"
        for index in range(FRAMES):
            level = 235 if index in flashes else 30
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), level, np.uint8), "rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        samples = np.zeros(FRAMES * sample_rate // RATE, np.float32)
        burst = 0.8 * np.sin(np.arange(sample_rate // 500) * 2 * np.pi * 2000 / sample_rate)
        for index in flashes:
            start = index * sample_rate // RATE
            samples[start:start + len(burst)] = burst
        for start in range(0, len(samples), 1024):
            chunk = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt",
                                               layout="mono")
            chunk.sample_rate, chunk.pts = sample_rate, start
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    return path


def measure(source: Path, target: Path, factor: int, mode: str, flashes: list[int]) -> dict:
    convert_video(source, target, slowmo=factor, slowmo_audio=mode, engine="classical",
                  scene_cut_threshold=None, dedup="off", overwrite=True, preset="ultrafast")
    with av.open(str(target)) as container:
        video = container.streams.video[0]
        times = [frame.pts * video.time_base for frame in container.decode(video)]
    with av.open(str(target)) as container:
        audio = container.streams.audio[0]
        first, chunks = None, []
        for frame in container.decode(audio):
            first = frame.pts * frame.time_base if first is None else first
            chunks.append(frame.to_ndarray().reshape(-1))
        sample_rate = audio.sample_rate
    samples = np.concatenate(chunks)
    loud = np.flatnonzero(np.abs(samples) > 0.5 * np.abs(samples).max())
    onsets = loud[np.r_[True, np.diff(loud) > sample_rate // 20]]
    onset_times = [float(first) + onset / sample_rate for onset in onsets]
    flash_times = [float(times[factor * index]) for index in flashes]  # input k = output N*k
    # each flash's click: the first onset less than 150 ms before it (later onsets up to the
    # next flash are echoes: WSOLA repeating part of a stretched click)
    errors = np.array([next((onset for onset in onset_times if onset > flash - 0.15), np.inf)
                       - flash for flash in flash_times])
    errors = None if not np.isfinite(errors).all() else errors
    video_end = float(times[-1] + 1 / RATE)
    audio_end = float(first) + len(samples) / sample_rate
    return {"clicks": len(flashes), "found": len(onsets),  # more than clicks: echoes
            "mean_ms": None if errors is None else 1000 * errors.mean(),
            "max_ms": None if errors is None else 1000 * np.abs(errors).max(),
            "end_ms": 1000 * (audio_end - video_end)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench streams")
    parser.add_argument("--factors", default="2,3,4,8")
    parser.add_argument("--sample-rates", default="16000,48000")
    args = parser.parse_args(argv)
    flashes = flash_frames()
    print(f"# {len(flashes)} clicks over {FRAMES / RATE:.0f} s; error = click onset - its flash "
          f"frame's time in the output; one output frame = {1000 / RATE:.0f} ms")
    print("| audio | N | sample rate | onsets found / clicks | mean error ms | max abs error ms | "
          "audio end - video end ms |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for sample_rate in map(int, args.sample_rates.split(",")):
            source = click_clip(Path(folder) / f"clicks_{sample_rate}.mp4", sample_rate, flashes)
            for factor in map(int, args.factors.split(",")):
                for mode in ("stretch", "pitch"):
                    row = measure(source, Path(folder) / "out.mp4", factor, mode, flashes)
                    mean = "-" if row["mean_ms"] is None else f"{row['mean_ms']:+.1f}"
                    worst = "-" if row["max_ms"] is None else f"{row['max_ms']:.1f}"
                    print(f"| {mode} | {factor} | {sample_rate} | {row['found']}/{row['clicks']}"
                          f" | {mean} | {worst} | {row['end_ms']:+.0f} |", flush=True)
    return 0
