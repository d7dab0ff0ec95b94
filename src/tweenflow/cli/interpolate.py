"""tweenflow interpolate: in-between frames of two images, written as one image, a folder of
frames, a video clip or a GIF."""
from __future__ import annotations

import argparse
import itertools
import math
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
from tqdm import tqdm

from tweenflow import api, exr
from tweenflow.cli.options import (add_encoding_options, add_engine_options, encoding_of,
                                   fraction, runtime_of, said)
from tweenflow.engines.base import create_engine, engine_options
from tweenflow.engines.tiled import checked_overlap
from tweenflow.errors import InputError, OutputError
from tweenflow.images import (ALPHA_SUFFIXES, HIGH_DEPTH_SUFFIXES, IMAGE_SUFFIXES,
                              WEBP_MAX_SIDE, read_image, write_image)
from tweenflow.motion import load_tracks
from tweenflow.motion.draw import AUTOPILOT_COLOUR, USER_COLOUR, draw_tracks
from tweenflow.outputs import discard, publish, publish_into, temp_folder_for
from tweenflow.video.clip import CLIP_SUFFIXES, GIF_MAX_FPS, MIN_CLIP_FPS, write_clip
from tweenflow.video.encoding import encoder_settings


def add_interpolate_parser(commands) -> None:
    interp = commands.add_parser("interpolate", help="in-between frames of two images")
    interp.add_argument("frame0", type=Path, help="first image (time 0)")
    interp.add_argument("frame1", type=Path, help="second image (time 1)")
    interp.add_argument("-o", "--output", type=Path, required=True,
                        help="an image file (with --t), or with -n a folder, a video (.mp4, "
                             ".mkv, .mov, .webm; see --codec) or a .gif")
    when = interp.add_mutually_exclusive_group()
    when.add_argument("--t", type=float, default=None, help="time of the one frame (default 0.5)")
    when.add_argument("-n", type=int, default=None, help="number of evenly spaced in-betweens")
    interp.add_argument("--fps", type=fraction, default=Fraction(12),
                        help="frame rate of a video or .gif output (default 12)")
    interp.add_argument("-y", "--overwrite", action="store_true",
                        help="replace existing output files")
    interp.add_argument("--tracks", type=Path, default=None,
                        help="motion control: a tracks.json of (t, x, y) paths (see README)")
    interp.add_argument("--autopilot", action="store_true",
                        help="match keypoints between the frames and steer large motion")
    interp.add_argument("--show-tracks", action="store_true",
                        help="draw the tracks used (user and autopilot) over the output frames")
    add_engine_options(interp)
    add_encoding_options(interp)


def _refuse_overwrite(path: Path, overwrite: bool, inputs: list[Path]) -> None:
    for source in inputs:
        if path.resolve() == source.resolve():
            raise OutputError(f"{path}: the output would overwrite the input {source}")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; pass -y/--overwrite to replace it")


def run_interpolate(args: argparse.Namespace) -> int:
    runtime = runtime_of(args)      # a bad --threads or --tile: refused before any work
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
    engine = create_engine(args.engine, scale=args.scale, runtime=runtime,
                           **engine_options(args.engine, args.flow_preset, args.large_motion))
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
                   encoding_of(args))
        for note in notes:
            print(f"tweenflow: {said(note)}", file=sys.stderr)
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
        settings, notes = encoder_settings(encoding_of(args), suffix, high_depth, alpha)
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
