"""The alpha plane of a YUVA frame, read and written with exact scaling.

swscale moves alpha on its way through: RGBA -> 8-bit YUVA writes a + 1 for every a from 128
(254 becomes opaque), and 10- to 12-bit alpha read as 16-bit RGBA is shifted, not scaled (an
opaque 1023 reads 65472). Each pass through tweenflow made a lossless FFV1's or ProRes 4444's
semi-transparent edges more opaque. The reader and the writer take the alpha plane as it is and
scale it by (2^bits - 1), rounded to nearest, instead.
"""
from __future__ import annotations

import av
import numpy as np


def _alpha_plane_index(frame: av.VideoFrame) -> int | None:
    """The alpha plane of a planar YUVA frame (None for other formats: packed RGBA and the
    like, which swscale copies)."""
    if not frame.format.name.startswith("yuva") or frame.format.name.endswith("be"):
        return None
    return next(component.plane for component in frame.format.components
                if component.is_alpha)


def _bits(frame: av.VideoFrame) -> int:
    return next(component.bits for component in frame.format.components if component.is_alpha)


def read_alpha(frame: av.VideoFrame, dtype: type) -> np.ndarray | None:
    """The frame's alpha (H, W) as `dtype` (uint8 0-255 or uint16 0-65535), exactly scaled;
    None if the frame is no planar YUVA."""
    index = _alpha_plane_index(frame)
    if index is None:
        return None
    bits, plane = _bits(frame), frame.planes[index]
    stored = np.uint8 if bits == 8 else np.uint16
    codes = np.frombuffer(plane, stored).reshape(plane.height, -1)[:, :plane.width]
    top = np.iinfo(dtype).max
    if stored == dtype and bits == 8 * np.dtype(dtype).itemsize:
        return codes.copy()
    return np.rint(codes * (top / ((1 << bits) - 1))).astype(dtype)


def write_alpha(frame: av.VideoFrame, alpha: np.ndarray) -> bool:
    """Put straight alpha samples (H, W; uint8 or uint16, full scale) into the frame's alpha
    plane, rounded to its bit depth. False (nothing written) if the frame is no planar YUVA."""
    index = _alpha_plane_index(frame)
    if index is None:
        return False
    bits, plane = _bits(frame), frame.planes[index]
    stored = np.uint8 if bits == 8 else np.uint16
    scale = ((1 << bits) - 1) / np.iinfo(alpha.dtype).max
    codes = alpha if scale == 1 and alpha.dtype == stored else np.rint(alpha * scale)
    rows = np.zeros((plane.height, plane.line_size // np.dtype(stored).itemsize), stored)
    rows[:, :plane.width] = codes[:plane.height, :plane.width]
    plane.update(rows)
    return True
