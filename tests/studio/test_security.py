"""The client can only name sessions, jobs and frame numbers: traversal attempts go nowhere."""
import http.client
from urllib.parse import urlsplit

import pytest

from tests.studio.conftest import ServerThread
from tweenflow.studio import create_app
from tweenflow.studio.keys import WORKSPACE


def raw_get(server, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (HTTP clients would normalise the dots away)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("GET", path, skip_accept_encoding=True)
    connection.endheaders()
    response = connection.getresponse()
    status, body = response.status, response.read()
    connection.close()
    return status, body


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/../../errors.py", "/static/%2e%2e/app.py",
    "/static/..%2fapp.py", "/static/%2e%2e%2f%2e%2e%2ferrors.py", "/static//etc/passwd",
    "/static/..\\app.py", "/../../../../etc/passwd", "/static/%252e%252e/app.py",
])
def test_static_files_cannot_escape_their_folder(server, path):
    status, body = raw_get(server, path)
    assert status in (400, 403, 404), (path, status)
    assert b"import" not in body and b"root:" not in body


@pytest.mark.parametrize("template", [
    "/api/sessions/..%2f..%2f..%2fetc/frames/0.png",
    "/api/sessions/../../etc/passwd",
    "/api/sessions/{s}/frames/..%2f..%2fupload0.png",
    "/api/sessions/{s}%2f..%2f{s}/frames/0.png",
    "/api/sessions/{s}/jobs/..%2f..%2f{s}/frames.zip",
    "/api/sessions/{s}/jobs/%2e%2e/frames/1.png",
    "/api/sessions/{s}/frames/2.png",
])
def test_api_ids_cannot_name_paths(server, client, session, template):
    status, body = raw_get(server, template.format(s=session))
    assert status in (400, 404), (template, status)
    assert b"\x89PNG" not in body and b"root:" not in body


def test_unknown_and_malformed_session_ids_are_404_json(client):
    for session_id in ("0" * 32, "abc", "A" * 32):
        response = client.get(f"/api/sessions/{session_id}")
        assert response.status_code == 404
        assert response.json()["error"] == ("no such session (it may have expired); load the "
                                            "two frames again")


def test_the_page_and_its_scripts_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and "<title>tweenflow studio</title>" in page.text
    assert client.get("/static/js/app.js").status_code == 200
    assert client.get("/static/studio.css").status_code == 200


def test_unknown_route_and_wrong_method_are_json_errors(client, session):
    missing = client.get("/api/nothing")
    assert missing.status_code == 404 and missing.json() == {"error": "Not Found"}
    wrong = client.get(f"/api/sessions/{session}/preview")
    assert wrong.status_code == 405 and wrong.json() == {"error": "Method Not Allowed"}


def test_working_folder_is_removed_when_the_server_stops(client, pair_files):
    from tests.studio.conftest import upload
    import httpx
    with ServerThread(create_app()) as running:
        root = running.app[WORKSPACE].root
        with httpx.Client(base_url=running.url, timeout=60) as own:
            session = upload(own, *pair_files).json()["session"]
            started = own.post(f"/api/sessions/{session}/jobs", json={"n": 1})
            assert started.status_code < 300, started.text
        assert root.is_dir() and (root / session).is_dir()
    assert not root.exists()


@pytest.mark.parametrize("failure", ["os", "output"])
def test_a_failing_export_never_shows_a_server_path(client, session, server, monkeypatch,
                                                    failure):
    # A full disk (or a session evicted mid-export) answered with the working file's full
    # path: '[Errno 28] No space left on device: '/tmp/tweenflow-studio-.../frames-....zip''.
    from tests.studio.test_render import _wait_job
    from tweenflow.errors import OutputError
    from tweenflow.studio import exports

    def full_disk(job):
        path = job.folder.parent / f"frames-{job.id}.zip"
        if failure == "os":
            raise OSError(28, "No space left on device", str(path))
        raise OutputError(f"{path}: cannot write: No space left on device")
    monkeypatch.setattr(exports, "frames_zip", full_disk)
    base = f"/api/sessions/{session}/jobs"
    job = client.post(base, json={"n": 1}).json()["job"]
    assert _wait_job(client, f"{base}/{job}")["status"] == "done"
    response = client.get(f"{base}/{job}/frames.zip")
    assert response.status_code == (500 if failure == "os" else 400)
    message = response.json()["error"]
    assert str(server.app[WORKSPACE].root) not in message and "/" not in message
    assert f"frames-{job}.zip" in message and "No space left on device" in message


def test_a_failed_render_never_shows_a_server_path(client, session, server, monkeypatch):
    from tests.studio.test_render import _wait_job
    from tweenflow.errors import OutputError
    from tweenflow.studio import jobs

    def full_disk(path, frame):
        raise OutputError(f"{path}: cannot write: No space left on device")
    monkeypatch.setattr(jobs, "write_image", full_disk)
    base = f"/api/sessions/{session}/jobs"
    job = client.post(base, json={"n": 1}).json()["job"]
    state = _wait_job(client, f"{base}/{job}")
    assert state["status"] == "failed"
    assert state["error"] == "frame_0001.png: cannot write: No space left on device"
