"""Driving Debian's Chromium with Playwright (no browser download): launch, and page helpers."""
from __future__ import annotations

import base64
import os
from pathlib import Path

import numpy as np
import pytest

from tests.studio.conftest import decode_png

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def require_chromium() -> None:
    """Skip only when asked to (TWEENFLOW_SKIP_BROWSER=1); otherwise a missing browser fails."""
    if os.environ.get("TWEENFLOW_SKIP_BROWSER") == "1":
        pytest.skip("browser tests skipped (TWEENFLOW_SKIP_BROWSER=1)")
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's browser with `apt-get install -y "
                    f"chromium` (`make test` does when it runs as root), or set "
                    f"TWEENFLOW_SKIP_BROWSER=1 to skip the browser tests", pytrace=False)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


def image_xy(page, canvas: str, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image pixel (x, y) in a frame canvas."""
    box = page.locator(canvas).bounding_box()
    width = page.evaluate(f"document.querySelector('{canvas}').width")
    factor = box["width"] / width
    return box["x"] + (x + 0.5) * factor, box["y"] + (y + 0.5) * factor


def drag(page, start: tuple[str, float, float], end: tuple[str, float, float],
         steps: int = 12) -> None:
    """Press at image pixel start (canvas, x, y) and release at end, moving like a hand."""
    x0, y0 = image_xy(page, *start)
    x1, y1 = image_xy(page, *end)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=steps)
    page.mouse.up()


def wait_preview(page, timeout: float = 60_000) -> None:
    """Wait until the preview shown is the answer to the newest request."""
    page.wait_for_function(
        "() => { const r = window.studio.renderer, img = document.querySelector('#preview');"
        " return img.dataset.seq && Number(img.dataset.seq) === r.seq"
        " && document.querySelector('#previewState').textContent === ''; }", timeout=timeout)


def preview_pixels(page) -> np.ndarray:
    """The preview image's own bytes (not a screenshot), decoded."""
    encoded = page.evaluate(
        "async () => { const r = await fetch(document.querySelector('#preview').src);"
        " const bytes = new Uint8Array(await r.arrayBuffer()); let s = '';"
        " for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }")
    return decode_png(base64.b64decode(encoded))


def load_pair(page, path0: Path, path1: Path) -> None:
    page.set_input_files("#fileA", str(path0))
    page.set_input_files("#fileB", str(path1))
    page.wait_for_function("() => window.studio.session !== null")
    wait_preview(page)
