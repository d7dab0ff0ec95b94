"""Exports of a finished job: a zip of the PNG frames, an MP4 or GIF clip (the CLI's writer),
and tracks.json in the format `--tracks` reads."""
from __future__ import annotations

import json
import zipfile
from fractions import Fraction
from pathlib import Path

from tweenflow.images import read_image
from tweenflow.motion import Track, tracks_to_json
from tweenflow.outputs import discard, publish, temp_file_for
from tweenflow.studio.jobs import Job, frame_name
from tweenflow.studio.workspace import Session
from tweenflow.video.clip import write_clip


def tracks_file(tracks: list[Track]) -> bytes:
    """tracks.json bytes: what `tweenflow interpolate --tracks` reads back as the same tracks."""
    return (json.dumps(tracks_to_json(tracks), indent=2) + "\n").encode("utf-8")


def frames_zip(job: Job) -> Path:
    """A zip of the job's frames (frame_0001.png, ...), stored without recompression."""
    path = job.folder.parent / f"frames-{job.id}.zip"
    if not path.exists():    # made once; under a temporary name until complete
        temp_name = temp_file_for(path)
        try:
            with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_STORED) as archive:
                for index in range(1, job.total + 1):
                    archive.write(job.folder / frame_name(index), f"frames/{frame_name(index)}")
            publish(temp_name, path)
        finally:
            discard(temp_name)
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
