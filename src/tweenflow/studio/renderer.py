"""Engine work for the studio: one worker thread, engines made once, pairs prepared once.

All engine calls (create, prepare, render, autopilot) run on a single worker thread, so requests
never run two engines at once on a small CPU and a prepared pair is reused by every render that
follows, whatever the tracks: a track change only re-renders, it never re-prepares.
"""
from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, Callable

import cv2
import numpy as np

from tweenflow import api
from tweenflow.engines.base import Engine, ProtocolCheck, Runtime, create_engine, engine_info
from tweenflow.errors import TweenflowError
from tweenflow.motion import Track, autopilot_tracks, tracks_to_json
from tweenflow.studio.workspace import Session


class Superseded(TweenflowError):
    """A preview request that a newer one from the same page made stale."""

    def __init__(self) -> None:
        super().__init__("a newer preview was requested; this one was skipped")


def encode_png(frame: np.ndarray) -> bytes:
    """PNG bytes of a uint8 RGB frame."""
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise TweenflowError("could not encode the frame as PNG")
    return encoded.tobytes()


def tracks_key(tracks: list[Track]) -> str:
    return json.dumps(tracks_to_json(tracks), sort_keys=True)


# Pairs larger than 4K run on tiles of LARGE_PAIR_TILE px (256 px of context) unless the
# renderer's runtime tiles already: uploads go up to 40 megapixels, and rife4 on a whole 4K frame alone
# peaks at 3.8 GB (BENCHMARKS.md, "Speed"), so a 40 MP pair would take some 18 GB and end the
# server. Tracks that move content farther than the context may not be followed across a tile
# border there (the same limit as interpolate --tile).
LARGE_PAIR_PIXELS = 3840 * 2160
LARGE_PAIR_TILE = 2048


class Renderer:
    def __init__(self, runtime: Runtime | None = None) -> None:
        self.runtime = runtime or Runtime()
        self.engines: dict[tuple[str, bool], Engine] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tweenflow-studio")

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run `function(*args)` on the engine thread."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, function, *args)

    def close(self) -> None:
        self.worker.shutdown(wait=False, cancel_futures=True)

    # The methods below run on the engine thread.
    def engine(self, name: str, pixels: int = 0) -> Engine:
        """The engine `name` for a pair of `pixels` pixels a frame (tiled above 4K)."""
        engine_info(name)   # EngineError with the known names if unknown
        tiled = not self.runtime.tile and pixels > LARGE_PAIR_PIXELS
        if (name, tiled) not in self.engines:
            runtime = replace(self.runtime, tile=LARGE_PAIR_TILE) if tiled else self.runtime
            self.engines[name, tiled] = create_engine(name, runtime=runtime)
        return self.engines[name, tiled]

    def session_engine(self, session: Session, name: str) -> Engine:
        # a registered engine of the user's may break the protocol: one EngineError naming it
        pixels = session.frame0.shape[0] * session.frame0.shape[1]
        return ProtocolCheck(self.engine(name, pixels))

    def prepared(self, session: Session, name: str) -> Any:
        engine = self.session_engine(session, name)
        if name not in session.states:
            session.states[name] = engine.prepare(session.frame0, session.frame1)
        return session.states[name]

    def motion(self, session: Session, tracks: list[Track]):
        """The MotionField the CLI builds for these tracks (None without tracks)."""
        return api.motion_field(session.frame0, session.frame1, tracks)

    def frames(self, session: Session, name: str, times: list[float],
               tracks: list[Track]) -> list[np.ndarray]:
        """Frames at `times` as `tweenflow interpolate ... --tracks` makes them."""
        inner = [t for t in times if 0.0 < t < 1.0]
        rendered = {}
        if inner:
            state = self.prepared(session, name)
            rendered = dict(zip(inner, self.session_engine(session, name).render_many(
                state, inner, self.motion(session, tracks))))
        return [session.frame0.copy() if t == 0.0 else session.frame1.copy() if t == 1.0
                else rendered[t] for t in times]

    def preview_png(self, session: Session, name: str, t: float, tracks: list[Track],
                    seq: int | None, page: str = "") -> bytes:
        """PNG of the frame at t; raises Superseded if the same page has asked for a newer
        preview since."""
        if seq is not None and session.stale_preview(page, seq):
            raise Superseded()
        key = (name, tracks_key(tracks), t)
        png = session.cached_frame(key)
        if png is None:
            png = encode_png(self.frames(session, name, [t], tracks)[0])
            session.cache_frame(key, png)
        return png

    def autopilot(self, session: Session) -> dict:
        return tracks_to_json(autopilot_tracks(session.frame0, session.frame1))
