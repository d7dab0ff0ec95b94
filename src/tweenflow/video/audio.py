"""Slow-motion audio: an audio stream made N times longer.

Two ways, as `--slowmo-audio` names them:
- "stretch": the pitch kept, in one pass straight to N times the length (video/stretch.py:
  harmonic-percussive split, each part stretched by WSOLA with its own window);
- "pitch":   played N times slower like a tape, with FFmpeg's filters through PyAV: resampled to
  N times the rate and relabelled as the original rate (`aresample`, `asetrate`; both exact for
  a whole N), so the pitch drops.

Output timestamps are counted in samples from the first frame's mapped time, never taken from a
stretcher, so the stream cannot drift against the video: sample k of the output plays at
`time_map.to_output(first input time) + k / rate` (+ the stretch's lag, below).

WSOLA's overlapping windows make a sound start a little earlier than N times its input time (a
few ms, up to about 35 ms at N = 8; the same all along the file). `stretch_lag` measures that
offset once per factor and sample rate on a click train and the output is placed that much
later, so clicks land on their frames (tests/video/test_audio.py).
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Iterator

import av
import numpy as np

from tweenflow.video.schedule import TimeMap
from tweenflow.video.stretch import TimeStretch
from tweenflow.video.wsola import Wsola

SLOWMO_AUDIO_MODES = ("drop", "stretch", "pitch")
# Encoders for audio that is made anew, in order of preference: AAC (.mp4, .mov, .mkv), Opus
# (.webm; it only takes 48 kHz here, so the filter chain ends with a resampler).
OUTPUT_CODECS = ("aac", "libopus")
OPUS_RATE = 48000
# The most channels the encoders give positions to (AAC's and Opus's 7.1); AAC takes no more.
MAX_POSITIONED_CHANNELS = 8
# How far after the end of the samples before it an audio frame may start (container rounding:
# MKV and FLV keep whole ms) before the time between counts as a gap, filled with silence.
TIMESTAMP_SLACK = Fraction(2, 1000)
# The most libopus takes (AAC clamps itself lower): a lossless input's rate (PCM: 768 kb/s per
# channel at 48 kHz) is no rate for a lossy encoder.
MAX_BIT_RATE_PER_CHANNEL = 256_000


def output_codec(supported: set[str], channels: int = 2) -> str | None:
    """The encoder for new audio of `channels` channels in a container holding `supported`
    codecs (None: none fits). AAC takes at most 8 channels; Opus takes up to 255."""
    usable = OUTPUT_CODECS if channels <= MAX_POSITIONED_CHANNELS else ("libopus",)
    return next((codec for codec in usable if codec in supported), None)


# FFmpeg's default layout per channel count (av_channel_layout_default), for streams that give
# only a count ("2 channels": PCM in AVI, MKV or WAV), which the encoders refuse; ffmpeg's own
# command line makes the same guess.
DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "4.0", 5: "5.0", 6: "5.1", 7: "6.1",
                   8: "7.1"}


def named_layout(layout: av.AudioLayout) -> str:
    """The layout's name, or FFmpeg's default for its channel count if it names no channels."""
    if all(channel.name == "NONE" for channel in layout.channels):
        return DEFAULT_LAYOUTS.get(len(layout.channels), layout.name)
    return layout.name


# The layouts libopus encodes as surround (mapping family 1, the Vorbis channel orders); it
# refuses any other (FFmpeg trac #5718: 5.1(side), the usual 5.1 of AC-3 and DTS, among them).
OPUS_LAYOUTS = ("mono", "stereo", "3.0", "quad", "5.0", "5.1", "6.1", "7.1")
# Opus's surround layouts have side or back channels, seldom both: a layout's side pair plays
# as the back pair where there is no back pair (FFmpeg's resampler maps them so, gain 1).
_SIDE_AS_BACK = {"SL": "BL", "SR": "BR", "BL": "SL", "BR": "SR"}
# Opus's channel mapping family 255: channels without positions, any count up to 255.
OPUS_DISCRETE = {"mapping_family": "255"}


def _channel_names(layout: str) -> list[str]:
    return [channel.name for channel in av.AudioLayout(layout).channels]


def encoder_layout(codec: str, layout: str) -> tuple[str, dict[str, str]]:
    """(layout, encoder options) in which `codec` encodes audio of `layout` (a named one):
    for Opus, the smallest of its surround layouts that holds every channel in its place (a
    side pair as the back pair where the layout has only one of them: 5.1(side) -> 5.1; 2.1
    -> 5.1, its LFE kept), else the one with as many channels (FFmpeg's resampler remixes: 7.1
    (wide) -> 7.1), and more than 8 channels unpositioned (mapping family 255, every channel
    kept). Any other encoder: the layout as it is."""
    if codec != "libopus" or layout in OPUS_LAYOUTS:
        return layout, {}
    names = _channel_names(layout)
    if len(names) > MAX_POSITIONED_CHANNELS:
        return layout, dict(OPUS_DISCRETE)
    for candidate in OPUS_LAYOUTS:
        held = set(_channel_names(candidate))
        if all(name in held or (_SIDE_AS_BACK.get(name) in held
                                and _SIDE_AS_BACK[name] not in names) for name in names):
            return candidate, {}
    return OPUS_LAYOUTS[len(names) - 1], {}


# Clicks in the click train that stretch_lag measures the stretch's lag on.
CALIBRATION_CLICKS = 24


def pitch_filters(factor: int, sample_rate: int) -> list[tuple[str, str]]:
    """(filter name, arguments) of the graph that plays audio `factor` times slower, like a tape."""
    return [("aresample", f"{sample_rate * factor}"), ("asetrate", f"{sample_rate}")]


def _configured_graph(frame_format: str, layout: str, sample_rate: int,
                      filters: list[tuple[str, str]]) -> av.filter.Graph:
    graph = av.filter.Graph()
    nodes = [graph.add_abuffer(format=frame_format, sample_rate=sample_rate, layout=layout,
                               time_base=Fraction(1, sample_rate))]
    nodes.extend(graph.add(name, arguments) for name, arguments in filters)
    nodes.append(graph.add("abuffersink"))
    graph.link_nodes(*nodes).configure()
    return graph


def _run_graph(graph: av.filter.Graph, frame: av.AudioFrame | None) -> list[av.AudioFrame]:
    graph.push(frame)
    frames = []
    while True:
        try:
            frames.append(graph.pull())
        except (BlockingIOError, EOFError):
            return frames


# FFmpeg keeps this many channel planes in a frame itself (AV_NUM_DATA_POINTERS); PyAV 18
# miscounts the planes of a planar frame with more (7.1 in fltp: 9 planes), so its to_ndarray
# reads past them (a segfault) and its from_ndarray fails. Such frames go through the packed
# format of the same samples, which has one plane, converted by FFmpeg's resampler.
_FRAME_PLANES = 8


def _via_packed(format_name: str, channels: int) -> bool:
    return av.AudioFormat(format_name).is_planar and channels >= _FRAME_PLANES


def frame_array(frame: av.AudioFrame) -> np.ndarray:
    """The frame's samples as `AudioFrame.to_ndarray` gives them ((channels, n) planar, (1, n *
    channels) packed), also for planar frames of 8 channels or more."""
    channels = len(frame.layout.channels)
    if not _via_packed(frame.format.name, channels):
        return frame.to_ndarray()
    packed = av.AudioResampler(format=frame.format.packed.name, layout=frame.layout.name,
                               rate=frame.sample_rate)
    interleaved = np.concatenate([part.to_ndarray() for part in packed.resample(frame)], 1)
    return np.ascontiguousarray(interleaved.reshape(-1, channels).T)


def array_frame(samples: np.ndarray, format_name: str, layout: str,
                sample_rate: int) -> av.AudioFrame:
    """`AudioFrame.from_ndarray` (samples shaped as `frame_array` gives them) at `sample_rate`,
    also for planar frames of 8 channels or more."""
    channels = len(av.AudioLayout(layout).channels)
    if not _via_packed(format_name, channels):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format=format_name,
                                           layout=layout)
        frame.sample_rate = sample_rate
        return frame
    packed_format = av.AudioFormat(format_name).packed.name
    packed = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples.T).reshape(1, -1),
                                        format=packed_format, layout=layout)
    packed.sample_rate = sample_rate
    planar = av.AudioResampler(format=format_name, layout=layout, rate=sample_rate)
    (frame,) = planar.resample(packed)
    frame.pts = None
    return frame


def _samples(frame: av.AudioFrame, begin: int, end: int) -> av.AudioFrame:
    """Samples begin:end of the frame, as a frame like it."""
    channels = 1 if frame.format.is_planar else len(frame.layout.channels)
    samples = frame_array(frame)[:, begin * channels:end * channels]
    part = array_frame(samples, frame.format.name, frame.layout.name, frame.sample_rate)
    part.time_base = frame.time_base
    part.pts = frame.pts + round(Fraction(begin, frame.sample_rate) / Fraction(frame.time_base))
    return part


def _silence(like: av.AudioFrame, count: int, pts: int) -> av.AudioFrame:
    """`count` samples of silence in the format and layout of `like`, at `pts`."""
    samples = frame_array(like)
    channels = 1 if like.format.is_planar else len(like.layout.channels)
    quiet = 128 if like.format.name.startswith("u8") else 0     # unsigned 8-bit is centred
    silence = array_frame(np.full((samples.shape[0], count * channels), quiet, samples.dtype),
                          like.format.name, like.layout.name, like.sample_rate)
    silence.time_base, silence.pts = like.time_base, pts
    return silence


def _finite(frame: av.AudioFrame) -> av.AudioFrame:
    """The frame with NaN and inf samples (float PCM can hold them) made silent: the encoders
    refuse them, and the stretch would spread one over a second."""
    if "flt" not in frame.format.name and "dbl" not in frame.format.name:
        return frame
    samples = frame_array(frame)
    if np.isfinite(samples).all():
        return frame
    finite = array_frame(np.where(np.isfinite(samples), samples, 0), frame.format.name,
                         frame.layout.name, frame.sample_rate)
    finite.pts, finite.time_base = frame.pts, frame.time_base
    return finite


def click_train(sample_rate: int) -> tuple[np.ndarray, list[Fraction]]:
    """CALIBRATION_CLICKS clicks (2 ms of 2 kHz, mono float32) and their times. The spacing is
    irregular (0.3-0.4 s), so the clicks fall at every phase of a stretcher's windows."""
    click_times = [Fraction(2, 10) + Fraction(3 * k, 10) + Fraction(k * 618 % 1000, 10000)
                   for k in range(CALIBRATION_CLICKS)]
    samples = np.zeros(int((click_times[-1] + Fraction(4, 10)) * sample_rate), np.float32)
    burst = np.sin(np.arange(sample_rate // 500) * 2 * np.pi * 2000 / sample_rate)
    for time in click_times:
        start = int(time * sample_rate)
        samples[start:start + len(burst)] = burst
    return samples, click_times


def streamed_mono(stretcher: TimeStretch | Wsola, samples: np.ndarray) -> np.ndarray:
    """Mono float32 samples through a one-channel streamed stretcher, pushed 1024 at a time
    as a decoder gives them, then flushed."""
    parts = [stretcher.push(samples[None, start:start + 1024])
             for start in range(0, len(samples), 1024)]
    return np.concatenate(parts + [stretcher.flush()], axis=1)[0]


def stretched_mono(samples: np.ndarray, sample_rate: int, factor: int) -> np.ndarray:
    """Mono float32 samples made `factor` times longer by `stretch` (video/stretch.py)."""
    return streamed_mono(TimeStretch(1, sample_rate, factor), samples)


def onset_offsets(stretched: np.ndarray, click_times: list[Fraction], sample_rate: int,
                  factor: int) -> list[float]:
    """Per click, in samples: `factor` times its time minus its onset (first sample above half
    the peak near there) in the stretched audio; positive where it comes early."""
    level = np.abs(stretched)
    offsets = []
    for time in click_times:
        expected = float(time * factor) * sample_rate
        low = int(expected - 0.12 * sample_rate * factor)
        window = level[low:int(expected + 0.12 * sample_rate * factor)]
        onset = low + int(np.flatnonzero(window > 0.5 * window.max())[0])
        offsets.append(expected - onset)
    return offsets


@lru_cache(maxsize=None)
def stretch_lag(factor: int, sample_rate: int) -> int:
    """Samples by which `stretch` output comes early (>= 0): the mean offset of the onsets
    (first sample above half the peak) of 24 clicks (2 ms, 2 kHz) stretched, against N times
    their time. The onset, because that is where a sound is heard to start."""
    samples, click_times = click_train(sample_rate)
    offsets = onset_offsets(stretched_mono(samples, sample_rate, factor), click_times,
                            sample_rate, factor)
    return max(0, round(float(np.mean(offsets))))


class StretchedAudio:
    """Decodes one input audio stream, makes it `time_map.factor` times longer and encodes it
    with `codec` into `output_stream` (made by `add_output_stream`). Feed packets in order to
    `packets`, then call `flush`; both return the encoded packets ready to mux."""

    def __init__(self, input_stream: av.audio.stream.AudioStream, mode: str, time_map: TimeMap,
                 codec: str = "aac"):
        if mode not in ("stretch", "pitch"):
            raise ValueError(f"unknown slow-motion audio mode {mode!r}")
        self.input_stream = input_stream
        self.mode = mode
        self.time_map = time_map
        self.decoder = input_stream.codec_context
        self.rate = self.decoder.sample_rate
        self.codec = codec
        self.output_rate = OPUS_RATE if codec == "libopus" else self.rate
        self.output_stream = None
        self.graph = None                       # FFmpeg's filters (pitch; Opus's resampling)
        self.stretch: TimeStretch | None = None
        self.to_float: av.AudioResampler | None = None
        self.layout: str | None = None          # the first frame's (named)
        self.encode_layout: str | None = None   # the encoder's (encoder_layout)
        self.next_sample: int | None = None     # output sample count (pts in 1/rate)
        self.input_end: Fraction | None = None  # input time where the samples so far end
        self.first_setup: tuple[str, str, int] | None = None    # format, layout, rate
        self.conform: av.AudioResampler | None = None   # from a later setup to the first
        self.conform_from: tuple[str, str, int] | None = None
        self.ended = False                      # the cut end was reached

    def add_output_stream(self, container: av.container.OutputContainer) -> av.AudioStream:
        self.encode_layout, options = encoder_layout(self.codec,
                                                     named_layout(self.decoder.layout))
        stream = container.add_stream(self.codec, rate=self.output_rate, options=options)
        stream.layout = self.encode_layout
        stream.bit_rate = min(self.decoder.bit_rate or 128_000,
                              MAX_BIT_RATE_PER_CHANNEL * len(stream.layout.channels))
        stream.time_base = Fraction(1, self.output_rate)
        stream.codec_context.time_base = Fraction(1, self.output_rate)
        self.output_stream = stream
        return stream

    def packets(self, packet: av.Packet) -> list[av.Packet]:
        return [encoded for frame in self.decoder.decode(packet)
                for encoded in self._encoded(frame)]

    def flush(self) -> list[av.Packet]:
        encoded = [packet for frame in self.decoder.decode(None)
                   for packet in self._encoded(frame)]
        for frame in self._conformed(None):
            encoded.extend(self._filter_and_encode(frame))
        if self.graph is not None:
            encoded.extend(self._filter_and_encode(None))
        encoded.extend(self.output_stream.encode(None))
        return encoded

    def _encoded(self, frame: av.AudioFrame) -> list[av.Packet]:
        if frame.pts is None:
            self._place_after_previous(frame)
        return [packet for part in self._cut(frame) for piece in self._contiguous(part)
                for conformed in self._conformed(piece)
                for packet in self._filter_and_encode(conformed)]

    def _place_after_previous(self, frame: av.AudioFrame) -> None:
        """A frame decoded without a timestamp (Matroska stamps only the first of laced audio
        frames) continues where the samples so far end, or starts the stream."""
        time_base = Fraction(frame.time_base or self.input_stream.time_base
                             or Fraction(1, frame.sample_rate))
        if self.input_end is not None:
            start = self.input_end
        else:
            stream_start = self.input_stream.start_time
            start = stream_start * Fraction(self.input_stream.time_base) \
                if stream_start is not None else Fraction(0)
        frame.time_base = time_base
        frame.pts = round(start / time_base)

    def _conformed(self, frame: av.AudioFrame | None) -> list[av.AudioFrame]:
        """The frame in the first frame's format, layout and rate, which the filters and the
        stretch are set up for (a stream may change them midway: broadcasts switch between
        stereo and 5.1); None: the rest of a conversion under way."""
        setup = None if frame is None else \
            (frame.format.name, frame.layout.name, frame.sample_rate)
        if self.first_setup is None:
            self.first_setup = setup
        frames = []
        if self.conform is not None and setup != self.conform_from:
            frames, self.conform = self.conform.resample(None), None
        if frame is None:
            return frames
        if setup != self.first_setup and self.conform is None:
            sample_format, layout, rate = self.first_setup
            self.conform = av.AudioResampler(format=sample_format, layout=layout, rate=rate)
            self.conform_from = setup
        return frames + (self.conform.resample(frame) if self.conform is not None else [frame])

    def _contiguous(self, frame: av.AudioFrame) -> Iterator[av.AudioFrame]:
        """The frame, after silence for a gap before it: output times count samples, so a stream
        missing packets would pull everything after the gap N times its length early.

        A frame a little late (rounded timestamps, or ones that drift from the sample count)
        only moves the end on with it, so such a stream gets no dropouts; one stamped early is
        kept whole, as FFmpeg's command line keeps it: timestamps may repeat (Matroska allows
        it) without any audio twice."""
        start = frame.pts * Fraction(frame.time_base)
        if self.input_end is None:
            self.input_end = start
        if start - self.input_end > TIMESTAMP_SLACK:
            gap = round((start - self.input_end) * frame.sample_rate)
            for done in range(0, gap, frame.sample_rate):      # a second at a time
                count = min(frame.sample_rate, gap - done)
                yield _silence(frame, count, round(self.input_end / Fraction(frame.time_base)))
                self.input_end += Fraction(count, frame.sample_rate)
        self.input_end = max(self.input_end, start) + Fraction(frame.samples, frame.sample_rate)
        yield frame

    def _cut(self, frame: av.AudioFrame) -> Iterator[av.AudioFrame]:
        """The frame, or its part with the kept video: before the cut end and, slowed, from the
        first frame on (`TimeMap.slowed_from`)."""
        end = self.time_map.end
        if self.ended:
            return
        start = frame.pts * Fraction(frame.time_base)
        first = min(frame.samples,
                    round((self.time_map.slowed_from(start) - start) * frame.sample_rate))
        keep = frame.samples
        if end is not None and start + Fraction(frame.samples, frame.sample_rate) > end:
            self.ended = True
            keep = int((end - start) * frame.sample_rate)
        if (first, keep) == (0, frame.samples):
            yield frame
        elif keep > first:
            yield _samples(frame, first, keep)

    def _filter_and_encode(self, frame: av.AudioFrame | None) -> list[av.Packet]:
        if frame is not None:
            frame = _finite(frame)
        if frame is not None and self.graph is None:
            self._start(frame)
        encoded = []
        for part in self._stretched(frame) if self.stretch is not None else [frame]:
            if part is not None:
                part.pts = None      # the filters' own timing is not used (see the module doc)
            for stretched in _run_graph(self.graph, part):
                stretched.pts = self.next_sample
                stretched.time_base = Fraction(1, self.output_rate)
                self.next_sample += stretched.samples
                encoded.extend(self.output_stream.encode(stretched))
        return encoded

    def _stretched(self, frame: av.AudioFrame | None) -> list[av.AudioFrame | None]:
        """The frame's samples through the time stretch, as frames for the graph (which only
        resamples for Opus); None (flush) gives the rest, then None to flush the graph."""
        # packed float both ways (one plane, whatever the channel count: see frame_array)
        channels = len(av.AudioLayout(self.layout).channels)
        blocks = [self.stretch.push(np.ascontiguousarray(part.to_ndarray().reshape(-1, channels).T))
                  for part in self.to_float.resample(frame)]
        if frame is None:
            blocks.append(self.stretch.flush())
        frames = []
        for block in blocks:
            if block.shape[1]:
                frames.append(array_frame(np.ascontiguousarray(block.T).reshape(1, -1), "flt",
                                          self.layout, self.rate))
        return frames + ([None] if frame is None else [])

    def _start(self, frame: av.AudioFrame) -> None:
        """Set up the graph (and the stretch) from the first frame, and where its output goes."""
        first = frame.pts * Fraction(frame.time_base)
        self.next_sample = round(self.time_map.to_output(first) * self.output_rate)
        self.layout = named_layout(frame.layout)
        resample = [("aresample", str(self.output_rate))] if self.output_rate != self.rate else []
        # to the encoder's layout: a relabel (channels named by count) or a remix (Opus)
        relabel = [("aformat", f"channel_layouts={self.encode_layout}")] \
            if self.encode_layout != frame.layout.name else []
        if self.mode == "stretch" and self.time_map.factor > 1:
            self.to_float = av.AudioResampler(format="flt", layout=self.layout, rate=self.rate)
            self.stretch = TimeStretch(len(frame.layout.channels), self.rate,
                                       self.time_map.factor)
            self.next_sample += round(stretch_lag(self.time_map.factor, self.rate)
                                      * Fraction(self.output_rate, self.rate))
            self.graph = _configured_graph("flt", self.layout, self.rate, resample + relabel)
        else:
            # factor 1 (re-encoded for a container that cannot hold the codec): no filter
            slow = pitch_filters(self.time_map.factor, self.rate) \
                if self.mode == "pitch" and self.time_map.factor > 1 else []
            self.graph = _configured_graph(frame.format.name, frame.layout.name,
                                           frame.sample_rate, slow + resample + relabel)
