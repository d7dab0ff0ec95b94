"""Transparent frames: any engine on RGBA frames, colour premultiplied while it is warped.

Warping straight (unpremultiplied) colour pulls the invisible colour of transparent pixels
into the edge of the sprite (dark or coloured fringes); premultiplied colour is zero there,
so the edge blends only with what is really visible. The alpha matte is rendered by the same
engine at the same t (a second pass on the matte as a grey picture), so it moves with the
colour's content; the colour is divided by the rendered alpha afterwards.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tweenflow.engines.base import Engine, MotionField
from tweenflow.samples import from_float, full_scale


@dataclass
class AlphaState:
    colour: Any            # the inner engine's state of the premultiplied colour
    matte: Any | None      # its state of the alpha mattes (None: the frames are RGB)
    dtype: np.dtype


def premultiplied(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(premultiplied RGB float32 in the frame's sample scale, alpha float32 in [0, 1])."""
    alpha = frame[..., 3:4].astype(np.float32) / np.float32(full_scale(frame.dtype))
    return frame[..., :3].astype(np.float32) * alpha, alpha


class AlphaEngine(Engine):
    """`engine` on (H, W, 4) RGBA frames (straight alpha, uint8/uint16/float32); RGB frames
    are passed through unchanged."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> AlphaState:
        if frame0.shape[2] == 3:
            return AlphaState(self.engine.prepare(frame0, frame1), None, frame0.dtype)
        dtype = frame0.dtype
        (colour0, alpha0), (colour1, alpha1) = premultiplied(frame0), premultiplied(frame1)
        # the inner engine sees the frames' own sample type: its uint8 path for uint8 inputs
        full = full_scale(dtype)
        as_input = lambda values: from_float(values, dtype, full)  # noqa: E731
        grey = lambda alpha: np.repeat(alpha * np.float32(full), 3, axis=2)  # noqa: E731
        return AlphaState(self.engine.prepare(as_input(colour0), as_input(colour1)),
                          self.engine.prepare(as_input(grey(alpha0)), as_input(grey(alpha1))),
                          dtype)

    def render(self, state: AlphaState, t: float, motion: MotionField | None = None
               ) -> np.ndarray:
        return self.render_many(state, [t], motion)[0]

    def render_many(self, state: AlphaState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        colours = self.engine.render_many(state.colour, times, motion)
        if state.matte is None:
            return colours
        mattes = self.engine.render_many(state.matte, times, motion)
        scale = np.float32(full_scale(state.dtype))
        frames = []
        for colour, matte in zip(colours, mattes):
            alpha = matte.astype(np.float32).mean(axis=2, keepdims=True) / scale
            straight = colour.astype(np.float32) / np.maximum(alpha, 1e-6)
            straight[np.broadcast_to(alpha < 1e-6, straight.shape)] = 0
            rgba = np.concatenate([np.minimum(straight, scale), alpha * scale], axis=2)
            frames.append(from_float(rgba, state.dtype, float(scale)))
        return frames
