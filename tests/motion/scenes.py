"""Synthetic scenes for the motion tests: a textured square moving over a textured background."""
from __future__ import annotations

import cv2
import numpy as np

WIDTH, HEIGHT = 320, 240
SIDE = 40
# Centres sit on x.5 so that the 40 px square covers whole pixels.
START = (79.5, 139.5)     # object centre in frame 0 (A)
END = (199.5, 139.5)      # object centre in frame 1 (B): 120 px to the right
CONTROL = (139.5, 89.5)   # where a track puts it at t = 0.5 (C), 50 px off the straight line


def textured(height: int, width: int, seed: int, blur: float = 6.0) -> np.ndarray:
    """Smooth, low-contrast random colour texture around mid grey, uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, 1, (height, width, 3)).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), blur)
    return np.clip(128 + 40 * smooth / smooth.std(), 0, 255).astype(np.uint8)


def object_texture() -> np.ndarray:
    rng = np.random.default_rng(7)
    patch = rng.integers(0, 256, (SIDE // 8, SIDE // 8, 3), dtype=np.uint8).astype(np.float32)
    return np.clip(cv2.resize(patch, (SIDE, SIDE), interpolation=cv2.INTER_CUBIC), 0, 255
                   ).astype(np.uint8)


def place(background: np.ndarray, patch: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Background with the patch pasted so that its centre is at `centre` (x.5 values)."""
    frame = background.copy()
    x0 = int(centre[0] - (SIDE - 1) / 2)
    y0 = int(centre[1] - (SIDE - 1) / 2)
    frame[y0:y0 + SIDE, x0:x0 + SIDE] = patch
    return frame


def object_centre(frame: np.ndarray, patch: np.ndarray) -> tuple[float, float]:
    """Where the patch is in `frame` (template matching, sub-pixel by a parabola fit)."""
    scores = cv2.matchTemplate(frame, patch, cv2.TM_CCOEFF_NORMED)
    _, _, _, (bx, by) = cv2.minMaxLoc(scores)

    def refine(left: float, middle: float, right: float) -> float:
        denominator = left - 2 * middle + right
        return 0.0 if denominator == 0 else 0.5 * (left - right) / denominator

    dx = refine(scores[by, bx - 1], scores[by, bx], scores[by, bx + 1]) \
        if 0 < bx < scores.shape[1] - 1 else 0.0
    dy = refine(scores[by - 1, bx], scores[by, bx], scores[by + 1, bx]) \
        if 0 < by < scores.shape[0] - 1 else 0.0
    return bx + dx + (SIDE - 1) / 2, by + dy + (SIDE - 1) / 2

