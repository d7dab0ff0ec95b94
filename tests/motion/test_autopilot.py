"""Autopilot finds correct, well-spread matches: a synthetic shift and a real multi_gap pair."""
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.motion.scenes import textured
from tweenflow import read_image
from tweenflow.motion import Track, autopilot_tracks, match_keypoints
from tweenflow.motion.autopilot import AutopilotConfig, drop_overlapping

MULTI_GAP = Path(__file__).resolve().parents[3] / "shared" / "data" / "multi_gap"


def detailed_texture(height: int, width: int, seed: int) -> np.ndarray:
    """Texture with corners and blobs at several scales (SIFT needs some)."""
    fine = textured(height, width, seed, blur=1.0).astype(np.float32)
    coarse = textured(height, width, seed + 1, blur=5.0).astype(np.float32)
    return np.clip(0.5 * fine + 0.5 * coarse, 0, 255).astype(np.uint8)


def test_matches_a_shifted_texture_exactly():
    scene = detailed_texture(300, 400, seed=5)
    shift = (37, -21)   # frame 1 shows the content moved by (+37, -21)
    frame0 = scene[40:280, 40:360]
    frame1 = scene[40 - shift[1]:280 - shift[1], 40 - shift[0]:360 - shift[0]]
    matches = match_keypoints(frame0, frame1)
    assert len(matches.points0) >= 30
    motion = matches.points1 - matches.points0
    error = np.hypot(*(motion - shift).T)
    assert np.median(error) < 0.1                     # SIFT localises to a fraction of a pixel
    assert error.max() < 2.5, "a wrong match survived the checks"  # coarse blobs: ~2 px
    tracks = autopilot_tracks(frame0, frame1)
    starts = np.array([track.start for track in tracks])
    assert len(tracks) >= 10
    assert all(track.linear and len(track.points) == 2 for track in tracks)
    # Well spread: tracks in at least three of the four quadrants, at most one per grid cell.
    quadrants = {(x >= 160, y >= 120) for x, y in starts}
    assert len(quadrants) >= 3
    cell = 320 / AutopilotConfig().grid
    cells = {(int(x // cell), int(y // cell)) for x, y in starts}
    assert len(cells) == len(tracks)


def test_small_motion_is_left_to_the_engine():
    scene = detailed_texture(260, 360, seed=9)
    frame0, frame1 = scene[10:250, 10:330], scene[10:250, 14:334]   # 4 px shift
    assert len(match_keypoints(frame0, frame1).points0) >= 30
    assert autopilot_tracks(frame0, frame1) == []


@pytest.mark.skipif(not MULTI_GAP.is_dir(), reason="needs ../shared/data/multi_gap")
def test_real_pair_matches_agree_with_block_matching():
    # paragliding_launch frames 0 and 16: a fast pan, ~60 px (too fast for DIS, so the check
    # is exhaustive block matching): a 31x31 patch around each track's start in frame 0,
    # searched in a +-90 px window of frame 1, must be found where the track ends.
    clip = MULTI_GAP / "paragliding_launch"
    frame0, frame1 = read_image(clip / "00000.png"), read_image(clip / "00016.png")
    height, width = frame0.shape[:2]
    tracks = autopilot_tracks(frame0, frame1)
    assert len(tracks) >= 10
    errors = []
    for track in tracks:
        x, y = np.round(track.start).astype(int)
        if not (15 <= x < width - 15 and 15 <= y < height - 15):
            continue
        patch = frame0[y - 15:y + 16, x - 15:x + 16]
        x_lo, y_lo = max(x - 105, 0), max(y - 105, 0)
        window = frame1[y_lo:min(y + 106, height), x_lo:min(x + 106, width)]
        scores = cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED)
        _, _, _, (bx, by) = cv2.minMaxLoc(scores)
        found = (x_lo + bx + 15, y_lo + by + 15)
        errors.append(np.hypot(*np.subtract(found, track.end)))
    assert len(errors) >= 10
    assert np.median(errors) <= 1.5 and np.mean(np.array(errors) <= 3.0) >= 0.9, errors
    motion = np.array([np.hypot(*np.subtract(t.end, t.start)) for t in tracks])
    assert motion.min() >= AutopilotConfig().min_motion


def test_user_tracks_win_over_autopilot_nearby():
    user = Track(points=((0.0, 100.0, 100.0), (1.0, 150.0, 100.0)), radius=30)
    near = Track(points=((0.0, 120.0, 110.0), (1.0, 160.0, 110.0)), radius=10)
    far = Track(points=((0.0, 250.0, 40.0), (1.0, 290.0, 40.0)), radius=10)
    assert drop_overlapping([near, far], [user]) == [far]


@pytest.mark.parametrize("height, width", [(3000, 1), (2, 6000)])
def test_a_frame_thinner_than_a_pixel_at_work_size_gives_no_tracks(height, width):
    # Scaled to 640 px on the long side the short side rounded to 0 px: cv2.resize raised
    # (a traceback from --autopilot, a 500 from the studio). Nothing to match there.
    frame0 = textured(height, width, seed=2, blur=1.0)
    frame1 = np.roll(frame0, 40, axis=0 if height > width else 1)
    assert len(match_keypoints(frame0, frame1).points0) == 0
    assert autopilot_tracks(frame0, frame1) == []
