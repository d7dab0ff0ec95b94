"""Making outputs appear safely: written under a temporary name beside the target, published by
one rename when complete, with the permissions the user's umask gives a new file (as `cp` or
ffmpeg would; `mkstemp` alone creates 0600).

Every writer of a user-visible output (images, clips, videos, folders of frames, exports) goes
through here, so an interrupted run never leaves a file that looks finished.
"""
from __future__ import annotations

import os
import re
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


def temp_file_for(path: Path, folder: Path | None = None) -> str:
    """A new empty temporary file beside `path` (same folder, hidden, `.part` in its name, the
    real suffix kept last so that format guessing by suffix still works). folder: another
    folder on the same file system to make it in (a work folder removed with it)."""
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                                        dir=folder or path.parent)
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
    `path`. replace_folder: the caller has checked that an existing folder at `path` may be
    overwritten; its earlier frames are replaced and its other files stay (publish_into)."""
    if replace_folder and path.is_dir():
        publish_into(temp_name, path, replace_numbered=True)
        return
    mode = (0o777 if os.path.isdir(temp_name) else 0o666) & ~current_umask()
    try:
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as error:
        raise OutputError(f"{path}: cannot write: {error.strerror or error}") from None


def publish_into(temp_folder: str | os.PathLike, folder: Path,
                 replace_numbered: bool = False) -> None:
    """Move the finished files of `temp_folder` into the existing `folder` (replacing files of
    the same names: the caller has checked that it may) and remove `temp_folder`.
    replace_numbered: also remove the files of `folder` named like the new ones but for their
    numbers (an earlier, longer run's frame_000123.png), so that only the new frames remain;
    the user's other files are never touched."""
    names = sorted(os.listdir(temp_folder))
    forms = {_numbered_form(name) for name in names}
    try:
        for name in names:
            os.replace(os.path.join(temp_folder, name), folder / name)
        if replace_numbered:
            for old in set(os.listdir(folder)) - set(names):
                if _numbered_form(old) in forms and (folder / old).is_file():
                    os.unlink(folder / old)
        os.rmdir(temp_folder)
    except OSError as error:
        raise OutputError(f"{folder}: cannot write: {error.strerror or error}") from None


def _numbered_form(name: str) -> str:
    """A file name with its numbers left out: frame_000012.png -> frame_#.png."""
    return re.sub(r"[0-9]+", "#", name)


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
        discard(temp_name)
