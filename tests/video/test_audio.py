"""Slow-motion audio (video/audio.py): the tape-speed filters, and the stretched audio in sync
with the slowed frames over the whole file (a click track on a flashing clip). The stretch
itself: tests/video/test_stretch.py."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.video.conftest import read_video
from tweenflow.video.audio import (OPUS_LAYOUTS, StretchedAudio, array_frame, encoder_layout,
                                   frame_array, output_codec, pitch_filters)
from tweenflow.video.pipeline import convert_video
from tweenflow.video.schedule import TimeMap

RATE = 25
SAMPLE_RATE = 48000
FLASHES = (3, 11, 20, 26, 37, 45)        # frames that flash white, each with a click


def test_new_audio_is_aac_where_it_fits_else_opus():
    assert output_codec({"aac", "libopus", "h264"}) == "aac"
    assert output_codec({"libopus", "vp9"}) == "libopus"
    assert output_codec({"h264"}) is None


def test_more_than_eight_channels_go_to_opus_which_holds_them():
    assert output_codec({"aac", "libopus"}, channels=8) == "aac"
    assert output_codec({"aac", "libopus"}, channels=16) == "libopus"
    assert output_codec({"aac"}, channels=16) is None


@pytest.mark.parametrize("layout, opus", [
    ("stereo", "stereo"), ("5.1", "5.1"), ("7.1", "7.1"),
    ("5.1(side)", "5.1"), ("5.0(side)", "5.0"), ("quad(side)", "quad"),   # side pair as back
    ("2.1", "5.1"), ("3.1", "5.1"),          # held in the smallest layout with an LFE
    ("6.1(back)", "6.1"),                    # back pair as 6.1's side pair, BC as BC
    ("7.1(wide)", "7.1"), ("downmix", "stereo")])      # no layout holds them: remixed
def test_opus_encodes_each_layout_in_one_of_its_own(layout, opus):
    assert encoder_layout("libopus", layout) == (opus, {})
    assert encoder_layout("aac", layout) == (layout, {})
    codec = av.CodecContext.create("libopus", "w")          # and libopus takes it
    codec.sample_rate, codec.layout, codec.format = 48000, opus, "flt"
    codec.open()


def test_opus_keeps_more_than_eight_channels_unpositioned():
    assert encoder_layout("libopus", "16 channels") == ("16 channels", {"mapping_family": "255"})
    assert "16 channels" not in OPUS_LAYOUTS


@pytest.mark.parametrize("layout", ["stereo", "7.1", "16 channels"])
@pytest.mark.parametrize("format_name", ["fltp", "s16p", "flt"])
def test_samples_of_frames_with_eight_channels_or_more_round_trip(layout, format_name):
    """PyAV 18's to_ndarray reads past the planes of a planar frame with 8 or more channels
    (a segfault on 7.1 audio); frame_array and array_frame go through the packed format."""
    channels = len(av.AudioLayout(layout).channels)
    planar = av.AudioFormat(format_name).is_planar
    values = np.arange(channels * 100).reshape(channels, 100) % 1000
    samples = (values / 1000).astype(np.float32) if "flt" in format_name else \
        values.astype(np.int16)
    if not planar:
        samples = np.ascontiguousarray(samples.T).reshape(1, -1)
    frame = array_frame(samples, format_name, layout, 48000)
    assert (frame.format.name, frame.layout.name, frame.samples, frame.sample_rate) == \
        (format_name, layout, 100, 48000)
    np.testing.assert_array_equal(frame_array(frame), samples)


def test_pitch_mode_resamples_by_an_exact_whole_factor():
    assert pitch_filters(3, 44100) == [("aresample", "132300"), ("asetrate", "44100")]


def click_clip(path, frames=50, sample_rate=SAMPLE_RATE, codec="aac", starts=None, stamps=None,
               lead=0):
    """A dark 64x48 clip at 25 fps whose FLASHES frames are white, with a mono audio track (AAC
    by default) that has a 5 ms 2 kHz click at the start of each flash frame and silence
    elsewhere, written in 1024 samples from each of `starts` (default: one after the other;
    leaving some out makes a gap), stamped with `stamps` (default: their true times).
    lead: frames of audio (with a click at its start) before the first video frame."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"crf": "10", "preset": "ultrafast"}
        audio = container.add_stream(codec, rate=sample_rate)
        audio.layout = "mono"
        for index in range(frames):
            level = 235 if index in FLASHES else 30
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), level, np.uint8), "rgb24")
            frame.pts = index + lead
            container.mux(video.encode(frame))
        container.mux(video.encode())
        samples = np.zeros((frames + lead) * sample_rate // RATE, np.float32)
        click = 0.8 * np.sin(np.arange(sample_rate // 200) * 2 * np.pi * 2000 / sample_rate)
        for index in [-lead] * (lead > 0) + list(FLASHES):
            start = (index + lead) * sample_rate // RATE
            samples[start:start + len(click)] = click
        starts = range(0, len(samples), 1024) if starts is None else starts
        for start, stamp in zip(starts, starts if stamps is None else stamps):
            part = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt",
                                              layout="mono")
            part.sample_rate, part.pts = sample_rate, stamp
            container.mux(audio.encode(part))
        container.mux(audio.encode())
    return path


def decoded_audio(path):
    """(time of the first sample in s, mono float samples, sample rate) of the first audio."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks, first = [], None
        for frame in container.decode(stream):
            if first is None:
                first = frame.pts * frame.time_base
            chunks.append(frame.to_ndarray().reshape(len(frame.layout.channels), -1)[0])
        return first, np.concatenate(chunks), stream.sample_rate


def click_onsets(first, samples, rate):
    """Times (s) where the level first rises above half the peak after 50 ms of quiet."""
    loud = np.flatnonzero(np.abs(samples) > 0.5 * np.abs(samples).max())
    starts = loud[np.r_[True, np.diff(loud) > rate // 20]]
    return [float(first) + start / rate for start in starts]


@pytest.mark.parametrize("suffix, codec, factor, sample_rate", [
    (".mp4", "h264", 2, 48000), (".webm", "vp9", 3, 48000),       # AAC, Opus (resampled)
    (".mp4", "h264", 4, 44100), (".mp4", "h264", 8, 16000)])
def test_stretched_clicks_land_on_their_flash_frames(tmp_path, suffix, codec, factor,
                                                      sample_rate):
    source = click_clip(tmp_path / "clicks.mp4", sample_rate=sample_rate)
    target = tmp_path / f"slow{suffix}"
    result = convert_video(source, target, slowmo=factor, engine="classical",
                           scene_cut_threshold=None, codec=codec)
    assert result.audio == "stretched"
    assert any("pitch kept" in note for note in result.notes)
    times, frames = read_video(target)
    # input frame k is output frame N k; the in-betweens may be bright too (a morph to white)
    brightness = np.array([frame.mean() for frame in frames[::factor]])
    flash_times = [float(times[factor * index]) for index in np.flatnonzero(brightness > 200)]
    onsets = click_onsets(*decoded_audio(target))
    assert len(flash_times) == len(FLASHES) and len(onsets) == len(FLASHES)
    frame_duration = 1 / RATE          # slow motion keeps the input's frame rate
    errors = [abs(onset - flash) for onset, flash in zip(onsets, flash_times)]
    assert max(errors) < frame_duration, errors
    # and the flashes keep their spacing: N times the input's
    assert flash_times[-1] - flash_times[0] == pytest.approx(
        factor * (FLASHES[-1] - FLASHES[0]) / RATE)


@pytest.mark.parametrize("suffix, codec, mode, timing", [
    (".mp4", "aac", "stretch", "gap"), (".mp4", "aac", "pitch", "gap"),
    (".mkv", "pcm_u8", "pitch", "gap"),                 # its silence is 128, not 0
    (".mkv", "pcm_s16le", "stretch", "repeated")])
def test_clicks_after_a_gap_or_repeated_timestamps_stay_on_their_frames(
        tmp_path, suffix, codec, mode, timing):
    """Output times count samples. A stream missing 0.4 s of audio (the click of frame 20 with
    it) must not pull what follows 0.8 s early; the gap is silent. Timestamps that repeat (every
    other frame stamped with the time of the one before; Matroska allows it) are no gap and no
    overlap: every sample is kept, as FFmpeg's command line keeps them."""
    starts, stamps = list(range(0, 2 * SAMPLE_RATE, 1024)), None
    if timing == "gap":
        starts = [start for start in starts if not 0.6 * SAMPLE_RATE <= start < SAMPLE_RATE]
    else:
        stamps = [start - 1024 * (index % 2) for index, start in enumerate(starts)]
    source = click_clip(tmp_path / f"clicks{suffix}", codec=codec, starts=starts, stamps=stamps)
    target = tmp_path / "slow.mp4"
    convert_video(source, target, slowmo=2, engine="classical", scene_cut_threshold=None,
                  slowmo_audio=mode)
    times, frames = read_video(target)
    brightness = np.array([frame.mean() for frame in frames[::2]])
    flash_times = [float(times[2 * index]) for index in np.flatnonzero(brightness > 200)
                   if timing == "repeated" or index != 20]
    first, samples, rate = decoded_audio(target)
    onsets = click_onsets(first, samples, rate)
    assert len(onsets) == len(flash_times) == len(FLASHES) - (timing == "gap")
    errors = [abs(onset - flash) for onset, flash in zip(onsets, flash_times)]
    assert max(errors) < 1 / RATE, errors
    if timing == "gap":
        gap = samples[int((1.3 - first) * rate):int((1.9 - first) * rate)]    # output times
        assert np.abs(gap).max() < 0.05
    else:
        assert len(samples) / rate == pytest.approx(4, abs=0.1)


@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_audio_before_the_first_video_frame_is_left_out_of_slow_motion(tmp_path, mode):
    """Audio that starts 0.4 s before the video: stretched from the first frame's time it would
    land at -0.4 s. It has no picture to be slowed with, so it is left out (with a note): the
    output's audio starts with its video, at no negative time, and its clicks stay on their
    flashes."""
    lead = 10
    source = click_clip(tmp_path / "early.mkv", codec="pcm_s16le", lead=lead)
    target = tmp_path / "slow.mkv"
    result = convert_video(source, target, slowmo=2, engine="classical",
                           scene_cut_threshold=None, slowmo_audio=mode)
    assert any("0.400 s" in note and "before the first video frame" in note
               for note in result.notes), result.notes
    with av.open(str(target)) as container:
        assert min(packet.pts for packet in container.demux(container.streams.audio[0])
                   if packet.pts is not None) >= 0
    times, frames = read_video(target)
    first, samples, rate = decoded_audio(target)
    assert abs(first - times[0]) < 1 / RATE        # starts with the video (0.4 s), not before
    video_end = times[-1] + 1 / RATE
    assert first + len(samples) / rate == pytest.approx(float(video_end), abs=2 / RATE)
    brightness = np.array([frame.mean() for frame in frames[::2]])
    flash_times = [float(times[2 * index]) for index in np.flatnonzero(brightness > 200)]
    onsets = click_onsets(first, samples, rate)
    assert len(onsets) == len(flash_times) == len(FLASHES)     # the lead's click is not there
    assert max(abs(onset - flash) for onset, flash in zip(onsets, flash_times)) < 1 / RATE


def pcm_clip(path, channels, seconds=1, sample_rate=SAMPLE_RATE, codec="pcm_s16le",
             spoil=lambda samples: None, drift=0.0):
    """A 32x32 clip at 25 fps with `channels` channels of PCM (a 440 Hz tone; `spoil` may change
    the float samples in place first; timestamps `drift` times faster than the samples); in
    MKV, which stores no channel layout, the decoder reports only a count ("2 channels")."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = container.add_stream(codec, rate=sample_rate)
        audio.layout = {1: "mono", 2: "stereo", 6: "5.1"}[channels]
        for index in range(seconds * RATE):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 5 * index, np.uint8), "rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        tone = 0.3 * np.sin(np.arange(seconds * sample_rate) * 2 * np.pi * 440 / sample_rate)
        samples = np.tile(tone.astype(np.float32), (channels, 1))
        spoil(samples)
        for start in range(0, samples.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples[:, start:start + 1024]),
                                               format="fltp", layout=audio.layout.name)
            chunk.sample_rate, chunk.pts = sample_rate, round(start * (1 + drift))
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    return path


def test_timestamps_that_drift_ahead_of_the_samples_give_no_dropouts(tmp_path):
    """Stamps running 0.3% fast (a capture's clock against its sound card's) pass the gap
    threshold every 0.7 s if summed up; they must not put silence into a tone."""
    source = pcm_clip(tmp_path / "drift.mkv", 1, seconds=2, drift=0.003)
    convert_video(source, tmp_path / "slow.mp4", slowmo=2, engine="classical",
                  scene_cut_threshold=None)
    first, samples, rate = decoded_audio(tmp_path / "slow.mp4")
    steady = samples[rate // 2:-rate // 2]
    level = np.sqrt(np.convolve(steady ** 2, np.ones(rate // 500) / (rate // 500), "valid"))
    assert level.min() > 0.5 * 0.3 / np.sqrt(2)      # no 2 ms anywhere below half the tone


@pytest.mark.parametrize("channels, layout", [(1, "mono"), (2, "stereo"), (6, "5.1")])
@pytest.mark.parametrize("suffix, options, audio", [
    (".mp4", {"slowmo": 2}, "stretched"),
    (".mp4", {"slowmo": 2, "slowmo_audio": "pitch"}, "slowed"),
    (".webm", {"multi": 2}, "re-encoded")])          # PCM into WebM: Opus, at the same speed
def test_pcm_audio_that_names_no_channel_layout_gets_ffmpegs_default_for_its_count(
        tmp_path, channels, layout, suffix, options, audio):
    source = pcm_clip(tmp_path / "pcm.mkv", channels)
    with av.open(str(source)) as container:            # what this test is about
        assert container.streams.audio[0].codec_context.layout.name == f"{channels} channels"
    target = tmp_path / f"out{suffix}"
    result = convert_video(source, target, engine="classical", scene_cut_threshold=None,
                           codec="vp9" if suffix == ".webm" else "h264", **options)
    assert result.audio == audio
    with av.open(str(target)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.layout.name == layout
        decoded = sum(frame.samples for frame in container.decode(stream))
        seconds = decoded / stream.sample_rate
    assert seconds == pytest.approx(options.get("slowmo", 1), abs=0.05)


def test_lossless_audio_gets_a_bit_rate_the_lossy_encoder_takes(tmp_path):
    """16-bit stereo PCM runs at 1.5 Mb/s; libopus takes at most 256 kb/s per channel."""
    source = pcm_clip(tmp_path / "pcm.mov", 2)         # MOV names the layout: only the rate
    with av.open(str(source)) as container:
        assert container.streams.audio[0].codec_context.bit_rate > 2 * 256_000
    target = tmp_path / "slow.webm"
    result = convert_video(source, target, slowmo=2, engine="classical",
                           scene_cut_threshold=None, codec="vp9")
    assert result.audio == "stretched"
    with av.open(str(target)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus" and stream.codec_context.channels == 2
        assert sum(frame.samples for frame in container.decode(stream)) / 48000 == \
            pytest.approx(2, abs=0.05)


@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_nan_and_inf_samples_become_silence_not_an_encoder_error(tmp_path, mode):
    """Float PCM can hold NaN and inf; the AAC encoder refuses them (and the stretch would
    spread one over a second). They are silence in the output; the rest is the tone."""
    def spoil(samples):
        samples[:, 24000] = np.nan
        samples[:, 36000] = np.inf
    source = pcm_clip(tmp_path / "float.mkv", 2, codec="pcm_f32le", spoil=spoil)
    result = convert_video(source, tmp_path / "slow.mp4", slowmo=2, engine="classical",
                           scene_cut_threshold=None, slowmo_audio=mode)
    assert result.audio == ("stretched" if mode == "stretch" else "slowed")
    first, samples, rate = decoded_audio(tmp_path / "slow.mp4")
    assert np.isfinite(samples).all() and len(samples) / rate == pytest.approx(2, abs=0.05)
    steady = samples[int(0.2 * rate):int(0.8 * rate)]       # before the spoilt samples
    assert np.sqrt(np.mean(steady ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.1)


def switching_clip(path, layouts=("stereo", "mono"), seconds=1):
    """A 32x32 clip at 25 fps with MP2 audio (a 440 Hz tone) whose channel layout changes every
    `seconds` (as broadcast recordings switch from stereo to 5.1): each MP2 frame says its own."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = container.add_stream("mp2", rate=SAMPLE_RATE)
        audio.layout = layouts[0]
        for index in range(len(layouts) * seconds * RATE):
            level = 4 * index % 256
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), level, np.uint8), "rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        tone = 0.3 * np.sin(np.arange(seconds * SAMPLE_RATE) * 2 * np.pi * 440 / SAMPLE_RATE)
        packets = []
        for layout in layouts:
            encoder = av.CodecContext.create("mp2", "w")
            encoder.sample_rate, encoder.layout, encoder.format = SAMPLE_RATE, layout, "s16"
            channels = len(av.AudioLayout(layout).channels)
            samples = np.repeat((tone * 32767).astype(np.int16), channels)    # interleaved
            for start in range(0, len(tone), 1152):
                chunk = av.AudioFrame.from_ndarray(
                    samples[None, start * channels:(start + 1152) * channels], format="s16",
                    layout=layout)
                chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
                packets.extend(encoder.encode(chunk))
            packets.extend(encoder.encode(None))
        for index, packet in enumerate(packets):
            packet.stream, packet.time_base = audio, Fraction(1, SAMPLE_RATE)
            packet.pts = packet.dts = index * 1152
            container.mux(packet)
    return path


@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_audio_whose_layout_changes_midway_is_converted_to_the_first_layout(tmp_path, mode):
    source = switching_clip(tmp_path / "switch.mkv")
    with av.open(str(source)) as container:            # what this test is about
        layouts = {frame.layout.name for frame in container.decode(audio=0)}
    assert layouts == {"stereo", "mono"}
    target = tmp_path / "slow.mp4"
    convert_video(source, target, slowmo=2, engine="classical", scene_cut_threshold=None,
                  slowmo_audio=mode)
    with av.open(str(target)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.layout.name == "stereo"
        samples = np.concatenate([frame.to_ndarray() for frame in container.decode(stream)],
                                 axis=1)
    assert samples.shape[1] / SAMPLE_RATE == pytest.approx(4, abs=0.1)
    for half in (samples[:, 24000:72000], samples[:, 120000:168000]):   # stereo, then mono
        assert (np.sqrt(np.mean(half ** 2, axis=1)) > 0.1).all()


@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_audio_frames_without_timestamps_continue_where_the_last_ended(tmp_path, mode):
    """Matroska stamps only the first of laced audio frames: the others decode with no time.
    They are kept (not silence), each placed after the samples before it."""
    source = pcm_clip(tmp_path / "tone.mkv", 1, seconds=2, codec="pcm_s16le")
    target = tmp_path / "slow.mp4"
    with av.open(str(source)) as reader, av.open(str(target), "w") as writer:
        stream = reader.streams.audio[0]
        stretcher = StretchedAudio(stream, mode, TimeMap(start=Fraction(0), factor=2))
        stretcher.add_output_stream(writer)
        for index, packet in enumerate(reader.demux(stream)):
            if packet.size and index % 2:
                packet.pts = packet.dts = None
            for encoded in stretcher.packets(packet) if packet.size else []:
                writer.mux(encoded)
        for encoded in stretcher.flush():
            writer.mux(encoded)
    first, samples, rate = decoded_audio(target)
    assert len(samples) / rate == pytest.approx(4.0, abs=0.1)
    steady = samples[rate // 2:-rate // 2]
    level = np.sqrt(np.convolve(steady ** 2, np.ones(rate // 500) / (rate // 500), "valid"))
    assert level.min() > 0.5 * 0.3 / np.sqrt(2)      # no 2 ms anywhere below half the tone


def tone_clip(path, layout, seconds=1, sample_rate=SAMPLE_RATE):
    """A 32x32 clip at 25 fps with float PCM audio in `layout` (MOV and MKV name it): channel k
    holds a tone of channel_tone(layout, k) Hz."""
    channels = len(av.AudioLayout(layout).channels)
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = container.add_stream("pcm_f32le", rate=sample_rate)
        audio.layout = layout
        for index in range(seconds * RATE):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), 5 * index, np.uint8), "rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        time = np.arange(seconds * sample_rate) / sample_rate
        samples = np.stack([0.2 * np.sin(2 * np.pi * channel_tone(layout, k) * time)
                            for k in range(channels)]).astype(np.float32)
        for start in range(0, samples.shape[1], 1024):
            chunk = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(samples[:, start:start + 1024].T).reshape(1, -1),
                format="flt", layout=layout)
            chunk.sample_rate, chunk.pts = sample_rate, start
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    return path


def channel_tone(layout, k):
    """A tone per channel; an LFE channel's is low (AAC low-passes that channel)."""
    return 80 if av.AudioLayout(layout).channels[k].name == "LFE" else 300 + 150 * k


def channel_tones(path):
    """{channel name (or index where unnamed): its loudest frequency (Hz), or None if silent},
    the layout's name, and the length in seconds, of the first audio stream."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [frame_array(frame) for frame in container.decode(stream)]
        rate = stream.sample_rate
        layout = stream.codec_context.layout
    planar = chunks[0].shape[0] == len(layout.channels) > 1
    samples = np.concatenate(chunks, 1) if planar else \
        np.concatenate(chunks, 1).reshape(-1, len(layout.channels)).T
    middle = samples[:, samples.shape[1] // 4:3 * samples.shape[1] // 4]
    tones = {}
    for index, (channel, signal) in enumerate(zip(layout.channels, middle)):
        name = channel.name if channel.name != "NONE" else index
        spectrum = np.abs(np.fft.rfft(signal))
        tones[name] = None if np.sqrt(np.mean(signal ** 2)) < 0.01 else \
            float(np.argmax(spectrum) * rate / len(signal))
    return tones, layout.name, samples.shape[1] / rate


@pytest.mark.parametrize("layout, suffix, expected", [
    ("5.1(side)", ".webm", "5.1"),      # what AC-3 and DTS 5.1 decode as; libopus refused it
    ("2.1", ".webm", "5.1"),
    ("7.1", ".mp4", "7.1"),             # 8 planes: PyAV's to_ndarray segfaulted on them
    ("7.1", ".webm", "7.1"),
    ("16 channels", ".mkv", "16 channels")])   # beyond AAC: Opus, channels unpositioned
@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_every_channel_keeps_its_place_in_slowed_audio(tmp_path, layout, suffix, expected, mode):
    source = tone_clip(tmp_path / "tones.mov", layout)
    target = tmp_path / f"slow{suffix}"
    result = convert_video(source, target, slowmo=2, engine="classical", slowmo_audio=mode,
                           scene_cut_threshold=None, codec="vp9" if suffix == ".webm" else "h264")
    assert result.audio == ("stretched" if mode == "stretch" else "slowed")
    tones, out_layout, seconds = channel_tones(target)
    assert out_layout == expected and seconds == pytest.approx(2, abs=0.06)
    pitch = 0.5 if mode == "pitch" else 1.0
    names = [c.name if c.name != "NONE" else k
             for k, c in enumerate(av.AudioLayout(layout).channels)]
    for k, name in enumerate(names):
        placed = name if name in tones else {"SL": "BL", "SR": "BR"}[name]
        assert tones[placed] == pytest.approx(channel_tone(layout, k) * pitch, abs=3), name
    assert all(tone is None for name, tone in tones.items()      # added channels are silent
               if name not in names and name not in ("BL", "BR"))
