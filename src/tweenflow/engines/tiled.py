"""Tiling: any engine on a large frame, one overlapping tile at a time, so memory stays bounded.

The frame is cut into a grid of tiles of about `tile` pixels a side. Each tile runs with
`overlap` pixels of context on every side that has a neighbour (the flow there sees past the
tile's edge), and neighbouring results are cross-faded over the 2 * overlap pixels they share
(linear ramps that sum to one), so no seam is cut through a tile's own border. Only one tile's
pair state lives at a time; the cost is the overlap's extra pixels, and motion larger than
the overlap across a tile border can still show there. Choices an engine makes from the pair
(auto: rife4 or fusion; rife4: recursion or not) are made per tile.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tweenflow.engines.base import Engine, MotionField
from tweenflow.errors import EngineError
from tweenflow.samples import from_float, full_scale

MIN_TILE = 64
# The blended frames of all requested times are kept in float32 while tiles come in; beyond
# this many bytes the times are done in groups (each group prepares every tile again).
MAX_ACCUMULATOR_BYTES = 512 * 2 ** 20


def checked_overlap(tile: int, overlap: int | None) -> int:
    """The overlap to use for a tile size (None: tile // 8, at least 16); EngineError for
    sizes that cannot work."""
    if tile < MIN_TILE:
        raise EngineError(f"tile size {tile} is too small; use at least {MIN_TILE} pixels "
                          f"(or 0 for whole frames)")
    overlap = max(16, tile // 8) if overlap is None else overlap
    if overlap < 0 or 4 * overlap > tile:
        raise EngineError(f"tile overlap {overlap} must be between 0 and a quarter of the "
                          f"tile size ({tile})")
    return overlap


@dataclass(frozen=True)
class Tile:
    """A tile's region with its context, [top, bottom) x [left, right) in frame pixels, and
    its blending weight there (float32 (h, w), 1 in the tile's own part, ramps in the
    overlaps)."""

    top: int
    bottom: int
    left: int
    right: int
    weight: np.ndarray


def _cuts(length: int, tile: int) -> list[int]:
    """Boundaries of about-equal parts of at most `tile` pixels: [0, ..., length]."""
    count = max(1, -(-length // tile))
    return [round(k * length / count) for k in range(count + 1)]


def _ramp(length: int, start: int, end: int, overlap: int, total: int) -> np.ndarray:
    """Weights along one axis for a part [start, end) of `total`, extended by `overlap`
    (clipped to the frame): ramps over the 2 * overlap pixels shared with each neighbour."""
    first = max(0, start - overlap)
    position = np.arange(first, first + length, dtype=np.float32) + 0.5
    weight = np.ones(length, np.float32)
    if overlap == 0:
        return weight
    if start > 0:
        weight = np.minimum(weight, (position - (start - overlap)) / (2 * overlap))
    if end < total:
        weight = np.minimum(weight, ((end + overlap) - position) / (2 * overlap))
    return np.clip(weight, 0.0, 1.0)


def tile_layout(height: int, width: int, tile: int, overlap: int) -> list[Tile]:
    """The tiles covering a height x width frame (one tile when it fits in one)."""
    tiles = []
    rows, columns = _cuts(height, tile), _cuts(width, tile)
    for top_cut, bottom_cut in zip(rows, rows[1:]):
        for left_cut, right_cut in zip(columns, columns[1:]):
            top, bottom = max(0, top_cut - overlap), min(height, bottom_cut + overlap)
            left, right = max(0, left_cut - overlap), min(width, right_cut + overlap)
            weight = np.outer(_ramp(bottom - top, top_cut, bottom_cut, overlap, height),
                              _ramp(right - left, left_cut, right_cut, overlap, width))
            tiles.append(Tile(top, bottom, left, right, weight))
    return tiles


class FrameHints:
    """A MotionField's whole-frame hints, each asked for once and then shared by the tiles."""

    def __init__(self, motion: MotionField, height: int, width: int) -> None:
        self.motion, self.height, self.width = motion, height, width
        self.tolerance = float(getattr(motion, "tolerance", 0.0))
        self._hints: dict = {}

    def hint(self, time0: float, time1: float, t: float):
        key = (time0, time1, t)
        if key not in self._hints:
            self._hints[key] = self.motion.prior(time0, time1, t, self.height, self.width)
        return self._hints[key]


class TileMotion:
    """A MotionField seen through one tile: the whole frame's hints, cropped."""

    def __init__(self, hints: FrameHints, tile: Tile) -> None:
        self.hints, self.tile = hints, tile
        self.tolerance = hints.tolerance

    def prior(self, time0: float, time1: float, t: float, height: int, width: int):
        hint = self.hints.hint(time0, time1, t)
        if hint is None:
            return None
        region = (slice(self.tile.top, self.tile.bottom), slice(self.tile.left, self.tile.right))
        return tuple(np.ascontiguousarray(array[region]) for array in hint)


@dataclass
class TiledState:
    frame0: np.ndarray
    frame1: np.ndarray
    inner: Any = None      # the inner engine's state when the frame is one tile


class TiledEngine(Engine):
    """`inner` run tile by tile (see the module docstring); same results as `inner` on frames
    that fit in one tile."""

    def __init__(self, inner: Engine, tile: int, overlap: int | None = None) -> None:
        self.inner, self.tile, self.overlap = inner, tile, checked_overlap(tile, overlap)
        self.name = inner.name

    @property
    def carries_alpha(self) -> bool:
        return self.inner.carries_alpha

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> TiledState:
        height, width = frame0.shape[:2]
        if height <= self.tile and width <= self.tile:   # one tile: tile_layout's _cuts
            return TiledState(frame0, frame1, self.inner.prepare(frame0, frame1))
        return TiledState(frame0, frame1)   # each tile is prepared when it is rendered

    def render(self, state: TiledState, t: float, motion: MotionField | None = None
               ) -> np.ndarray:
        return self.render_many(state, [t], motion)[0]

    def render_many(self, state: TiledState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        if state.inner is not None:
            return self.inner.render_many(state.inner, times, motion)
        height, width, channels = state.frame0.shape
        tiles = tile_layout(height, width, self.tile, self.overlap)
        group = max(1, MAX_ACCUMULATOR_BYTES // (height * width * channels * 4))
        frames = []
        for start in range(0, len(times), group):
            frames += self._render_group(state, tiles, times[start:start + group], motion)
        return frames

    def _render_group(self, state: TiledState, tiles: list[Tile], times: list[float],
                      motion: MotionField | None) -> list[np.ndarray]:
        height, width, channels = state.frame0.shape
        total = np.zeros((len(times), height, width, channels), np.float32)
        weights = np.zeros((height, width, 1), np.float32)
        hints = None if motion is None else FrameHints(motion, height, width)
        for tile in tiles:
            region = (slice(tile.top, tile.bottom), slice(tile.left, tile.right))
            inner_state = self.inner.prepare(np.ascontiguousarray(state.frame0[region]),
                                             np.ascontiguousarray(state.frame1[region]))
            tile_motion = None if hints is None else TileMotion(hints, tile)
            frames = self.inner.render_many(inner_state, times, tile_motion)
            del inner_state
            weight = tile.weight[..., None]
            for out, frame in zip(total, frames):
                out[region] += frame * weight
            weights[region] += weight
        total /= weights
        dtype = state.frame0.dtype
        if dtype != np.uint8:
            return [from_float(frame, dtype, full_scale(dtype)) for frame in total]
        return [np.clip(np.rint(frame), 0, 255).astype(np.uint8) for frame in total]
