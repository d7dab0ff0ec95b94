"""Sessions: a loaded pair of frames, its working folder and what was computed for it.

Clients name sessions, jobs and frames by random ids and small integers only; no request ever
names a server-side path. Everything lives under one temporary folder removed on exit.
"""
from __future__ import annotations

import re
import secrets
import shutil
import tempfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tweenflow.errors import InputError

ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAX_SESSIONS = 8
MAX_PAGES = 32          # pages (browser tabs) whose preview order is kept, per session
# Rendered previews kept per session (PNG bytes): revisiting a t with unchanged tracks is free.
FRAME_CACHE_BYTES = 12 * 2**20


class NotFound(InputError):
    """A session, job or frame id that does not exist (or is malformed)."""


def new_id() -> str:
    return secrets.token_hex(16)


def without_paths(message: str, root: Path) -> str:
    """`message` with every path inside the working folder `root` cut to its file name: a
    message for the page (a full disk, a vanished file) never shows a server path."""
    return re.sub(re.escape(str(root)) + r"""[^\s'":]*""",
                  lambda found: Path(found.group()).name, message)


@dataclass
class Session:
    id: str
    frame0: np.ndarray
    frame1: np.ndarray
    names: tuple[str, str]
    folder: Path
    states: dict[str, Any] = field(default_factory=dict)      # engine name -> prepared pair
    frame_cache: OrderedDict = field(default_factory=OrderedDict)  # (engine, tracks, t) -> png
    # Newest preview request seen per page (browser tab): its older queued ones are dropped.
    preview_seqs: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)
    png_inputs: dict[int, bytes] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return self.frame0.shape[1], self.frame0.shape[0]

    def saw_preview(self, page: str, seq: int) -> None:
        self.preview_seqs[page] = max(self.preview_seqs.pop(page, -1), seq)   # newest last
        while len(self.preview_seqs) > MAX_PAGES:
            del self.preview_seqs[next(iter(self.preview_seqs))]

    def stale_preview(self, page: str, seq: int) -> bool:
        return seq < self.preview_seqs.get(page, -1)

    def cached_frame(self, key: tuple) -> bytes | None:
        if key in self.frame_cache:
            self.frame_cache.move_to_end(key)
            return self.frame_cache[key]
        return None

    def cache_frame(self, key: tuple, png: bytes) -> None:
        self.frame_cache[key] = png
        total = sum(len(entry) for entry in self.frame_cache.values())
        while total > FRAME_CACHE_BYTES and len(self.frame_cache) > 1:
            _, dropped = self.frame_cache.popitem(last=False)
            total -= len(dropped)


class Workspace:
    """The studio's temporary folder and its sessions (the oldest beyond MAX_SESSIONS go)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tweenflow-studio-"))
        self.sessions: OrderedDict[str, Session] = OrderedDict()

    def new_folder(self) -> tuple[str, Path]:
        session_id = new_id()
        folder = self.root / session_id
        folder.mkdir()
        return session_id, folder

    def add(self, session: Session) -> Session:
        self.sessions[session.id] = session
        while len(self.sessions) > MAX_SESSIONS:
            _, old = self.sessions.popitem(last=False)
            for job in old.jobs.values():
                job.cancel()
            shutil.rmtree(old.folder, ignore_errors=True)
        return session

    def get(self, session_id: str) -> Session:
        if not ID_PATTERN.match(session_id or "") or session_id not in self.sessions:
            raise NotFound("no such session (it may have expired); load the two frames again")
        return self.sessions[session_id]

    def close(self) -> None:
        for session in self.sessions.values():
            for job in session.jobs.values():
                job.cancel()
        self.sessions.clear()
        shutil.rmtree(self.root, ignore_errors=True)
