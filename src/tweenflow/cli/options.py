"""What several commands share: option builders and parsers of option values, and how an
API argument that an error names is said as an option."""
from __future__ import annotations

import argparse
from fractions import Fraction

from tweenflow.engines.base import Runtime, engine_names
from tweenflow.engines.classical import DIS_PRESETS
from tweenflow.engines.motion_size import LARGE_MOTION_ENGINES
from tweenflow.engines.tiled import MIN_TILE
from tweenflow.errors import Note
from tweenflow.video.encoding import CODECS, Encoding


def fraction(text: str) -> Fraction:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number or a ratio like 30000/1001")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be positive")
    return value


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", default="auto", choices=engine_names(),
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


def add_encoding_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--codec", default=None, choices=list(CODECS),
                        help="video codec (default h264; in .mov/.mkv prores for frames "
                             "with alpha, a ProRes input's own profile, dnxhr (.mov) for "
                             "DNxHD/DNxHR inputs; vp9 in .webm): " + "; ".join(
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


def encoding_of(args: argparse.Namespace) -> Encoding:
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


def runtime_of(args: argparse.Namespace) -> Runtime:
    return Runtime(threads=args.threads, tile=args.tile)


# API arguments whose option is not `--` and the argument's name with dashes (the names
# error messages use: see TweenflowError)
OPTION_FLAGS = {"count": "-n", "overwrite": "-y/--overwrite", "suffix": "--ext",
                "scene_cut_threshold": "--scene-threshold",
                "scene_cut_threshold=None": "--no-scene-detect"}


def option_flag(argument: str) -> str:
    """The command-line option of an API argument that an error message names."""
    return OPTION_FLAGS.get(argument, "--" + argument.replace("_", "-"))


def said(note: str) -> str:
    """A note of the API (a Note names the caller's arguments) as the CLI says it."""
    return note.worded(option_flag) if isinstance(note, Note) else note
