"""Making outputs appear safely: written under a temporary name beside the target, published by
one rename when complete, with the permissions the user's umask gives a new file (as `cp` or
ffmpeg would; `mkstemp` alone creates 0600).

Every writer of a user-visible output (images, clips, videos, folders of frames, exports) goes
through here, so an interrupted run never leaves a file that looks finished.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from tweenflow.errors import OutputError


def current_umask() -> int:
    """The process's umask, read without changing it where Linux reports it (os.umask can only
    be read by setting it, which races with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temp_file_for(path: Path) -> str:
    """A new empty temporary file beside `path` (same folder, hidden, `.part` in its name, the
    real suffix kept last so that format guessing by suffix still works)."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                                        dir=path.parent)
        os.close(handle)
        return name
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


def temp_folder_for(path: Path) -> str:
    """A new empty temporary folder beside `path`."""
    try:
        return tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


def publish(temp_name: str | os.PathLike, path: Path, replace_folder: bool = False) -> None:
    """Give the finished temporary file or folder the umask's permissions and rename it to
    `path`. replace_folder: an existing folder at `path` is removed first (the caller has
    checked that overwriting is allowed)."""
    mode = (0o777 if os.path.isdir(temp_name) else 0o666) & ~current_umask()
    try:
        os.chmod(temp_name, mode)
        if replace_folder and path.is_dir():
            shutil.rmtree(path)
        os.replace(temp_name, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


def publish_into(temp_folder: str | os.PathLike, folder: Path) -> None:
    """Move the finished files of `temp_folder` into the existing `folder` (replacing files of
    the same names: the caller has checked that it may) and remove `temp_folder`."""
    try:
        for name in sorted(os.listdir(temp_folder)):
            os.replace(os.path.join(temp_folder, name), folder / name)
        os.rmdir(temp_folder)
    except OSError as error:
        raise OutputError(f"{folder}: cannot write: {error.strerror or error}") from None


def discard(temp_name: str | os.PathLike | None) -> None:
    """Remove an unfinished temporary file or folder (nothing if it is gone)."""
    if temp_name is None:
        return
    if os.path.isdir(temp_name):
        shutil.rmtree(temp_name, ignore_errors=True)
    elif os.path.exists(temp_name):
        os.unlink(temp_name)


def write_bytes_atomically(path: Path, payload: bytes) -> None:
    """`payload` as the file `path`, appearing only when complete."""
    temp_name = temp_file_for(path)
    try:
        with open(temp_name, "wb") as sink:
            sink.write(payload)
        publish(temp_name, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        discard(temp_name if os.path.exists(temp_name) else None)
