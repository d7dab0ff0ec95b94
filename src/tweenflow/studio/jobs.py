"""Render jobs: N in-betweens of a session's pair, with progress, cancellation and a folder of
PNG frames named as `tweenflow interpolate -n N -o FOLDER` names them."""
from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tweenflow import api
from tweenflow.images import write_image
from tweenflow.motion import Track
from tweenflow.studio.renderer import Renderer
from tweenflow.studio.workspace import Session, new_id, without_paths

MAX_INBETWEENS = 240


def frame_name(index: int) -> str:
    """The CLI's name for in-between number `index` (1-based)."""
    return f"frame_{index:04d}.png"


@dataclass
class Job:
    id: str
    engine: str
    times: list[float]
    tracks: list[Track]
    folder: Path
    page: str = ""                   # the page (browser tab) that started it
    status: str = "running"          # running, done, cancelled, failed, removed (replaced)
    done: int = 0
    error: str | None = None
    replaced: bool = False           # a newer job of its page took over: its files go
    task: asyncio.Task | None = field(default=None, repr=False)

    @property
    def total(self) -> int:
        return len(self.times)

    def cancel(self) -> None:
        if self.status == "running":
            self.status = "cancelled"

    def describe(self) -> dict:
        return {"job": self.id, "engine": self.engine, "status": self.status, "done": self.done,
                "total": self.total, "error": self.error}


def start_job(renderer: Renderer, session: Session, engine: str, count: int,
              tracks: list[Track], page: str = "") -> Job:
    """Start rendering `count` evenly spaced in-betweens. The same page's older jobs are
    replaced: a running one is cancelled (its frames could only be stale; another tab's are
    not), and their files leave the workspace once they stop."""
    for old in session.jobs.values():
        if old.page == page and not old.replaced:
            old.replaced = True
            old.cancel()
            _remove_when_stopped(renderer, old)
    job_id = new_id()
    folder = session.folder / f"job-{job_id}"
    folder.mkdir()
    job = Job(id=job_id, engine=engine, times=api.evenly_spaced_times(count), tracks=tracks,
              folder=folder, page=page)
    session.jobs[job_id] = job
    job.task = asyncio.get_running_loop().create_task(_run(renderer, session, job))
    return job


def _remove_when_stopped(renderer: Renderer, job: Job) -> None:
    """Delete a replaced job's frames and exports (each kept one held up to 240 frames and its
    zip and clips until the studio stopped), on the engine thread: after the job's last frame
    and any export of it already asked for."""
    def remove(_task: asyncio.Task | None = None) -> None:
        if job.status == "done":
            job.status = "removed"    # its exports are refused from now on
        try:
            renderer.worker.submit(_remove_files, job)
        except RuntimeError:   # the studio is closing: the workspace goes as a whole
            pass
    if job.task is None or job.task.done():
        remove()
    else:
        job.task.add_done_callback(remove)


def _remove_files(job: Job) -> None:
    # The frames folder and every export are named by the job's (random, unique) id.
    for path in job.folder.parent.glob(f"*{job.id}*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


async def _run(renderer: Renderer, session: Session, job: Job) -> None:
    # With tracks every engine renders one t at a time, so frame-by-frame work (progress,
    # cancel between frames, previews served in between) gives the CLI's exact frames. Without
    # tracks rife4 batches several t in one pass; one call keeps it the CLI's batching too.
    chunks = [[t] for t in job.times] if job.tracks else [job.times]
    try:
        for chunk in chunks:
            if job.status != "running":
                return
            frames = await renderer.run(renderer.frames, session, job.engine, chunk, job.tracks)
            for frame in frames:   # counted once on disk: `done` frames can be fetched
                await renderer.run(write_image, job.folder / frame_name(job.done + 1), frame)
                job.done += 1
        job.status = "done" if job.status == "running" else job.status
    except Exception as error:  # noqa: BLE001 - reported to the page, the server carries on
        job.status = "failed"
        job.error = without_paths(str(error), session.folder.parent) or type(error).__name__
