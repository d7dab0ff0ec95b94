"""Every stream besides the converted picture: audio, other video streams, subtitles, chapters,
attachments and metadata, carried into the output with their times mapped (`schedule.TimeMap`).

`stream_plan.plan_streams` decides, per input stream, copy / convert / stretch / drop (pure,
from stream descriptions and what the output container holds). `CarriedStreams` executes the
plan for the writer: it adds the output streams before the header, then hands over packets in
time order.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from tweenflow.video.audio import TIMESTAMP_SLACK, StretchedAudio
from tweenflow.video.schedule import TimeMap
from tweenflow.video.stream_plan import (TIMECODE_TRACK, StreamAction, describe_streams,
                                         plan_streams, supported_codecs)
from tweenflow.video.timecode import retimed_timecode_tags
from tweenflow.video.vobsub import retime_spu

# Tags that describe the old file (its muxer, its statistics), not its content.
_STALE_TAGS = ("encoder", "major_brand", "minor_version", "compatible_brands", "duration",
               "bps", "number_of_frames", "number_of_bytes", "_statistics_", "vendor_id")
_PACKETS_FOR_START = 64      # enough packets to see past any B-frame reordering
PAST_THE_END = 30            # seconds of input read beyond a --max-frames cut, then stop


def left_out_of_folder(path: Path, video_index: int) -> list[str]:
    """One note per stream of `path` that a folder of PNG frames cannot hold (all but one)."""
    with av.open(os.fspath(path)) as container:
        return [f"left out {stream.describe()}: a folder of PNG frames holds pictures only"
                for stream in describe_streams(container) if stream.index != video_index]


def video_start_and_end(container: av.container.InputContainer, video_index: int,
                        max_frames: int | None) -> tuple[Fraction, Fraction | None]:
    """From the converted stream's packets (no decoding): the first frame's time and, with
    max_frames, the time of frame max_frames (where the cut output ends; None if the input has
    no more frames than that). Times in seconds, as the decoder will report them."""
    stream = container.streams[video_index]
    wanted = (max_frames or 0) + _PACKETS_FOR_START
    times = []
    for packet in container.demux(stream):
        if packet.pts is not None and not packet.is_discard:
            times.append(packet.pts * Fraction(stream.time_base))
            if len(times) >= wanted:
                break
    container.seek(0)
    times.sort()
    if not times:
        return Fraction(0), None
    end = times[max_frames] if max_frames is not None and len(times) > max_frames else None
    return times[0], end


def _fresh_tags(tags: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in tags.items()
            if not key.lower().startswith(_STALE_TAGS)}


class CarriedStreams:
    """The non-converted streams of `path`, carried into a writer's output container.

    Call `add_to` once before anything is muxed, `mux_until(time)` before each video packet,
    `finish` at the end and `close` always.
    """

    def __init__(self, path: Path, video_index: int, actions: list[StreamAction],
                 time_map: TimeMap, slowmo_audio: str = "stretch"):
        self.video_index = video_index
        self.slowmo_audio = slowmo_audio
        self.actions = {action.stream.index: action for action in actions
                        if action.action != "drop"}
        self.time_map = time_map
        self.input = av.open(os.fspath(path))
        self.outputs: dict[int, av.stream.Stream] = {}
        self.stretchers: dict[int, StretchedAudio] = {}
        self.packets = iter(())
        self.pending: list[av.Packet] = []
        # tags to write instead of the input's (the start timecode counted at the new rate)
        self.container_tags: dict[str, str] = {}
        self.video_tags: dict[str, str] = {}

    def add_to(self, output: av.container.OutputContainer, video: av.VideoStream) -> None:
        """Add the output streams (in input order), container tags and chapters; give the
        converted stream `video` the input stream's tags and disposition."""
        output.metadata.update(_fresh_tags(dict(self.input.metadata)))
        output.metadata.update(self.container_tags)
        _copy_tags(self.input.streams[self.video_index], video)
        video.metadata.update(self.video_tags)
        for index, action in sorted(self.actions.items()):
            source = self.input.streams[index]
            if action.action == "copy" and source.type == "attachment":
                target = output.add_attachment(source.metadata.get("filename", f"attachment{index}"),
                                               source.mimetype or "application/octet-stream",
                                               source.data)
            elif action.action == "copy":
                target = output.add_stream_from_template(source)
            elif action.action == "stretch" or source.type == "audio":
                # slowed (time map factor N) or, for a codec the output cannot hold, re-encoded
                # as it is (factor 1: no stretch, no filter but a resampler where the rate changes)
                stretcher = StretchedAudio(source, self.slowmo_audio, self.time_map,
                                           action.target)
                target = stretcher.add_output_stream(output)
                self.stretchers[index] = stretcher
            else:   # convert: text subtitles through FFmpeg's decoder and encoder
                source.codec_context.open()
                target = output.add_stream(action.target)
                target.codec_context.subtitle_header = source.codec_context.subtitle_header
                target.codec_context.time_base = Fraction(1, 1000)
                target.time_base = Fraction(1, 1000)
            _copy_tags(source, target)
            self.outputs[index] = target
        output.set_chapters(self._chapters())
        carried = [self.input.streams[index] for index in self.outputs
                   if self.input.streams[index].type != "attachment"]
        if carried:
            self.packets = self.input.demux(carried)

    def _chapters(self) -> list[dict]:
        chapters = []
        for chapter in self.input.chapters():
            base = Fraction(chapter["time_base"] or Fraction(1, 1000))
            span = self.time_map.span(chapter["start"] * base,
                                      (chapter["end"] - chapter["start"]) * base)
            if span is None:
                continue
            start, duration = span
            out_base = Fraction(1, 1000)
            chapters.append({"id": len(chapters) + 1, "start": round(start / out_base),
                             "end": round((start + duration) / out_base),
                             "time_base": out_base, "metadata": dict(chapter["metadata"])})
        return chapters

    def mux_until(self, output: av.container.OutputContainer, time: Fraction | None) -> None:
        """Mux the carried packets whose output time is before `time` (all if None)."""
        output.start_encoding()     # the header fixes the output streams' time bases
        while True:
            while not self.pending:
                packet = next(self.packets, None)
                if packet is not None and self._far_past_the_end(packet):
                    self.packets, packet = iter(()), None    # the rest of the file is not read
                if packet is None:
                    if time is None:
                        self._flush(output)
                    return
                self.pending = self._output_packets(packet)
            head = self.pending[0]
            if time is not None and head.pts is not None and head.pts * head.time_base >= time:
                return
            output.mux(self.pending.pop(0))

    def _far_past_the_end(self, packet: av.Packet) -> bool:
        """True once the input is read PAST_THE_END beyond the cut: files interleave their
        streams far closer than that, so no carried packet that is still needed comes later."""
        source_time = packet.pts if packet.pts is not None else packet.dts
        return self.time_map.end is not None and source_time is not None \
            and source_time * Fraction(packet.time_base) > self.time_map.end + PAST_THE_END

    def _flush(self, output: av.container.OutputContainer) -> None:
        for index, stretcher in self.stretchers.items():
            for packet in stretcher.flush():
                output.mux(packet)
        self.stretchers = {}

    def _output_packets(self, packet: av.Packet) -> list[av.Packet]:
        index = packet.stream.index
        if index in self.stretchers:
            if packet.dts is None and packet.size == 0:
                return []
            return self.stretchers[index].packets(packet)
        if packet.dts is None and packet.pts is None:        # demux's final flush packet
            return []
        action = self.actions[index]
        target = self.outputs[index]
        if action.stream.codec == "dvd_subtitle" and packet.size:
            packet = self._retimed_spu(packet)
        elif action.action == "convert":
            subtitles = packet.stream.codec_context.decode2(packet)
            if not subtitles or not len(subtitles):      # an empty "clear" event
                return []
            encoded = target.codec_context.encode_subtitle(subtitles)
            encoded.pts, encoded.dts, encoded.duration, encoded.time_base = \
                packet.pts, packet.dts, packet.duration, packet.time_base
            packet = encoded
        return [retimed] if (retimed := self._retimed(packet, target)) is not None else []

    def _retimed_spu(self, packet: av.Packet) -> av.Packet:
        """A VobSub packet whose own show/hide delays are scaled and cut like its time."""
        base = Fraction(packet.time_base)
        longest = None
        if self.time_map.end is not None and packet.pts is not None:
            longest = max(Fraction(0), (self.time_map.end - packet.pts * base)
                          * self.time_map.factor)
        retimed = av.Packet(retime_spu(bytes(packet), self.time_map.factor, longest))
        retimed.pts, retimed.dts, retimed.duration, retimed.time_base = \
            packet.pts, packet.dts, packet.duration, packet.time_base
        retimed.stream = packet.stream
        return retimed

    def _retimed(self, packet: av.Packet, target: av.stream.Stream) -> av.Packet | None:
        """The packet at its output time in `target`'s time base; None if after the cut."""
        base = Fraction(packet.time_base)
        source_pts = packet.pts if packet.pts is not None else packet.dts
        is_subtitle = target.type == "subtitle"
        duration = packet.duration * base if packet.duration else None
        # subtitles are cut at the end; a cut audio or video packet would not decode
        span = self.time_map.span(source_pts * base, duration if is_subtitle else None)
        if span is None:
            return None
        start, _ = span
        out_duration = span[1] if is_subtitle else \
            (duration * self.time_map.factor if duration else None)
        out_base = Fraction(target.time_base)
        dts = packet.dts * base if packet.dts is not None else None
        packet.pts = round(start / out_base)
        packet.dts = round(self.time_map.to_output(self.time_map.slowed_from(dts)) / out_base) \
            if dts is not None else None
        packet.duration = round(out_duration / out_base) if out_duration else 0
        packet.time_base = out_base
        packet.stream = target
        return packet

    def finish(self, output: av.container.OutputContainer) -> None:
        self.mux_until(output, None)

    def close(self) -> None:
        self.input.close()


def _copy_tags(source: av.stream.Stream, target: av.stream.Stream) -> None:
    target.metadata.update(_fresh_tags(dict(source.metadata)))
    target.disposition = source.disposition


@dataclass
class Carrying:
    """What `open_carried` decided: the carrier (also of tags and chapters), one note per
    stream left out or converted, and how the audio went ("copied", "stretched", "slowed",
    "dropped" or "none")."""

    carried: CarriedStreams
    notes: list[str]
    audio: str


def open_carried(path: Path, video_index: int, suffix: str, max_frames: int | None,
                 slowmo: int | None, slowmo_audio: str,
                 rates: tuple[Fraction, Fraction]) -> Carrying:
    """Plan the other streams of the video file `path` for an output of type `suffix` (".mp4",
    ".mov", ".mkv") and open the carrier. video_index: the converted stream's container index;
    slowmo: the slow-motion factor or None; rates: the input's and the output's nominal frame
    rates (where they differ, the start timecode is counted again at the output's)."""
    with av.open(os.fspath(path)) as container:
        described = describe_streams(container)
        rate_in, rate_out = rates
        container_tags, container_notes = retimed_timecode_tags(dict(container.metadata),
                                                             rate_in, rate_out)
        video_tags_in = dict(container.streams[video_index].metadata)
        video_tags, video_notes = retimed_timecode_tags(video_tags_in, rate_in, rate_out)
        start, end = video_start_and_end(container, video_index, max_frames)
        audio_starts = {stream.index: stream.start_time * Fraction(stream.time_base)
                        for stream in container.streams.audio if stream.start_time is not None}
    actions = plan_streams(described, video_index, suffix, supported_codecs(suffix),
                           slowmo is not None, slowmo_audio)
    video_timecode = next((value for key, value in {**video_tags_in, **video_tags}.items()
                           if key.lower() == "timecode"), None)
    notes = [_timecode_note(action, video_timecode, suffix)
             if action.stream.codec == TIMECODE_TRACK and video_timecode else action.note()
             for action in actions]
    notes = [note for note in notes if note]
    for action in actions:
        lead = start - audio_starts.get(action.stream.index, start)
        if action.action == "stretch" and lead > TIMESTAMP_SLACK:
            notes.append(f"{action.stream.describe()}: its first {float(lead):.3f} s, before "
                         f"the first video frame, left out (slow motion starts at that frame)")
    audio_actions = {action.action for action in actions if action.stream.kind == "audio"}
    audio = "none"
    if "stretch" in audio_actions:
        audio = "stretched" if slowmo_audio == "stretch" else "slowed"
    elif "copy" in audio_actions:
        audio = "copied"
    elif "convert" in audio_actions:
        audio = "re-encoded"
    elif audio_actions:
        audio = "dropped"
    carried = CarriedStreams(path, video_index, actions, TimeMap(start, slowmo or 1, end),
                             slowmo_audio)
    carried.container_tags, carried.video_tags = container_tags, video_tags
    notes += video_notes or container_notes      # the same timecode in both: one line
    return Carrying(carried, notes, audio)


def _timecode_note(action: StreamAction, timecode: str, suffix: str) -> str:
    """What becomes of a timecode track whose start the converted video stream's tags hold
    (FFmpeg writes a new track from the tag in MOV/MP4; Matroska keeps it as a tag)."""
    how = "a new timecode track is written from it" if suffix in (".mov", ".mp4") else \
        "as the video stream's TIMECODE tag"
    return f"{action.stream.describe()}: its start timecode {timecode} goes with the video " \
        f"({how})"

