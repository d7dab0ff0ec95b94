"""The studio's HTTP endpoints. Requests name sessions and jobs by id, frames by number."""
from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from aiohttp import BodyPartReader, web

from tweenflow import api
from tweenflow.errors import InputError
from tweenflow.motion import Track, parse_tracks, position, sample_path, tracks_to_json
from tweenflow.motion.tracks import read_tracks
from tweenflow.studio import exports
from tweenflow.studio.jobs import MAX_INBETWEENS, frame_name, start_job
from tweenflow.studio.keys import RENDERER, SETTINGS, WORKSPACE
from tweenflow.studio.renderer import encode_png
from tweenflow.studio.uploads import decode_upload, display_name
from tweenflow.studio.workspace import ID_PATTERN, NotFound, Session, Workspace
from tweenflow.video.clip import MIN_CLIP_FPS

PNG = "image/png"
MAX_PATH_SAMPLES = 1024
MAX_TRACKS = 1000
MAX_POINTS = 20_000


def new_session(workspace: Workspace, frame0: np.ndarray, frame1: np.ndarray,
                names: tuple[str, str]) -> Session:
    api.check_pair(frame0, frame1, names=names)
    session_id, folder = workspace.new_folder()
    return workspace.add(Session(id=session_id, frame0=frame0, frame1=frame1, names=names,
                                 folder=folder))


def _describe(session: Session) -> dict:
    width, height = session.size
    return {"session": session.id, "width": width, "height": height,
            "names": list(session.names)}


async def _body(request: web.Request) -> dict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InputError("the request body is not valid JSON") from None
    except ValueError:   # valid JSON that Python will not read
        raise InputError("the request body is not usable JSON (a number with thousands of "
                         "digits)") from None
    except RecursionError:
        raise InputError("the request body is not usable JSON (lists nested too deeply)") from None
    except web.RequestPayloadError as error:
        raise _unreadable(error) from None
    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    return body


def _session(request: web.Request) -> Session:
    return request.app[WORKSPACE].get(request.match_info["session"])


def _tracks(body: dict, session: Session) -> list[Track]:
    raw = body.get("tracks", [])
    if isinstance(raw, list):    # counted before parsing: parsing 100000 tracks takes seconds
        _check_edit_size(len(raw), sum(len(track["points"]) for track in raw
                                       if isinstance(track, dict)
                                       and isinstance(track.get("points"), list)))
    return parse_tracks(raw, size=session.size)


def _check_edit_size(track_count: int, point_count: int) -> None:
    """Refuse more tracks than the page can edit: every drag asks for all their paths (on the
    server's event loop: 9.5 s for 100000 tracks) and every preview renders them all."""
    for what, count, limit in (("tracks", track_count, MAX_TRACKS),
                               ("control points", point_count, MAX_POINTS)):
        if count > limit:
            raise InputError(f"the studio edits at most {limit} {what}, got {count}; give a file "
                             f"this large to `tweenflow interpolate --tracks`")


def _engine(body: dict, request: web.Request) -> str:
    settings = request.app[SETTINGS]
    name = body.get("engine", settings["engine"])
    if name not in settings["engines"]:
        raise InputError(f"unknown engine {name!r}; choose one of: "
                         f"{', '.join(settings['engines'])}")
    return name


def _page(body: dict) -> str:
    """The id a page (browser tab) gives itself: its previews and jobs are its own."""
    page = body.get("page", "")
    if not isinstance(page, str) or len(page) > 64:
        raise InputError("page must be an id of at most 64 characters")
    return page


def _integer(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{what} must be a whole number from {low} to {high}, got "
                         f"{json.dumps(value)}")
    return value


async def config(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    initial = settings["initial"]
    session = request.app[WORKSPACE].sessions.get(initial) if initial else None
    return web.json_response({
        "engines": settings["engines"], "engine": settings["engine"],
        "max_upload_bytes": settings["max_upload_bytes"], "max_inbetweens": MAX_INBETWEENS,
        "session": _describe(session) if session else None})


async def _form_files(request: web.Request, names: tuple[str, ...], hint: str
                      ) -> dict[str, tuple[str | None, bytes]]:
    """The first file of each of `names` in a multipart form: name -> (filename, bytes).
    hint: what to send, said when the request is not a form."""
    if not request.content_type.startswith("multipart/"):
        raise InputError(hint)
    found: dict[str, tuple[str | None, bytes]] = {}
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            # A nested form (multipart/mixed) is a reader without a name: not a file.
            if isinstance(part, BodyPartReader) and part.name in names \
                    and part.name not in found:
                found[part.name] = (part.filename, bytes(await part.read(decode=False)))
    except ValueError as error:    # aiohttp's word for a malformed form
        raise InputError(f"the upload is not a readable form ({error})") from None
    except web.RequestPayloadError as error:
        raise _unreadable(error) from None
    return found


def _unreadable(error: web.RequestPayloadError) -> InputError:
    """A body aiohttp could not read, e.g. in a Content-Encoding it is not in."""
    reason = getattr(error.__cause__, "message", None) or str(error)   # aiohttp's own words
    return InputError(f"the request body could not be read ({reason.strip()})")


async def create_session(request: web.Request) -> web.Response:
    files = await _form_files(request, ("frame0", "frame1"),
                              "upload the two frames as a form with the files frame0 and frame1")
    workspace = request.app[WORKSPACE]
    limit = request.app[SETTINGS]["max_upload_bytes"]
    uploads = {key: (display_name(filename, "frame A" if key == "frame0" else "frame B"), payload)
               for key, (filename, payload) in files.items()}
    missing = [label for key, label in (("frame0", "A"), ("frame1", "B")) if key not in uploads]
    if missing:
        raise InputError(f"choose both frames; frame {' and '.join(missing)} is missing")
    session_id, folder = workspace.new_folder()
    try:
        frames = [decode_upload(uploads[key][1], uploads[key][0], folder / f"upload{index}",
                                limit) for index, key in enumerate(("frame0", "frame1"))]
        names = (uploads["frame0"][0], uploads["frame1"][0])
        api.check_pair(frames[0], frames[1], names=names)
    except Exception:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    session = workspace.add(Session(id=session_id, frame0=frames[0], frame1=frames[1],
                                    names=names, folder=folder))
    return web.json_response(_describe(session), status=201)


async def get_session(request: web.Request) -> web.Response:
    return web.json_response(_describe(_session(request)))


async def input_frame(request: web.Request) -> web.Response:
    session = _session(request)
    index = int(request.match_info["index"])
    if index not in session.png_inputs:
        frame = session.frame0 if index == 0 else session.frame1
        session.png_inputs[index] = encode_png(frame)
    return web.Response(body=session.png_inputs[index], content_type=PNG)


async def paths(request: web.Request) -> web.Response:
    """Each track's path as the engines follow it (the API's own spline code), sampled evenly
    (`count` points) and at the given `times`."""
    session = _session(request)
    body = await _body(request)
    tracks = _tracks(body, session)
    count = _integer(body.get("count", 64), "count", 2, MAX_PATH_SAMPLES)
    times = body.get("times", [])
    if not isinstance(times, list):
        raise InputError(f"times must be a list of t values in [0, 1], got {json.dumps(times)}")
    if len(times) > MAX_PATH_SAMPLES:
        raise InputError(f"times must be a list of at most {MAX_PATH_SAMPLES} t values, got "
                         f"{len(times)}")
    times = api.check_times(times)
    return web.json_response({
        "paths": [sample_path(track, count).tolist() for track in tracks],
        "positions": [position(track, np.array(times, dtype=np.float64)).tolist()
                      for track in tracks]})


async def autopilot(request: web.Request) -> web.Response:
    session = _session(request)
    renderer = request.app[RENDERER]
    return web.json_response(await renderer.run(renderer.autopilot, session))


async def preview(request: web.Request) -> web.Response:
    session = _session(request)
    body = await _body(request)
    engine = _engine(body, request)
    t, = api.check_times([body.get("t", 0.5)])
    tracks = _tracks(body, session)
    seq = body.get("seq")
    page = _page(body)
    if seq is not None:
        seq = _integer(seq, "seq", 0, 2**53)
        session.saw_preview(page, seq)
    renderer = request.app[RENDERER]
    png = await renderer.run(renderer.preview_png, session, engine, t, tracks, seq, page)
    headers = {"X-Seq": str(seq)} if seq is not None else {}
    return web.Response(body=png, content_type=PNG, headers=headers)


async def create_job(request: web.Request) -> web.Response:
    session = _session(request)
    body = await _body(request)
    engine = _engine(body, request)
    count = _integer(body.get("n"), "n (the number of in-betweens)", 1, MAX_INBETWEENS)
    job = start_job(request.app[RENDERER], session, engine, count, _tracks(body, session),
                    _page(body))
    return web.json_response(job.describe(), status=202)


def _job(request: web.Request, session: Session):
    job_id = request.match_info["job"]
    if not ID_PATTERN.match(job_id) or job_id not in session.jobs:
        raise NotFound("no such render job; render the frames again")
    return session.jobs[job_id]


def _finished_job(request: web.Request, session: Session):
    job = _job(request, session)
    if job.status != "done":
        raise InputError(f"the frames are not ready (render {job.status}); render them first")
    return job


async def get_job(request: web.Request) -> web.Response:
    return web.json_response(_job(request, _session(request)).describe())


async def cancel_job(request: web.Request) -> web.Response:
    job = _job(request, _session(request))
    job.cancel()
    return web.json_response(job.describe())


async def job_frame(request: web.Request) -> web.Response:
    session = _session(request)
    job = _job(request, session)
    index = int(request.match_info["index"])
    if job.status == "removed":
        raise NotFound("this render was replaced by a newer one; its frames are gone")
    if not 1 <= index <= job.done:
        raise NotFound(f"frame {index} is not rendered; the job has {job.done} of {job.total}")
    return web.FileResponse(job.folder / frame_name(index), headers={"Content-Type": PNG})


def _attachment(path: Path, filename: str, content_type: str) -> web.FileResponse:
    return web.FileResponse(path, headers={
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{filename}"'})


async def job_zip(request: web.Request) -> web.Response:
    session = _session(request)
    job = _finished_job(request, session)
    path = await request.app[RENDERER].run(exports.frames_zip, job)
    return _attachment(path, "frames.zip", "application/zip")


async def job_clip(request: web.Request) -> web.Response:
    session = _session(request)
    job = _finished_job(request, session)
    suffix = "." + request.match_info["kind"]
    try:
        fps = Fraction(request.query.get("fps", "12"))
    except (ValueError, ZeroDivisionError):
        raise InputError(f"fps {request.query.get('fps')!r} is not a number") from None
    if not MIN_CLIP_FPS <= fps <= 120:   # the clip writer refuses slower rates
        raise InputError(f"fps must be from {float(MIN_CLIP_FPS):g} to 120, got {float(fps):g}")
    path = await request.app[RENDERER].run(exports.clip, session, job, suffix, fps)
    kind = "video/mp4" if suffix == ".mp4" else "image/gif"
    return _attachment(path, f"tweenflow{suffix}", kind)


async def export_tracks(request: web.Request) -> web.Response:
    session = _session(request)
    tracks = _tracks(await _body(request), session)
    return web.Response(body=exports.tracks_file(tracks), content_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="tracks.json"'})


async def import_tracks(request: web.Request) -> web.Response:
    session = _session(request)
    files = await _form_files(request, ("tracks",),
                              "upload the tracks file as a form with the file 'tracks'")
    if "tracks" not in files:
        raise InputError("choose a tracks file (.json)")
    filename, payload = files["tracks"]
    name = display_name(filename, "tracks.json")
    tracks = read_tracks(payload, name, session.size)
    try:
        _check_edit_size(len(tracks), sum(len(track.points) for track in tracks))
    except InputError as error:
        raise InputError(f"{name}: {error}") from None
    return web.json_response(tracks_to_json(tracks))


def add_routes(app: web.Application, static: Path) -> None:
    session = "/api/sessions/{session}"
    job = session + "/jobs/{job}"

    async def page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(static / "index.html",
                                headers={"Cache-Control": "no-cache"})

    app.router.add_get("/", page)
    app.router.add_static("/static/", static, follow_symlinks=False)
    app.router.add_get("/api/config", config)
    app.router.add_post("/api/sessions", create_session)
    app.router.add_get(session, get_session)
    app.router.add_get(session + "/frames/{index:[01]}.png", input_frame)
    app.router.add_post(session + "/paths", paths)
    app.router.add_post(session + "/autopilot", autopilot)
    app.router.add_post(session + "/preview", preview)
    app.router.add_post(session + "/tracks.json", export_tracks)
    app.router.add_post(session + "/tracks/import", import_tracks)
    app.router.add_post(session + "/jobs", create_job)
    app.router.add_get(job, get_job)
    app.router.add_delete(job, cancel_job)
    app.router.add_get(job + "/frames/{index:[0-9]{1,4}}.png", job_frame)
    app.router.add_get(job + "/frames.zip", job_zip)
    app.router.add_get(job + "/clip.{kind:mp4|gif}", job_clip)
