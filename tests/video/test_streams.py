"""Every stream carried (video/stream_plan.py, video/streams.py): the plan, and round trips of
real files made with PyAV (tests/video/rich_media.py) and of the NASA sample, read back
independently with PyAV."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest

from tests.video.conftest import VIDEOS, read_video
from tests.video.rich_media import ASS_HEADER, FONT_BYTES, write_pgs_mkv, write_rich_mkv
from tweenflow.video import audio as slowmo_audio
from tweenflow.video.pipeline import convert_video
from tweenflow.video.stream_plan import StreamInfo, plan_streams, supported_codecs

NASA = VIDEOS / "nasa_2video_aac_subtitles.mp4"
MS = Fraction(1, 1000)


def streams(*kinds_and_codecs):
    return [StreamInfo(index, kind, codec, muxer)
            for index, (kind, codec, muxer) in enumerate(kinds_and_codecs)]


INPUT = streams(("video", "h264", "h264"), ("audio", "aac", "aac"),
                ("subtitle", "subrip", "srt"), ("subtitle", "ass", "ssa"),
                ("subtitle", "hdmv_pgs_subtitle", "pgssub"), ("video", "h264", "h264"),
                ("attachment", "font/ttf", "font/ttf"), ("data", "bin_data", "bin_data"),
                ("subtitle", "mov_text", "mov_text"))


def actions_by_index(suffix, slowmo=False, slowmo_audio="stretch", video_index=0):
    plan = plan_streams(INPUT, video_index, suffix, supported_codecs(suffix), slowmo,
                        slowmo_audio)
    return {action.stream.index: action for action in plan}


def test_plan_for_mkv_keeps_everything_and_converts_mov_text_to_srt():
    plan = actions_by_index(".mkv")
    assert 0 not in plan                      # the converted stream is the writer's
    assert [plan[index].action for index in (1, 2, 3, 4, 5, 6)] == ["copy"] * 6
    assert plan[7].action == "drop" and "data streams are not carried" in plan[7].note()
    assert (plan[8].action, plan[8].target) == ("convert", "subrip")


def test_plan_for_mp4_converts_text_subtitles_and_names_each_stream_left_out():
    plan = actions_by_index(".mp4")
    assert (plan[2].action, plan[2].target) == ("convert", "mov_text")
    assert (plan[3].action, plan[3].target) == ("convert", "mov_text")
    assert plan[8].action == "copy"
    assert plan[4].note() == ("left out stream #4 (subtitle hdmv_pgs_subtitle): .mp4 cannot "
                              "hold bitmap subtitles (hdmv_pgs_subtitle); write .mkv to keep them")
    assert plan[6].note() == ("left out stream #6 (attachment font/ttf): .mp4 cannot hold "
                              "attachments; write .mkv to keep them")
    assert plan[5].action == "copy"           # --multi/--fps: timing untouched


def test_plan_for_webm_makes_opus_and_webvtt():
    plan = actions_by_index(".webm", slowmo=True)
    assert (plan[1].action, plan[1].target) == ("stretch", "libopus")
    assert [(plan[index].action, plan[index].target) for index in (2, 3, 8)] == \
        [("convert", "webvtt")] * 3
    assert plan[4].action == plan[6].action == "drop"


def test_plan_for_slowmo_stretches_audio_and_drops_other_video_streams():
    plan = actions_by_index(".mkv", slowmo=True)
    assert (plan[1].action, plan[1].target) == ("stretch", "aac")
    assert plan[5].action == "drop" and "would be out of sync" in plan[5].reason
    assert plan[2].action == "copy"           # subtitles are retimed, not dropped
    assert actions_by_index(".mkv", slowmo=True, slowmo_audio="drop")[1].action == "drop"
    cover = [StreamInfo(0, "video", "h264", "h264"),
             StreamInfo(1, "video", "mjpeg", "mjpeg", cover_art=True)]
    assert plan_streams(cover, 0, ".mkv", supported_codecs(".mkv"), True, "stretch")[0].action \
        == "copy"                             # a still has no timing to keep in sync
    # --stream 1: the first video stream is now the "other" one
    other = actions_by_index(".mkv", slowmo=True, video_index=5)
    assert other[0].action == "drop" and 5 not in other


def test_plan_sends_audio_of_more_than_eight_channels_to_opus_or_says_why_not():
    many = [StreamInfo(0, "video", "h264", "h264"),
            StreamInfo(1, "audio", "pcm_f32le", "pcm_f32le", channels=16)]
    plan = plan_streams(many, 0, ".mp4", supported_codecs(".mp4"), True, "stretch")
    assert (plan[0].action, plan[0].target) == ("stretch", "libopus")
    plan = plan_streams(many, 0, ".mp4", {"h264", "aac"}, True, "stretch")     # no Opus
    assert plan[0].note() == ("left out stream #1 (audio pcm_f32le): no audio encoder for .mp4 "
                              "takes 16 channels (Opus does: write .mkv or .webm)")


@pytest.fixture(scope="module")
def rich_mkv(tmp_path_factory):
    return write_rich_mkv(tmp_path_factory.mktemp("rich") / "rich.mkv")


def subtitle_events(path):
    """{stream index: [(start s, duration s, payload)]} of the non-empty subtitle packets."""
    events = {}
    with av.open(str(path)) as container:
        indices = [stream.index for stream in container.streams.subtitles]
    for index in indices:
        with av.open(str(path)) as container:      # a fresh read per stream, no seeking
            events[index] = [(packet.pts * packet.time_base, packet.duration * packet.time_base,
                              bytes(packet))
                             for packet in container.demux(container.streams[index])
                             if packet.size > 2]     # mov_text's empty "clear" samples
    return events


def test_rich_mkv_slowmo_to_mkv_keeps_every_stream_scaled_and_cut(rich_mkv, tmp_path):
    target = tmp_path / "slow.mkv"
    # 15 of 20 frames: the input is cut at 0.6 s, the output (2x) at 1.2 s
    result = convert_video(rich_mkv, target, slowmo=2, max_frames=15, engine="classical")
    assert result.notes == [note for note in result.notes if "pitch kept" in note]
    assert result.audio == "stretched"
    with av.open(str(target)) as container:
        assert container.metadata["title"] == "Rich sample"
        assert [(chapter["start"] * chapter["time_base"], chapter["end"] * chapter["time_base"],
                 chapter["metadata"]["title"]) for chapter in container.chapters()] == \
            [(0, Fraction(8, 10), "Opening"), (Fraction(8, 10), Fraction(12, 10), "Rest")]
        kinds = [(stream.type, stream.metadata.get("language"), stream.metadata.get("title"))
                 for stream in container.streams]
        assert kinds == [("video", "fra", "Main picture"), ("audio", "fra", None),
                         ("subtitle", "eng", "English"), ("subtitle", "deu", "Styled"),
                         ("subtitle", "spa", None), ("attachment", None, None)]
        subtitles = container.streams.subtitles
        assert [s.codec_context.codec.canonical_name for s in subtitles] == \
            ["subrip", "ass", "dvd_subtitle"]
        assert subtitles[1].disposition == av.stream.Disposition.forced
        assert ASS_HEADER.split("[Events]")[0].encode() in subtitles[1].codec_context.extradata
        font = container.streams.attachments[0]
        assert (font.metadata["filename"], font.mimetype, font.data) == \
            ("DemoSans.ttf", "font/ttf", FONT_BYTES)
    events = subtitle_events(target)
    assert [(start, duration) for start, duration, _ in events[2]] == \
        [(Fraction(2, 10), Fraction(4, 10)), (Fraction(10, 10), Fraction(2, 10))]  # cut at 1.2
    assert b"first line" in events[2][0][2]
    assert events[3] == [(Fraction(4, 10), Fraction(6, 10),
                          b"0,0,Default,,0,0,0,,{\\i1}styled{\\i0} line")]
    assert [(start, duration) for start, duration, _ in events[4]] == \
        [(Fraction(6, 10), Fraction(4, 10))]
    with av.open(str(target)) as container:      # the VobSub's own hide time is scaled too
        stream = container.streams.subtitles[2]
        shown = [stream.codec_context.decode2(packet) for packet in container.demux(stream)
                 if packet.size]
    assert [(event.start_display_time, event.end_display_time) for event in shown] == \
        [(0, 36 * 1024 // 90)]     # 0.2 s = 18 ticks of 1024/90000 s, doubled, in ms
    times, _ = read_video(target)
    assert len(times) == 30 and times[-1] == Fraction(29, 25)


def test_rich_mkv_to_mp4_converts_text_subtitles_and_drops_the_font(rich_mkv, tmp_path):
    target = tmp_path / "out.mp4"
    result = convert_video(rich_mkv, target, multi=2, engine="classical")
    assert result.notes == [
        "stream #2 (subtitle subrip, eng) converted to mov_text: .mp4 holds mov_text, not subrip",
        "stream #3 (subtitle ass, deu) converted to mov_text: .mp4 holds mov_text, not ass",
        "left out stream #5 (attachment font/ttf): .mp4 cannot hold attachments; write .mkv "
        "to keep them"]
    events = subtitle_events(target)
    with av.open(str(target)) as container:
        codecs = [s.codec_context.codec.canonical_name for s in container.streams.subtitles]
        assert codecs == ["mov_text", "mov_text", "dvd_subtitle"]      # MP4 holds VobSub
        assert not container.streams.attachments
        assert len(container.chapters()) == 2
    first, styled = (events[index] for index in sorted(events)[:2])
    assert [(start, duration) for start, duration, _ in first] == \
        [(Fraction(1, 10), Fraction(2, 10)), (Fraction(5, 10), Fraction(6, 10))]
    assert first[0][2][2:] == b"first line"          # 2-byte length, then the text
    assert styled[0][:2] == (Fraction(2, 10), Fraction(3, 10))
    assert styled[0][2].startswith(b"\x00\x0bstyled line")   # ASS tags become a style box


def test_bitmap_subtitles_left_out_of_mov_with_one_line(rich_mkv, tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "tweenflow", "video", str(rich_mkv), "-o", str(tmp_path / "o.mov"),
         "--fps", "50", "--max-frames", "10", "--engine", "classical", "-q"],
        capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.splitlines()
    assert "tweenflow: left out stream #4 (subtitle dvd_subtitle, spa): .mov cannot hold bitmap " \
           "subtitles (dvd_subtitle); write .mkv to keep them" in lines
    assert sum("left out" in line for line in lines) == 2          # the VobSub and the font
    events = subtitle_events(tmp_path / "o.mov")
    # cut at 0.4 s: the first SRT line whole, the ASS line cut, the second SRT line gone
    assert [[(start, duration) for start, duration, _ in stream] for stream in events.values()] \
        == [[(Fraction(1, 10), Fraction(2, 10))], [(Fraction(2, 10), Fraction(2, 10))]]


@pytest.mark.skipif(not NASA.exists(), reason="shared sample videos not available")
def test_nasa_multi_2_to_mkv_keeps_both_subtitle_tracks_and_the_second_video(tmp_path):
    target = tmp_path / "nasa.mkv"
    result = convert_video(NASA, target, multi=2, max_frames=50, engine="classical",
                           preset="ultrafast")          # 50 frames at 25 fps: 2.000 s
    assert result.audio == "copied"
    assert result.notes == [f"stream #{index} (subtitle mov_text, eng) converted to subrip: "
                            f".mkv holds subrip, not mov_text" for index in (2, 5)]
    events = subtitle_events(target)
    expected = [(Fraction(21, 100), Fraction(179, 100),
                 b"NAR: This is the optical and science segment of the Webb")]
    assert list(events.values()) == [expected, expected]
    with av.open(str(target)) as container:
        assert [stream.type for stream in container.streams] == \
            ["video", "audio", "subtitle", "video", "audio", "subtitle"]
        second = container.streams.video[1]
        assert (second.codec_context.width, second.codec_context.height) == (480, 270)
        second_times = sorted(packet.pts * packet.time_base
                              for packet in container.demux(second) if packet.pts is not None)
    # 29.97 fps frames that start before 2.000 s: 0 .. 59, copied as they were (ms in mkv)
    assert len(second_times) == 60
    assert all(abs(time - Fraction(1001 * k, 30000)) <= MS / 2
               for k, time in enumerate(second_times))
    times, _ = read_video(target)
    assert len(times) == 100 and times[-1] == Fraction(99, 50)


@pytest.mark.skipif(not NASA.exists(), reason="shared sample videos not available")
def test_nasa_stream_1_converts_the_second_video_stream(tmp_path):
    target = tmp_path / "nasa.mp4"
    result = convert_video(NASA, target, slowmo=2, max_frames=6, engine="classical",
                           stream=1, slowmo_audio="pitch", preset="ultrafast")
    assert result.frames_in == 6 and result.audio == "slowed"
    assert result.notes == ["left out stream #0 (video h264, eng): only the converted video "
                            "stream (stream) is slowed down; this one would be out of sync"]
    with av.open(str(target)) as container:
        assert [stream.type for stream in container.streams] == \
            ["video", "audio", "subtitle", "audio", "subtitle"]
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (480, 270)


def test_audio_the_output_cannot_hold_is_re_encoded_in_sync(tmp_path, monkeypatch):
    def no_stretch(*args):
        raise AssertionError("audio at its own speed must not go through the time stretch")
    monkeypatch.setattr(slowmo_audio, "TimeStretch", no_stretch)
    source = tmp_path / "wavpack.mkv"
    with av.open(str(source), "w") as container:
        video = container.add_stream("libx264", rate=25)
        video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
        audio = container.add_stream("wavpack", rate=22050)
        audio.layout = "mono"
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), index * 20, np.uint8),
                                               format="rgb24")
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        tone = (0.3 * np.sin(np.arange(8820) * 2 * np.pi * 300 / 22050)).astype(np.float32)
        chunk = av.AudioFrame.from_ndarray(tone[None], format="flt", layout="mono")
        chunk.sample_rate, chunk.pts = 22050, 0
        container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    target = tmp_path / "out.mp4"
    result = convert_video(source, target, multi=2, engine="classical")
    assert result.audio == "re-encoded"
    assert result.notes == ["stream #1 (audio wavpack) converted to aac: .mp4 cannot hold "
                            "wavpack"]
    with av.open(str(target)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.codec.canonical_name == "aac"
        samples = np.concatenate([frame.to_ndarray().reshape(-1)
                                  for frame in container.decode(stream)])
    # 0.4 s of a 300 Hz tone: same length (AAC frames round it up) and the same pitch
    assert 8820 <= len(samples) <= 8820 + 2048
    spectrum = np.abs(np.fft.rfft(samples[:8192]))
    assert np.argmax(spectrum) * 22050 / 8192 == pytest.approx(300, abs=3)


@pytest.mark.skipif(not NASA.exists(), reason="shared sample videos not available")
def test_a_frame_folder_names_every_stream_it_leaves_out(tmp_path):
    result = convert_video(NASA, tmp_path / "frames", multi=2, max_frames=3, engine="classical")
    assert result.audio == "dropped"
    assert result.notes == [
        f"left out stream #{index} ({kind}, eng): a folder of PNG frames holds pictures only"
        for index, kind in ((1, "audio aac"), (2, "subtitle mov_text"), (3, "video h264"),
                            (4, "audio aac"), (5, "subtitle mov_text"))]
    assert len(list((tmp_path / "frames").iterdir())) == 6


def test_rotation_of_the_copied_and_of_the_converted_stream_is_kept(tmp_path):
    source = tmp_path / "two.mp4"
    with av.open(str(source), "w") as container:
        videos = []
        for rotation in (0, 90):
            video = container.add_stream("libx264", rate=25)
            video.width, video.height, video.pix_fmt = 32, 32, "yuv420p"
            if rotation:
                video.set_display_rotation(rotation)
            videos.append(video)
        for index in range(4):
            for video in videos:
                frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), index * 30, np.uint8),
                                                   format="rgb24")
                frame.pts = index
                container.mux(video.encode(frame))
        for video in videos:
            container.mux(video.encode())

    def rotations(path):
        found = []
        for index in range(2):
            with av.open(str(path)) as container:
                found.append(next(container.decode(container.streams.video[index])).rotation)
        return found

    assert rotations(source) == [0, 90]
    convert_video(source, tmp_path / "copied.mkv", multi=2, engine="classical")
    assert rotations(tmp_path / "copied.mkv") == [0, 90]
    convert_video(source, tmp_path / "second.mkv", multi=2, engine="classical", stream=1)
    assert rotations(tmp_path / "second.mkv") == [90, 0]    # the converted stream comes first


def test_pgs_is_retimed_into_mkv_and_left_out_of_mp4_with_one_line(tmp_path):
    source = write_pgs_mkv(tmp_path / "pgs.mkv")
    with av.open(str(source)) as container:           # the hand-made display sets decode
        stream = container.streams.subtitles[0]
        decoded = [stream.codec_context.decode2(packet) for packet in container.demux(stream)
                   if packet.size]
    assert [(rect.type, rect.width, rect.height) for rect in decoded[0]] == [(b"bitmap", 4, 2)]
    assert len(decoded[1]) == 0                        # the clearing set
    slow = tmp_path / "slow.mkv"
    result = convert_video(source, slow, slowmo=3, engine="classical")
    assert result.notes == []
    with av.open(str(slow)) as container:
        stream = container.streams.subtitles[0]
        assert stream.codec_context.codec.canonical_name == "hdmv_pgs_subtitle"
        assert stream.metadata["language"] == "jpn"
        times = [packet.pts * packet.time_base for packet in container.demux(stream)
                 if packet.size]
    assert times == [Fraction(3, 10), Fraction(9, 10)]   # shown and cleared 3x later
    result = convert_video(source, tmp_path / "out.mp4", multi=2, engine="classical")
    assert result.notes == ["left out stream #1 (subtitle hdmv_pgs_subtitle, jpn): .mp4 cannot "
                            "hold bitmap subtitles (hdmv_pgs_subtitle); write .mkv to keep them"]
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert not container.streams.subtitles


@pytest.mark.skipif(not NASA.exists(), reason="shared sample videos not available")
def test_a_cut_stops_reading_the_other_streams_well_before_the_end(tmp_path, monkeypatch):
    import tweenflow.video.streams as streams_module
    seen = []
    original = streams_module.CarriedStreams._output_packets

    def recording(self, packet):
        seen.append(packet.pts * packet.time_base if packet.pts is not None else None)
        return original(self, packet)

    monkeypatch.setattr(streams_module.CarriedStreams, "_output_packets", recording)
    monkeypatch.setattr(streams_module, "PAST_THE_END", 1)
    convert_video(NASA, tmp_path / "cut.mkv", multi=2, max_frames=25, engine="classical")
    # cut at 1.0 s: nothing read much past 1 + 1 s (the sample runs to 13 s)
    assert max(time for time in seen if time is not None) < 2.2
