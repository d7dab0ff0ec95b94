"""`python -m tweenflow.bench.video`: memory and throughput of the video pipeline (issue 3).

1. Peak RSS for a 5 s and a 60 s 720p clip (the dog sample, its packets looped without
   re-encoding into temporary files), `--multi 2`, each case in its own subprocess
   (ru_maxrss of that process). Streaming means the two should be about equal.
2. End-to-end throughput at 720p, x2 (frames out per second, decode + inference + encode)
   next to the pure model time per interpolated frame on the same frames.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av

from tweenflow import convert_video, create_engine
from tweenflow.video.reader import probe, read_frames

SAMPLE = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "videos" \
    / "dog_720p_29.97fps_aac.mp4"


def looped_clip(source: Path, target: Path, seconds: float) -> Path:
    """The video packets of `source` repeated (pts shifted) until `seconds`; no re-encode."""
    with av.open(str(target), "w") as writer:
        loop = 0
        video_out = None
        while True:
            with av.open(str(source)) as reader:
                video_in = reader.streams.video[0]
                if video_out is None:
                    video_out = writer.add_stream_from_template(video_in)
                offset = loop * video_in.duration              # in time-base ticks
                limit = int(Fraction(seconds) / video_in.time_base)
                for packet in reader.demux(video_in):
                    if packet.dts is None:
                        continue
                    if packet.dts + offset >= limit:
                        return target
                    packet.pts += offset
                    packet.dts += offset
                    packet.stream = video_out
                    writer.mux(packet)
            loop += 1


def measure_rss(clip: Path, engine: str, scale: float) -> dict:
    """Run one conversion in a fresh interpreter; its peak RSS and counts."""
    output = clip.with_name(clip.stem + "_x2.mp4")
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow.bench.video", "--child", str(clip), str(output),
         engine, str(scale)], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def child(clip: str, output: str, engine: str, scale: float) -> None:
    started = time.perf_counter()
    result = convert_video(clip, output, multi=2, engine=engine, scale=scale,
                           preset="veryfast", overwrite=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux
    print(json.dumps({"frames_in": result.frames_in, "frames_out": result.frames_out,
                      "interpolated": result.interpolated, "seconds": seconds,
                      "peak_rss_mib": peak_kib / 1024}))


def model_seconds_per_frame(clip: Path, engine_name: str, scale: float, pairs: int) -> float:
    """prepare + render(t = 0.5) per pair on decoded RGB frames: the model alone."""
    frames = [frame.rgb for _, frame in zip(range(pairs + 1), read_frames(probe(clip)))]
    engine = create_engine(engine_name, scale=scale)
    engine.render(engine.prepare(frames[0], frames[1]), 0.5)          # warm-up
    started = time.perf_counter()
    for frame0, frame1 in zip(frames, frames[1:]):
        engine.render(engine.prepare(frame0, frame1), 0.5)
    return (time.perf_counter() - started) / pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench.video")
    parser.add_argument("--engine", default="classical")
    parser.add_argument("--rss-scale", type=float, default=0.0625,
                        help="flow scale for the memory runs (small: they are about memory)")
    parser.add_argument("--throughput-scale", type=float, default=1.0)
    parser.add_argument("--throughput-seconds", type=float, default=2.0)
    parser.add_argument("--rss-seconds", type=float, nargs=2, default=[5, 60])
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.child[2], float(args.child[3]))
        return 0
    if not SAMPLE.exists():
        print(f"missing sample video {SAMPLE}", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} CPUs, no GPU; engine {args.engine}; x264 preset veryfast")
    with tempfile.TemporaryDirectory(prefix="tweenflow-bench-") as folder:
        rows = []
        for seconds in args.rss_seconds:
            clip = looped_clip(SAMPLE, Path(folder) / f"dog_{seconds:g}s.mp4", seconds)
            measured = measure_rss(clip, args.engine, args.rss_scale)
            rows.append((seconds, measured))
            print(f"  {seconds} s clip done: {measured}", file=sys.stderr)
        clip = looped_clip(SAMPLE, Path(folder) / "dog_throughput.mp4", args.throughput_seconds)
        measured = measure_rss(clip, args.engine, args.throughput_scale)
        model = model_seconds_per_frame(clip, args.engine, args.throughput_scale, pairs=10)
    print()
    print(f"Peak RSS, 1280x720, --multi 2, --engine {args.engine} --scale {args.rss_scale}")
    print()
    print("| clip | frames in | frames out | wall time (s) | peak RSS (MiB) |")
    print("| --- | --- | --- | --- | --- |")
    for seconds, row in rows:
        print(f"| {seconds:g} s | {row['frames_in']} | {row['frames_out']} | {row['seconds']:.1f} "
              f"| {row['peak_rss_mib']:.0f} |")
    ratio = rows[1][1]["peak_rss_mib"] / rows[0][1]["peak_rss_mib"]
    print(f"\nratio {rows[1][0]:g} s / {rows[0][0]:g} s: {ratio:.3f} (target <= 1.2)\n")
    pipeline_per_interpolated = measured["seconds"] / measured["interpolated"]
    print(f"Throughput, 1280x720, x2, --engine {args.engine} --scale {args.throughput_scale}, "
          f"{measured['frames_in']} input frames")
    print()
    print("| measure | value |")
    print("| --- | --- |")
    print(f"| end to end: frames out / s | {measured['frames_out'] / measured['seconds']:.2f} |")
    print(f"| end to end: s per interpolated frame | {pipeline_per_interpolated:.3f} |")
    print(f"| model only (prepare + render): s per interpolated frame | {model:.3f} |")
    print(f"| pipeline overhead on top of the model | "
          f"{100 * (pipeline_per_interpolated / model - 1):+.1f}% (target <= 15%) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
