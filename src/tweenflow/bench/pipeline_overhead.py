"""What the video pipeline costs on top of the model, both warm, in one process.

`python -m tweenflow.bench.pipeline_overhead [--seconds 2] [--rounds 4] [--engine rife4]`:
a 720p clip (the dog sample's packets looped), rounds that alternate the model alone (prepare +
render(t = 0.5) on every decoded pair) and `tweenflow.convert_video(..., multi=2)` with the same
engine object, medians of the per-frame times. To compare two versions, run the same command with
PYTHONPATH pointing at each checkout's src/.

Also the CPU time (all threads of the process) per in-between: the pipeline's extra CPU work
(decoding, colour conversion, checks, encoding) over the model's. With the model keeping every
core busy, that CPU share is the floor of the wall-clock overhead: a wall overhead at or under it
means the pipeline adds its own work and no waiting.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tweenflow import convert_video, create_engine, keep_freed_memory
from tweenflow.bench.video import SAMPLE, looped_clip
from tweenflow.video.reader import probe, read_frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench.pipeline_overhead")
    parser.add_argument("--engine", default="rife4")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args(argv)
    if not SAMPLE.exists():
        print(f"missing sample video {SAMPLE}", file=sys.stderr)
        return 2
    keep_freed_memory()     # as `tweenflow video` runs (tweenflow.allocator)
    with tempfile.TemporaryDirectory(prefix="tweenflow-bench-") as folder:
        clip = looped_clip(SAMPLE, Path(folder) / "clip.mp4", args.seconds)
        output = Path(folder) / "out.mp4"
        engine = create_engine(args.engine)
        frames = [frame.rgb for frame in read_frames(probe(clip))]
        engine.render(engine.prepare(frames[0], frames[1]), 0.5)      # warm-up

        def model_alone() -> int:
            for frame0, frame1 in zip(frames, frames[1:]):
                engine.render(engine.prepare(frame0, frame1), 0.5)
            return len(frames) - 1

        def whole_pipeline() -> int:
            return convert_video(clip, output, multi=2, engine=engine, preset="veryfast",
                                 overwrite=True).interpolated

        times: dict[str, list[float]] = {"model alone": [], "convert_video": []}
        cpu_times: dict[str, list[float]] = {"model alone": [], "convert_video": []}
        for round_number in range(args.rounds):
            for name, run in (("model alone", model_alone), ("convert_video", whole_pipeline)):
                started, cpu_started = time.perf_counter(), time.process_time()
                count = run()
                times[name].append((time.perf_counter() - started) / count)
                cpu_times[name].append((time.process_time() - cpu_started) / count)
                print(f"round {round_number}: {name} {times[name][-1]:.4f} s per in-between, "
                      f"{cpu_times[name][-1]:.4f} CPU s", file=sys.stderr)
    model = statistics.median(times["model alone"])
    pipeline = statistics.median(times["convert_video"])
    model_cpu = statistics.median(cpu_times["model alone"])
    pipeline_cpu = statistics.median(cpu_times["convert_video"])
    print(f"| 1280x720 x2, {args.engine}, {len(frames)} input frames, {args.rounds} rounds "
          f"| s per in-between (median) |")
    print("| --- | --- |")
    print(f"| model alone (prepare + render) | {model:.4f} |")
    print(f"| convert_video (decode, checks, model, encode, mux) | {pipeline:.4f} |")
    print(f"| pipeline overhead | {100 * (pipeline / model - 1):+.1f}% |")
    print(f"| CPU s per in-between: model alone / convert_video | {model_cpu:.4f} / "
          f"{pipeline_cpu:.4f} |")
    print(f"| pipeline's extra CPU work (the overhead's floor) | "
          f"{100 * (pipeline_cpu / model_cpu - 1):+.1f}% |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
