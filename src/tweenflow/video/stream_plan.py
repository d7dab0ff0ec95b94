"""What becomes of each input stream besides the converted picture: copy, convert, stretch or
drop, decided from stream descriptions and what the output container holds (`plan_streams`,
pure); streams.CarriedStreams executes the plan.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import av

from tweenflow.errors import Note
from tweenflow.video.audio import output_codec

TEXT_SUBTITLES = {"mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text"}
OUTPUT_FORMATS = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska", ".webm": "webm"}


@dataclass(frozen=True)
class StreamInfo:
    """An input stream as the plan sees it. codec: FFmpeg's codec name (e.g. "aac",
    "hdmv_pgs_subtitle"); muxer_codec: the name output formats list (e.g. "pgssub")."""

    index: int
    kind: str                   # "video", "audio", "subtitle", "attachment", "data"
    codec: str
    muxer_codec: str
    language: str = ""
    cover_art: bool = False     # a video stream holding one still (attached picture)
    channels: int = 0           # audio: its channel count

    def describe(self) -> str:
        language = f", {self.language}" if self.language and self.language != "und" else ""
        return f"stream #{self.index} ({self.kind} {self.codec}{language})"


@dataclass(frozen=True)
class StreamAction:
    """What happens to one input stream: "copy" (packets as they are, retimed), "convert" (text
    subtitles or audio the output cannot hold re-encoded as `target`), "stretch" (slow-motion
    audio re-encoded as `target`) or "drop" (with `reason`)."""

    stream: StreamInfo
    action: str
    target: str | None = None
    reason: str = ""

    def note(self) -> Note | None:
        reason = self.reason if isinstance(self.reason, Note) else Note(self.reason)
        if self.action == "drop":
            return reason.prefixed(f"left out {self.stream.describe()}: ")
        if self.action == "convert":
            return reason.prefixed(f"{self.stream.describe()} converted to {self.target}: ")
        return None


UNKNOWN_CODEC = "unknown"       # (FFmpeg has no codec of that name)
TIMECODE_TRACK = "timecode"     # a data stream holding a start timecode (MOV/MP4 'tmcd')


def plan_streams(streams: list[StreamInfo], video_index: int, suffix: str,
                 supported: set[str], slowmo: bool, slowmo_audio: str) -> list[StreamAction]:
    """The action for every input stream except the converted video stream (`video_index`).

    suffix: the output's (".mp4", ".mov", ".mkv"); supported: codec names its muxer holds.
    """
    actions = []
    for stream in streams:
        if stream.index == video_index:
            continue
        fits = stream.muxer_codec in supported or stream.codec in supported
        cannot_hold = f"{suffix} cannot hold {stream.codec}"
        if stream.codec == TIMECODE_TRACK:
            action = StreamAction(stream, "drop", reason="timecode tracks are not copied")
        elif stream.codec == UNKNOWN_CODEC:
            action = StreamAction(stream, "drop", reason="this FFmpeg does not know its codec")
        elif stream.kind == "video":
            if slowmo and not stream.cover_art:
                action = StreamAction(stream, "drop", reason=Note(
                    "only the converted video stream ({stream}) is slowed down; this one "
                    "would be out of sync", {"stream": None}))
            else:
                action = StreamAction(stream, "copy") if fits else \
                    StreamAction(stream, "drop", reason=cannot_hold)
        elif stream.kind == "audio":
            encoder = output_codec(supported, stream.channels)
            if slowmo and slowmo_audio == "drop":
                action = StreamAction(stream, "drop", reason=Note("{slowmo_audio=}",
                                                                  {"slowmo_audio": "drop"}))
            elif (slowmo or not fits) and encoder is None:
                many = output_codec(supported) is not None
                action = StreamAction(stream, "drop", reason=(
                    f"no audio encoder for {suffix} takes {stream.channels} channels (Opus "
                    "does: write .mkv or .webm)") if many else f"no audio encoder for {suffix}")
            elif slowmo:
                action = StreamAction(stream, "stretch", target=encoder)
            else:
                action = StreamAction(stream, "copy") if fits else \
                    StreamAction(stream, "convert", target=encoder,
                                 reason=f"{suffix} cannot hold {stream.codec}")
        elif stream.kind == "subtitle":
            if fits:
                action = StreamAction(stream, "copy")
            elif stream.codec in TEXT_SUBTITLES:
                target = _text_subtitle_codec(stream.codec, supported)
                action = StreamAction(stream, "convert", target=target,
                                      reason=f"{suffix} holds {target}, not {stream.codec}") \
                    if target else StreamAction(stream, "drop", reason=cannot_hold)
            else:
                action = StreamAction(stream, "drop", reason=f"{suffix} cannot hold bitmap "
                                      f"subtitles ({stream.codec}); write .mkv to keep them")
        elif stream.kind == "attachment":
            action = StreamAction(stream, "copy") if suffix == ".mkv" else \
                StreamAction(stream, "drop", reason=f"{suffix} cannot hold attachments; "
                             "write .mkv to keep them")
        else:
            action = StreamAction(stream, "drop", reason=f"{stream.kind} streams are not carried")
        actions.append(action)
    return actions


def _text_subtitle_codec(codec: str, supported: set[str]) -> str | None:
    """The text format to convert to: ASS stays ASS where it can (styles), else SRT, else
    mov_text (MP4, MOV), else WebVTT (WebM)."""
    preferred = ["ass", "subrip", "mov_text", "webvtt"] if codec in ("ass", "ssa") else \
        ["subrip", "mov_text", "ass", "webvtt"]
    return next((name for name in preferred if name in supported), None)


def describe_streams(container: av.container.InputContainer) -> list[StreamInfo]:
    described = []
    for stream in container.streams:
        context = stream.codec_context
        # no context: an attachment, or a codec this FFmpeg does not know
        codec = context.codec.canonical_name if context is not None else \
            (stream.metadata.get("mimetype") or "attachment") \
            if stream.type == "attachment" else \
            TIMECODE_TRACK if stream.type == "data" and "timecode" in stream.metadata \
            else UNKNOWN_CODEC
        muxer_codec = context.codec.name if context is not None else codec
        described.append(StreamInfo(
            stream.index, stream.type, codec, muxer_codec, stream.metadata.get("language", ""),
            bool(stream.disposition & av.stream.Disposition.attached_pic),
            context.channels if stream.type == "audio" and context is not None else 0))
    return described


def supported_codecs(suffix: str) -> set[str]:
    """The codec names the output format for `suffix` can hold."""
    with av.open(io.BytesIO(), "w", format=OUTPUT_FORMATS[suffix]) as probe:
        return set(probe.supported_codecs)
