"""OpenCV's DIS optical flow on frames of any size.

DIS builds its pyramid from the frame's long side, so on a frame that is short the other way
its coarse levels end up thinner than a patch: OpenCV 5.1 then reads out of bounds (a
SIGSEGV on 64x12, 100x20 or 400x30, whatever the preset) or raises (8x8 with the finest
level at full resolution, 320x8). Every side of at least MIN_SIDE pixels works at any length
(probed up to 30000x32). Smaller frames are padded to it with their border replicated, and the
flow of the frame itself is cut out of the padded flow.
"""
from __future__ import annotations

import cv2
import numpy as np

MIN_SIDE = 32


def dis_flow(dis: cv2.DISOpticalFlow, gray_from: np.ndarray, gray_to: np.ndarray) -> np.ndarray:
    """`dis.calc(gray_from, gray_to)`: float32 (H, W, 2) flow in pixels, gray_from(x) ~
    gray_to(x + flow(x)), for uint8 (H, W) frames of any size."""
    height, width = gray_from.shape[:2]
    below, right = max(0, MIN_SIDE - height), max(0, MIN_SIDE - width)
    if not below and not right:
        return dis.calc(gray_from, gray_to, None)
    padded = [cv2.copyMakeBorder(gray, 0, below, 0, right, cv2.BORDER_REPLICATE)
              for gray in (gray_from, gray_to)]
    return np.ascontiguousarray(dis.calc(*padded, None)[:height, :width])
