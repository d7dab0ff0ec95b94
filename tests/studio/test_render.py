"""Previews, render jobs (progress, cancel), stale requests, and exports equal to the CLI's."""
import asyncio
import io
import threading
import zipfile

import av
import httpx
import numpy as np
import pytest

from tests.conftest import run_cli, shifted_pair, texture
from tests.studio.conftest import TRACK, decode_png
from tweenflow import interpolate, read_image
from tweenflow.images import write_image
from tweenflow.studio.exports import frames_zip
from tweenflow.studio.handlers import new_session
from tweenflow.studio.jobs import Job, start_job
from tweenflow.studio.keys import RENDERER, WORKSPACE
from tweenflow.studio.renderer import Renderer
from tweenflow.studio.workspace import Workspace


def _preview(client, session, **body):
    return client.post(f"/api/sessions/{session}/preview", json=body)


def test_preview_is_the_apis_frame_with_tracks(client, session, pair_files):
    frames = [read_image(path) for path in pair_files]
    response = _preview(client, session, engine="classical", t=0.3, tracks=[TRACK], seq=1)
    assert response.status_code == 200 and response.headers["x-seq"] == "1"
    expected, = interpolate(*frames, 0.3, "classical", tracks=[TRACK])
    assert np.array_equal(decode_png(response.content), expected)
    plain = decode_png(_preview(client, session, engine="classical", t=0.3).content)
    assert np.array_equal(plain, interpolate(*frames, 0.3, "classical")[0])
    assert not np.array_equal(plain, expected)


def test_preview_at_0_and_1_are_the_inputs(client, session, pair_files):
    for t, path in ((0, pair_files[0]), (1, pair_files[1])):
        response = _preview(client, session, t=t, tracks=[TRACK])
        assert np.array_equal(decode_png(response.content), read_image(path))


def test_track_change_reuses_the_prepared_pair(client, session, server):
    workspace_session = server.app[WORKSPACE].sessions[session]
    _preview(client, session, t=0.5)
    state = workspace_session.states["classical"]
    moved = {**TRACK, "points": [[0.0, 60, 40], [1.0, 120, 60]]}
    assert _preview(client, session, t=0.5, tracks=[moved]).status_code == 200
    assert workspace_session.states["classical"] is state


@pytest.mark.parametrize("body, status, message", [
    ({"engine": "nope"}, 400, "unknown engine 'nope'; choose one of: classical, rife4, rife3, fusion, placement, auto"),
    ({"t": 2}, 400, "time 2 is outside [0, 1]; 0 is the first frame, 1 the second"),
    ({"t": "soon"}, 400, "time 'soon' is not a number"),
    ({"seq": -1}, 400, "seq must be a whole number from 0 to 9007199254740992, got -1"),
    ({"tracks": [{"points": [[0, 1, 1]]}]}, 400,
     "track 0 \"points\" must be a list of at least two [t, x, y] points (t = 0 and t = 1)"),
])
def test_preview_errors(client, session, body, status, message):
    response = _preview(client, session, **body)
    assert response.status_code == status
    assert response.json()["error"] == message


def test_an_older_preview_never_answers_after_a_newer_one(client, session, server):
    renderer = server.app[RENDERER]
    release = threading.Event()
    renderer.worker.submit(release.wait, 30)   # hold the engine thread so both requests queue
    results = {}

    def ask(seq):
        with httpx.Client(base_url=server.url, timeout=60) as own:   # one client per thread
            results[seq] = _preview(own, session, t=0.4, tracks=[TRACK], seq=seq)
    older = threading.Thread(target=ask, args=(100,))
    older.start()
    while server.app[WORKSPACE].sessions[session].preview_seqs.get("", -1) < 100:
        pass
    newer = threading.Thread(target=ask, args=(101,))
    newer.start()
    while server.app[WORKSPACE].sessions[session].preview_seqs.get("", -1) < 101:
        pass
    release.set()
    older.join(30), newer.join(30)
    assert results[100].status_code == 409
    assert results[100].json()["error"] == "a newer preview was requested; this one was skipped"
    assert results[101].status_code == 200
    assert _preview(client, session, t=0.4, seq=99).status_code == 409


def test_two_pages_on_one_session_keep_their_own_previews_and_jobs(client, session, server):
    # Each page counts its previews from 1 and starts its own jobs. With one count per session,
    # a second tab's seq 1 after the first tab's 50 was refused as stale (409: that tab never
    # showed a preview), and its Play cancelled the first tab's render.
    assert _preview(client, session, t=0.3, seq=50, page="tab-one").status_code == 200
    assert _preview(client, session, t=0.4, seq=1, page="tab-two").status_code == 200
    assert _preview(client, session, t=0.4, seq=49, page="tab-one").status_code == 409
    assert _preview(client, session, t=0.4, seq=1, page="x" * 65).json()["error"] == \
        "page must be an id of at most 64 characters"
    base = f"/api/sessions/{session}/jobs"
    release = threading.Event()
    server.app[RENDERER].worker.submit(release.wait, 30)
    one = client.post(base, json={"n": 2, "page": "tab-one"}).json()["job"]
    two = client.post(base, json={"n": 2, "page": "tab-two"}).json()["job"]
    again = client.post(base, json={"n": 3, "page": "tab-two"}).json()["job"]
    release.set()
    assert _wait_job(client, f"{base}/{one}")["status"] == "done"
    assert _wait_job(client, f"{base}/{two}")["status"] == "cancelled"   # same page: stale
    assert _wait_job(client, f"{base}/{again}")["status"] == "done"


def test_a_replaced_job_leaves_the_workspace(client, session, server):
    # Every render kept its frames and exports until the studio stopped: 35 MB per 48 frames
    # at 640x360 with its zip, MP4 and GIF, growing with each change of the tracks.
    folder = server.app[WORKSPACE].sessions[session].folder
    base = f"/api/sessions/{session}/jobs"
    old = client.post(base, json={"n": 2, "page": "tab"}).json()["job"]
    assert _wait_job(client, f"{base}/{old}")["status"] == "done"
    assert client.get(f"{base}/{old}/frames.zip").status_code == 200
    other = client.post(base, json={"n": 2, "page": "other tab"}).json()["job"]
    new = client.post(base, json={"n": 3, "page": "tab", "tracks": [TRACK]}).json()["job"]
    assert _wait_job(client, f"{base}/{new}")["status"] == "done"
    assert _wait_job(client, f"{base}/{other}")["status"] == "done"
    assert _wait_job(client, f"{base}/{old}")["status"] == "removed"
    assert sorted(path.name for path in folder.iterdir() if "job" in path.name) == \
        sorted([f"job-{new}", f"job-{other}"])
    assert not any(old in path.name for path in folder.iterdir())
    refused = client.get(f"{base}/{old}/frames.zip")
    assert refused.status_code == 400
    assert refused.json()["error"] == "the frames are not ready (render removed); render them first"
    frame = client.get(f"{base}/{old}/frames/1.png")
    assert frame.status_code == 404
    assert frame.json()["error"] == "this render was replaced by a newer one; its frames are gone"


def test_a_job_counts_a_frame_only_once_it_is_written():
    # `done` was counted before the frame's file was written: a page polling the job could
    # ask for frame `done` while it was still being written and get a 404.
    frame0, frame1, _ = shifted_pair(24, 32, 2, 1)
    workspace = Workspace()
    session = new_session(workspace, frame0, frame1, ("a.png", "b.png"))
    seen = []

    class Watching(Renderer):
        async def run(self, function, *args):
            if function is write_image:
                job, = session.jobs.values()
                seen.append((job.done, len(list(job.folder.glob("frame_*.png")))))
            return await super().run(function, *args)

    async def render(renderer):
        job = start_job(renderer, session, "classical", 3, [])
        await job.task
        return job
    renderer = Watching()
    try:
        job = asyncio.run(render(renderer))
    finally:
        renderer.close()
        workspace.close()
    assert job.status == "done" and job.done == 3
    assert seen == [(0, 0), (1, 1), (2, 2)]


def _wait_job(client, url, timeout=120):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(url).json()
        if state["status"] != "running":
            return state
        time.sleep(0.05)
    raise AssertionError(f"job still running: {state}")


def test_job_progress_frames_and_cancel(client, session, server):
    base = f"/api/sessions/{session}/jobs"
    started = client.post(base, json={"engine": "classical", "n": 4, "tracks": [TRACK]})
    assert started.status_code == 202 and started.json()["total"] == 4
    job = started.json()["job"]
    state = _wait_job(client, f"{base}/{job}")
    assert state == {"job": job, "engine": "classical", "status": "done", "done": 4, "total": 4,
                     "error": None}
    assert client.get(f"{base}/{job}/frames/4.png").headers["content-type"] == "image/png"
    assert client.get(f"{base}/{job}/frames/5.png").status_code == 404
    assert client.get(f"{base}/{job}/frames/0.png").status_code == 404

    release = threading.Event()
    server.app[RENDERER].worker.submit(release.wait, 30)
    held = client.post(base, json={"engine": "classical", "n": 8, "tracks": [TRACK]}).json()["job"]
    cancelled = client.delete(f"{base}/{held}")
    release.set()
    assert cancelled.json()["status"] == "cancelled"
    state = _wait_job(client, f"{base}/{held}")
    assert state["status"] == "cancelled" and state["done"] < 8
    refused = client.get(f"{base}/{held}/frames.zip")
    assert refused.status_code == 400
    assert refused.json()["error"] == ("the frames are not ready (render cancelled); render "
                                       "them first")


def test_a_new_job_cancels_the_running_one(client, session, server):
    base = f"/api/sessions/{session}/jobs"
    release = threading.Event()
    server.app[RENDERER].worker.submit(release.wait, 30)
    first = client.post(base, json={"n": 3}).json()["job"]
    second = client.post(base, json={"n": 2}).json()["job"]
    release.set()
    assert _wait_job(client, f"{base}/{first}")["status"] == "cancelled"
    assert _wait_job(client, f"{base}/{second}")["status"] == "done"


def test_job_errors(client, session):
    base = f"/api/sessions/{session}/jobs"
    assert client.post(base, json={"n": 0}).json()["error"] == \
        "n (the number of in-betweens) must be a whole number from 1 to 240, got 0"
    assert client.post(base, json={}).json()["error"] == \
        "n (the number of in-betweens) must be a whole number from 1 to 240, got null"
    assert client.post(base, json={"n": 2, "engine": "x"}).status_code == 400
    missing = client.get(f"{base}/{'0' * 32}")
    assert missing.status_code == 404
    assert missing.json()["error"] == "no such render job; render the frames again"
    job = client.post(base, json={"n": 1}).json()["job"]
    _wait_job(client, f"{base}/{job}")
    bad_fps = client.get(f"{base}/{job}/clip.gif", params={"fps": "fast"})
    assert bad_fps.json()["error"] == "fps 'fast' is not a number"
    assert client.get(f"{base}/{job}/clip.gif", params={"fps": "0"}).status_code == 400
    # Rounded to 0 by the clip writer (a 500: ZeroDivisionError); or a file name 400 digits long
    for tiny in ("0.0000001", "1e-400"):
        refused = client.get(f"{base}/{job}/clip.mp4", params={"fps": tiny})
        assert refused.status_code == 400
        assert refused.json()["error"].startswith("fps must be from 0.01 to 120, got ")


def _clip_frames(payload: bytes, suffix: str) -> list[np.ndarray]:
    with av.open(io.BytesIO(payload), format="gif" if suffix == ".gif" else "mp4") as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _export_matches_cli(client, session, pair_files, tmp_path, engine, count):
    tracks = client.post(f"/api/sessions/{session}/tracks.json", json={"tracks": [TRACK]})
    tracks_path = tmp_path / "tracks.json"
    tracks_path.write_bytes(tracks.content)
    base = f"/api/sessions/{session}/jobs"
    job = client.post(base, json={"engine": engine, "n": count, "tracks": [TRACK]}).json()["job"]
    assert _wait_job(client, f"{base}/{job}")["status"] == "done"
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{base}/{job}/frames.zip").content))
    names = [f"frame_{k:04d}.png" for k in range(1, count + 1)]
    assert archive.namelist() == [f"frames/{name}" for name in names]

    a, b = map(str, pair_files)
    cli_folder = tmp_path / "cli"
    result = run_cli("interpolate", a, b, "-n", str(count), "--tracks", str(tracks_path),
                     "--engine", engine, "-o", str(cli_folder))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in cli_folder.iterdir()) == names
    for name in names:
        ours = decode_png(archive.read(f"frames/{name}"))
        assert np.array_equal(ours, read_image(cli_folder / name)), name
    return base, job, tracks_path


def test_export_gives_the_clis_frames_and_clips(client, session, pair_files, tmp_path):
    base, job, tracks_path = _export_matches_cli(client, session, pair_files, tmp_path,
                                                 "classical", 3)
    a, b = map(str, pair_files)
    for suffix in (".gif", ".mp4"):
        clip = client.get(f"{base}/{job}/clip{suffix}", params={"fps": "12"})
        assert clip.status_code == 200
        cli_clip = tmp_path / f"cli{suffix}"
        result = run_cli("interpolate", a, b, "-n", "3", "--tracks", str(tracks_path),
                         "--engine", "classical", "-o", str(cli_clip), "--fps", "12")
        assert result.returncode == 0, result.stderr
        ours, theirs = _clip_frames(clip.content, suffix), _clip_frames(cli_clip.read_bytes(),
                                                                         suffix)
        assert len(ours) == len(theirs) == 5
        if suffix == ".gif":
            assert all(np.array_equal(mine, cli) for mine, cli in zip(ours, theirs))
        else:
            # x264 does not encode identical frames to identical bytes in two processes (the
            # frames given to write_clip were checked equal; one encoder thread, same options;
            # measured 1.1-2.5 levels mean on this noise texture): same frames, within codec
            # noise.
            for mine, cli in zip(ours, theirs):
                assert np.abs(mine.astype(int) - cli).mean() < 3


@pytest.mark.weights
def test_export_with_rife4_gives_the_clis_frames(client, session, pair_files, tmp_path):
    _export_matches_cli(client, session, pair_files, tmp_path, "rife4", 2)


def test_the_preview_cache_is_bounded_in_bytes(tmp_path):
    from tweenflow.studio.workspace import FRAME_CACHE_BYTES, Session
    frame = np.zeros((8, 8, 3), np.uint8)
    cache = Session(id="x", frame0=frame, frame1=frame, names=("a", "b"), folder=tmp_path)
    entry = bytes(FRAME_CACHE_BYTES // 10)
    for k in range(25):
        cache.cache_frame(("classical", "[]", k / 25), entry)
    assert len(cache.frame_cache) == 10
    assert cache.cached_frame(("classical", "[]", 24 / 25)) is entry
    assert cache.cached_frame(("classical", "[]", 0.0)) is None


def test_a_frames_zip_appears_only_when_complete(tmp_path):
    # The zip was written in place: a failure part way (a frame gone, a full disk) left a
    # truncated frames-<job>.zip that every later export served as the finished one.
    folder = tmp_path / "job-1"
    folder.mkdir()
    frame = texture(8, 8)
    write_image(folder / "frame_0001.png", frame)
    job = Job(id="1", engine="classical", times=[1 / 3, 2 / 3], tracks=[], folder=folder,
              status="done", done=2)
    with pytest.raises(OSError):
        frames_zip(job)                       # frame 2 is missing
    assert sorted(path.name for path in tmp_path.iterdir()) == ["job-1"]
    write_image(folder / "frame_0002.png", frame)
    with zipfile.ZipFile(frames_zip(job)) as archive:
        assert archive.namelist() == ["frames/frame_0001.png", "frames/frame_0002.png"]


def test_pairs_above_4k_run_on_tiles_unless_the_studio_tiles_already():
    """A 40 MP upload on whole frames would need some 18 GB with rife4: above 4K the studio
    tiles (2048 px, 256 px of context); a renderer whose runtime tiles keeps its own tiles."""
    from tweenflow.engines.base import Runtime
    from tweenflow.engines.tiled import TiledEngine
    renderer, tiling = Renderer(), Renderer(Runtime(tile=512))
    try:
        assert not isinstance(renderer.engine("classical", 3840 * 2160), TiledEngine)
        large = renderer.engine("classical", 3840 * 2160 + 1)
        assert isinstance(large, TiledEngine) and (large.tile, large.overlap) == (2048, 256)
        assert renderer.engine("classical", 3840 * 2160 + 1) is large     # made once
        assert tiling.engine("classical", 8000 * 5000).tile == 512
        assert tiling.engine("classical", 640 * 480).tile == 512
    finally:
        renderer.close()
        tiling.close()


def test_a_registered_engine_that_breaks_the_protocol_is_one_error_naming_it(tmp_path,
                                                                              monkeypatch):
    # its transposed frame went on to the PNG encoder (a picture of the wrong size)
    from tests.video.test_engine_protocol import Transposer
    from tweenflow.engines import base
    from tweenflow.engines.base import EngineInfo, register
    from tweenflow.errors import EngineError
    from tweenflow.studio.workspace import Session
    monkeypatch.setitem(base._REGISTRY, "transposer", None)     # removed after the test
    register(EngineInfo(name="transposer", summary="breaks the protocol", weights_ids=(),
                        arbitrary_t=True, factory=Transposer))
    frame = texture(16, 24)
    session = Session(id="x", frame0=frame, frame1=frame, names=("a", "b"), folder=tmp_path)
    renderer = Renderer()
    try:
        with pytest.raises(EngineError, match="^engine 'transposer' broke the engine protocol: "
                                              "render_many returned a uint8 array of shape "
                                              r"\(24, 16, 3\) for t=0.5"):
            renderer.frames(session, "transposer", [0.0, 0.5], [])
    finally:
        renderer.close()
