"""A small MKV with every kind of stream tweenflow carries, made with PyAV for the stream tests.

25 fps 64x48 H.264 (title, language, forced off), AAC, SRT and ASS subtitles, a VobSub (DVD
bitmap) subtitle, a font attachment, two chapters and container tags. Event times are chosen so
--slowmo and --max-frames change them in checkable ways.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

RATE = 25
FRAMES = 20                                  # 0.8 s
SRT_EVENTS = [(Fraction(1, 10), Fraction(2, 10), "first line"),     # (start s, duration s)
              (Fraction(5, 10), Fraction(6, 10), "crosses the cut at 0.6 s")]
ASS_EVENTS = [(Fraction(2, 10), Fraction(3, 10), "{\\i1}styled{\\i0} line")]
DVD_EVENTS = [(Fraction(3, 10), Fraction(2, 10))]
CHAPTERS = [(Fraction(0), Fraction(4, 10), "Opening"), (Fraction(4, 10), Fraction(8, 10), "Rest")]
FONT_BYTES = b"\x00\x01\x00\x00" + bytes(range(256)) * 4     # a TrueType-tagged blob
ASS_HEADER = ("[Script Info]\nScriptType: v4.00+\nPlayResX: 384\nPlayResY: 288\n\n"
              "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
              "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, "
              "Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, "
              "MarginV, Encoding\nStyle: Default,Demo Sans,16,&Hffffff,&Hffffff,&H0,&H0,0,0,0,"
              "0,100,100,0,0,1,1,0,2,10,10,10,1\n\n[Events]\nFormat: Layer, Start, End, Style, "
              "Name, MarginL, MarginR, MarginV, Effect, Text\n")


def dvd_subtitle_packet(duration: Fraction) -> bytes:
    """A minimal valid VobSub SPU: a 4x2 bitmap in colour 1, shown at once, hidden after
    `duration` (in 1024/90000 s units, as the format counts)."""
    lines = b"\x00\x01" * 2                  # per field: one line, "colour 1 to the line end"
    control = 4 + len(lines)
    first = (b"\x03\x01\x23"                 # palette indices
             b"\x04\xff\xf0"                 # contrast (alpha)
             + bytes([0x05, 0x00, 0x00, 0x03, 0x00, 0x00, 0x01])   # x 0..3, y 0..1
             + b"\x06" + (4).to_bytes(2, "big") + (6).to_bytes(2, "big")   # field offsets
             + b"\x01\xff")                  # start display, end
    second_offset = control + 4 + len(first)
    delay = round(duration * 90000 / 1024)
    second = delay.to_bytes(2, "big") + second_offset.to_bytes(2, "big") + b"\x02\xff"
    body = lines + b"\x00\x00" + second_offset.to_bytes(2, "big") + first + second
    size = 4 + len(body)
    return size.to_bytes(2, "big") + control.to_bytes(2, "big") + body


def write_rich_mkv(path: Path) -> Path:
    with av.open(str(path), "w", format="matroska") as container:
        container.metadata["title"] = "Rich sample"
        container.metadata["comment"] = "made by tests/video/rich_media.py"
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"crf": "18", "preset": "ultrafast"}
        video.metadata.update({"title": "Main picture", "language": "fra"})
        audio = container.add_stream("aac", rate=16000)
        audio.layout = "mono"
        audio.metadata["language"] = "fra"
        srt = container.add_stream("subrip")
        srt.codec_context.subtitle_header = ASS_HEADER.encode()   # the encoder reads ASS
        srt.metadata.update({"language": "eng", "title": "English"})
        ass = container.add_stream("ass")
        ass.codec_context.subtitle_header = ASS_HEADER.encode()
        ass.metadata.update({"language": "deu", "title": "Styled"})
        ass.disposition = av.stream.Disposition.forced
        dvd = container.add_stream("dvdsub")
        dvd.metadata["language"] = "spa"
        container.add_attachment("DemoSans.ttf", "font/ttf", FONT_BYTES)
        container.set_chapters([
            {"id": index + 1, "start": int(start * 1000), "end": int(end * 1000),
             "time_base": Fraction(1, 1000), "metadata": {"title": title}}
            for index, (start, end, title) in enumerate(CHAPTERS)])
        for index in range(FRAMES):
            rgb = np.zeros((48, 64, 3), np.uint8)
            rgb[:, (index * 2) % 64:(index * 2) % 64 + 8] = 200
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        tone = (0.2 * np.sin(np.arange(16000 * FRAMES // RATE) * 2 * np.pi * 440 / 16000))
        for start in range(0, len(tone), 1024):
            chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 1024].astype(np.float32),
                                               format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = 16000, start
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
        for stream, events in ((srt, SRT_EVENTS), (ass, ASS_EVENTS)):
            for order, (start, duration, text) in enumerate(events):
                event = av.subtitles.subtitle.SubtitleSet.create(
                    f"{order},0,Default,,0,0,0,,{text}".encode(), 0,
                    int(duration * 1000), int(start * 1000))
                packet = stream.codec_context.encode_subtitle(event)
                packet.pts = packet.dts = int(start * 1000)
                packet.duration = int(duration * 1000)
                packet.time_base = Fraction(1, 1000)
                packet.stream = stream
                container.mux(packet)
        for start, duration in DVD_EVENTS:
            packet = av.Packet(dvd_subtitle_packet(duration))
            packet.pts = packet.dts = int(start * 1000)
            packet.duration = int(duration * 1000)
            packet.time_base = Fraction(1, 1000)
            packet.stream = dvd
            container.mux(packet)
    return path


def _pgs_segment(kind: int, payload: bytes) -> bytes:
    return bytes([kind]) + len(payload).to_bytes(2, "big") + payload


def pgs_display_set(show: bool, number: int) -> bytes:
    """A PGS (Blu-ray) display set as Matroska stores it: a 4x2 bitmap in palette colour 1 at
    (8, 8) of a 64x48 picture if `show`, else the empty set that clears it."""
    size = (64).to_bytes(2, "big") + (48).to_bytes(2, "big")
    window = b"\x01\x00" + b"".join(value.to_bytes(2, "big") for value in (8, 8, 4, 2))
    objects = b"\x01\x00\x00\x00\x00" + (8).to_bytes(2, "big") + (8).to_bytes(2, "big") \
        if show else b"\x00"
    composition = size + b"\x10" + number.to_bytes(2, "big") + (b"\x80" if show else b"\x00") \
        + b"\x00\x00" + objects
    segments = [_pgs_segment(0x16, composition), _pgs_segment(0x17, window)]
    if show:
        rle = b"\x01\x01\x01\x01\x00\x00" * 2              # two lines of 4 pixels, colour 1
        segments.append(_pgs_segment(0x14, b"\x00\x00" + bytes([1, 235, 128, 128, 255])))
        segments.append(_pgs_segment(0x15, b"\x00\x00\x00\xc0" + (4 + len(rle)).to_bytes(3, "big")
                                     + (4).to_bytes(2, "big") + (2).to_bytes(2, "big") + rle))
    return b"".join(segments) + _pgs_segment(0x80, b"")


PGS_EVENTS = [(Fraction(1, 10), True), (Fraction(3, 10), False)]    # shown 0.1 s - 0.3 s


def write_pgs_mkv(path: Path) -> Path:
    """10 frames at 25 fps (64x48 H.264) with a PGS subtitle stream (no encoder exists in
    FFmpeg: the display sets are written by hand; FFmpeg's decoder reads them)."""
    with av.open(str(path), "w", format="matroska") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        pgs = container.add_mux_stream("hdmv_pgs_subtitle")
        pgs.metadata["language"] = "jpn"
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        for number, (start, show) in enumerate(PGS_EVENTS):
            packet = av.Packet(pgs_display_set(show, number + 1))
            packet.pts = packet.dts = int(start * 1000)
            packet.time_base = Fraction(1, 1000)
            packet.stream = pgs
            container.mux(packet)
    return path
