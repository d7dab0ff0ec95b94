"""Small EXR files for the tests, written with the OpenEXR package itself."""
from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import texture

OpenEXR = pytest.importorskip("OpenEXR")


def write_exr_file(path, linear: np.ndarray, dtype=np.float16, channels="RGBA",
                   compression=None, **attributes) -> None:
    """(H, W, C) samples as an EXR with the given channel names (in order), one sample type,
    ZIP unless told."""
    header = {"type": OpenEXR.scanlineimage,
              "compression": compression or OpenEXR.ZIP_COMPRESSION, **attributes}
    planes = {name: np.ascontiguousarray(linear[..., index].astype(dtype))
              for index, name in enumerate(channels[:linear.shape[2]])}
    OpenEXR.File(header, planes).write(str(path))


def read_exr_file(path):
    """(samples (H, W, C) in R, G, B[, A] order as stored, {channel: dtype}, header)."""
    exr = OpenEXR.File(str(path), separate_channels=True)
    channels = exr.channels()
    names = [name for name in "RGBA" if name in channels]
    return (np.dstack([channels[name].pixels for name in names]),
            {name: channels[name].pixels.dtype for name in channels}, exr.header())


def hdr_texture(height: int, width: int, seed: int = 0, peak: float = 8.0,
                margin: int = 0) -> np.ndarray:
    """Scene-linear RGB float32 (H, W, 3): a smooth texture spread over 0-peak (most of it
    below 1, as a graded plate is, its brightest spots near `peak`), plus a little below 0."""
    display = texture(height + 2 * margin, width + 2 * margin, seed).astype(np.float32) / 255
    return display ** 3 * peak - 0.01
