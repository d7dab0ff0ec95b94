"""Exports of a finished job: a zip of the PNG frames, an MP4 or GIF clip (the CLI's writer),
and tracks.json in the format `--tracks` reads."""
from __future__ import annotations

import json
import zipfile
from fractions import Fraction
from pathlib import Path

from tweenflow.errors import InputError
from tweenflow.images import read_image
from tweenflow.motion import Track, parse_tracks, tracks_to_json
from tweenflow.studio.jobs import Job, frame_name
from tweenflow.studio.workspace import Session
from tweenflow.video.clip import write_clip


def tracks_file(tracks: list[Track]) -> bytes:
    """tracks.json bytes: what `tweenflow interpolate --tracks` reads back as the same tracks."""
    return (json.dumps(tracks_to_json(tracks), indent=2) + "\n").encode("utf-8")


def read_tracks_upload(payload: bytes, name: str, size: tuple[int, int]) -> list[Track]:
    """Tracks from an uploaded tracks file, with the messages `load_tracks` gives for files."""
    try:
        document = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{name}: not a text file; a tracks file is JSON") from None
    except json.JSONDecodeError as error:
        raise InputError(f"{name}: not valid JSON (line {error.lineno}, column {error.colno}: "
                         f"{error.msg})") from None
    try:
        return parse_tracks(document, size)
    except InputError as error:
        raise InputError(f"{name}: {error}") from None


def frames_zip(job: Job) -> Path:
    """A zip of the job's frames (frame_0001.png, ...), stored without recompression."""
    path = job.folder.parent / f"frames-{job.id}.zip"
    if not path.exists():
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
            for index in range(1, job.total + 1):
                archive.write(job.folder / frame_name(index), f"frames/{frame_name(index)}")
    return path


def clip(session: Session, job: Job, suffix: str, fps: Fraction) -> Path:
    """A clip that plays A, the in-betweens, B at `fps`, as `interpolate -n N -o x.mp4` does."""
    path = job.folder.parent / f"clip-{job.id}-{fps.numerator}-{fps.denominator}{suffix}"
    if not path.exists():
        frames = (read_image(job.folder / frame_name(index)) for index in range(1, job.total + 1))
        write_clip(_framed(session, frames), path, fps)
    return path


def _framed(session: Session, inbetweens):
    yield session.frame0
    yield from inbetweens
    yield session.frame1
