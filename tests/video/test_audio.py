"""Slow-motion audio (video/audio.py): atempo chains, and the stretched audio in sync with the
slowed frames over the whole file (a click track on a flashing clip)."""
from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.video.conftest import read_video
from tweenflow.video.audio import filter_chain, output_codec, tempo_chain
from tweenflow.video.pipeline import convert_video

RATE = 25
SAMPLE_RATE = 48000
FLASHES = (3, 11, 20, 26, 37, 45)        # frames that flash white, each with a click


def test_tempo_chain_stays_in_atempo_range_and_multiplies_to_one_over_n():
    for factor in range(2, 17):
        chain = tempo_chain(factor)
        assert all(Fraction(1, 2) <= tempo <= 1 for tempo in chain)
        assert np.prod(chain) == Fraction(1, factor)
    assert tempo_chain(2) == [Fraction(1, 2)]
    assert tempo_chain(3) == [Fraction(1, 2), Fraction(2, 3)]
    assert tempo_chain(4) == [Fraction(1, 2), Fraction(1, 2)]


def test_new_audio_is_aac_where_it_fits_else_opus():
    assert output_codec({"aac", "libopus", "h264"}) == "aac"
    assert output_codec({"libopus", "vp9"}) == "libopus"
    assert output_codec({"h264"}) is None


def test_pitch_mode_resamples_by_an_exact_whole_factor():
    assert filter_chain("pitch", 3, 44100) == [("aresample", "132300"), ("asetrate", "44100")]
    with pytest.raises(ValueError):
        filter_chain("faster", 2, 44100)


def click_clip(path, frames=50):
    """A dark 64x48 clip at 25 fps whose FLASHES frames are white, with a 48 kHz AAC track that
    has a 5 ms 2 kHz click at the start of each flash frame and silence elsewhere."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=RATE)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        video.options = {"crf": "10", "preset": "ultrafast"}
        audio = container.add_stream("aac", rate=SAMPLE_RATE)
        audio.layout = "mono"
        for index in range(frames):
            level = 235 if index in FLASHES else 30
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), level, np.uint8), "rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        samples = np.zeros(frames * SAMPLE_RATE // RATE, np.float32)
        click = 0.8 * np.sin(np.arange(240) * 2 * np.pi * 2000 / SAMPLE_RATE)
        for index in FLASHES:
            start = index * SAMPLE_RATE // RATE
            samples[start:start + 240] = click
        for start in range(0, len(samples), 1024):
            chunk = av.AudioFrame.from_ndarray(samples[None, start:start + 1024], format="flt",
                                               layout="mono")
            chunk.sample_rate, chunk.pts = SAMPLE_RATE, start
            container.mux(audio.encode(chunk))
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


@pytest.mark.parametrize("suffix, codec", [(".mp4", "h264"), (".webm", "vp9")])  # AAC, Opus
def test_stretched_clicks_land_on_their_flash_frames(tmp_path, suffix, codec):
    source = click_clip(tmp_path / "clicks.mp4")
    target = tmp_path / f"slow{suffix}"
    result = convert_video(source, target, slowmo=2, engine="classical",
                           scene_cut_threshold=None, codec=codec)
    assert result.audio == "stretched"
    assert any("pitch kept" in note for note in result.notes)
    times, frames = read_video(target)
    # input frame k is output frame 2k; the in-betweens may be bright too (a morph to white)
    brightness = np.array([frame.mean() for frame in frames[::2]])
    flash_times = [float(times[2 * index]) for index in np.flatnonzero(brightness > 200)]
    onsets = click_onsets(*decoded_audio(target))
    assert len(flash_times) == len(FLASHES) and len(onsets) == len(FLASHES)
    frame_duration = 1 / RATE          # slow motion keeps the input's frame rate
    errors = [abs(onset - flash) for onset, flash in zip(onsets, flash_times)]
    assert max(errors) < frame_duration, errors
    # and the flashes keep their spacing: twice the input's
    assert flash_times[-1] - flash_times[0] == pytest.approx(2 * (FLASHES[-1] - FLASHES[0]) / RATE)
