"""A studio server on a free port in a background thread, and small test images."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest
from aiohttp import web

from tests.conftest import shifted_pair
from tweenflow.studio import create_app

WIDTH, HEIGHT = 160, 96
SHIFT = (10, 4)
# A track that drags the content at (60, 40) in A to (100, 52) in B through a bend.
TRACK = {"points": [[0.0, 60, 40], [0.5, 90, 30], [1.0, 100, 52]], "radius": 16}


class ServerThread:
    """Runs an aiohttp app on 127.0.0.1 (free port) in its own thread and event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._main, daemon=True)
        self.url = ""

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.runner = web.AppRunner(self.app, handle_signals=False, access_log=None)
        self.loop.run_until_complete(self.runner.setup())
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        self.loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self.runner.cleanup())
        self.loop.close()

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        assert self.ready.wait(30), "the studio server did not start"
        return self

    def __exit__(self, *exc) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


def write_png(path: Path, frame: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


@pytest.fixture(scope="session")
def pair_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("studio_pair")
    frame0, frame1, _ = shifted_pair(HEIGHT, WIDTH, *SHIFT, seed=7)
    return write_png(folder / "a.png", frame0), write_png(folder / "b.png", frame1)


@pytest.fixture(scope="module")
def server():
    with ServerThread(create_app(max_upload_bytes=2 * 2**20)) as running:
        yield running


@pytest.fixture
def client(server):
    with httpx.Client(base_url=server.url, timeout=120) as http:
        yield http


def upload(client: httpx.Client, path0: Path, path1: Path) -> httpx.Response:
    files = {"frame0": (path0.name, path0.read_bytes(), "image/png"),
             "frame1": (path1.name, path1.read_bytes(), "image/png")}
    return client.post("/api/sessions", files=files)


@pytest.fixture
def session(client, pair_files) -> str:
    response = upload(client, *pair_files)
    assert response.status_code == 201, response.text
    return response.json()["session"]


def decode_png(payload: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a PNG"
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
