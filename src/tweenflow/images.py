"""Reading and writing still images as RGB(A) arrays: uint8, uint16 for 16-bit PNG/TIFF, float32
(0-1, encoded scene-linear: tweenflow.exr) for OpenEXR."""
from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from tweenflow import exr
from tweenflow.errors import InputError, OutputError
from tweenflow.outputs import write_bytes_atomically
from tweenflow.samples import check_float_samples, check_frame, to_dtype

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", exr.EXR_SUFFIX}
HIGH_DEPTH_SUFFIXES = {".png", ".tif", ".tiff"}          # formats that store 16-bit samples
ALPHA_SUFFIXES = {".png", ".tif", ".tiff", ".webp", exr.EXR_SUFFIX}   # formats that store alpha
EXIF_ORIENTATION = 0x0112
WEBP_MAX_SIDE = 16383                                     # the WebP format's limit


def read_image(path: str | os.PathLike, *, keep_depth: bool = False,
               keep_alpha: bool = False) -> np.ndarray:
    """Read an image file as (H, W, 3) RGB, or (H, W, 4) RGBA with `keep_alpha`.

    The picture is turned as its EXIF orientation says (JPEG, PNG, WebP; TIFF's own tag), as
    image viewers show it. Samples: uint8; with `keep_depth` a 16-bit PNG/TIFF gives uint16 (0-65535). Grayscale is
    expanded to three equal channels. A fully opaque alpha channel is always dropped; one with
    transparency is kept (straight, not premultiplied) with `keep_alpha` and refused otherwise.
    16-bit images without `keep_depth`, and float images, are refused.

    OpenEXR files (with `keep_depth`; needs tweenflow[exr]) give float32 frames in 0-1: their
    scene-linear colour encoded for the engines and alpha made straight
    (tweenflow.exr.read_exr_frame); write_image to .exr undoes both.
    """
    path = Path(path)
    if exr.is_exr(path) and path.is_file():
        return _read_exr_image(path, keep_depth, keep_alpha)
    if path.is_dir():
        raise InputError(f"{path} is a folder; give an image file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = np.fromfile(path, dtype=np.uint8)  # imdecode handles non-ASCII paths, imread not always
    # IMREAD_UNCHANGED keeps alpha and 16 bits but, unlike the other modes, leaves the EXIF
    # orientation unapplied (except TIFF's tag): phone photos would come out lying on their side
    try:
        image, kinds, blobs = (cv2.imdecodeWithMetadata(data, cv2.IMREAD_UNCHANGED) if data.size
                               else (None, (), ()))
    except cv2.error as error:     # OpenCV raises, not returns None, for some files
        reason = ("more than 2^30 pixels, the most OpenCV decodes"
                  if "MAX_IMAGE_PIXELS" in str(error) else error.err)
        raise InputError(f"{path}: not a readable image ({reason})") from None
    if image is None or image.size == 0:
        raise InputError(f"{path}: not a readable image (PNG, JPEG, BMP, TIFF or WebP)")
    for kind, blob in zip(kinds, blobs):
        if kind == cv2.IMAGE_METADATA_EXIF:
            image = oriented(image, exif_orientation(blob.tobytes()))
    if image.dtype == np.uint16 and not keep_depth:
        raise InputError(f"{path}: 16-bit samples; this reads 8-bit images only, convert it to "
                         f"8-bit first")
    if image.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{path}: {image.dtype} samples; tweenflow reads 8- and 16-bit images, "
                         f"convert it first")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    channels = image.shape[2]
    if channels == 4:
        if image[..., 3].min() == np.iinfo(image.dtype).max:
            return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
        if not keep_alpha:
            raise InputError(f"{path}: has transparency (alpha channel); tweenflow interpolates "
                             f"opaque images only here, flatten it onto a background first")
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    if channels == 1:
        return cv2.cvtColor(image[..., 0], cv2.COLOR_GRAY2RGB)
    if channels == 2:     # gray + alpha
        gray, alpha = image[..., 0], image[..., 1]
        rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB)
        if alpha.min() == np.iinfo(image.dtype).max:
            return rgb
        if not keep_alpha:
            raise InputError(f"{path}: has transparency (alpha channel); flatten it first")
        return np.dstack([rgb, alpha])
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_exr_image(path: Path, keep_depth: bool, keep_alpha: bool) -> np.ndarray:
    if not keep_depth:
        raise InputError(f"{path}: an OpenEXR (scene-linear float) image; this reads 8-bit "
                         f"images only, convert it to 8-bit first")
    frame = exr.read_exr_frame(path)
    if frame.shape[2] == 4 and frame[..., 3].min() == 1.0:
        return np.ascontiguousarray(frame[..., :3])
    if frame.shape[2] == 4 and not keep_alpha:
        raise InputError(f"{path}: has transparency (alpha channel); tweenflow interpolates "
                         f"opaque images only here, flatten it onto a background first")
    return frame


def exif_orientation(exif: bytes) -> int:
    """The orientation (1-8) an EXIF block gives; 1 (as stored) if it gives none or cannot be
    read, which is what image viewers show then."""
    parsed = Image.Exif()
    with warnings.catch_warnings():   # Pillow warns on every truncated entry
        warnings.simplefilter("ignore")
        try:
            parsed.load(exif)
        except SyntaxError:           # not a TIFF structure at all
            return 1
    orientation = parsed.get(EXIF_ORIENTATION, 1)
    return orientation if orientation in range(1, 9) else 1


def oriented(image: np.ndarray, orientation: int) -> np.ndarray:
    """`image` (H, W) or (H, W, C) turned as EXIF orientation 1-8 says it is to be shown."""
    if orientation in (5, 6, 7, 8):                 # stored on its side
        image = np.swapaxes(image, 0, 1)            # 5: transposed
        image = {6: image[:, ::-1], 7: image[::-1, ::-1], 8: image[::-1]}.get(orientation, image)
    else:
        image = {2: image[:, ::-1], 3: image[::-1, ::-1], 4: image[::-1]}.get(orientation, image)
    return np.ascontiguousarray(image)


def write_image(path: str | os.PathLike, frame: np.ndarray,
                exr_layout: exr.ExrLayout | None = None) -> None:
    """Write a uint8, uint16 or float32 (0-1) (H, W, 3) RGB or (H, W, 4) RGBA frame; the
    format follows the suffix (16-bit: PNG/TIFF; alpha: PNG/TIFF/WebP/EXR). float32 frames (what
    `interpolate` returns for float32 inputs) are written as 16-bit PNG/TIFF, 8-bit in the
    other formats. To .exr only float32 frames read from EXRs (or interpolated from them) are
    written: decoded back to scene-linear (tweenflow.exr.write_exr_frame), stored as
    `exr_layout` says (the input's: read with tweenflow.exr.read_layout; default half, ZIP).
    Atomic (temp + rename)."""
    path = Path(path)
    suffix = path.suffix.lower()
    check_frame(frame, "the frame to write")
    check_float_samples(frame, "the frame to write")
    if suffix not in IMAGE_SUFFIXES:
        raise OutputError(f"{path}: unknown image type {suffix or '(no suffix)'}; use one of "
                          f"{', '.join(sorted(IMAGE_SUFFIXES))}")
    if suffix == exr.EXR_SUFFIX:
        if frame.dtype != np.float32:
            raise OutputError(f"{path}: .exr holds scene-linear frames and these are "
                              f"{frame.dtype} display samples; use .png or .tiff")
        exr.write_exr_frame(path, frame, exr_layout)
        return
    if frame.dtype == np.float32:
        frame = to_dtype(frame, np.uint16 if suffix in HIGH_DEPTH_SUFFIXES else np.uint8)
    if frame.dtype == np.uint16 and suffix not in HIGH_DEPTH_SUFFIXES:
        raise OutputError(f"{path}: {suffix} stores 8-bit samples and these frames have 16; "
                          f"use .png or .tiff")
    if frame.shape[2] == 4 and suffix not in ALPHA_SUFFIXES:
        raise OutputError(f"{path}: {suffix} has no alpha channel and these frames are "
                          f"transparent; use .png, .tiff or .webp")
    conversion = cv2.COLOR_RGBA2BGRA if frame.shape[2] == 4 else cv2.COLOR_RGB2BGR
    ok, encoded = cv2.imencode(suffix, cv2.cvtColor(frame, conversion))
    if not ok:
        raise OutputError(f"{path}: could not encode the image")
    write_bytes_atomically(path, encoded.tobytes())
