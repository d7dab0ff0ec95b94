"""Scene cuts: never morph across them."""
from __future__ import annotations

import cv2
import numpy as np

from tweenflow.samples import as_uint8_rgb

DEFAULT_SCENE_CUT_THRESHOLD = 0.5   # nasa sample: hard cut 0.70, dissolve frames <= 0.39


def scene_change_score(frame0: np.ndarray, frame1: np.ndarray) -> float:
    """How different two RGB frames look as pictures, in [0, 1]: 0 same, 1 nothing in common.

    The Bhattacharyya distance of hue/saturation/value histograms of 128-pixel-wide thumbnails.
    Histograms ignore where things are, so motion and camera pans score low while a cut to
    another shot scores high.
    """
    histograms = []
    for frame in (as_uint8_rgb(frame0), as_uint8_rgb(frame1)):
        height, width = frame.shape[:2]
        thumb = cv2.resize(frame, (128, max(1, round(128 * height / width))),
                           interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(thumb, cv2.COLOR_RGB2HSV)
        histogram = cv2.calcHist([hsv], [0, 1, 2], None, [16, 8, 8], [0, 180, 0, 256, 0, 256])
        histograms.append(cv2.normalize(histogram, None).flatten())
    return float(cv2.compareHist(histograms[0], histograms[1], cv2.HISTCMP_BHATTACHARYYA))


def is_scene_cut(frame0: np.ndarray, frame1: np.ndarray, threshold: float) -> bool:
    return scene_change_score(frame0, frame1) > threshold

