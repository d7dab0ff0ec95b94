"""Writing timed RGB frames: an H.264 video (colour tags kept, other streams carried) or PNGs.

Both write under a temporary name and rename at the end (`close()`), so an interrupted run never
leaves a file that looks finished; `abort()` removes the temporary output.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from tweenflow.images import write_image
from tweenflow.outputs import discard, publish, temp_file_for, temp_folder_for
from tweenflow.video.clip import even_sized
from tweenflow.video.reader import CONVERSION_FLAGS, FULL_RANGE, ColourInfo
from tweenflow.video.streams import CarriedStreams

VIDEO_SUFFIXES = {".mp4", ".mkv", ".mov"}


class VideoWriter:
    """H.264 yuv420p in the input's matrix/range/primaries/transfer; frames at exact times.

    streams: the input's other streams (audio, subtitles, ...; see video/streams.py), muxed
    interleaved by time with the video.
    """

    def __init__(self, path: Path, width: int, height: int, time_base: Fraction,
                 rate: Fraction, colour: ColourInfo, rotation: int = 0,
                 streams: CarriedStreams | None = None, crf: int = 18,
                 preset: str = "medium"):
        self.path = path
        self.colour = colour
        self.time_base = time_base
        self.count = 0
        self.container = None
        self.streams = streams
        self.temp_name = temp_file_for(path)
        try:
            self._open(width, height, rate, rotation, crf, preset)
        except BaseException:      # includes Ctrl-C: never leave the temporary file behind
            self.abort()
            raise

    def _open(self, width: int, height: int, rate: Fraction, rotation: int, crf: int,
              preset: str) -> None:
        colour, time_base = self.colour, self.time_base
        # keep the exact start time (B-frame reordering gives negative dts; mkv would shift)
        self.container = av.open(self.temp_name, "w", options={"avoid_negative_ts": "disabled"})
        stream = self.container.add_stream("libx264", rate=rate.limit_denominator(1001 * 1000))
        stream.width, stream.height = width + width % 2, height + height % 2
        stream.pix_fmt = "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        stream.options = {"crf": str(crf), "preset": preset}
        context = stream.codec_context
        context.thread_count = 1  # as in the reader: leave the cores to the engine
        context.colorspace = colour.colorspace
        context.color_range = colour.color_range
        context.color_primaries = colour.color_primaries
        context.color_trc = colour.color_trc
        if rotation:
            stream.set_display_rotation(rotation)
        self.stream = stream
        if self.streams is not None:
            self.streams.add_to(self.container, stream)

    def write(self, time: Fraction, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(even_sized(rgb), format="rgb24")
        frame = frame.reformat(format="yuv420p", src_colorspace=self.colour.colorspace,
                               dst_colorspace=self.colour.colorspace,
                               src_color_range=FULL_RANGE,
                               dst_color_range=self.colour.color_range,
                               interpolation=CONVERSION_FLAGS)
        frame.pts = int(time / self.time_base)
        frame.time_base = self.time_base
        for packet in self.stream.encode(frame):
            if self.streams is not None:
                self.streams.mux_until(self.container, time)
            self.container.mux(packet)
        self.count += 1

    def close(self) -> None:
        """Finish the file and make it visible under its name."""
        for packet in self.stream.encode():
            self.container.mux(packet)
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
    """Numbered PNGs frame_000001.png ... in a folder, made visible all at once by a rename."""

    def __init__(self, path: Path, overwrite: bool = False):
        self.path = path
        self.overwrite = overwrite
        self.temp_name = temp_folder_for(path)
        self.count = 0

    def write(self, time: Fraction, rgb: np.ndarray) -> None:
        self.count += 1
        write_image(Path(self.temp_name) / f"frame_{self.count:06d}.png", rgb)

    def close(self) -> None:
        publish(self.temp_name, self.path, replace_folder=self.overwrite)

    def abort(self) -> None:
        discard(self.temp_name)
