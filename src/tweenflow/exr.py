"""OpenEXR frames (needs the optional `openexr` package: pip install 'tweenflow[exr]').

An EXR holds scene-linear half or float samples with premultiplied alpha (the OpenEXR
convention). tweenflow's frames are float32 0-1 with straight alpha, so reading divides the
colour by alpha and encodes it (scene_linear.encode); writing decodes, multiplies by alpha
and stores each channel in the pixel type it had, with the input's compression and colour
attributes (ExrLayout).
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tweenflow import scene_linear
from tweenflow.errors import InputError, OutputError, TweenflowError
from tweenflow.outputs import discard, publish, temp_file_for

EXR_SUFFIX = ".exr"
MAGIC = b"\x76\x2f\x31\x01"
INSTALL = "pip install 'tweenflow[exr]' (the OpenEXR package)"
RGB, RGBA = ("R", "G", "B"), ("R", "G", "B", "A")
HALF_LARGEST = 65504.0
# Header attributes an in-between keeps from its input: how it is stored and what its
# colours mean. Storage of the file itself (channels, tiles, parts) is set by the writer.
KEPT_ATTRIBUTES = ("compression", "dwaCompressionLevel", "zipCompressionLevel",
                   "dataWindow", "displayWindow", "pixelAspectRatio", "screenWindowCenter",
                   "screenWindowWidth", "chromaticities", "whiteLuminance", "adoptedNeutral")


@dataclass(frozen=True)
class ExrLayout:
    """How an EXR stores its pixels: channel names (R, G, B[, A]), each one's sample type
    (float16 or float32) and the header attributes written again (KEPT_ATTRIBUTES)."""

    channels: tuple[str, ...] = RGB
    types: tuple[np.dtype, ...] = (np.dtype(np.float16),) * 3
    attributes: dict = field(default_factory=dict, compare=False)


def is_exr(path: str | os.PathLike) -> bool:
    """True for a file named .exr or starting with the OpenEXR magic number."""
    path = Path(path)
    if path.suffix.lower() == EXR_SUFFIX:
        return True
    try:
        with open(path, "rb") as source:
            return source.read(4) == MAGIC
    except OSError:
        return False


def _openexr(path: Path, doing: str, error: type[TweenflowError] = InputError):
    """The OpenEXR module; `error` saying what to install if it is missing."""
    try:
        import OpenEXR
    except ImportError:
        raise error(f"{path}: {doing} .exr files needs the OpenEXR package: {INSTALL}") from None
    return OpenEXR


_STDERR_LOCK = threading.Lock()


@contextlib.contextmanager
def _library_messages():
    """Collect what is printed to stderr (file descriptor 2) and to sys.stdout meanwhile into
    two lists instead: on a damaged file the OpenEXR library prints a line to each and returns
    a file with no parts. The caller passes on what was not the library's (other threads')."""
    with _STDERR_LOCK, tempfile.TemporaryFile() as capture, \
            contextlib.redirect_stdout(io.StringIO()) as printed:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        errors: list[str] = []
        outputs: list[str] = []
        try:
            yield errors, outputs
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            errors.extend(capture.read().decode(errors="replace").splitlines(keepends=True))
            outputs.extend(printed.getvalue().splitlines(keepends=True))


def _is_library_message(line: str) -> bool:
    return "EXR_ERR" in line or "Exception raised reading" in line


def _pass_on(lines: list[str], stream) -> list[str]:
    """Write the lines that are not the library's to `stream` as they were (a progress bar's
    carriage returns kept); return the library's, without their line ends."""
    others = "".join(line for line in lines if not _is_library_message(line))
    if others:
        stream.write(others)
        stream.flush()
    return [line.rstrip("\r\n") for line in lines if _is_library_message(line)]


def _open(path: Path, header_only: bool = False):
    """The parsed file of a single-part, flat R, G, B[, A] half/float EXR."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give an image file")
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    OpenEXR = _openexr(path, "reading")
    failure = None
    with _library_messages() as (errors, outputs):
        try:
            exr = OpenEXR.File(os.fspath(path), separate_channels=True, header_only=header_only)
        except Exception as error:  # noqa: BLE001 - the bindings raise RuntimeError and others
            failure = str(error)
    library = _pass_on(errors, sys.stderr) + _pass_on(outputs, sys.stdout)
    if failure is not None:
        raise InputError(f"{path}: not a readable EXR file ({failure})")
    if library or not exr.parts:
        said = library[0].removeprefix(f"{path}: ") if library else "no image in it"
        raise InputError(f"{path}: not a readable EXR file, damaged or cut short ({said})")
    if header_only:
        return exr
    if len(exr.parts) != 1:
        raise InputError(f"{path}: a multi-part EXR ({len(exr.parts)} parts); tweenflow reads "
                         f"single-part R, G, B (and A) files: export that part on its own")
    storage = exr.header().get("type")
    if storage not in (OpenEXR.scanlineimage, OpenEXR.tiledimage):
        raise InputError(f"{path}: deep EXR data; tweenflow reads flat R, G, B (and A) "
                         f"images: flatten it first")
    names = set(exr.channels())
    if names not in (set(RGB), set(RGBA)):
        raise InputError(f"{path}: has channels {', '.join(sorted(names))}; tweenflow reads EXRs "
                         f"with channels R, G, B and optionally A (layers and other channels: "
                         f"export the beauty pass as RGB(A))")
    for name in sorted(names):
        channel = exr.channels()[name]
        if channel.type() not in (OpenEXR.HALF, OpenEXR.FLOAT):
            raise InputError(f"{path}: channel {name} holds {channel.type().name} samples; "
                             f"tweenflow reads half and float EXRs")
        if (channel.xSampling, channel.ySampling) != (1, 1):
            raise InputError(f"{path}: channel {name} is subsampled; tweenflow reads EXRs "
                             f"with every channel at full resolution")
    return exr


def check_same_window(path: str | os.PathLike, layout: ExrLayout,
                      first: str | os.PathLike) -> None:
    """InputError unless the EXR at `path` has the data window of `layout` (read from
    `first`): frames whose pixels start at other places would be compared misaligned."""
    header = _open(Path(path), header_only=True).header()
    window = _window_text(header.get("dataWindow"))
    expected = _window_text(layout.attributes.get("dataWindow"))
    if window != expected:
        raise InputError(f"{path}: its data window is {window} but {first}'s is {expected}; "
                         f"tweenflow needs the same data window on every frame (write them "
                         f"with the same one)")


def _window_text(window) -> str:
    """An EXR window (min and max corners) as "(x0, y0)-(x1, y1)"."""
    if window is None:
        return "none"
    return f"({window[0][0]}, {window[0][1]})-({window[1][0]}, {window[1][1]})"


def read_layout(path: str | os.PathLike) -> ExrLayout:
    """The layout of an EXR file, for writing frames made from it the same way."""
    exr = _open(Path(path))
    channels = RGBA if "A" in exr.channels() else RGB
    types = tuple(np.dtype(exr.channels()[name].pixels.dtype) for name in channels)
    header = exr.header()
    return ExrLayout(channels, types, {name: header[name] for name in KEPT_ATTRIBUTES
                                       if name in header})


def read_exr(path: str | os.PathLike) -> np.ndarray:
    """The scene-linear samples of an EXR: float32 (H, W, 3) RGB or (H, W, 4) RGBA, alpha
    premultiplied as stored. InputError for NaN/inf samples (nothing can move them)."""
    path = Path(path)
    exr = _open(path)
    channels = RGBA if "A" in exr.channels() else RGB
    linear = np.dstack([exr.channels()[name].pixels.astype(np.float32) for name in channels])
    if linear.size == 0:
        raise InputError(f"{path}: holds no pixels")
    bad = np.count_nonzero(~np.isfinite(linear))
    if bad:
        raise InputError(f"{path}: {bad} NaN or infinite samples; tweenflow needs finite "
                         f"values (fix or clamp them in the compositor first)")
    return linear


def to_frame(linear: np.ndarray, path: str | os.PathLike = "the EXR") -> np.ndarray:
    """Scene-linear premultiplied RGB(A) as a frame for the engines: float32 0-1, colour
    encoded (scene_linear.encode), straight alpha. Colour stored where alpha is 0 (an
    additive glow) has no straight value and is dropped."""
    if linear.shape[2] == 3:
        return scene_linear.encode(linear)
    alpha = linear[..., 3:4]
    if alpha.min() < 0.0 or alpha.max() > 1.0:
        raise InputError(f"{path}: alpha from {alpha.min():g} to {alpha.max():g}; tweenflow "
                         f"takes alpha in 0-1 (clamp it first)")
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = np.where(alpha > 0.0, linear[..., :3] / alpha, 0.0)
    return np.concatenate([scene_linear.encode(straight), alpha], axis=2)


def from_frame(frame: np.ndarray, largest: float = HALF_LARGEST) -> np.ndarray:
    """The inverse of to_frame: float32 scene-linear RGB(A), premultiplied."""
    if frame.shape[2] == 3:
        return scene_linear.decode(frame, largest)
    alpha = frame[..., 3:4].astype(np.float32)
    return np.concatenate([scene_linear.decode(frame[..., :3], largest) * alpha, alpha], axis=2)


def read_exr_frame(path: str | os.PathLike) -> np.ndarray:
    """An EXR as a frame for the engines (to_frame): float32 (H, W, 3|4) in 0-1."""
    return to_frame(read_exr(path), path)


def write_exr(path: str | os.PathLike, linear: np.ndarray, layout: ExrLayout) -> None:
    """Scene-linear premultiplied float32 (H, W, 3|4) samples as an EXR laid out as `layout`
    says (channel types, attributes; RGB samples get an opaque A if the layout has one).
    Atomic."""
    path = Path(path)
    OpenEXR = _openexr(path, "writing", OutputError)
    if linear.shape[2] == 3 and "A" in layout.channels:    # an opaque input's A channel
        linear = np.dstack([linear, np.ones(linear.shape[:2], np.float32)])
    names = RGBA if linear.shape[2] == 4 else RGB
    types = dict(zip(layout.channels, layout.types))
    header = dict(layout.attributes)
    header["type"] = OpenEXR.scanlineimage
    height, width = linear.shape[:2]
    origin = header.get("dataWindow", (np.zeros(2, np.int32),))[0]
    header["dataWindow"] = (np.asarray(origin, np.int32),
                            np.asarray(origin, np.int32) + np.array([width - 1, height - 1],
                                                                    np.int32))
    header.setdefault("displayWindow", header["dataWindow"])
    channels = {name: np.ascontiguousarray(linear[..., index].astype(
        types.get(name, np.float16))) for index, name in enumerate(names)}
    temp_name = temp_file_for(path)
    try:
        try:
            OpenEXR.File(header, channels).write(temp_name)
        except Exception as error:  # noqa: BLE001 - the bindings raise RuntimeError and others
            raise OutputError(f"{path}: cannot write the EXR ({error})") from None
        publish(temp_name, path)
    finally:
        discard(temp_name)


def write_exr_frame(path: str | os.PathLike, frame: np.ndarray,
                    layout: ExrLayout | None = None) -> None:
    """A frame for the engines (float32 0-1, as read_exr_frame gives and the engines return)
    written as an EXR: decoded, premultiplied, stored as `layout` says (default: half, ZIP)."""
    if layout is None:
        layout = ExrLayout(RGBA if frame.shape[2] == 4 else RGB,
                           (np.dtype(np.float16),) * frame.shape[2])
    half = np.dtype(np.float16) in layout.types
    write_exr(path, from_frame(frame, HALF_LARGEST if half else
                               float(np.finfo(np.float32).max)), layout)
