"""Small synthetic videos for the video tests, made with PyAV."""
from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import SHARED_DATA, texture

VIDEOS = SHARED_DATA / "videos"


def moving_frames(count: int, height: int = 64, width: int = 96, step: int = 2,
                  cut_after: int | None = None, repeat: dict[int, int] | None = None
                  ) -> list[np.ndarray]:
    """A texture panning right by `step` px per frame; after frame `cut_after` a different
    texture (a scene cut); repeat={i: k} repeats frame i k extra times (exact duplicates)."""
    scenes = [texture(height, width + step * count, seed) for seed in (1, 2)]
    scenes[1] = (scenes[1] * np.array([1.0, 0.35, 0.2])).astype(np.uint8)   # a reddish shot
    frames = []
    for index in range(count):
        scene = scenes[1] if cut_after is not None and index > cut_after else scenes[0]
        frame = np.ascontiguousarray(scene[:, step * index:step * index + width])
        frames.append(frame)
        frames.extend(frame.copy() for _ in range((repeat or {}).get(index, 0)))
    return frames


def mux_frames(container: av.container.OutputContainer, stream: av.VideoStream,
               frames: list[np.ndarray]) -> None:
    """Encode RGB uint8 frames into `stream`, mux every packet, then flush the encoder."""
    for frame in frames:
        for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)


def write_video(path: Path, frames: list[np.ndarray], rate: Fraction = Fraction(25),
                audio: bool = False, rotation: int = 0, codec: str = "libx264",
                mirrored: bool = False, tags: dict[str, str] | None = None) -> Path:
    """Encode RGB frames (yuv444p for near-lossless content, BT.709 tags), optional AAC tone;
    a display matrix turning by `rotation` (counter-clockwise degrees), then mirroring if
    `mirrored`; `tags` on the video stream (e.g. a start timecode)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv444p" if codec == "libx264" else "yuv420p"
        if codec == "libx264":
            stream.options = {"crf": "0", "preset": "ultrafast"}
        if rotation or mirrored:
            stream.set_display_rotation(rotation, hflip=mirrored)
        stream.metadata.update(tags or {})
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=48000)
            sound.layout = "stereo"
        mux_frames(container, stream, frames)
        if sound is not None:
            seconds = len(frames) / rate
            samples = int(seconds * 48000)
            tone = (0.1 * np.sin(np.arange(samples) * 2 * np.pi * 440 / 48000)).astype(np.float32)
            for start in range(0, samples, 1024):
                chunk = np.stack([tone[start:start + 1024]] * 2)
                audio_frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                                         layout="stereo")
                audio_frame.sample_rate = 48000
                audio_frame.pts = start
                for packet in sound.encode(audio_frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


RGB_LAYOUTS = {(1, 3): "rgb24", (1, 4): "rgba", (2, 3): "rgb48le", (2, 4): "rgba64le"}


def encode_clip(path: Path, frames: list[np.ndarray], encoder: str, pix_fmt: str,
                options: dict | None = None, rate: Fraction = Fraction(24),
                color_range: int = 1, finish=None) -> Path:
    """A clip of RGB(A) frames (uint8 or uint16, full range, straight alpha) converted by
    swscale into `pix_fmt` with the BT.709 matrix and `color_range` (1 limited, 2 full), tagged
    BT.709; finish(video_frame), if given, may change each converted frame's planes before it
    is encoded."""
    layout = RGB_LAYOUTS[frames[0].dtype.itemsize, frames[0].shape[2]]
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = pix_fmt
        stream.options = options or {}
        context = stream.codec_context
        context.colorspace, context.color_range = 1, color_range
        context.color_primaries, context.color_trc = 1, 1
        for frame in frames:
            video_frame = av.VideoFrame.from_ndarray(frame, format=layout).reformat(
                format=pix_fmt, src_colorspace=1, dst_colorspace=1, src_color_range=2,
                dst_color_range=color_range)
            if finish is not None:
                finish(video_frame)
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def plane_samples(frame: av.VideoFrame, index: int) -> np.ndarray:
    """Plane `index` of a decoded planar frame (8-bit, or 9-16 bit little-endian) as an int
    array (H, W), the codes as stored, without the padding of its rows."""
    bits = next(component.bits for component in frame.format.components
                if component.plane == index)
    plane = frame.planes[index]
    return np.frombuffer(plane, np.uint8 if bits == 8 else np.uint16) \
        .reshape(plane.height, -1)[:, :plane.width].astype(int)


def read_video(path: Path) -> tuple[list[Fraction], list[np.ndarray]]:
    """Independent read of the first video stream: (pts in seconds, RGB frames)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        times, frames = [], []
        for frame in container.decode(stream):
            times.append(frame.pts * stream.time_base)
            frames.append(frame.to_ndarray(format="rgb24"))
    return times, frames


@pytest.fixture(scope="session")
def pan_video(tmp_path_factory) -> Path:
    """12 frames at 25 fps, 96x64, with stereo AAC audio."""
    folder = tmp_path_factory.mktemp("videos")
    return write_video(folder / "pan.mp4", moving_frames(12), audio=True)


class _Unseekable(io.RawIOBase):
    """A file PyAV can only write forward, as a live recorder's pipe."""

    def __init__(self, target: io.BufferedIOBase):
        self.target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self.target.write(data)


def live_recording(path: Path, frames: int = 50) -> Path:
    """An MKV written as a live recorder writes it (forward only: no Cues, no Duration, no
    DURATION tags): `frames` H.264 frames at 25 fps (a keyframe every 10) and a mono AAC tone,
    interleaved as they were made."""
    with open(path, "wb") as target, \
            av.open(_Unseekable(target), "w", format="matroska") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 96, 64, "yuv420p"
        video.options = {"preset": "ultrafast", "x264-params": "keyint=10"}
        audio = container.add_stream("aac", rate=48000)
        audio.layout = "mono"
        tone = (0.3 * np.sin(np.arange(frames * 1920 + 1024) * 2 * np.pi * 440 / 48000)
                ).astype(np.float32)
        sample = 0
        for index, rgb in enumerate(moving_frames(frames)):
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            for packet in video.encode(frame):
                container.mux(packet)
            while sample < (index + 1) * 1920:          # the audio of that frame's 40 ms
                chunk = av.AudioFrame.from_ndarray(tone[None, sample:sample + 1024],
                                                   format="flt", layout="mono")
                chunk.sample_rate, chunk.pts = 48000, sample
                for packet in audio.encode(chunk):
                    container.mux(packet)
                sample += 1024
        for stream in (video, audio):
            for packet in stream.encode():
                container.mux(packet)
    return path


def packet_spans(path: Path) -> list[tuple[str, int, int]]:
    """(stream type, byte offset, byte offset of its end) of every packet with a time."""
    with av.open(str(path)) as container:
        return [(packet.stream.type, packet.pos, packet.pos + packet.size)
                for packet in container.demux() if packet.pts is not None]
