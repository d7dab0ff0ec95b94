"""Many videos: files and folders in, one output per video in a folder, one bad file never
stopping the others."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from tqdm import tqdm

from tweenflow import exr
from tweenflow.errors import InputError, OutputError, TweenflowError
from tweenflow.images import IMAGE_SUFFIXES
from tweenflow.jobs.convert import check_options, convert_video, open_runner
from tweenflow.video.encoding import VIDEO_SUFFIXES
from tweenflow.video.pipeline import VideoResult, estimate_output_count
from tweenflow.video.reader import image_files, probe
from tweenflow.video.schedule import retime_from

# what a folder's files must end with to be taken as videos
INPUT_VIDEO_SUFFIXES = VIDEO_SUFFIXES | {".avi", ".m4v", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"}


@dataclass
class FileResult:
    """What happened to one input: status "converted", "skipped" (its output exists) or
    "failed" (reason: the one-line error; error: the TweenflowError it was, which the CLI
    words with its options)."""

    input: Path
    output: Path
    status: str
    reason: str = ""
    result: VideoResult | None = None
    error: TweenflowError | None = None


def find_inputs(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The videos to convert: files as given; in a folder, its video files and its subfolders
    of images (image sequences); a folder of images is itself one image sequence."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            if _is_image_sequence(path):
                found.append(path)
                continue
            inside = sorted(path.iterdir())
            found += [child for child in inside
                      if child.is_file() and child.suffix.lower() in INPUT_VIDEO_SUFFIXES]
            found += [child for child in inside if child.is_dir() and _is_image_sequence(child)]
        else:
            raise InputError(f"{path}: no such file or folder")
    if not found:
        raise InputError("no videos or image folders among the inputs")
    return found


def _is_image_sequence(folder: Path) -> bool:
    return any(child.suffix.lower() in IMAGE_SUFFIXES for child in folder.iterdir())


def output_for(source: Path, output_folder: Path, suffix: str) -> Path:
    """Where one input's output goes: <name><suffix>; a folder of EXR frames (which no
    video here holds: scene-linear float) to a folder <name> of EXR frames, as `tweenflow
    video FOLDER -o OUTFOLDER` writes them."""
    if source.is_dir():
        if exr.is_exr(image_files(source)[0]):   # the first decides, as in probe
            return output_folder / source.name
        return output_folder / f"{source.name}{suffix}"
    return output_folder / f"{source.stem}{suffix}"


def convert_many(inputs: Iterable[str | os.PathLike], output_folder: str | os.PathLike, *,
                 suffix: str = ".mp4", ray: bool | str | None = None, progress: bool = False,
                 overwrite: bool = False, **options: Any) -> list[FileResult]:
    """Convert every video of `inputs` (see find_inputs) to output_folder/<name><suffix> (a
    folder of EXR frames to a folder output_folder/<name> of EXR frames), with the options of
    `tweenflow.convert_video`. An existing output is skipped (unless
    overwrite), an input that fails is reported and the others go on. With ray, all files
    share one connection and its workers."""
    suffix = suffix if suffix.startswith(".") else f".{suffix}"
    if suffix.lower() not in VIDEO_SUFFIXES:
        raise OutputError(f"{{suffix=}}: use one of {', '.join(sorted(VIDEO_SUFFIXES))}",
                          {"suffix": suffix})
    check_options(**options)     # options wrong for every file: one line, before any file
    files = find_inputs(inputs)
    output_folder = Path(output_folder)
    try:
        output_folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{output_folder}: cannot create: {error.strerror or error}") from None
    results: list[FileResult] = []
    todo: list[FileResult] = []
    claimed: dict[Path, Path] = {}
    inputs = {source.resolve() for source in files}
    for source in files:
        target = output_for(source, output_folder, suffix)
        if target.resolve() in inputs:     # never "done", and never to be replaced
            results.append(FileResult(source, target, "failed",
                                      f"its output {target} is one of the inputs; give another "
                                      f"-o folder or --ext"))
        elif target in claimed:
            results.append(FileResult(source, target, "failed",
                                      f"same output name as {claimed[target]}"))
        elif target.exists() and not overwrite:
            results.append(FileResult(source, target, "skipped", "already done"))
        else:
            claimed[target] = source
            entry = FileResult(source, target, "pending")
            results.append(entry)
            todo.append(entry)
    bar = tqdm(total=sum(_estimate(entry.input, options) for entry in todo) or None,
               unit="frame", desc="tweenflow batch", disable=not progress, dynamic_ncols=True)
    runtime = options.get("runtime")
    runner = open_runner(ray, options.get("engine", "auto"),
                         runtime.threads if runtime is not None else None) if todo else None
    try:
        for entry in todo:
            try:
                entry.result = convert_video(entry.input, entry.output, ray=ray,
                                             overwrite=overwrite, progress=bar, runner=runner,
                                             **options)
                entry.status = "converted"
            except TweenflowError as error:
                entry.status, entry.reason, entry.error = "failed", str(error), error
            except OSError as error:
                entry.status, entry.reason = "failed", f"{error.strerror or error}"
    finally:
        if runner is not None:
            runner.close()
        bar.close()
    return results


def _estimate(source: Path, options: dict[str, Any]) -> int:
    """Output frames expected from one input (0 if it cannot be told now)."""
    try:
        retime = retime_from(options.get("fps"), options.get("multi"), options.get("slowmo"))
        info = probe(source, options.get("input_fps") or 24)
    except TweenflowError:
        return 0
    return estimate_output_count(info, retime, options.get("max_frames")) or 0
