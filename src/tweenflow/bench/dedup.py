"""`python -m tweenflow.bench dedup`: held frames (animation on twos) after re-encoding (issue 17).

1. Scores (`video.dedup.held_frame_score`) of re-encoded repeats against scores of real
   motion: frames 100-119 of each sample video (native size, 480 and 240 px wide), each held
   twice and encoded with x264 (yuv420p, preset medium) at CRF 23 (also with a keyframe every
   3 frames, so repeats straddle keyframes) and 35; per case the highest score between a frame
   and its repeat and the lowest between two different frames.
2. Evenness: frames 147-159 of the bedroom sample (a steady pan) at 480x270 held on twos, CRF
   23, converted at its own 30 fps by the classical engine with `--dedup auto` and `off`;
   per-frame displacement of the output (mean OpenCV DIS flow length), its mean and spread
   (standard deviation / mean).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import cv2
import numpy as np

from tweenflow import convert_video
from tweenflow.bench.clips import encode_h264
from tweenflow.images import read_image
from tweenflow.video.dedup import DEFAULT_HELD_THRESHOLD, held_frame_score

VIDEOS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "videos"
SAMPLES = ("bedroom_540p_30fps_bt601.mp4", "dog_720p_29.97fps_aac.mp4", "juggle_720p_24fps.mp4",
           "nasa_2video_aac_subtitles.mp4")


def decode(path: Path, first: int = 0, count: int | None = None, width: int | None = None
           ) -> list[np.ndarray]:
    frames = []
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if count is not None and index >= first + count:
                break
            if index >= first:
                rgb = frame.to_ndarray(format="rgb24")
                if width:
                    height = round(rgb.shape[0] * width / rgb.shape[1]) // 2 * 2
                    rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
                frames.append(rgb)
    return frames


def displacements(frames: list[np.ndarray]) -> np.ndarray:
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grey = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in frames]
    return np.array([np.linalg.norm(flow.calc(a, b, None), axis=2).mean()
                     for a, b in zip(grey, grey[1:])])


def score_table(workdir: Path) -> None:
    print("| video | width | CRF | keyframes | repeats: highest score | "
          "next frame: lowest score |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name in SAMPLES:
        for width in (None, 480, 240):
            frames = decode(VIDEOS / name, 100, 20, width)
            held = [frame for frame in frames for _ in range(2)]
            for crf, keyint in ((23, None), (23, 3), (35, None)):
                back = decode(encode_h264(workdir / "held.mp4", held, crf, keyint=keyint))
                repeats = [held_frame_score(back[2 * i], back[2 * i + 1]) for i in range(20)]
                motion = [held_frame_score(back[2 * i + 1], back[2 * i + 2]) for i in range(19)]
                print(f"| {name} | {width or frames[0].shape[1]} | {crf} | "
                      f"{'every ' + str(keyint) if keyint else 'first only'} | "
                      f"{max(repeats):.1f} | {min(motion):.1f} |", flush=True)


def evenness(workdir: Path) -> None:
    drawings = decode(VIDEOS / SAMPLES[0], 147, 13, 480)
    source = encode_h264(workdir / "twos.mp4", [frame for frame in drawings for _ in range(2)], 23)
    print()
    print("| --dedup | held frames dropped | displacement per output frame (px): mean | spread |")
    print("| --- | --- | --- | --- |")
    for dedup in ("auto", "off"):
        target = workdir / f"out_{dedup}"
        result = convert_video(source, target, fps=30, engine="classical", dedup=dedup)
        # the last drawing's hold has nothing after it to move to
        moves = displacements([read_image(path) for path in sorted(target.glob("*.png"))][:-1])
        print(f"| {dedup} | {result.duplicates_dropped} | {moves.mean():.2f} | "
              f"{moves.std() / moves.mean():.2f} |", flush=True)
    source_moves = displacements(drawings)
    print(f"\nsource drawings: {source_moves.mean():.2f} px per drawing, spread "
          f"{source_moves.std() / source_moves.mean():.2f}; auto threshold "
          f"{DEFAULT_HELD_THRESHOLD:g}")


def pair_cost(repeats: int = 5) -> None:
    """Median time of one `held_frame_score` on 720p frames (juggle sample)."""
    import time

    frames = decode(VIDEOS / SAMPLES[2], 0, 21)
    times = []
    for _ in range(repeats):
        for frame0, frame1 in zip(frames, frames[1:]):
            start = time.perf_counter()
            held_frame_score(frame0, frame1)
            times.append(time.perf_counter() - start)
    print(f"\nheld_frame_score: {np.median(times) * 1000:.2f} ms per 720p pair (median); the "
          f"pipeline scores each input frame against the last kept one, and each kept pair once")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench dedup",
                                     description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not VIDEOS.is_dir():
        print(f"sample videos not found at {VIDEOS}")
        return 1
    with tempfile.TemporaryDirectory() as workdir:
        score_table(Path(workdir))
        evenness(Path(workdir))
    pair_cost()
    return 0
