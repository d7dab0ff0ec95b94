"""One segment of a video, run anywhere: its packets in, its encoded frames out.

The task carries everything a worker needs (plain, picklable values: no open files, no paths
that must exist where it runs); the output is a small MP4 of the segment's frames at their
global times, encoded as the one-piece writer encodes (packets, not a file: the driver muxes
the segments once), plus the counts for the summary.
"""
from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable

from tweenflow.engines.alpha import checked
from tweenflow.engines.base import Engine, Runtime, create_engine
from tweenflow.errors import InputError
from tweenflow.jobs.plan import Segment
from tweenflow.video.packets import Packet, PacketWindow, decode_window, plain_packet
from tweenflow.video.pipeline import VideoResult, render_span
from tweenflow.video.encoding import CONTAINERS, EncoderSettings
from tweenflow.video.reader import VideoInfo
from tweenflow.video.schedule import Retime
from tweenflow.video.stages import run_threaded
from tweenflow.video.writer import VideoWriter


@dataclass(frozen=True)
class EngineSpec:
    """How to build the engine, wherever the segment runs."""

    name: str
    scale: float = 1.0
    runtime: Runtime = field(default_factory=Runtime)
    options: tuple[tuple[str, Any], ...] = ()     # extra create_engine options, e.g. preset

    def create(self, alpha: bool = False) -> Engine:
        """The engine, its frames checked against the protocol (ProtocolCheck: a user's
        registered engine breaking it is one EngineError); alpha: for RGBA frames (the colour
        engine plus the alpha channel)."""
        return checked(create_engine(self.name, scale=self.scale, runtime=self.runtime,
                                     **dict(self.options)), alpha)


@dataclass(frozen=True)
class OutputStream:
    """Everything about the output video stream that every segment's encoder must agree on."""

    time_base: Fraction
    rate: Fraction
    settings: EncoderSettings


@dataclass(frozen=True)
class SegmentTask:
    info: VideoInfo
    segment: Segment
    segment_count: int
    start: Fraction                  # time of the video's first frame (output times are global)
    window: PacketWindow
    window_times: tuple[Fraction, Fraction]   # first and last input frame it must decode
    expected_frames: int             # input frames in window_times (all must decode)
    retime: Retime
    scene_cut_threshold: float | None
    held_threshold: float | None     # dedup (see video.dedup); None: off
    output: OutputStream
    engine: EngineSpec


@dataclass
class SegmentOutput:
    number: int
    packets: list[Packet]            # the segment's encoded video, in decode order
    extradata: bytes | None          # the encoder's global headers (must match across segments)
    time_base: Fraction              # of the packets' pts/dts
    frames_in: int = 0
    frames_out: int = 0
    interpolated: int = 0
    scene_cuts: int = 0
    duplicates_dropped: int = 0
    input_end: Fraction = Fraction(0)       # for the last segment: the input's end time
    duration_out: Fraction = Fraction(0)    # for the last segment: the output's duration
    worker: str = "local"                   # where it ran (a Ray node id, or "local")
    pid: int = 0                            # the process that ran it
    peak_rss: int = 0                       # that process's peak resident memory (bytes) so far
    # where the time went (s): building the engine first (a worker's first segment), the
    # segment itself (decode, render, encode) and that process's CPU time meanwhile (all
    # threads); round_trip: from the runner handing it out to its output being back
    setup_seconds: float = 0.0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    round_trip_seconds: float = 0.0


def run_segment(task: SegmentTask, engine: Engine,
                on_frame: Callable[[], None] | None = None) -> SegmentOutput:
    """Decode the task's window, render the segment's outputs, encode them to packets; the
    three run concurrently as in the one-piece pipeline (bounded queues between them)."""
    segment = task.segment
    result = VideoResult()
    started, cpu_started = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="tweenflow-segment-") as folder:
        # Matroska holds every codec of the table but DNxHR (an MP4 refused ProRes: a
        # traceback); the packets are kept, not muxed, so the container is only for opening
        suffix = ".mkv" if task.output.settings.codec.name in CONTAINERS[".mkv"] else ".mov"
        path = Path(folder) / f"segment_{segment.number:05d}{suffix}"
        info = task.info
        writer = VideoWriter(path, info.width, info.height, task.output.time_base,
                             task.output.rate, info.colour, info.rotation,
                             settings=task.output.settings, keep_packets=True,
                             pixel_aspect=info.pixel_aspect)
        def encode(produced: Iterable[tuple[Fraction, Any]]) -> None:
            for when, rgb in produced:
                writer.write(when, rgb)
                if on_frame is not None:
                    on_frame()

        try:
            run_threaded(lambda: _window_frames(task), encode,
                         lambda decoded: render_span(
                             decoded, task.retime, engine, task.scene_cut_threshold,
                             task.held_threshold, info, task.start, segment.begin, segment.end,
                             result))
            writer.close()
        except BaseException:
            writer.abort()
            raise
        packets = [plain_packet(packet) for packet in writer.packets or []]
        extradata, time_base = writer.extradata, Fraction(writer.stream.time_base)
    if result.frames_out == 0:
        raise InputError(f"{info.path}: {segment.describe(task.segment_count)} made no frames")
    return SegmentOutput(segment.number, packets, extradata, time_base, result.frames_in,
                         result.frames_out,
                         result.interpolated, result.scene_cuts, result.duplicates_dropped,
                         result.input_end, result.duration_out, pid=os.getpid(),
                         peak_rss=peak_rss(), seconds=time.perf_counter() - started,
                         cpu_seconds=time.process_time() - cpu_started)


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (shared pages it touched, such as
    Ray's object store, included)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024     # KiB on Linux


def _window_frames(task: SegmentTask):
    """The decoded frames of the window (dropping those decoded only to reach it), checking
    that none is missing."""
    low, high = task.window_times
    count = 0
    for frame in decode_window(task.info, task.window, keep=(low, high)):
        if low <= frame.time <= high:
            count += 1
            yield frame
    if count != task.expected_frames:
        raise InputError(f"{task.info.path}: truncated or corrupt: decoded {count} of the "
                         f"{task.expected_frames} frames of "
                         f"{task.segment.describe(task.segment_count)}")
