"""Scene cuts: never morph across them. PySceneDetect's content score on each pair of frames.

The score is PySceneDetect's ContentDetector `content_val`: the mean absolute difference of
hue, saturation and value between the two frames, averaged (0-255), each frame first shrunk
to about 256 px wide as PySceneDetect's SceneManager does. It sees where things are, so a cut
between shots of the same colours scores high, while ordinary motion scores low. It replaced a
colour-histogram test that missed 8 of 10 such cuts (BENCHMARKS.md, "Scene cuts").

Each pair is scored on its own (no minimum scene length, no look-ahead), so a segment of a
video can decide its cuts from its own frames.
"""
from __future__ import annotations

import cv2
import numpy as np

from tweenflow.errors import InputError
from tweenflow.samples import as_uint8_rgb

# ContentDetector's own default. On the labelled material of BENCHMARKS.md ("Scene cuts") the
# cuts it finds score 30-73 and the NASA dissolve 35 at its first frame; pairs without a cut
# score at most 23 (a fast pan: the bedroom sample at every 4th frame), usually under 12.
DEFAULT_SCENE_CUT_THRESHOLD = 27.0


def check_scene_cut_threshold(threshold: float | None) -> None:
    """Refuse a threshold outside the score's range, 0-255 (None: no scene detection). Below
    0 every pair would be a cut (nothing morphed), above 255 or NaN none, without a word."""
    if threshold is not None and not 0 <= threshold <= 255:      # also refuses nan
        # -3.0 said as -3; `scene_cut_threshold=None` is the CLI's --no-scene-detect
        said = int(threshold) if float(threshold).is_integer() else threshold
        raise InputError(f"{{scene_cut_threshold=}}: the scene-cut score is 0-255 (default "
                         f"{DEFAULT_SCENE_CUT_THRESHOLD:g}; {{scene_cut_threshold=None}} turns "
                         f"the detection off)", {"scene_cut_threshold": said,
                                                 "scene_cut_threshold=None": None})


def scene_change_score(frame0: np.ndarray, frame1: np.ndarray) -> float:
    """How different two frames look as pictures, 0-255 (PySceneDetect's ContentDetector
    score between them: 0 same, tens for a cut to another shot). For reports and tools; the
    pipeline asks `is_scene_cut`, which skips the detector's statistics (4x faster)."""
    from scenedetect import ContentDetector, FrameTimecode, StatsManager

    detector = ContentDetector(min_scene_len=0)
    detector.stats_manager = StatsManager()      # makes the detector record its score
    for index, frame in enumerate((frame0, frame1)):
        detector.process_frame(FrameTimecode(index, fps=1.0), _shrunk_bgr(frame))
    (score,) = detector.stats_manager.get_metrics(1, [ContentDetector.FRAME_SCORE_KEY])
    return float(score)


def is_scene_cut(frame0: np.ndarray, frame1: np.ndarray, threshold: float) -> bool:
    """A cut between two RGB frames: their `scene_change_score` reaches the threshold.
    Decided by PySceneDetect's ContentDetector itself (no minimum scene length)."""
    from scenedetect import ContentDetector, FrameTimecode

    detector = ContentDetector(threshold=threshold, min_scene_len=0)
    detector.process_frame(FrameTimecode(0, fps=1.0), _shrunk_bgr(frame0))
    return bool(detector.process_frame(FrameTimecode(1, fps=1.0), _shrunk_bgr(frame1)))


def _shrunk_bgr(frame: np.ndarray) -> np.ndarray:
    """The frame as PySceneDetect's SceneManager hands it to a detector: BGR, shrunk by its
    automatic factor (long side to about 256 px) with linear interpolation."""
    from scenedetect.scene_manager import compute_downscale_factor

    frame = as_uint8_rgb(frame)     # the score is defined on 8-bit RGB; alpha is left out
    height, width = frame.shape[:2]
    factor = compute_downscale_factor(max(width, height))
    if factor > 1:
        frame = cv2.resize(frame, (max(1, round(width / factor)), max(1, round(height / factor))),
                           interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
