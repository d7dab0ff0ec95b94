"""Paths drawn from the API's own spline code, autopilot, and tracks.json in and out."""
import json

import numpy as np
import pytest

from tests.studio.conftest import TRACK
from tweenflow.motion import load_tracks, make_track, position, sample_path
from tweenflow.motion.autopilot import autopilot_tracks
from tweenflow.studio.exports import tracks_file


def test_paths_are_exactly_the_engines_paths(client, session):
    tracks = [TRACK, {"points": [[0, 10, 10], [0.3, 40, 80], [0.8, 120, 20], [1, 150, 90]],
                      "easing": "ease-in-out"},
              {"points": [[0, 5, 5], [0.5, 50, 5], [1, 5, 60]], "linear": True}]
    body = client.post(f"/api/sessions/{session}/paths",
                       json={"tracks": tracks, "count": 33, "times": [0.0, 0.25, 0.7, 1.0]}).json()
    for raw, drawn, at_times in zip(tracks, body["paths"], body["positions"]):
        track = make_track(raw)
        assert np.array_equal(np.array(drawn), sample_path(track, 33))
        assert np.array_equal(np.array(at_times), position(track, [0.0, 0.25, 0.7, 1.0]))
    assert body["paths"][1] != body["paths"][2]


@pytest.mark.parametrize("tracks, message", [
    ([{"points": [[0, 10, 10], [1, 500, 10]]}],
     "track 0 point 1 (500, 10) is outside the 160x96 image (x in 0..159, y in 0..95)"),
    ([{"points": [[0, 10, 10], [0.6, 20, 20], [0.4, 30, 30], [1, 40, 40]]}],
     "track 0 point 2: t must increase, but t = 0.4 follows t = 0.6"),
    ([{"points": [[0, 10, 10], [1, 20, 20]], "radius": -3}],
     "track 0 radius must be positive (pixels), got -3"),
    ("nope", "\"tracks\" must be a list of tracks, got str"),
    ([{"points": [[0, 10, 10], [1, 20, 20]], "radius": 10 ** 400}],
     "track 0 radius must be a finite number, got an integer beyond 1e308"),
])
def test_bad_tracks_are_a_400_naming_the_track_and_point(client, session, tracks, message):
    response = client.post(f"/api/sessions/{session}/paths", json={"tracks": tracks})
    assert response.status_code == 400
    assert response.json()["error"] == message


def test_paths_request_errors(client, session):
    url = f"/api/sessions/{session}/paths"
    assert client.post(url, content=b"{not json").json()["error"] == \
        "the request body is not valid JSON"
    assert client.post(url, json=[1, 2]).json()["error"] == "the request body must be a JSON object"
    bad_count = client.post(url, json={"tracks": [], "count": 10**9})
    assert bad_count.status_code == 400 and "count must be a whole number" in bad_count.text
    bad_time = client.post(url, json={"tracks": [TRACK], "times": [1.5]})
    assert bad_time.json()["error"] == "time 1.5 is outside [0, 1]; 0 is the first frame, 1 the second"


@pytest.mark.parametrize("body, message", [
    ({"times": 5}, "times must be a list of t values in [0, 1], got 5"),
    ({"times": None}, "times must be a list of t values in [0, 1], got null"),
    ({"times": [0.5] * 1025}, "times must be a list of at most 1024 t values, got 1025"),
])
def test_paths_times_that_are_not_a_short_list_are_a_400(client, session, body, message):
    response = client.post(f"/api/sessions/{session}/paths", json={"tracks": [TRACK], **body})
    assert response.status_code == 400     # was a 500 'internal error' for 5 and null
    assert response.json()["error"] == message


@pytest.mark.parametrize("content", [b"[" * 100_000 + b"]" * 100_000,
                                     b'{"count": ' + b"1" * 5000 + b"}"])
def test_json_python_cannot_hold_is_a_400(client, session, content):
    # Valid JSON that json.loads refuses (RecursionError, the 4300-digit limit): was a 500.
    response = client.post(f"/api/sessions/{session}/paths", content=content,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("the request body is not usable JSON (")
    imported = client.post(f"/api/sessions/{session}/tracks/import",
                           files={"tracks": ("odd.json", content, "application/json")})
    assert imported.status_code == 400
    assert imported.json()["error"].startswith("odd.json: not a usable tracks file (")


def test_autopilot_returns_the_apis_tracks_as_editable_json(client, session, pair_files):
    from tweenflow import read_image
    body = client.post(f"/api/sessions/{session}/autopilot").json()
    frames = [read_image(path) for path in pair_files]
    expected = json.loads(tracks_file(autopilot_tracks(*frames)))
    assert body == expected


def test_autopilot_finds_large_motion(client, tmp_path):
    from tests.conftest import shifted_pair
    from tests.studio.conftest import upload, write_png
    frame0, frame1, _ = shifted_pair(180, 240, 30, 0, seed=3, margin=40)
    response = upload(client, write_png(tmp_path / "a.png", frame0),
                      write_png(tmp_path / "b.png", frame1))
    tracks = client.post(f"/api/sessions/{response.json()['session']}/autopilot").json()["tracks"]
    assert len(tracks) >= 3
    for track in tracks:
        (t0, x0, y0), (t1, x1, y1) = track["points"][0], track["points"][-1]
        assert (t0, t1) == (0.0, 1.0)
        assert abs(x1 - x0 - 30) < 2 and abs(y1 - y0) < 2


def test_tracks_json_export_reads_back_with_load_tracks(client, session, tmp_path):
    tracks = [TRACK, {"points": [[0, 10, 10], [1, 20, 30]], "linear": True, "strength": 0.5}]
    response = client.post(f"/api/sessions/{session}/tracks.json", json={"tracks": tracks})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="tracks.json"'
    (tmp_path / "tracks.json").write_bytes(response.content)
    assert load_tracks(tmp_path / "tracks.json", size=(160, 96)) == \
        [make_track(raw) for raw in tracks]


def test_tracks_file_import_and_its_errors(client, session):
    url = f"/api/sessions/{session}/tracks/import"
    good = json.dumps({"tracks": [TRACK]}).encode()
    response = client.post(url, files={"tracks": ("mine.json", good, "application/json")})
    assert response.status_code == 200
    assert [make_track(raw) for raw in response.json()["tracks"]] == [make_track(TRACK)]
    broken = client.post(url, files={"tracks": ("mine.json", b'{"tracks": [', "text/plain")})
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("mine.json: not valid JSON (line 1, column 13")
    outside = json.dumps({"tracks": [{"points": [[0, 1, 1], [1, 999, 1]]}]}).encode()
    assert client.post(url, files={"tracks": ("t.json", outside, "text/plain")}).json()["error"] \
        == "t.json: track 0 point 1 (999, 1) is outside the 160x96 image (x in 0..159, y in 0..95)"
    binary = client.post(url, files={"tracks": ("t.json", b"\xff\xfe\x00", "text/plain")})
    assert binary.json()["error"] == "t.json: not a text file; a tracks file is JSON"
    nofile = client.post(url, files={"other": ("t.json", good, "text/plain")})
    assert nofile.json()["error"] == "choose a tracks file (.json)"
    assert client.post(url, json={}).status_code == 400


@pytest.mark.parametrize("tracks, message", [
    ([TRACK] * 1001, "the studio edits at most 1000 tracks, got 1001; give a file this large "
                     "to `tweenflow interpolate --tracks`"),
    ([{"points": [[k / 20_000, 10, 10] for k in range(20_001)]}],
     "the studio edits at most 20000 control points, got 20001; give a file this large to "
     "`tweenflow interpolate --tracks`"),
])
def test_more_tracks_than_the_studio_edits_is_a_400(client, session, tracks, message):
    # 100000 tracks held the server's event loop 9.5 s on every /paths request (the page asks
    # on each drag) and each preview took minutes on the engine thread.
    for url in ("paths", "preview", "tracks.json"):
        response = client.post(f"/api/sessions/{session}/{url}", json={"tracks": tracks})
        assert response.status_code == 400
        assert response.json()["error"] == message
    imported = client.post(f"/api/sessions/{session}/tracks/import", files={
        "tracks": ("big.json", json.dumps({"tracks": tracks}).encode(), "application/json")})
    assert imported.status_code == 400
    assert imported.json()["error"] == f"big.json: {message}"
