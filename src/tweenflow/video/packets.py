"""Compressed packets of a video stream: an index of its frames, a window of packets that can be
shipped to another process or machine, and decoding such a window back into timed frames.

A segment of a video may start at any frame: its window starts at the keyframe before it (the
frames in between are decoded and dropped by the caller) and ends with the last packet, in
decode order, that a frame of the window needs.
"""
from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import av

from tweenflow.errors import InputError
from tweenflow.video.reader import (NO_TIMESTAMP_HINT, TimedFrame, VideoInfo, check_size,
                                    open_video, to_rgb)


@dataclass(frozen=True)
class FrameIndex:
    """Where the frames of a video stream are, from one pass over its packets (no decoding).

    pts: every frame's pts in presentation order (ticks of time_base); keyframes: the pts of the
    keyframes, ascending; decode_order: every frame's pts in the order the packets are stored.
    """

    time_base: Fraction
    pts: list[int]
    keyframes: list[int]
    decode_order: list[int]
    end: int | None = None      # the latest pts + duration of any packet (None: no durations)

    @property
    def times(self) -> list[Fraction]:
        return [pts * self.time_base for pts in self.pts]

    def keyframe_at_or_before(self, pts: int) -> int:
        """The pts of the last keyframe at or before `pts` (the first frame if none is)."""
        position = bisect.bisect_right(self.keyframes, pts) - 1
        return self.keyframes[position] if position >= 0 else self.decode_order[0]

    def packets_for(self, first: int, last: int) -> tuple[int, int]:
        """Decode-order positions [begin, end] of the packets that decoding the frames with pts
        in [pts[first], pts[last]] needs: from the keyframe before the first to the last
        packet (in decode order) of any frame up to the last one."""
        keyframe = self.keyframe_at_or_before(self.pts[first])
        begin = self.decode_order.index(keyframe)
        limit = self.pts[last]
        end = max(position for position, pts in enumerate(self.decode_order) if pts <= limit)
        return begin, max(begin, end)


@dataclass(frozen=True)
class Packet:
    """One compressed packet as plain values (picklable, no FFmpeg objects)."""

    data: bytes
    pts: int
    dts: int | None
    duration: int
    keyframe: bool


@dataclass(frozen=True)
class PacketWindow:
    """What a decoder elsewhere needs: the codec and the parameters the container gives it
    (extradata; pixel format, bits per pixel and fourcc, without which QuickTime RLE, Ut Video
    and raw video cannot open) and the packets, in decode order, from a keyframe on."""

    codec: str
    extradata: bytes | None
    width: int
    height: int
    time_base: Fraction
    packets: list[Packet]
    pix_fmt: str | None = None
    bits_per_coded_sample: int = 0
    codec_tag: str = ""


def index_frames(info: VideoInfo) -> FrameIndex:
    """Read every packet header of the first video stream (no decoding)."""
    container = open_video(info.path)
    decode_order, keyframes, end, hidden = [], [], None, set()
    try:
        stream = container.streams[info.stream_index]
        for packet in container.demux(stream):
            if packet.size == 0:       # the demuxer's final flush packet
                continue
            if packet.pts is None:
                raise InputError(f"{info.path}: frame {len(decode_order)} has no timestamp "
                                 f"{NO_TIMESTAMP_HINT}")
            decode_order.append(packet.pts)
            if packet.is_discard:      # before the cut of an edit list: decoders drop it
                hidden.add(packet.pts)
            if packet.duration:
                end = max(end or 0, packet.pts + packet.duration)
            if packet.is_keyframe:
                keyframes.append(packet.pts)
    except av.error.FFmpegError as error:
        raise InputError(f"{info.path}: truncated or corrupt after {len(decode_order)} frames "
                         f"({error.strerror or error})") from None
    finally:
        container.close()
    if keyframes:
        # A stream cut inside a GOP (a .ts recording, a stream): what comes before the first
        # keyframe, and frames shown before it (an open GOP's leading B-frames), refer to
        # pictures that are not there; decoders drop them, so they are no frames of the video.
        # Their packets after the keyframe stay in the decode order: a window reads them as
        # they are stored.
        decode_order = decode_order[decode_order.index(keyframes[0]):]
    shown = [pts for pts in decode_order
             if (not keyframes or pts >= keyframes[0]) and pts not in hidden]
    if not shown:
        raise InputError(f"{info.path}: has no video frames")
    return FrameIndex(info.time_base, sorted(shown), sorted(keyframes), decode_order, end)


def read_window(info: VideoInfo, index: FrameIndex, begin: int, end: int) -> PacketWindow:
    """The packets at decode-order positions begin..end (inclusive) of the first video stream."""
    wanted = index.decode_order[begin:end + 1]
    container = open_video(info.path)
    packets: list[Packet] = []
    try:
        stream = container.streams[info.stream_index]
        context = stream.codec_context
        if begin > 0:   # jump near the keyframe; packets before it are skipped below
            container.seek(wanted[0], stream=stream, backward=True, any_frame=False)
        started = False
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            if not started:
                if packet.pts != wanted[0]:
                    continue
                started = True
            packets.append(plain_packet(packet))
            if len(packets) == len(wanted):
                break
        window = PacketWindow(context.name, context.extradata, context.width, context.height,
                              index.time_base, packets, context.pix_fmt,
                              context.bits_per_coded_sample, context.codec_tag)
    except av.error.FFmpegError as error:
        raise InputError(f"{info.path}: cannot read packets: {error.strerror or error}") from None
    finally:
        container.close()
    if [packet.pts for packet in packets] != wanted:
        raise InputError(f"{info.path}: the packets of frames {begin}-{end} (decode order) "
                         f"could not be read back; the file changed or cannot be seeked")
    return window


def decode_window(info: VideoInfo, window: PacketWindow,
                  keep: tuple[Fraction, Fraction] | None = None) -> Iterator[TimedFrame]:
    """Decode a window's packets into frames in presentation order, converted as
    `reader.read_frames` converts them (the input's matrix and range). keep: only the frames
    with times in [first, last] (the others are decoded, not converted: decoding from a
    keyframe well before a segment costs the decoder's time only)."""
    context = av.CodecContext.create(window.codec, "r")
    if window.extradata:
        context.extradata = window.extradata
    context.width, context.height = window.width, window.height
    if window.pix_fmt:
        context.pix_fmt = window.pix_fmt
    context.bits_per_coded_sample = window.bits_per_coded_sample
    if window.codec_tag:
        context.codec_tag = window.codec_tag
    context.thread_count = 1      # as in reader.read_frames: the cores belong to the engine
    time_base = window.time_base
    decoding = window.packets[0]
    try:
        for decoding in window.packets:
            for frame in context.decode(av_packet(decoding, time_base)):
                if _kept(frame, time_base, keep):
                    yield _timed(frame, time_base, info)
        for frame in context.decode(None):
            if _kept(frame, time_base, keep):
                yield _timed(frame, time_base, info)
    except av.error.FFmpegError as error:
        # the packet being decoded, not the window's first (a keyframe maybe minutes before)
        near = float(decoding.pts * time_base)
        raise InputError(f"{info.path}: corrupt packets near {near:.3f} s "
                         f"({error.strerror or error})") from None


def _kept(frame: av.VideoFrame, time_base: Fraction,
          keep: tuple[Fraction, Fraction] | None) -> bool:
    if keep is None or frame.pts is None:      # no timestamp: _timed says so
        return True
    return keep[0] <= frame.pts * time_base <= keep[1]


def _timed(frame: av.VideoFrame, time_base: Fraction, info: VideoInfo) -> TimedFrame:
    if frame.pts is None:
        raise InputError(f"{info.path}: a decoded frame has no timestamp")
    duration = frame.duration * time_base if frame.duration else None
    check_size(frame, info, frame.pts * time_base)
    return TimedFrame(frame.pts * time_base, duration,
                      to_rgb(frame, info.colour, info.high_depth, info.alpha))


def plain_packet(packet: av.Packet) -> Packet:
    return Packet(bytes(packet), packet.pts, packet.dts, packet.duration or 0,
                  bool(packet.is_keyframe))


def av_packet(item: Packet, time_base: Fraction) -> av.Packet:
    packet = av.Packet(item.data)
    packet.pts, packet.dts, packet.duration = item.pts, item.dts, item.duration
    packet.time_base = time_base
    packet.is_keyframe = item.keyframe
    return packet


def pack(packets: list[Packet]) -> bytes:
    """Packets as one byte string: a JSON line of their fields, then their data."""
    header = [[packet.pts, packet.dts, packet.duration, packet.keyframe, len(packet.data)]
              for packet in packets]
    return json.dumps(header).encode() + b"\n" + b"".join(packet.data for packet in packets)


def unpack(payload: bytes) -> list[Packet]:
    line_end = payload.index(b"\n")
    packets, offset = [], line_end + 1
    for pts, dts, duration, keyframe, size in json.loads(payload[:line_end]):
        packets.append(Packet(payload[offset:offset + size], pts, dts, duration, keyframe))
        offset += size
    if offset != len(payload):
        raise ValueError("packet data does not match its header")
    return packets
