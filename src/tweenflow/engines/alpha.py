"""Transparent frames: any engine on RGBA frames, colour premultiplied while it is warped.

Warping straight (unpremultiplied) colour pulls the invisible colour of transparent pixels
into the edge of the sprite (dark or coloured fringes); premultiplied colour is zero there,
so the edge blends only with what is really visible. An engine that carries alpha (see
`Engine.carries_alpha`: rife4, rife3, classical and the engines made of them) gets the
premultiplied RGBA frames in one pass: its flow comes from the premultiplied colour and the
alpha moves by the same flows and blend weights, so the matte moves exactly with the colour.
The colour is divided by the moved alpha afterwards.

Fallback, for an engine that cannot carry a fourth channel: the alpha matte is rendered by a
second pass of the engine on the matte as a grey picture. That pass estimates its own motion
from the matte's outline (not the colour's flow: wrong where the matte alone is ambiguous,
e.g. stripes) and doubles the engine time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from tweenflow.engines.base import Engine, MotionField, ProtocolCheck
from tweenflow.samples import from_float, full_scale

# Below this alpha (0-1) a pixel is transparent: its colour is 0, not colour / alpha.
TRANSPARENT = 1e-6


@dataclass
class AlphaState:
    colour: Any            # the inner engine's state (of the premultiplied RGBA, if it carries it)
    matte: Any | None      # the fallback's state of the alpha mattes (None: not needed)
    dtype: np.dtype
    rgba: bool             # the frames are RGBA


def premultiplied(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(premultiplied RGB float32 in the frame's sample scale, alpha float32 in [0, 1])."""
    alpha = frame[..., 3:4].astype(np.float32) / np.float32(full_scale(frame.dtype))
    return frame[..., :3].astype(np.float32) * alpha, alpha


def premultiplied_rgba(frame: np.ndarray) -> np.ndarray:
    """A straight-alpha RGBA frame (any sample type) as premultiplied RGBA float32 in [0, 1]."""
    values = frame.astype(np.float32)
    values *= np.float32(1.0 / full_scale(frame.dtype))
    values[..., :3] *= values[..., 3:4]
    return values


def straight_rgba(frame: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A premultiplied RGBA frame, float32 (H, W, 4) in [0, 1], as a straight-alpha RGBA frame
    of `dtype`: colour / alpha (0 where transparent), clipped to [0, 1]."""
    alpha = np.clip(frame[..., 3], 0.0, 1.0)
    inverse = np.float32(1.0) / np.maximum(alpha, np.float32(TRANSPARENT))
    inverse[alpha < TRANSPARENT] = 0
    # one product for all four channels (the alpha's factor 1), then the clipped alpha
    rgba = frame * cv2.merge([inverse, inverse, inverse, np.ones_like(inverse)])
    rgba[..., 3] = alpha
    # a premultiplied colour above its alpha (an engine that sharpens) saturates: from_float
    # keeps every sample type in its range
    return from_float(rgba, dtype, 1.0)


class AlphaEngine(Engine):
    """`engine` on (H, W, 4) RGBA frames (straight alpha, uint8/uint16/float32), returning
    straight RGBA of the same type; RGB frames are passed through unchanged. One pass of
    `engine` on premultiplied RGBA when it carries alpha, else a second pass for the matte
    (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.name = engine.name

    def prepare(self, frame0: np.ndarray, frame1: np.ndarray) -> AlphaState:
        dtype = frame0.dtype
        if frame0.shape[2] == 3:
            return AlphaState(self.engine.prepare(frame0, frame1), None, dtype, rgba=False)
        if self.engine.carries_alpha:
            # float32 in: the colour is rounded once, after the division by alpha
            return AlphaState(self.engine.prepare(premultiplied_rgba(frame0),
                                                  premultiplied_rgba(frame1)),
                              None, dtype, rgba=True)
        (colour0, alpha0), (colour1, alpha1) = premultiplied(frame0), premultiplied(frame1)
        # the inner engine sees the frames' own sample type: its uint8 path for uint8 inputs
        full = full_scale(dtype)
        as_input = lambda values: from_float(values, dtype, full)  # noqa: E731
        grey = lambda alpha: np.repeat(alpha * np.float32(full), 3, axis=2)  # noqa: E731
        return AlphaState(self.engine.prepare(as_input(colour0), as_input(colour1)),
                          self.engine.prepare(as_input(grey(alpha0)), as_input(grey(alpha1))),
                          dtype, rgba=True)

    def render(self, state: AlphaState, t: float, motion: MotionField | None = None
               ) -> np.ndarray:
        return self.render_many(state, [t], motion)[0]

    def render_many(self, state: AlphaState, times: list[float],
                    motion: MotionField | None = None) -> list[np.ndarray]:
        frames = self.engine.render_many(state.colour, times, motion)
        if not state.rgba:
            return frames
        if state.matte is None:
            return [straight_rgba(frame, state.dtype) for frame in frames]
        mattes = self.engine.render_many(state.matte, times, motion)
        scale = np.float32(full_scale(state.dtype))
        straight = []
        for colour, matte in zip(frames, mattes):
            alpha = matte.astype(np.float32).mean(axis=2, keepdims=True)
            rgba = np.concatenate([colour.astype(np.float32), alpha], axis=2) / scale
            straight.append(straight_rgba(rgba, state.dtype))
        return straight


def checked(engine: Engine, alpha: bool) -> Engine:
    """`engine` as the pipelines run it: its frames checked against the protocol
    (ProtocolCheck, once: a user's engine breaking it is one EngineError naming it), and for RGBA
    frames (alpha) the colour engine plus the alpha channel (AlphaEngine)."""
    engine = engine if isinstance(engine, ProtocolCheck) else ProtocolCheck(engine)
    return AlphaEngine(engine) if alpha else engine
