"""Autopilot: keypoint tracks matched between the two frames, to steer large motion.

SIFT keypoints on both frames (at most `work_side` pixels on the long side, for speed), Lowe's
ratio test both ways plus a mutual-nearest-neighbour (forward-backward) check, a local
consistency check (a match must move like its neighbouring matches, so a lone wrong match
cannot steer) and a RANSAC fundamental-matrix check among the matches that move a lot. A grid
keeps the best match per cell, so the tracks are spread over the image. Only matches that move
at least `min_motion` pixels become tracks: the engines handle small motion well on their own,
and autopilot is meant for the large motion where their flow gives up.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from tweenflow.motion.tracks import Track


@dataclass(frozen=True)
class AutopilotConfig:
    work_side: int = 640          # long side (pixels) that SIFT runs at
    max_features: int = 2000
    ratio: float = 0.75           # Lowe's ratio test
    ransac_threshold: float = 2.0  # epipolar distance, pixels at work size
    neighbours: int = 5           # local consistency: compared with this many nearest matches
    local_tolerance: float = 0.25  # ... agreeing within this fraction of the motion (min 3 px)
    grid: int = 12                # cells along the long side; at most one track per cell
    min_motion: float = 24.0      # pixels (input size): smaller motion is left to the engine
    radius_cells: float = 0.5     # track radius, in grid cells
    strength: float = 1.0
    tolerance: float = 8.0        # pixels: engines keep their own flow when this close (api)


@dataclass
class Matches:
    """Matched keypoints in input pixels: points0[i] in frame 0 is points1[i] in frame 1."""

    points0: np.ndarray   # (N, 2) float64
    points1: np.ndarray
    ratios: np.ndarray    # (N,) best / second-best descriptor distance (lower: more distinct)


def _gray(frame: np.ndarray, factor: float) -> np.ndarray:
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    if factor == 1.0:
        return gray
    height, width = gray.shape
    # At least a pixel: a 2 x 6000 frame's short side would round to 0 (cv2.resize refuses).
    return cv2.resize(gray, (max(1, round(width * factor)), max(1, round(height * factor))),
                      interpolation=cv2.INTER_AREA)


def _ratio_matches(descriptors_a: np.ndarray, descriptors_b: np.ndarray, ratio: float
                   ) -> dict[int, tuple[int, float]]:
    """a index -> (b index, distance ratio) for matches passing the ratio test."""
    matcher = cv2.BFMatcher(cv2.NORM_L2)
    found = {}
    for pair in matcher.knnMatch(descriptors_a, descriptors_b, k=2):
        if len(pair) == 2 and pair[0].distance < ratio * pair[1].distance:
            found[pair[0].queryIdx] = (pair[0].trainIdx, pair[0].distance / max(pair[1].distance, 1e-9))
    return found


def match_keypoints(frame0: np.ndarray, frame1: np.ndarray,
                    config: AutopilotConfig = AutopilotConfig()) -> Matches:
    """Reliable SIFT matches (ratio test, mutual nearest neighbours, RANSAC, local check)."""
    height, width = frame0.shape[:2]
    factor = min(1.0, config.work_side / max(height, width))
    sift = cv2.SIFT_create(nfeatures=config.max_features)
    keypoints0, descriptors0 = sift.detectAndCompute(_gray(frame0, factor), None)
    keypoints1, descriptors1 = sift.detectAndCompute(_gray(frame1, factor), None)
    empty = Matches(np.zeros((0, 2)), np.zeros((0, 2)), np.zeros(0))
    if descriptors0 is None or descriptors1 is None or len(keypoints0) < 2 or len(keypoints1) < 2:
        return empty
    forward = _ratio_matches(descriptors0, descriptors1, config.ratio)
    backward = _ratio_matches(descriptors1, descriptors0, config.ratio)
    pairs = [(i, j, r) for i, (j, r) in forward.items() if backward.get(j, (-1,))[0] == i]
    if len(pairs) < 8:
        return empty
    points0 = np.array([keypoints0[i].pt for i, _, _ in pairs], np.float64)
    points1 = np.array([keypoints1[j].pt for _, j, _ in pairs], np.float64)
    ratios = np.array([r for _, _, r in pairs])
    keep = _locally_consistent(points0, points1 - points0, config)
    # Epipolar check among the moving matches only: with a still camera the static background
    # would make any fundamental matrix fit and the moving object (what autopilot is for)
    # would be the outliers.
    moving = keep & (np.linalg.norm(points1 - points0, axis=1) >= config.min_motion * factor)
    if moving.sum() >= 8:
        _, inliers = cv2.findFundamentalMat(points0[moving], points1[moving], cv2.FM_RANSAC,
                                            config.ransac_threshold, 0.999)
        if inliers is not None:
            keep[np.flatnonzero(moving)[~inliers.ravel().astype(bool)]] = False
    return Matches(points0[keep] / factor, points1[keep] / factor, ratios[keep])


def _locally_consistent(points: np.ndarray, motions: np.ndarray, config: AutopilotConfig
                        ) -> np.ndarray:
    """True where a match moves like the median of its nearest neighbouring matches."""
    count = len(points)
    if count <= config.neighbours:
        return np.zeros(count, bool)
    distances = np.linalg.norm(points[:, None] - points[None], axis=2)
    np.fill_diagonal(distances, np.inf)
    nearest = np.argsort(distances, axis=1)[:, :config.neighbours]
    neighbour_motion = np.median(motions[nearest], axis=1)
    disagreement = np.linalg.norm(motions - neighbour_motion, axis=1)
    tolerance = np.maximum(3.0, config.local_tolerance * np.linalg.norm(motions, axis=1))
    return disagreement <= tolerance


def spread_subset(matches: Matches, width: int, height: int, cells_long_side: int
                  ) -> np.ndarray:
    """Indices of the most distinct match in each grid cell (cells over frame 0 positions)."""
    cell = max(width, height) / cells_long_side
    best: dict[tuple[int, int], int] = {}
    for index, (x, y) in enumerate(matches.points0):
        key = (int(x // cell), int(y // cell))
        if key not in best or matches.ratios[index] < matches.ratios[best[key]]:
            best[key] = index
    return np.array(sorted(best.values()), dtype=int)


def autopilot_tracks(frame0: np.ndarray, frame1: np.ndarray,
                     config: AutopilotConfig = AutopilotConfig()) -> list[Track]:
    """Linear tracks (t = 0 at the keypoint in frame 0, t = 1 at its match in frame 1) for
    well-spread reliable matches that move at least config.min_motion pixels."""
    height, width = frame0.shape[:2]
    matches = match_keypoints(frame0, frame1, config)
    if len(matches.points0) == 0:
        return []
    motion = np.linalg.norm(matches.points1 - matches.points0, axis=1)
    large = motion >= config.min_motion
    matches = Matches(matches.points0[large], matches.points1[large], matches.ratios[large])
    cell = max(width, height) / config.grid
    tracks = []
    for index in spread_subset(matches, width, height, config.grid):
        (x0, y0), (x1, y1) = matches.points0[index], matches.points1[index]
        tracks.append(Track(points=((0.0, float(np.clip(x0, 0, width - 1)),
                                     float(np.clip(y0, 0, height - 1))),
                                    (1.0, float(np.clip(x1, 0, width - 1)),
                                     float(np.clip(y1, 0, height - 1)))),
                            radius=config.radius_cells * cell, linear=True,
                            strength=config.strength))
    return tracks


def drop_overlapping(tracks: Sequence[Track], user_tracks: Sequence[Track]) -> list[Track]:
    """`tracks` without those starting within a user track's radius: the user's say wins."""
    kept = []
    for track in tracks:
        start = np.array(track.start)
        if all(np.linalg.norm(start - np.array(user.start)) > user.radius + track.radius
               for user in user_tracks):
            kept.append(track)
    return kept
