"""Reading and writing still images as uint8 RGB arrays."""
from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from tweenflow.errors import InputError, OutputError
from tweenflow.outputs import write_bytes_atomically

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as uint8 (H, W, 3) RGB.

    Grayscale is expanded to three equal channels. An alpha channel is dropped when it is fully
    opaque and refused otherwise (interpolating transparency is not supported). 16-bit and
    float images are refused.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = np.fromfile(path, dtype=np.uint8)  # imdecode handles non-ASCII paths, imread not always
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:
        raise InputError(f"{path}: not a readable image (PNG, JPEG, BMP, TIFF or WebP)")
    if image.dtype != np.uint8:
        raise InputError(f"{path}: {image.dtype} samples; tweenflow reads 8-bit images only, "
                         f"convert it to 8-bit first")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    channels = image.shape[2]
    if channels == 4:
        if image[..., 3].min() < 255:
            raise InputError(f"{path}: has transparency (alpha channel); tweenflow interpolates "
                             f"opaque images only, flatten it onto a background first")
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    if channels == 1:
        return cv2.cvtColor(image[..., 0], cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def write_image(path: str | os.PathLike, frame: np.ndarray) -> None:
    """Write a uint8 (H, W, 3) RGB frame; the format follows the suffix. Atomic (temp + rename)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise OutputError(f"{path}: unknown image type {suffix or '(no suffix)'}; use one of "
                          f"{', '.join(sorted(IMAGE_SUFFIXES))}")
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OutputError(f"{path}: could not encode the image")
    write_bytes_atomically(path, encoded.tobytes())

