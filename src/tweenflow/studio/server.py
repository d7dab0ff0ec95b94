"""`tweenflow studio`: serve the app on 127.0.0.1 until Ctrl-C, then remove the working files."""
from __future__ import annotations

import asyncio
import errno
import os
import signal
import sys
import webbrowser
from pathlib import Path
from typing import Callable

from aiohttp import web

from tweenflow import api
from tweenflow.allocator import release_freed_memory_promptly
from tweenflow.engines.base import Runtime
from tweenflow.errors import InputError
from tweenflow.images import read_image
from tweenflow.studio.app import create_app
from tweenflow.studio.uploads import DEFAULT_MAX_UPLOAD_BYTES

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def browser_available() -> bool:
    """True where a web browser can open: a desktop session, or macOS/Windows."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_studio(frame_paths: tuple[Path, Path] | None = None, host: str = DEFAULT_HOST,
               port: int = DEFAULT_PORT, engine: str = "classical", open_browser: bool = True,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
               runtime: Runtime | None = None,
               announce: Callable[[str], None] = print) -> None:
    """Serve the studio until interrupted (Ctrl-C or SIGTERM). frame_paths: a pair to open
    with, checked before the server starts. port 0 picks a free port; the URL is announced."""
    frames = None
    names = ("A", "B")
    if frame_paths is not None:
        frames = (read_image(frame_paths[0]), read_image(frame_paths[1]))
        names = (frame_paths[0].name, frame_paths[1].name)
        api.check_pair(*frames, names=(str(frame_paths[0]), str(frame_paths[1])))
    release_freed_memory_promptly()
    app = create_app(frames, names, engine=engine, max_upload_bytes=max_upload_bytes,
                     runtime=runtime)
    try:
        asyncio.run(_serve(app, host, port, open_browser, announce))
    except KeyboardInterrupt:
        pass


async def _serve(app: web.Application, host: str, port: int, open_browser: bool,
                 announce: Callable[[str], None]) -> None:
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as error:
            advice = ("choose another port with --port"
                      if error.errno in (errno.EADDRINUSE, errno.EACCES)
                      else "check --host: it must be an address of this machine")
            raise InputError(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                             f"{advice}") from None
        bound_port = runner.addresses[0][1]
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{bound_port}/"
        announce(f"tweenflow studio: {url}  (Ctrl-C to stop)")
        sys.stdout.flush()
        if open_browser and browser_available():
            webbrowser.open(url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()   # runs the app's cleanup: the working folder is removed
