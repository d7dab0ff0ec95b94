"""The work folder beside an output: finished segments and a manifest, so a run that stopped
(Ctrl-C, a crash, a lost node) resumes where it was; a lock so two runs never share it. A run
stopped by a damaged input, or before any segment was finished, removes it (a rerun would stop
there again, or has nothing to resume).

    .NAME.tweenflow-work/
        manifest.json          what the segments were made from (input identity, options,
                               tweenflow version, the plan)
        lock                   held (flock) by the run using the folder
        segment_00003.packets  a finished segment's encoded frames (video.packets.pack)
        segment_00003.json     its counts; written last, so it marks the segment as done
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

from tweenflow.errors import InputError, Note, OutputError
from tweenflow.jobs.segment import SegmentOutput
from tweenflow.outputs import write_bytes_atomically
from tweenflow.video.packets import Packet, pack, unpack

MANIFEST_VERSION = 1
HASHED_BYTES = 1 << 20


def input_identity(path: Path) -> dict[str, Any]:
    """Size, modification time and a hash of the first MiB: a changed input is noticed
    without reading all of it."""
    status = path.stat()
    with open(path, "rb") as source:
        head = hashlib.sha256(source.read(HASHED_BYTES)).hexdigest()
    return {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256_first_mib": head}


def _input_entry(path: Path) -> dict[str, Any]:
    """The input as a manifest records it: its resolved path and its identity."""
    return {"path": os.fspath(path.resolve()), **input_identity(path)}


def same_input(fingerprint: dict[str, Any], path: Path) -> bool:
    """Whether the input at `path` is still the one `fingerprint` was made from (False if it
    is gone)."""
    try:
        return fingerprint["input"] == _input_entry(path)
    except OSError:
        return False


def work_folder_for(output: Path) -> Path:
    return output.parent / f".{output.name}.tweenflow-work"


class WorkFolder:
    """Use as a context manager: the lock is held inside; `finish()` removes the folder."""

    def __init__(self, output: Path):
        self.output = output
        self.path = work_folder_for(output)
        self._lock_file = None

    def __enter__(self) -> "WorkFolder":
        try:
            self.path.mkdir(exist_ok=True)
            self._lock_file = open(self.path / "lock", "a+")
        except OSError as error:
            raise OutputError(f"{self.output}: cannot write: cannot create the work folder "
                              f"{self.path}: {error.strerror or error}") from None
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise OutputError(f"{self.output}: another tweenflow run is writing this output "
                              f"(its work folder {self.path} is locked); wait for it to "
                              f"finish or stop it") from None
        return self

    def __exit__(self, kind: Any = None, error: BaseException | None = None,
                 traceback: Any = None) -> None:
        if error is not None and self._lock_file is not None and (
                isinstance(error, InputError) or not any(self.path.glob("segment_*.json"))):
            # a damaged input fails the same way on a rerun, and without a finished segment
            # (an encoder refusing to open, Ctrl-C in the first one) there is nothing to resume:
            # nothing in here is worth keeping
            shutil.rmtree(self.path, ignore_errors=True)
        if self._lock_file is not None:
            self._lock_file.close()        # releases the lock
            self._lock_file = None

    def begin(self, fingerprint: dict[str, Any]) -> tuple[dict[int, SegmentOutput], Note | None]:
        """Compare with the manifest of an earlier run. Returns the finished segments that can
        be kept and a message when earlier work is thrown away (None otherwise)."""
        manifest = self.path / "manifest.json"
        message = None
        previous = _read_json(manifest)
        if previous is not None and previous != fingerprint:
            changed, arguments = _changed(previous, fingerprint)
            message = Note(f"{', '.join(changed)} changed since the interrupted run; starting "
                           f"this file over", arguments)
        if previous != fingerprint:
            # without a readable manifest, segments are of unknown settings: never joined in
            self._clear_segments()
            write_bytes_atomically(manifest, json.dumps(fingerprint, indent=1).encode())
        return self._finished(), message

    def store(self, output: SegmentOutput) -> None:
        stem = self.path / f"segment_{output.number:05d}"
        write_bytes_atomically(stem.with_suffix(".packets"), pack(output.packets))
        counts = {key: _plain(value) for key, value in dataclasses.asdict(output).items()
                  if key != "packets"}
        counts["extradata"] = (output.extradata or b"").hex()
        write_bytes_atomically(stem.with_suffix(".json"), json.dumps(counts).encode())

    def packets(self, number: int) -> list[Packet]:
        """A finished segment's packets, read back."""
        path = self.path / f"segment_{number:05d}.packets"
        try:
            return unpack(path.read_bytes())
        except (OSError, ValueError) as error:
            raise OutputError(f"{path}: unreadable ({error}); remove {self.path} to start "
                              f"over") from None

    def finish(self) -> None:
        """The output is published: the work is no longer needed."""
        # removed before the lock goes, so a waiting run never starts inside a folder being
        # removed
        shutil.rmtree(self.path, ignore_errors=True)
        self.__exit__()

    def _finished(self) -> dict[int, SegmentOutput]:
        finished = {}
        for marker in sorted(self.path.glob("segment_*.json")):
            counts = _read_json(marker)
            if counts is None or not marker.with_suffix(".packets").is_file():
                continue
            fields = {key: Fraction(value) if key in ("input_end", "duration_out", "time_base")
                      else value for key, value in counts.items()}
            fields["extradata"] = bytes.fromhex(fields["extradata"]) or None
            finished[fields["number"]] = SegmentOutput(packets=[], **fields)
        return finished

    def _clear_segments(self) -> None:
        for stale in list(self.path.glob("segment_*")) + list(self.path.glob(".segment_*")):
            stale.unlink(missing_ok=True)


# options the fingerprint keeps under another name than convert_video's argument
_ARGUMENTS = {"scene_threshold": "scene_cut_threshold"}


def _changed(previous: dict[str, Any], current: dict[str, Any]
             ) -> tuple[list[str], dict[str, Any]]:
    """What differs, by name: the options themselves (as `{argument}` for a Note, with
    their new values), else the top-level entries."""
    names, arguments = [], {}
    for key in sorted(set(previous) | set(current)):
        before, after = previous.get(key), current.get(key)
        if before == after:
            continue
        if key == "options" and isinstance(before, dict) and isinstance(after, dict):
            for name in sorted(set(before) | set(after)):
                if before.get(name) != after.get(name):
                    argument = _ARGUMENTS.get(name, name)
                    names.append(f"{{{argument}}}")
                    arguments[argument] = after.get(name)
        else:
            names.append("the input" if key == "input" else key)
    return names, arguments


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Fraction) else value


def fingerprint_of(input_path: Path, options: dict[str, Any], plan: list[Any],
                   version: str) -> dict[str, Any]:
    """Everything that changes the output's pixels or its cut into segments."""
    return {"format": MANIFEST_VERSION, "tweenflow": version,
            "input": _input_entry(input_path),
            "options": {key: _plain(value) for key, value in options.items()},
            "segments": [[segment.first, segment.stop] for segment in plan]}
