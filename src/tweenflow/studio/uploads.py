"""Uploaded images: size-limited, decoded exactly as the CLI decodes files, never trusted."""
from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from tweenflow.errors import InputError
from tweenflow.images import read_image

DEFAULT_MAX_UPLOAD_BYTES = 40 * 1024 * 1024
# A small compressed file can decode to gigabytes; refuse before decoding the pixels.
MAX_PIXELS = 40_000_000


def display_name(filename: str | None, fallback: str) -> str:
    """A name for messages only (never a path): the base name, printable, at most 80 chars."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:80] or fallback


def decode_upload(payload: bytes, name: str, work_file: Path,
                  max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES) -> np.ndarray:
    """uint8 (H, W, 3) RGB from an uploaded file's bytes, decoded by `read_image`.

    The bytes are written to `work_file` (a server-chosen name) so the decoding is the CLI's
    own; messages name the upload by `name`, never by the server path.
    """
    if not payload:
        raise InputError(f"{name}: the file is empty; choose an image (PNG, JPEG, BMP, TIFF or WebP)")
    if len(payload) > max_bytes:
        raise InputError(f"{name} is {len(payload) / 2**20:.1f} MB; the studio accepts images "
                         f"up to {max_bytes / 2**20:.0f} MB")
    _refuse_huge(payload, name)
    work_file.write_bytes(payload)
    try:
        return read_image(work_file)
    except InputError as error:
        raise InputError(str(error).replace(str(work_file), name)) from None


def _refuse_huge(payload: bytes, name: str) -> None:
    try:
        with Image.open(io.BytesIO(payload)) as image:
            width, height = image.size
    except Exception:  # noqa: BLE001 - not for PIL to judge: read_image gives the message
        return
    if width * height > MAX_PIXELS:
        raise InputError(f"{name} is {width}x{height}; the studio accepts images of at most "
                         f"{MAX_PIXELS // 1_000_000} megapixels")
