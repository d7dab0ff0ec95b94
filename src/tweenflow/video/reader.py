"""Reading a video file (PyAV) or a folder of images as timed RGB frames, one at a time."""
from __future__ import annotations

import itertools
import os
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import av
import numpy as np
from av.video.reformatter import Interpolation

from tweenflow import exr
from tweenflow.errors import InputError
from tweenflow.images import IMAGE_SUFFIXES, read_image
from tweenflow.video.alpha_plane import read_alpha
from tweenflow.video.encoding import HdrMetadata, hdr_from_side_data
from tweenflow.video.intermediate import SourceCodec
from tweenflow.video.matroska import cut_short

# Matrix and range when a file does not say: what players assume (SD -> BT.601, HD -> BT.709).
BT601, BT709 = 5, 1
LIMITED_RANGE, FULL_RANGE = 1, 2
_RGB_SAFE_COLORSPACES = {1, 4, 5, 6, 7, 9}
LISTED_END_SLACK = Fraction(1, 2)
# Frames whose interlaced flag decides the scan type: a clip may open with progressive frames
# (a slate, an ad) and be interlaced after, or the reverse; 2 s at 25 fps, a GOP or more.
SCAN_TYPE_FRAMES = 50
NO_TIMESTAMP_HINT = ("(a raw H.264/HEVC stream?); remux it into MP4 or MKV with its frame rate "
                     "first")   # matrices swscale converts (6 = SMPTE170M = 601)
# YUV <-> RGB without swscale's default shortcuts: those round down and lose about 1 level of
# luma per round trip (a visible darkening); with these flags decode + encode is lossless to
# within 0.01 levels on average.
CONVERSION_FLAGS = (Interpolation.BILINEAR | Interpolation.ACCURATE_RND
                    | Interpolation.FULL_CHR_H_INT | Interpolation.FULL_CHR_H_INP)
# The same for 16-bit RGB out, with a bicubic chroma filter: swscale's bilinear one (two taps)
# from vertically subsampled chroma (4:2:0, 4:4:0, NV12, P010) to 16-bit RGB with full chroma
# interpolation puts colours 30-50 levels off (green lost), so every 10-bit HEVC/AV1 input was
# read wrong; bicubic is within 0.2 levels there and equals bilinear on 4:2:2 and 4:4:4.
HIGH_DEPTH_CONVERSION_FLAGS = (Interpolation.BICUBIC | Interpolation.ACCURATE_RND
                               | Interpolation.FULL_CHR_H_INT | Interpolation.FULL_CHR_H_INP)


@dataclass(frozen=True)
class ColourInfo:
    """The input's colour description (FFmpeg enum values), kept for the output."""

    colorspace: int      # matrix: 1 = BT.709, 5/6 = BT.601, 9 = BT.2020
    color_range: int     # 1 = limited (tv), 2 = full (pc)
    color_primaries: int
    color_trc: int


@dataclass(frozen=True)
class VideoInfo:
    """What the pipeline needs to know about an input before decoding it."""

    path: Path
    width: int
    height: int
    time_base: Fraction          # seconds per pts tick
    rate: Fraction               # nominal frame rate (frames/s)
    frame_count: int | None      # as the container says (may be missing)
    colour: ColourInfo
    rotation: int                # degrees counter-clockwise, from the display matrix
    has_audio: bool
    is_folder: bool
    stream_index: int = 0        # the converted video stream's index in the container
    high_depth: bool = False     # more than 8 bits per sample: frames decode as uint16
    alpha: bool = False          # an alpha channel: frames decode as RGBA
    hdr: HdrMetadata = HdrMetadata()
    alpha_in_side_data: bool = False    # VP9 with alpha: the alpha rides in packet side data
    listed_end: Fraction | None = None  # where the container says the stream ends (s), if known
    # (frames flagged interlaced, frames looked at) among the first SCAN_TYPE_FRAMES
    interlaced: tuple[int, int] = (0, 0)
    pixel_aspect: Fraction | None = None  # a pixel's width over its height if not square
    cut_short: bool = False             # Matroska ending inside an element (matroska.cut_short)
    # a folder of OpenEXR images: frames are float32 0-1 (encoded scene-linear, tweenflow.exr),
    # written back as EXRs laid out like the first
    exr_layout: exr.ExrLayout | None = None
    # the display matrix whole (9 int32, FFmpeg's layout; None: none or the identity): it
    # may mirror as well as turn (a selfie camera's), which `rotation` alone drops
    display_matrix: tuple[int, ...] | None = None
    # the video codec as decoded (None for a folder): a ProRes or DNx input is written back so
    source_codec: SourceCodec | None = None

    @property
    def notes(self) -> list[str]:
        """Lines for the user about how this input is taken."""
        notes = []
        flagged, looked_at = self.interlaced
        if flagged:
            how = "is interlaced" if flagged == looked_at else \
                f"is partly interlaced ({flagged} of its first {looked_at} frames)"
            notes.append(f"{self.path.name} {how}: its frames are interpolated as stored, both "
                         f"fields together (combing where things move); deinterlace it first "
                         f"for clean motion")
        if self.cut_short:
            notes.append(f"{self.path.name} is cut short (it ends partway through its last "
                         f"block: a recording that was stopped, or a partial copy); what it "
                         f"holds up to there is converted")
        return notes


@dataclass(frozen=True)
class TimedFrame:
    """A decoded frame: presentation time (s), duration (s, None if unknown), RGB HxWx3 or
    RGBA HxWx4 (straight alpha), uint8, or uint16 for high bit depth inputs, or float32 (0-1,
    encoded scene-linear) for a folder of EXRs."""

    time: Fraction
    duration: Fraction | None
    rgb: np.ndarray


def probe(path: Path, input_fps: Fraction = Fraction(24), stream: int = 0) -> VideoInfo:
    """Describe a video file or an image folder; raise InputError if it cannot be used.
    stream: which video stream to convert, counting video streams only (0 = the first)."""
    if path.is_dir():
        if stream != 0:
            raise InputError(f"{{stream=}}: {path} is a folder of images, which has one "
                             f"picture stream ({{stream}} 0)", {"stream": stream})
        images = image_files(path)
        first = read_image(images[0], keep_depth=True, keep_alpha=True)
        return VideoInfo(path, first.shape[1], first.shape[0], 1 / input_fps, input_fps,
                         len(images), ColourInfo(BT709, LIMITED_RANGE, 1, 1), 0, False, True,
                         high_depth=first.dtype == np.uint16, alpha=first.shape[2] == 4,
                         exr_layout=exr.read_layout(images[0]) if first.dtype == np.float32
                         else None)
    if not path.is_file():
        raise InputError(f"{path}: no such file or folder")
    container = open_video(path)
    try:
        videos = [video for video in container.streams.video   # cover art is no picture stream
                  if not video.disposition & av.stream.Disposition.attached_pic]
        if not videos:
            raise InputError(f"{path}: has no video stream (only a cover picture)")
        if not 0 <= stream < len(videos):
            choices = "0" if len(videos) == 1 else f"0 to {len(videos) - 1}"
            raise InputError(f"{{stream=}}: {path} has {len(videos)} video stream"
                             f"{'s' if len(videos) > 1 else ''} (give {choices})",
                             {"stream": stream})
        stream = videos[stream]
        context = stream.codec_context
        if context is None:       # a codec this FFmpeg does not know (newer than it: VVC, ...)
            raise InputError(f"{path}: this FFmpeg (PyAV {av.__version__}) cannot decode its "
                             f"video stream's codec")
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
        colour = _colour_of(context.colorspace, context.color_range, context.color_primaries,
                            context.color_trc, context.height)
        rotation, hdr, high_depth, alpha = 0, HdrMetadata(), False, False
        matrix = None
        frames = decode(container, stream)
        frame = next(frames, None)      # the display matrix arrives with the frames
        flags = [] if frame is None else [bool(frame.interlaced_frame)]
        # as of the first frame (a stream may change them later: check_size refuses that)
        width, height, pixel_aspect = context.width, context.height, _pixel_aspect(stream)
        try:
            for later in itertools.islice(frames, SCAN_TYPE_FRAMES - 1 if flags else 0):
                flags.append(bool(later.interlaced_frame))
        except av.error.FFmpegError:
            pass        # a damaged frame: read_frames stops there and says so
        if frame is not None:
            rotation = int(frame.rotation or 0)
            matrix = _display_matrix(frame)
            hdr = hdr_from_side_data(frame)
            components = frame.format.components
            high_depth = max(component.bits for component in components) > 8
            # a fully opaque alpha channel (of the first frame) is left out
            alpha = any(component.is_alpha for component in components) and \
                frame.to_ndarray(format="rgba")[..., 3].min() < 255
        return VideoInfo(path, width, height, Fraction(stream.time_base),
                         Fraction(rate), stream.frames or None, colour, rotation,
                         bool(container.streams.audio), False, stream.index, high_depth,
                         alpha, hdr, alpha and _vp9_alpha(stream), _listed_end(stream),
                         (sum(flags), len(flags)), pixel_aspect,
                         "matroska" in container.format.name and cut_short(path),
                         display_matrix=matrix,
                         source_codec=SourceCodec(context.name, context.profile,
                                                  frame.format.name if frame is not None
                                                  else context.pix_fmt or ""))
    except av.error.FFmpegError as error:
        raise InputError(f"{path}: cannot decode the video: {error.strerror or error}") from None
    finally:
        container.close()


def open_video(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(os.fspath(path))
    except av.error.FFmpegError as error:
        raise InputError(f"{path}: not a readable video ({error.strerror or error})") from None
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: has no video stream")
    return container


def image_files(folder: Path) -> list[Path]:
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"{folder}: no images in this folder "
                         f"({', '.join(sorted(IMAGE_SUFFIXES))})")
    return images


def _colour_of(colorspace: int, color_range: int, primaries: int, trc: int,
               height: int) -> ColourInfo:
    colorspace = int(colorspace)
    if colorspace not in _RGB_SAFE_COLORSPACES:
        colorspace = BT709 if height >= 720 else BT601
    color_range = int(color_range) if int(color_range) in (LIMITED_RANGE, FULL_RANGE) \
        else LIMITED_RANGE
    return ColourInfo(colorspace, color_range, int(primaries), int(trc))


def read_frames(info: VideoInfo, max_frames: int | None = None) -> Iterator[TimedFrame]:
    """Yield the frames in presentation order as RGB, converted with the input's own matrix
    and range (not a default), so colours survive the round trip."""
    if info.is_folder:
        step = info.time_base
        for index, image in enumerate(image_files(info.path)[:max_frames]):
            rgb = read_image(image, keep_depth=True, keep_alpha=True)
            if rgb.shape[:2] != (info.height, info.width):
                raise InputError(f"{image} is {rgb.shape[1]}x{rgb.shape[0]} but the first image "
                                 f"is {info.width}x{info.height}; all must have the same size")
            rgb = _like_first(rgb, info, image)
            yield TimedFrame(index * step, step, rgb)
        return
    container = open_video(info.path)
    count = 0
    try:
        stream = container.streams[info.stream_index]
        # One decoder thread: the engine's threads need the cores; a codec thread pool
        # preempting them costs far more than the decoding it speeds up.
        stream.codec_context.thread_count = 1
        for frame in decode(container, stream):
            if max_frames is not None and count >= max_frames:
                break
            if frame.pts is None:
                raise InputError(f"{info.path}: frame {count} has no timestamp "
                                 f"{NO_TIMESTAMP_HINT}")
            duration = frame.duration * info.time_base if frame.duration else None
            check_size(frame, info, frame.pts * info.time_base)
            yield TimedFrame(frame.pts * info.time_base, duration,
                             to_rgb(frame, info.colour, info.high_depth, info.alpha))
            count += 1
    except av.error.FFmpegError as error:
        raise InputError(f"{info.path}: truncated or corrupt after {count} frames "
                         f"({error.strerror or error})") from None
    finally:
        container.close()


def decode(container: av.container.InputContainer, stream: av.video.stream.VideoStream
           ) -> Iterator[av.VideoFrame]:
    """The stream's frames. VP9 with alpha (WebM/MKV "alpha_mode") is decoded by libvpx, which
    reads the alpha layer that FFmpeg's own VP9 decoder ignores."""
    if not _vp9_alpha(stream):
        yield from container.decode(stream)
        return
    context = av.CodecContext.create("libvpx-vp9", "r")
    context.thread_count = 1
    for packet in container.demux(stream):
        yield from context.decode(packet)


IDENTITY_MATRIX = (1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30)


def _display_matrix(frame: av.VideoFrame) -> tuple[int, ...] | None:
    """The frame's display matrix (9 int32, 16.16 fixed point but the last column), None
    without one or for the identity."""
    for side_data in frame.side_data:
        data = bytes(side_data)
        if str(side_data.type).rsplit(".", 1)[-1] == "DISPLAYMATRIX" and len(data) >= 36:
            matrix = struct.unpack("<9i", data[:36])
            return None if matrix == IDENTITY_MATRIX else matrix
    return None


def _pixel_aspect(stream: av.video.stream.VideoStream) -> Fraction | None:
    """The sample aspect ratio of anamorphic video (container's, else the codec's), None for
    square pixels or none given."""
    ratio = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
    return Fraction(ratio) if ratio and ratio > 0 and ratio != 1 else None


def _listed_end(stream: av.video.stream.VideoStream) -> Fraction | None:
    """Where the container says the stream ends (s): Matroska's DURATION tag, or, where the
    frames are counted too (MP4, MOV, AVI), the stream's start and duration. None if unknown
    (MPEG-TS and the like only estimate a duration)."""
    if stream.frames and stream.duration:
        return (Fraction(stream.start_time or 0) + stream.duration) * stream.time_base
    return _matroska_end(stream)


def _matroska_end(stream: av.video.stream.VideoStream) -> Fraction | None:
    """The end of a Matroska track from its DURATION tag ("HH:MM:SS.nnnnnnnnn"; Matroska lists
    no frame count). FFmpeg writes the time the track ends, other muxers its length, which is
    never later: taken as an end time, neither says a complete file is cut short."""
    text = stream.metadata.get("DURATION", "")
    try:
        hours, minutes, seconds = text.split(":")
        return (int(hours) * 3600 + int(minutes) * 60) + Fraction(seconds)
    except ValueError:
        return None


def check_size(frame: av.VideoFrame, info: VideoInfo, time: Fraction) -> None:
    """Refuse a frame of another size than the stream's (a broadcast recording switching
    between SD and HD, clips joined): one picture size per run."""
    if (frame.width, frame.height) != (info.width, info.height):
        raise InputError(f"{info.path}: the picture changes size at {float(time):.3f} s, from "
                         f"{info.width}x{info.height} to {frame.width}x{frame.height}; "
                         f"tweenflow converts one size per run: cut the file there first")


def check_complete(info: VideoInfo, frames: int, end: Fraction) -> None:
    """Refuse a video cut short or damaged so that its demuxer stopped early: `frames` frames
    ending at `end` (s), fewer than the file lists unless they reach the end it lists (an edit
    list hides frames before a cut: `ffmpeg -ss T -c copy`), or, where it lists no count
    (Matroska), ending well before that end (half a second of slack for rounded tags)."""
    reaches_end = info.listed_end is not None and end >= info.listed_end - LISTED_END_SLACK
    if info.frame_count and frames < info.frame_count and not reaches_end:
        raise InputError(f"{info.path}: truncated or damaged: decoded {frames} of the "
                         f"{info.frame_count} frames the file lists")
    if not info.frame_count and info.listed_end is not None and not reaches_end:
        raise InputError(f"{info.path}: truncated or damaged: its frames end at "
                         f"{float(end):.3f} s but the file says the video lasts to "
                         f"{float(info.listed_end):.3f} s")


def _vp9_alpha(stream: av.video.stream.VideoStream) -> bool:
    """VP9 with an alpha layer (Matroska BlockAdditional side data, "alpha_mode" 1)."""
    return stream.codec_context.name == "vp9" and stream.metadata.get("alpha_mode") == "1"


def _like_first(rgb: np.ndarray, info: VideoInfo, image: Path) -> np.ndarray:
    """An image of a folder in the first image's sample format (16-bit and alpha follow it)."""
    if (info.exr_layout is not None) != (rgb.dtype == np.float32):
        raise InputError(f"{image} is {'a display image' if info.exr_layout else 'an EXR'} but "
                         f"the first image is {'an EXR' if info.exr_layout else 'not'}; a folder's "
                         f"images must all be EXRs (scene-linear) or all display images")
    if info.exr_layout is not None:
        exr.check_same_window(image, info.exr_layout, "the first image")
    if info.high_depth and rgb.dtype == np.uint8:
        rgb = rgb.astype(np.uint16) * 257
    elif not info.high_depth and rgb.dtype == np.uint16:
        raise InputError(f"{image} has 16-bit samples but the first image has 8; all images "
                         f"of a folder must have the same bit depth")
    if info.alpha and rgb.shape[2] == 3:
        opaque = 1.0 if rgb.dtype == np.float32 else np.iinfo(rgb.dtype).max
        rgb = np.dstack([rgb, np.full(rgb.shape[:2], opaque, rgb.dtype)])
    elif not info.alpha and rgb.shape[2] == 4:
        raise InputError(f"{image} has transparency but the first image is opaque; give the "
                         f"first image an alpha channel too")
    return rgb


def to_rgb(frame: av.VideoFrame, colour: ColourInfo, high_depth: bool = False,
           alpha: bool = False) -> np.ndarray:
    """HxWx3 RGB or HxWx4 RGBA (full range) from a YUV frame, using the given matrix and range:
    uint8, or uint16 (0-65535) for high bit depth."""
    layout = {(False, False): "rgb24", (False, True): "rgba", (True, False): "rgb48le",
              (True, True): "rgba64le"}[high_depth, alpha]
    rgb = frame.reformat(format=layout, src_colorspace=colour.colorspace,
                         dst_colorspace=colour.colorspace,
                         src_color_range=colour.color_range, dst_color_range=FULL_RANGE,
                         interpolation=HIGH_DEPTH_CONVERSION_FLAGS if high_depth
                         else CONVERSION_FLAGS).to_ndarray()
    exact_alpha = read_alpha(frame, rgb.dtype.type) if alpha else None
    if exact_alpha is not None:      # swscale shifts 10-12 bit alpha: see alpha_plane.py
        rgb = rgb if rgb.flags.writeable else rgb.copy()
        rgb[..., 3] = exact_alpha
    return rgb
