"""Loading frames: uploads, the frames served back, and every way an upload can be wrong."""
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.studio.conftest import HEIGHT, WIDTH, decode_png, upload, write_png
from tests.conftest import texture
from tweenflow import read_image


def test_config_lists_engines_and_no_initial_session(client):
    config = client.get("/api/config").json()
    assert config["engines"] == ["classical", "rife4", "rife3", "fusion", "placement", "auto"]
    assert config["engine"] == "classical"
    assert config["session"] is None
    assert config["max_upload_bytes"] == 2 * 2**20


def test_upload_creates_a_session_and_serves_the_frames_back_exactly(client, pair_files):
    response = upload(client, *pair_files)
    assert response.status_code == 201
    body = response.json()
    assert (body["width"], body["height"], body["names"]) == (WIDTH, HEIGHT, ["a.png", "b.png"])
    assert len(body["session"]) == 32
    assert client.get(f"/api/sessions/{body['session']}").json() == body
    for index, path in enumerate(pair_files):
        served = client.get(f"/api/sessions/{body['session']}/frames/{index}.png")
        assert served.headers["content-type"] == "image/png"
        assert np.array_equal(decode_png(served.content), read_image(path))


def test_sizes_differ_is_a_clear_400(client, pair_files, tmp_path):
    small = write_png(tmp_path / "small.png", texture(50, 80))
    response = upload(client, pair_files[0], small)
    assert response.status_code == 400
    assert response.json()["error"] == ("small.png is 80x50 but a.png is 160x96; both inputs "
                                        "must have the same size")


def test_not_an_image_names_the_upload_not_a_server_path(client, pair_files, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    response = upload(client, notes, pair_files[1])
    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith("notes.txt: not a readable image")
    assert "tweenflow-studio" not in message and "/" not in message


def test_transparent_and_16_bit_images_are_refused(client, pair_files, tmp_path):
    rgba = np.dstack([texture(HEIGHT, WIDTH), np.full((HEIGHT, WIDTH), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    response = upload(client, tmp_path / "alpha.png", pair_files[1])
    assert response.status_code == 400 and "transparency" in response.json()["error"]
    deep = (texture(HEIGHT, WIDTH)[..., 0].astype(np.uint16) * 257)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    response = upload(client, tmp_path / "deep.png", pair_files[1])
    assert response.status_code == 400 and "8-bit" in response.json()["error"]


def test_missing_frame_empty_file_and_not_a_form(client, pair_files):
    only_a = client.post("/api/sessions", files={
        "frame0": ("a.png", pair_files[0].read_bytes(), "image/png")})
    assert only_a.status_code == 400
    assert only_a.json()["error"] == "choose both frames; frame B is missing"
    empty = client.post("/api/sessions", files={
        "frame0": ("a.png", b"", "image/png"),
        "frame1": ("b.png", pair_files[1].read_bytes(), "image/png")})
    assert empty.status_code == 400 and "a.png: the file is empty" in empty.json()["error"]
    not_form = client.post("/api/sessions", json={"frame0": "/etc/passwd"})
    assert not_form.status_code == 400 and "form" in not_form.json()["error"]


def test_upload_over_the_limit_is_refused_with_413(client, pair_files):
    big = b"\x89PNG" + bytes(5 * 2**20)
    response = client.post("/api/sessions", files={
        "frame0": ("huge.png", big, "image/png"),
        "frame1": ("b.png", pair_files[1].read_bytes(), "image/png")})
    assert response.status_code == 413
    assert response.json()["error"] == ("the upload is too large; the studio accepts images up "
                                        "to 2 MB each")


def test_one_file_over_the_limit_within_the_request_limit(client, pair_files):
    big = b"\x89PNG" + bytes(int(2.5 * 2**20))
    response = client.post("/api/sessions", files={
        "frame0": ("big.png", big, "image/png"),
        "frame1": ("b.png", pair_files[1].read_bytes(), "image/png")})
    assert response.status_code == 400
    assert response.json()["error"] == "big.png is 2.5 MB; the studio accepts images up to 2 MB"


def test_decompression_bomb_is_refused_before_decoding(client, pair_files):
    buffer = io.BytesIO()
    Image.new("L", (8000, 6000)).save(buffer, "PNG")   # 48 MP of zeros, a few kB on disk
    response = client.post("/api/sessions", files={
        "frame0": ("bomb.png", buffer.getvalue(), "image/png"),
        "frame1": ("b.png", pair_files[1].read_bytes(), "image/png")})
    assert response.status_code == 400
    assert response.json()["error"] == ("bomb.png is 8000x6000; the studio accepts images of at "
                                        "most 40 megapixels")


def test_grayscale_upload_is_read_as_rgb_like_the_cli(client, pair_files, tmp_path):
    gray = texture(HEIGHT, WIDTH)[..., 0]
    Image.fromarray(gray).save(tmp_path / "gray.png")
    response = upload(client, tmp_path / "gray.png", pair_files[1])
    assert response.status_code == 201
    served = client.get(f"/api/sessions/{response.json()['session']}/frames/0.png")
    assert np.array_equal(decode_png(served.content), np.dstack([gray] * 3))


NESTED = (b'--abc\r\nContent-Disposition: form-data; name="frame0"\r\n'
          b"Content-Type: multipart/mixed; boundary=def\r\n\r\n"
          b'--def\r\nContent-Disposition: attachment; filename="a.png"\r\n\r\nxx\r\n--def--\r\n'
          b"--abc--\r\n")


@pytest.mark.parametrize("content_type, content, message", [
    ("multipart/form-data", b"xx", "the upload is not a readable form (boundary missed"),
    ("multipart/form-data; boundary=abc", b"xx",
     "the upload is not a readable form (Could not find starting boundary"),
    ("multipart/form-data; boundary=abc",
     b'--abc\r\nContent-Disposition: form-data; name="frame0"; filename="a.png"\r\n\r\nxx',
     "the upload is not a readable form (Reading after EOF"),
    ("multipart/form-data; boundary=abc", NESTED, "choose both frames; frame A and B is missing"),
])
def test_a_malformed_form_is_a_400(client, session, content_type, content, message):
    # aiohttp's ValueErrors (and a nested form's reader, which has no name) were 500s.
    for url in ("/api/sessions", f"/api/sessions/{session}/tracks/import"):
        response = client.post(url, content=content, headers={"Content-Type": content_type})
        assert response.status_code == 400
        if url == "/api/sessions":
            assert response.json()["error"].startswith(message)


def test_a_body_that_cannot_be_decoded_is_a_400(server, session):
    # aiohttp drops the connection after such a body: one client per request.
    def post(url, content_type):
        with httpx.Client(base_url=server.url, timeout=60) as own:
            return own.post(url, content=b"not gzip", headers={"Content-Type": content_type,
                                                                "Content-Encoding": "gzip"})
    response = post(f"/api/sessions/{session}/preview", "application/json")
    assert response.status_code == 400     # was a 500 'internal error: 400, message: ...'
    assert response.json()["error"] == ("the request body could not be read (Can not decode "
                                        "content-encoding: gzip)")
    form = post("/api/sessions", "multipart/form-data; boundary=abc")
    assert form.status_code == 400 and form.json()["error"] == response.json()["error"]
