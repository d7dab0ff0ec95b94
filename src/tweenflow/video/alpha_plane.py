"""The alpha plane of a YUVA frame, read and written with exact scaling.

swscale moves alpha on its way through: RGBA -> 8-bit YUVA writes a + 1 for every a from 128
(254 becomes opaque), and 10- to 12-bit alpha read as 16-bit RGBA is shifted, not scaled (an
opaque 1023 reads 65472). Each pass through tweenflow made a lossless FFV1's or ProRes 4444's
semi-transparent edges more opaque. The reader and the writer take the alpha plane as it is and
scale it by (2^bits - 1), rounded to nearest, instead (write_plane: samples into a plane,
which the full-range writer uses too).
"""
from __future__ import annotations

import av
import numpy as np


def _alpha_plane(frame: av.VideoFrame) -> tuple[av.video.plane.VideoPlane, int, type] | None:
    """The alpha plane of a planar YUVA frame, its bits and the sample type it is stored in
    (None for other formats: packed RGBA and the like, which swscale copies)."""
    if not frame.format.name.startswith("yuva") or frame.format.name.endswith("be"):
        return None
    alpha = next(component for component in frame.format.components if component.is_alpha)
    return frame.planes[alpha.plane], alpha.bits, np.uint8 if alpha.bits == 8 else np.uint16


def read_alpha(frame: av.VideoFrame, dtype: type) -> np.ndarray | None:
    """The frame's alpha (H, W) as `dtype` (uint8 0-255 or uint16 0-65535), exactly scaled;
    None if the frame is no planar YUVA."""
    found = _alpha_plane(frame)
    if found is None:
        return None
    plane, bits, stored = found
    codes = np.frombuffer(plane, stored).reshape(plane.height, -1)[:, :plane.width]
    top = np.iinfo(dtype).max
    if stored == dtype and bits == 8 * np.dtype(dtype).itemsize:
        return codes.copy()
    return np.rint(codes * (top / ((1 << bits) - 1))).astype(dtype)


def write_alpha(frame: av.VideoFrame, alpha: np.ndarray) -> bool:
    """Put straight alpha samples (H, W; uint8 or uint16, full scale) into the frame's alpha
    plane, rounded to its bit depth. False (nothing written) if the frame is no planar YUVA."""
    found = _alpha_plane(frame)
    if found is None:
        return False
    plane, bits, stored = found
    scale = ((1 << bits) - 1) / np.iinfo(alpha.dtype).max
    write_plane(plane, alpha if scale == 1 and alpha.dtype == stored else np.rint(alpha * scale),
                stored)
    return True


def write_plane(plane: av.video.plane.VideoPlane, samples: np.ndarray, dtype: type) -> None:
    """Put (H, W) samples, at least the plane's size, into `plane` as `dtype` (each row padded
    to the plane's line size)."""
    rows = np.zeros((plane.height, plane.line_size // np.dtype(dtype).itemsize), dtype)
    rows[:, :plane.width] = samples[:plane.height, :plane.width]
    plane.update(rows)
