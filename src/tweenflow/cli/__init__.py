"""Command line: parse, validate, call the API, turn TweenflowErrors into one line + exit code.

One module a command (interpolate; video and batch; the tools around them), options they
share in options.py."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from tweenflow.allocator import keep_freed_memory
from tweenflow.cli.interpolate import add_interpolate_parser, frame_names, run_interpolate
from tweenflow.cli.options import OPTION_FLAGS, option_flag
from tweenflow.cli.tools import (add_engines_and_doctor_parsers, add_fetch_parser,
                                 add_studio_parser, run_doctor, run_engines, run_fetch, run_studio)
from tweenflow.cli.video import add_batch_parser, add_video_parser, run_batch, run_video
from tweenflow.errors import TweenflowError

__all__ = ["main", "build_parser", "COMMANDS", "OPTION_FLAGS", "option_flag", "frame_names"]


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="tweenflow", description="Frame interpolation on a CPU.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    add_interpolate_parser(commands)       # in the order --help lists them
    add_engines_and_doctor_parsers(commands)
    add_video_parser(commands)
    add_batch_parser(commands)
    add_studio_parser(commands)
    add_fetch_parser(commands)
    return parser


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus the exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


COMMANDS = {"interpolate": run_interpolate, "engines": run_engines, "fetch-weights": run_fetch,
            "video": run_video, "batch": run_batch, "studio": run_studio, "doctor": run_doctor}


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
