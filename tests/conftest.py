"""Small synthetic inputs shared by the tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def texture(height: int, width: int, seed: int = 0, blur: float = 2.0) -> np.ndarray:
    """Smooth random colour texture, uint8 (H, W, 3): enough structure for optical flow."""
    rng = np.random.default_rng(seed)
    noise = rng.random((height, width, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), blur)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    return (smooth * 255).round().astype(np.uint8)


def shifted_pair(height: int, width: int, dx: int, dy: int, seed: int = 0, margin: int = 32):
    """(frame0, frame1, crop) where frame1 shows the scene moved by (dx, dy) pixels.

    crop(ox, oy) returns the view whose content is moved by (ox, oy): the truth at time t for
    a shift (t*dx, t*dy) when those are whole pixels.
    """
    big = texture(height + 2 * margin, width + 2 * margin, seed)

    def crop(ox: int, oy: int) -> np.ndarray:
        return np.ascontiguousarray(big[margin - oy:margin - oy + height,
                                        margin - ox:margin - ox + width])
    return crop(0, 0), crop(dx, dy), crop


def measured_shift(reference: np.ndarray, moved: np.ndarray, border: int = 12) -> tuple[float, float]:
    """(dx, dy) by which `moved`'s content is displaced from `reference`'s (phase correlation)."""
    a = cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY).astype(np.float64)[border:-border, border:-border]
    b = cv2.cvtColor(moved, cv2.COLOR_RGB2GRAY).astype(np.float64)[border:-border, border:-border]
    window = cv2.createHanningWindow(a.shape[::-1], cv2.CV_64F)
    (dx, dy), _ = cv2.phaseCorrelate(a, b, window)
    return dx, dy


@pytest.fixture(scope="session")
def engines():
    """Engines by name, created once per test session (RIFE weights fetched on first use)."""
    from tweenflow.engines import create_engine
    cache = {}

    def get(name: str, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = create_engine(name, **options)
        return cache[key]
    return get


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m tweenflow ARGS` as a user would; capture its output."""
    return subprocess.run([sys.executable, "-m", "tweenflow", *args], capture_output=True,
                          text=True, env=os.environ.copy(), timeout=300)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The single stderr line of a failed run (asserting there is one, with no traceback)."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def pytest_terminal_summary(terminalreporter):
    """Which kernel families the ISA-capped runs covered (tests/engines/test_every_cpu.py)."""
    module = sys.modules.get("tests.engines.test_every_cpu")
    if module is not None and module.COVERED:
        terminalreporter.write_sep("-", "fast paths under ISA caps (ONEDNN_MAX_CPU_ISA)")
        for line in module.COVERED:
            terminalreporter.write_line(line)
