"""Writing timed RGB(A) frames: a video file (any codec of video/encoding.py, colour tags and
HDR metadata kept, other streams carried) or PNG files. The one video writer: `tweenflow video`
and the short clips of `interpolate -n N -o x.mp4` both use it.

Both write under a temporary name and rename at the end (`close()`), so an interrupted run never
leaves a file that looks finished; `abort()` removes the temporary output.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tweenflow.errors import OutputError
from tweenflow.exr import EXR_SUFFIX, ExrLayout
from tweenflow.images import write_image
from tweenflow.outputs import discard, publish, temp_file_for, temp_folder_for
from tweenflow.video.alpha_plane import write_alpha
from tweenflow.video.encoding import (CODEC_TAGS, LIMITED_RANGE_ONLY, EncoderSettings,
                                     Encoding, encoder_settings)
from tweenflow.video.full_range import full_range_frame
from tweenflow.video.reader import BT709, CONVERSION_FLAGS, FULL_RANGE, LIMITED_RANGE, ColourInfo
from tweenflow.video.streams import CarriedStreams

# What players assume for computer-made RGB: BT.709 matrix, primaries and transfer, limited range.
BT709_COLOUR = ColourInfo(BT709, LIMITED_RANGE, 1, 1)
# PyAV's names for the RGB layouts the writer takes, by (bytes per sample, channels)
_RGB_FORMATS = {(1, 3): "rgb24", (1, 4): "rgba", (2, 3): "rgb48le", (2, 4): "rgba64le"}


class VideoWriter:
    """Frames at exact times in the input's matrix/range/primaries/transfer (and HDR metadata),
    encoded as `settings` says (default: H.264 CRF 18, yuv420p; see video/encoding.py).

    pixel_aspect: the width of a pixel over its height (None: square), as the input's.
    display_matrix: the input's display matrix (9 int32; it may mirror as well as turn),
    written instead of `rotation` if given.
    streams: the input's other streams (audio, subtitles, ...; see video/streams.py), muxed
    interleaved by time with the video.
    `close(duration)` shows the last frame until the output's end rather than for one frame of
    the nominal rate.

    Segments encoded elsewhere: a writer made with keep_packets=True encodes as usual but keeps
    the packets (`packets`, `extradata`) instead of writing a file; the writer of the whole
    output, made with the same settings, takes them with `write_packet`.
    temp_folder: where the file is written until complete (default: beside `path`), on the
    same file system.
    """

    def __init__(self, path: Path, width: int, height: int, time_base: Fraction,
                 rate: Fraction, colour: ColourInfo, rotation: int = 0,
                 streams: CarriedStreams | None = None,
                 settings: EncoderSettings | None = None, keep_packets: bool = False,
                 pixel_aspect: Fraction | None = None, temp_folder: Path | None = None,
                 display_matrix: tuple[int, ...] | None = None):
        self.path = path
        self.packets: list[av.Packet] | None = [] if keep_packets else None
        self.time_base = time_base
        self.settings = settings or encoder_settings(Encoding(), path.suffix.lower(), False,
                                                     False)[0]
        if self.settings.codec.name in LIMITED_RANGE_ONLY:   # full-range input: converted
            colour = dataclasses.replace(colour, color_range=LIMITED_RANGE)
        self.colour = colour
        self.count = 0
        self.waiting: list[av.Packet] = []          # see _mux_video
        self.first_pts: int | None = None
        self.container = None
        self.streams = streams
        self.temp_name = temp_file_for(path, temp_folder)
        self.pixel_aspect = pixel_aspect
        self.display_matrix = display_matrix
        try:
            self._open(width, height, rate, rotation)
        except BaseException:      # includes Ctrl-C: never leave the temporary file behind
            self.abort()
            raise

    def _open(self, width: int, height: int, rate: Fraction, rotation: int) -> None:
        colour, time_base, settings = self.colour, self.time_base, self.settings
        # keep the exact start time (B-frame reordering gives negative dts; mkv would shift)
        self.container = av.open(self.temp_name, "w", options={"avoid_negative_ts": "disabled"})
        stream = self.container.add_stream(settings.codec.encoder,
                                           rate=rate.limit_denominator(1001 * 1000))
        stream.width, stream.height = settings.padded_size(width, height)
        stream.pix_fmt = settings.pix_fmt
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = dict(settings.options)
        context = stream.codec_context
        tag = CODEC_TAGS.get((settings.codec.name, self.path.suffix.lower()))
        if tag:
            context.codec_tag = tag
        context.thread_count = 1  # as in the reader: leave the cores to the engine
        context.colorspace = colour.colorspace
        context.color_range = colour.color_range
        context.color_primaries = colour.color_primaries
        context.color_trc = colour.color_trc
        if self.pixel_aspect:     # anamorphic pixels (DV, DVD, HDV): shown as wide as before
            context.sample_aspect_ratio = self.pixel_aspect
        if self.display_matrix:
            stream.set_display_matrix(self.display_matrix)
        elif rotation:
            stream.set_display_rotation(rotation)
        try:
            # now, not at the first frame (PyAV's default): an encoder refusing the size or
            # format (libx265 under 16 pixels a side) is one line before any work
            context.open()
        except (av.error.FFmpegError, OSError) as error:
            raise OutputError(f"cannot open the {settings.codec.name} encoder "
                              f"({settings.codec.encoder}) for {stream.width}x{stream.height} "
                              f"frames in {settings.pix_fmt}: "
                              f"{getattr(error, 'strerror', None) or error}; use another "
                              f"{{codec}} or {{pix_fmt}}", {"codec": settings.codec.name,
                                                          "pix_fmt": settings.pix_fmt}) from None
        self.stream = stream
        if self.streams is not None:
            self.streams.add_to(self.container, stream)

    def write(self, time: Fraction, rgb: np.ndarray) -> None:
        """rgb: uint8 or uint16 (H, W, 3) RGB or (H, W, 4) RGBA (straight alpha), full range;
        alpha is dropped when the pixel format has none (encoder_settings said so)."""
        frame = self.to_video_frame(rgb)
        frame.pts = int(time / self.time_base)
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            if self.packets is not None:
                self.packets.append(packet)
            else:
                self._mux_video(packet)
        self.count += 1

    def _mux_video(self, packet: av.Packet) -> None:
        """Mux the packets before `packet` that cannot be the last frame's. The last frame's
        packet gets its duration only at `close`, so the packet with the highest time so far
        waits, with those after it in decode order (B-frames: a few)."""
        highest = self.waiting[0].pts if self.waiting else None
        if packet.pts is None or highest is None or packet.pts > highest:
            self._mux_waiting()
        self.waiting.append(packet)
        if packet.pts is not None:
            self.first_pts = packet.pts if self.first_pts is None \
                else min(self.first_pts, packet.pts)

    def _mux_waiting(self) -> None:
        for packet in self.waiting:
            if self.streams is not None and packet.pts is not None:
                self.streams.mux_until(self.container, packet.pts * packet.time_base)
            packet.stream = self.stream
            self.container.mux(packet)
        self.waiting = []

    @property
    def extradata(self) -> bytes | None:
        """The encoder's global headers (H.264 SPS/PPS), known once the stream is open."""
        return self.stream.codec_context.extradata

    def write_packet(self, packet: av.Packet) -> None:
        """Mux one video packet encoded by a keep_packets writer with the same settings."""
        self._mux_video(packet)
        self.count += 1

    def to_video_frame(self, rgb: np.ndarray) -> av.VideoFrame:
        if rgb.shape[2] == 4 and not self.settings.has_alpha:
            rgb = rgb[..., :3]
        # padded() always makes a fresh array: swscale's result depends on the source buffer's
        # alignment (SIMD or not), and np.pad's new array is what the 8-bit writer always
        # converted from (tests/video/test_encoding.py holds it to the same bitstream).
        rgb = padded(rgb, *self.settings.padded_size(rgb.shape[1], rgb.shape[0]))
        # swscale rounds full-range chroma down (a green drift per pass): see full_range.py
        frame = full_range_frame(rgb, self.colour.colorspace, self.settings.pix_fmt,
                                 CONVERSION_FLAGS) \
            if self.colour.color_range == FULL_RANGE else None
        if frame is None:
            layout = _RGB_FORMATS[rgb.dtype.itemsize, rgb.shape[2]]
            frame = av.VideoFrame.from_ndarray(rgb, format=layout)
            frame = frame.reformat(format=self.settings.pix_fmt,
                                   src_colorspace=self.colour.colorspace,
                                   dst_colorspace=self.colour.colorspace,
                                   src_color_range=FULL_RANGE,
                                   dst_color_range=self.colour.color_range,
                                   interpolation=CONVERSION_FLAGS)
            if self.settings.has_alpha:      # swscale moves alpha: see alpha_plane.py
                write_alpha(frame, rgb[..., 3])
        # some encoders (prores_ks) write the frame's tags, not the stream's
        frame.color_primaries = self.colour.color_primaries
        frame.color_trc = self.colour.color_trc
        return frame

    def close(self, duration: Fraction | None = None) -> None:
        """Finish the file and make it visible under its name (keep_packets: only flush the
        encoder into `packets`). duration: how long the output plays from its first frame (s);
        the last frame is shown until then, not for a whole frame of the nominal rate (a 0.1 s
        clip at 2 fps is one frame, 0.1 s long). None: the encoder's frame duration."""
        if self.packets is not None:
            self.packets.extend(self.stream.encode())
            self.abort()
            return
        for packet in self.stream.encode():
            self._mux_video(packet)
        last = self.waiting[0] if self.waiting else None
        if duration is not None and last is not None and last.pts is not None:
            shown = round(duration / last.time_base) - (last.pts - self.first_pts)
            if shown > 0:
                last.duration = shown
        self._mux_waiting()
        if self.streams is not None:
            self.streams.finish(self.container)
            self.streams.close()
        self.container.close()
        publish(self.temp_name, self.path)

    def abort(self) -> None:
        for closable in (self.container, self.streams):
            try:
                if closable is not None:
                    closable.close()
            except (av.error.FFmpegError, ValueError, OSError):
                pass   # already failed; the temp file is removed below
        discard(self.temp_name)


class FolderWriter:
    """Numbered PNGs frame_000001.png ... in a folder, made visible all at once by a rename;
    EXRs frame_000001.exr ... laid out as `exr_layout` says for frames of EXR inputs.

    display_matrix: the input video's (9 int32, FFmpeg's layout). An image has none, so the
    frames are turned (and mirrored) as players show them: a phone's portrait video stores
    landscape pictures."""

    def __init__(self, path: Path, overwrite: bool = False,
                 exr_layout: ExrLayout | None = None,
                 display_matrix: tuple[int, ...] | None = None):
        self.path = path
        self.overwrite = overwrite
        self.exr_layout = exr_layout
        self.suffix = ".png" if exr_layout is None else EXR_SUFFIX
        self.temp_name = temp_folder_for(path)
        self.display_matrix = display_matrix
        self.count = 0

    def write(self, time: Fraction, rgb: np.ndarray) -> None:
        self.count += 1
        write_image(Path(self.temp_name) / f"frame_{self.count:06d}{self.suffix}",
                    as_displayed(rgb, self.display_matrix), self.exr_layout)

    def close(self, duration: Fraction | None = None) -> None:
        publish(self.temp_name, self.path, replace_folder=self.overwrite)

    def abort(self) -> None:
        discard(self.temp_name)


def as_displayed(frame: np.ndarray, display_matrix: tuple[int, ...] | None) -> np.ndarray:
    """The frame as a player shows it under `display_matrix` (quarter turns and mirrors).
    FFmpeg's matrix [a b u; c d v; x y w] takes the stored pixel (column p, row q) to
    (a p + c q, b p + d q), rows counting down."""
    if not display_matrix:
        return frame
    a, b, _, c, d = (round(value / (1 << 16)) for value in display_matrix[:5])
    if a == 0 and d == 0:       # a quarter turn: stored columns become displayed rows
        frame = frame.swapaxes(0, 1)
        flips = (b < 0, c < 0)
    else:
        flips = (d < 0, a < 0)
    for axis, flip in enumerate(flips):
        if flip:
            frame = np.flip(frame, axis)
    return frame


def padded(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """A new array: the frame grown to width x height by repeating its last row/column
    (chroma-subsampled formats need even sides)."""
    grow_h, grow_w = height - frame.shape[0], width - frame.shape[1]
    return np.pad(frame, ((0, grow_h), (0, grow_w), (0, 0)), mode="edge")

