"""Sample formats of frames: uint8 (0-255), uint16 (0-65535, 16-bit and 10-bit video) and
float32 (0-1). Engines compute in float whatever the input; these helpers convert at their
edges, so a uint8 frame takes exactly the path it always took.
"""
from __future__ import annotations

import numpy as np

from tweenflow.errors import InputError

SAMPLE_TYPES = (np.uint8, np.uint16, np.float32)
_FULL_SCALE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0,
               np.dtype(np.float32): 1.0}


def full_scale(dtype: np.dtype) -> float:
    """The sample value of full intensity: 255, 65535 or 1.0."""
    return _FULL_SCALE[np.dtype(dtype)]


def as_uint8_rgb(frame: np.ndarray) -> np.ndarray:
    """The frame as uint8 (H, W, 3) RGB, for measuring (flow, motion size, scene cuts): a uint8
    RGB frame is returned as it is; alpha is left out, deeper samples are rounded to 8 bits."""
    if frame.dtype == np.uint8 and frame.shape[2] == 3:
        return frame
    rgb = frame[..., :3]
    if rgb.dtype == np.uint8:
        return np.ascontiguousarray(rgb)
    scaled = rgb.astype(np.float32) * (255.0 / full_scale(rgb.dtype))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def from_float(values: np.ndarray, dtype: np.dtype, values_full_scale: float) -> np.ndarray:
    """Float samples whose full intensity is `values_full_scale` as `dtype` samples: rounded
    half to even and saturated for the integer types; for float32 rescaled and kept in 0-1
    (a fine band added on a coarse one, or a rescale's rounding, steps past it)."""
    target = full_scale(dtype)
    if target != values_full_scale:
        values = values * np.float32(target / values_full_scale)
    if np.dtype(dtype) == np.float32:
        return np.clip(values, 0.0, 1.0).astype(np.float32, copy=False)
    return np.clip(np.rint(values), 0, target).astype(dtype)


def to_dtype(frame: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """A frame in another sample type (uint8 -> uint16 is exact: x * 257)."""
    if frame.dtype == np.dtype(dtype):
        return frame
    if frame.dtype == np.uint8 and np.dtype(dtype) == np.uint16:
        return frame.astype(np.uint16) * np.uint16(257)
    return from_float(frame.astype(np.float32), dtype, full_scale(frame.dtype))


def check_frame(frame: np.ndarray, name: str) -> None:
    """InputError unless `frame` is a non-empty uint8/uint16/float32 (H, W, 3) or (H, W, 4)
    array (the API's inputs, write_image's frames)."""
    if not isinstance(frame, np.ndarray) or frame.dtype not in SAMPLE_TYPES or frame.ndim != 3 \
            or frame.shape[2] not in (3, 4):
        described = (f"{frame.dtype} array of shape {frame.shape}"
                     if isinstance(frame, np.ndarray) else type(frame).__name__)
        raise InputError(f"{name} must be a uint8, uint16 or float32 array of shape (H, W, 3) "
                         f"in RGB order (or (H, W, 4) RGBA), got {described}")
    if frame.size == 0:
        raise InputError(f"{name} is empty ({frame.shape[1]}x{frame.shape[0]} pixels)")


def check_float_samples(frame: np.ndarray, name: str) -> None:
    """InputError for float32 samples outside 0-1 or not finite (NaN came out as NaN frames,
    and 0-255 floats were a white frame to the flow)."""
    if frame.dtype != np.float32:
        return
    if not np.isfinite(frame).all():
        raise InputError(f"{name} has NaN or infinite samples; float32 frames hold 0-1")
    if not 0.0 <= frame.min() <= frame.max() <= 1.0:
        raise InputError(f"{name} has float32 samples from {frame.min():g} to {frame.max():g}; "
                         f"float32 frames hold 0-1 (divide 0-255 values by 255)")
