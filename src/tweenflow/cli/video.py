"""tweenflow video and tweenflow batch: more frames for one video, or for many into a folder."""
from __future__ import annotations

import argparse
import sys
import unicodedata
from fractions import Fraction
from pathlib import Path

from tweenflow.cli.options import (add_encoding_options, add_engine_options, fraction,
                                   option_flag, runtime_of, said)
from tweenflow.jobs.convert import convert_video
from tweenflow.jobs.plan import DEFAULT_SEGMENT_SECONDS
from tweenflow.video.dedup import DEFAULT_HELD_THRESHOLD
from tweenflow.video.scenes import DEFAULT_SCENE_CUT_THRESHOLD


def add_video_parser(commands) -> None:
    video = commands.add_parser("video", help="more frames for a whole video: frame-rate "
                                              "conversion (--fps), --multi, --slowmo")
    video.add_argument("input", type=Path, help="a video file, or a folder of images (sorted)")
    video.add_argument("-o", "--output", type=Path, required=True,
                       help="a video file (.mp4, .mkv, .mov, .webm; see --codec) or a folder "
                            "for PNG frames (EXR frames for a folder of EXRs)")
    _add_conversion_options(video)


def _add_conversion_options(video: argparse.ArgumentParser) -> None:
    """The options of `video` and `batch` after the inputs and the output."""
    how = video.add_mutually_exclusive_group(required=True)
    how.add_argument("--fps", help="output frame rate, e.g. 60, 59.94 or 60000/1001")
    how.add_argument("--multi", type=int, help="N times the frames, same duration")
    how.add_argument("--slowmo", type=int,
                     help="N times the frames at the input rate: plays N times longer "
                          "(audio: see --slowmo-audio)")
    video.add_argument("--scene-threshold", type=float, default=DEFAULT_SCENE_CUT_THRESHOLD,
                       help="scene-cut score (PySceneDetect's content score, 0-255) from which "
                            "frames are repeated instead of morphed (default "
                            f"{DEFAULT_SCENE_CUT_THRESHOLD:g})")
    video.add_argument("--no-scene-detect", action="store_true",
                       help="interpolate across everything, cuts included")
    video.add_argument("--dedup", default="auto", metavar="auto|off|THRESHOLD",
                       help="held frames (animation on twos/threes, re-encoded repeats): "
                            "repeats of a frame that differ by at most THRESHOLD luma levels "
                            f"(auto: {DEFAULT_HELD_THRESHOLD:g}) are dropped and motion is "
                            "interpolated across them; off keeps every frame")
    video.add_argument("--input-fps", type=fraction, default=Fraction(24),
                       help="frame rate of an image-folder input (default 24)")
    video.add_argument("--max-frames", type=int, default=None,
                       help="use only the first N input frames")
    add_encoding_options(video)
    video.add_argument("--stream", type=int, default=0,
                       help="which video stream to convert, counting video streams from 0 "
                            "(default 0); the others are copied (--fps, --multi) or left out "
                            "(--slowmo)")
    video.add_argument("--slowmo-audio", metavar="drop|stretch|pitch", default=None,
                       help="audio with --slowmo: stretch (default: same pitch), pitch (slowed "
                            "like a tape, lower) or drop")
    video.add_argument("-y", "--overwrite", action="store_true", help="replace the output")
    video.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    video.add_argument("--segment-seconds", type=fraction, default=DEFAULT_SEGMENT_SECONDS,
                       help="cut a video into segments of about this long (default "
                            f"{DEFAULT_SEGMENT_SECONDS}); finished segments are kept beside "
                            "the output, so running the command again resumes")
    video.add_argument("--ray", nargs="?", const=True, default=None, metavar="ADDRESS",
                       help="run the segments on a Ray cluster: auto, HOST:PORT or "
                            "ray://HOST:10001 (none: $RAY_ADDRESS, else a local Ray for this "
                            "run); needs tweenflow[cluster]")
    add_engine_options(video)


def _conversion_options(args: argparse.Namespace) -> dict:
    return dict(fps=args.fps, multi=args.multi, slowmo=args.slowmo, engine=args.engine,
                scale=args.scale, runtime=runtime_of(args), flow_preset=args.flow_preset,
                large_motion=args.large_motion,
                scene_cut_threshold=None if args.no_scene_detect else args.scene_threshold,
                dedup=args.dedup, input_fps=args.input_fps, max_frames=args.max_frames,
                codec=args.codec, crf=args.crf, preset=args.preset, pix_fmt=args.pix_fmt,
                lossless=args.lossless, overwrite=args.overwrite, stream=args.stream,
                slowmo_audio=args.slowmo_audio, ray=args.ray,
                segment_seconds=args.segment_seconds)


def add_batch_parser(commands) -> None:
    batch = commands.add_parser("batch", help="convert many videos (files, folders of videos, "
                                              "image-sequence folders) into one folder")
    batch.add_argument("inputs", type=Path, nargs="+", metavar="IN",
                       help="video files, folders of videos, or folders of images")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="OUTDIR",
                       help="folder for the outputs, OUTDIR/<name>.<ext> (created if missing)")
    batch.add_argument("--ext", default="mp4", help="output container: mp4 (default), mkv, "
                                                   "mov or webm")
    _add_conversion_options(batch)


def run_batch(args: argparse.Namespace) -> int:
    from tweenflow.jobs.batch import convert_many
    options = _conversion_options(args)
    overwrite = options.pop("overwrite")
    ray = options.pop("ray")
    results = convert_many(args.inputs, args.output, suffix=args.ext, ray=ray,
                           progress=not args.quiet, overwrite=overwrite, **options)
    width = max(display_width(str(entry.input)) for entry in results)
    for entry in results:
        detail = entry.reason if entry.error is None else entry.error.worded(option_flag)
        if entry.status == "converted" and entry.result is not None:
            detail = f"{entry.output} ({entry.result.frames_out} frames)"
        name = str(entry.input)
        print(f"{name}{' ' * (width - display_width(name))}  {entry.status:9s}  {detail}",
              file=sys.stderr)
        # what `tweenflow video` says of this file (streams left out, audio stretched, ...)
        for note in entry.result.notes if entry.result is not None else ():
            print(f"{'':{width}s}  {'':9s}  {said(note)}", file=sys.stderr)
    counts = {status: sum(entry.status == status for entry in results)
              for status in ("converted", "skipped", "failed")}
    print(f"tweenflow: {counts['converted']} converted, {counts['skipped']} skipped (already "
          f"done), {counts['failed']} failed", file=sys.stderr)
    return 1 if counts["failed"] else 0


def display_width(text: str) -> int:
    """The terminal columns `text` takes: two for a wide character (CJK, most emoji), none
    for a combining mark, one for the others."""
    return sum(0 if unicodedata.combining(char)
               else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def run_video(args: argparse.Namespace) -> int:
    result = convert_video(args.input, args.output, progress=not args.quiet,
                           **_conversion_options(args))
    for note in result.notes:
        print(f"tweenflow: {said(note)}", file=sys.stderr)
    print(f"tweenflow: wrote {args.output}: {result.frames_in} frames in, {result.frames_out} "
          f"out ({result.interpolated} interpolated, {result.scene_cuts} scene cuts, "
          f"{result.duplicates_dropped} held frames dropped), "
          f"{float(result.duration_out):.3f} s, audio {result.audio}", file=sys.stderr)
    return 0
