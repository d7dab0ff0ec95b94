"""The studio's aiohttp application: pages, the JSON API and error handling."""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import numpy as np
from aiohttp import web

from tweenflow.engines.base import Runtime, engine_infos
from tweenflow.errors import TweenflowError, WeightsError
from tweenflow.studio import handlers
from tweenflow.studio.keys import RENDERER, SETTINGS, WORKSPACE
from tweenflow.studio.renderer import Renderer, Superseded
from tweenflow.studio.uploads import DEFAULT_MAX_UPLOAD_BYTES
from tweenflow.studio.workspace import NotFound, Workspace, without_paths

STATIC = Path(__file__).resolve().parent / "static"
log = logging.getLogger("tweenflow.studio")



def _status(error: TweenflowError) -> int:
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Superseded):
        return 409
    if isinstance(error, WeightsError):
        return 503
    return 400


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    """Every failure becomes a JSON {"error": message} with a 4xx/5xx status; none escapes."""
    root = request.app[WORKSPACE].root
    try:
        return await handler(request)
    except TweenflowError as error:
        return web.json_response({"error": without_paths(str(error), root)},
                                 status=_status(error))
    except web.HTTPRequestEntityTooLarge as error:
        limit = request.app[SETTINGS]["max_upload_bytes"]
        return web.json_response({"error": f"the upload is too large; the studio accepts images "
                                           f"up to {limit / 2**20:.0f} MB each"},
                                 status=error.status)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return web.json_response({"error": error.reason}, status=error.status)
    except Exception as error:  # noqa: BLE001 - the server must outlive any one request
        log.exception("studio request %s %s failed", request.method, request.path)
        return web.json_response({"error": f"internal error: {without_paths(str(error), root)}"},
                                 status=500)


def create_app(frames: tuple[np.ndarray, np.ndarray] | None = None,
               names: tuple[str, str] = ("A", "B"), engine: str = "classical",
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               runtime: Runtime | None = None) -> web.Application:
    """The studio app. frames: a pair to open with (from the command line), already checked.
    Working files go to a new temporary folder, removed when the app shuts down."""
    known = [info.name for info in engine_infos()]
    if engine not in known:
        raise TweenflowError(f"unknown engine {engine!r}; choose one of: {', '.join(known)}")
    app = web.Application(middlewares=[json_errors],
                          client_max_size=2 * max_upload_bytes + 2**20)
    app[WORKSPACE] = Workspace()
    app[RENDERER] = Renderer(runtime)
    app[SETTINGS] = {"engine": engine, "engines": known, "max_upload_bytes": max_upload_bytes,
                     "initial": None}
    if frames is not None:
        session = handlers.new_session(app[WORKSPACE], frames[0], frames[1], names)
        app[SETTINGS]["initial"] = session.id
    handlers.add_routes(app, STATIC)
    app.on_cleanup.append(_close)
    return app


async def _close(app: web.Application) -> None:
    tasks = [job.task for session in app[WORKSPACE].sessions.values()
             for job in session.jobs.values() if job.task is not None and not job.task.done()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    app[RENDERER].close()
    app[WORKSPACE].close()
