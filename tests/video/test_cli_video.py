"""`tweenflow video` as a user runs it: success output and every error as one line."""
import subprocess
import sys
from fractions import Fraction

import av
import numpy as np
import pytest

from tests.interrupt import popen_interruptible
from tests.video.conftest import (live_recording, moving_frames, mux_frames,
                                  packet_spans, read_video, write_video)
from tweenflow.images import write_image


def tweenflow(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "tweenflow", "video", *map(str, args),
                           "--engine", "classical", "-q"],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def one_error_line(completed, *fragments):
    assert completed.returncode != 0
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith("tweenflow: error: ") or "error:" in lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def leftovers(folder):
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


def h264_clip(path, count, rate=25, container_format=None, options=None,
              sample_aspect_ratio=None):
    """`count` moving 96x64 frames as yuv420p H.264 at `rate` fps in `path` (its container by
    suffix, or `container_format`), with x264 `options` and a sample aspect ratio if given."""
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        if options:
            stream.options = options
        if sample_aspect_ratio is not None:
            stream.codec_context.sample_aspect_ratio = sample_aspect_ratio
        mux_frames(container, stream, moving_frames(count))
    return path


def test_multi_writes_video_and_summary(pan_video, tmp_path):
    target = tmp_path / "out.mp4"
    completed = tweenflow(pan_video, "-o", target, "--multi", "3")
    assert completed.returncode == 0, completed.stderr
    assert "12 frames in, 36 out" in completed.stderr and "audio copied" in completed.stderr
    times, _ = read_video(target)
    assert len(times) == 36 and times[1] == Fraction(1, 75)


def test_flow_preset_for_the_classical_engine(pan_video, tmp_path):
    target = tmp_path / "fast.mp4"
    completed = tweenflow(pan_video, "-o", target, "--multi", "2", "--flow-preset", "fast")
    assert completed.returncode == 0, completed.stderr
    assert len(read_video(target)[0]) == 24


def test_slowmo_prints_audio_notice(pan_video, tmp_path):
    completed = tweenflow(pan_video, "-o", tmp_path / "slow.mp4", "--slowmo", "2")
    assert completed.returncode == 0, completed.stderr
    assert "tweenflow: audio stretched to 2x its length with its pitch kept" in completed.stderr
    assert "audio stretched" in completed.stderr.splitlines()[-1]


def test_slowmo_audio_drop_prints_the_left_out_streams(pan_video, tmp_path):
    completed = tweenflow(pan_video, "-o", tmp_path / "slow.mp4", "--slowmo", "2",
                          "--slowmo-audio", "drop")
    assert completed.returncode == 0, completed.stderr
    assert "tweenflow: left out stream #1 (audio aac" in completed.stderr
    assert "pitch kept" not in completed.stderr and "audio dropped" in completed.stderr


def test_bad_slowmo_audio_value(pan_video, tmp_path):
    one_error_line(tweenflow(pan_video, "-o", tmp_path / "slow.mp4", "--slowmo", "2",
                             "--slowmo-audio", "faster"),
                   "--slowmo-audio faster: use one of drop, stretch, pitch")
    assert leftovers(tmp_path) == []


def test_slowmo_audio_without_slowmo(pan_video, tmp_path):
    one_error_line(tweenflow(pan_video, "-o", tmp_path / "out.mp4", "--multi", "2",
                             "--slowmo-audio", "pitch"),
                   "--slowmo-audio only applies with --slowmo")
    assert leftovers(tmp_path) == []


def test_bad_stream_index(pan_video, tmp_path):
    for index in ("1", "-1"):
        one_error_line(tweenflow(pan_video, "-o", tmp_path / "out.mp4", "--multi", "2",
                                 "--stream", index),
                       f"--stream {index}: {pan_video} has 1 video stream (give 0)")
    assert leftovers(tmp_path) == []


def test_stream_on_an_image_folder(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for index in range(2):
        write_image(folder / f"{index}.png", np.zeros((16, 16, 3), np.uint8))
    one_error_line(tweenflow(folder, "-o", tmp_path / "out.mp4", "--multi", "2",
                             "--stream", "1"), "is a folder of images")


def test_not_a_video(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("hello")
    one_error_line(tweenflow(fake, "-o", tmp_path / "out.mp4", "--multi", "2"),
                   "not a readable video")
    assert leftovers(tmp_path) == []


def test_no_video_stream(tmp_path):
    sound_only = tmp_path / "sound.m4a"
    with av.open(str(sound_only), "w") as container:
        stream = container.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                           layout="mono")
        frame.sample_rate, frame.pts = 8000, 0
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    one_error_line(tweenflow(sound_only, "-o", tmp_path / "out.mp4", "--multi", "2"),
                   "has no video stream")


def test_truncated_file_leaves_no_output(pan_video, tmp_path):
    source = write_video(tmp_path / "long.mp4", moving_frames(40))
    data = source.read_bytes()
    truncated = tmp_path / "cut.mp4"
    truncated.write_bytes(data[:len(data) * 2 // 3])
    completed = tweenflow(truncated, "-o", tmp_path / "out.mp4", "--multi", "2")
    one_error_line(completed, "cut.mp4")
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


# Matroska lists no frame count: a file cut short, or damaged so that its demuxer stops early,
# read as a shorter video and converted "successfully"; its DURATION tag says where it ends
@pytest.mark.parametrize("damage", ["cut", "overwritten"])
def test_truncated_or_damaged_matroska_leaves_no_output(tmp_path, damage):
    source = write_video(tmp_path / "long.mkv", moving_frames(40))
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    if damage == "cut":
        data = data[:len(data) * 2 // 3]
    else:
        data[middle:middle + 300] = bytes(300)
    broken = tmp_path / "broken.mkv"
    broken.write_bytes(bytes(data))
    completed = tweenflow(broken, "-o", tmp_path / "out.mp4", "--multi", "2")
    one_error_line(completed, "broken.mkv", "truncated or damaged")
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


# FFmpeg's DURATION tag is where the track ends (not how long it lasts), and a last frame may
# show for long: neither is a truncated file
@pytest.mark.parametrize("first, last_duration", [(3, 40), (0, 3000)])
def test_complete_matroska_is_not_taken_for_truncated(tmp_path, first, last_duration):
    source = tmp_path / "complete.mkv"
    with av.open(str(source), "w") as container:
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv444p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for index, frame in enumerate(moving_frames(6)):
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = 1000 * first + 40 * index
            for packet in stream.encode(video_frame):
                packet.duration = last_duration if index == 5 else 40
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    completed = tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    times, _ = read_video(tmp_path / "out.mp4")
    assert len(times) == 12 and times[0] == first


# A Matroska file cut while it was recording has no Cues, no Duration and no DURATION tags,
# so nothing lists where it should end: it is converted as it is (every complete frame, the
# audio with it), and a line says it was cut
@pytest.mark.parametrize("fraction", [0.55, 0.8])
def test_a_recording_cut_short_is_converted_with_one_line_saying_so(tmp_path, fraction):
    recording = live_recording(tmp_path / "live.mkv")
    length = int(recording.stat().st_size * fraction)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(recording.read_bytes()[:length])
    complete = [(kind, begin) for kind, begin, end in packet_spans(recording) if end <= length]
    assert len(complete) < len(packet_spans(recording))              # it lost packets
    frames = sum(kind == "video" for kind, _ in complete)
    target = tmp_path / "out.mkv"
    completed = tweenflow(cut, "-o", target, "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    said = [line for line in completed.stderr.splitlines() if "cut short" in line]
    assert len(said) == 1 and "cut.mkv" in said[0], completed.stderr
    assert f"{frames} frames in, {2 * frames} out" in completed.stderr
    times, _ = read_video(target)
    assert len(times) == 2 * frames
    video_end = times[-1] + Fraction(1, 50)
    with av.open(str(target)) as container:
        audio = container.streams.audio[0]
        audio_end = max((packet.pts + packet.duration) * audio.time_base
                        for packet in container.demux(audio) if packet.pts is not None)
    assert abs(audio_end - video_end) <= Fraction(1, 25)      # within a frame of each other


def odd_sized_video(path):
    with av.open(str(path), "w") as container:      # FFV1 stores 4:2:0 at odd sizes
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 63, 47, "yuv420p"
        for frame in moving_frames(4):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame[:47, :63].copy(),
                                                                   format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


# 4:2:0 needs even sides: the writer repeats the last column and row, which changed the size
# without a word
@pytest.mark.parametrize("options, size", [([], (64, 48)), (["--pix-fmt", "yuv444p"], (63, 47))])
def test_an_odd_size_is_kept_or_its_padding_said(tmp_path, options, size):
    source = odd_sized_video(tmp_path / "odd.mkv")
    completed = tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2", *options)
    assert completed.returncode == 0, completed.stderr
    with av.open(str(tmp_path / "out.mp4")) as container:
        frame = next(container.decode(video=0))
    assert (frame.width, frame.height) == size
    padded = [line for line in completed.stderr.splitlines() if "63x47" in line]
    if size == (64, 48):
        assert len(padded) == 1 and "64x48" in padded[0] and "--pix-fmt yuv444p" in padded[0]
    else:
        assert padded == []


# Frames whose times repeat or go back (broken muxing) are refused naming the file and the
# times (the message named neither)
@pytest.mark.parametrize("pts", [[0, 40, 40, 80, 120], [0, 40, 80, 60, 120]])
@pytest.mark.parametrize("output", ["out.mp4", "frames"])
def test_repeated_or_backward_times_are_one_line_naming_the_file(tmp_path, pts, output):
    source = tmp_path / "stamps.mkv"
    with av.open(str(source), "w") as container:      # intra-only: any pts order muxes
        stream = container.add_stream("ffv1", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv444p"
        stream.time_base = stream.codec_context.time_base = Fraction(1, 1000)
        for index, frame in enumerate(moving_frames(len(pts))):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                packet.pts, packet.dts = pts[index], index
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    completed = tweenflow(source, "-o", tmp_path / output, "--multi", "2")
    repeated = pts[2] == pts[1]
    one_error_line(completed, "stamps.mkv", "must increase", "0.040 s" if repeated else "0.060 s")
    assert not (tmp_path / output).exists() and leftovers(tmp_path) == []


# FFmpeg drops an mp4 track that has no frames, so a 0-frame file reads as "no video stream"
@pytest.mark.parametrize("count, message", [(0, "has no video"),
                                            (1, "has only one frame")])
def test_zero_and_one_frame_videos(tmp_path, count, message):
    source = tmp_path / f"frames{count}.mp4"
    if count:
        write_video(source, moving_frames(1))
    else:
        with av.open(str(source), "w") as container:
            stream = container.add_stream("libx264", rate=25)
            stream.width, stream.height = 64, 64
            container.start_encoding()
    one_error_line(tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2"), message)
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


def test_output_equal_to_input_is_refused(pan_video, tmp_path):
    before = pan_video.read_bytes()
    one_error_line(tweenflow(pan_video, "-o", pan_video, "--multi", "2", "-y"),
                   "would overwrite the input")
    assert pan_video.read_bytes() == before


def test_existing_output_needs_overwrite(pan_video, tmp_path):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"keep me")
    one_error_line(tweenflow(pan_video, "-o", target, "--multi", "2"), "-y/--overwrite")
    assert target.read_bytes() == b"keep me"


@pytest.mark.parametrize("target, message", [("/proc/out.mp4", "cannot write"),
                                             ("missing/out.mp4", "no such folder"),
                                             ("out.png", "give a video name"),
                                             ("out.avi", "unknown video type")])
def test_unwritable_or_wrong_outputs(pan_video, tmp_path, target, message):
    one_error_line(tweenflow(pan_video, "-o", target, "--multi", "2", cwd=tmp_path), message)


@pytest.mark.parametrize("option, message", [(["--multi", "1"], "at least 2"),
                                             (["--fps", "fast"], "not a frame rate"),
                                             (["--fps", "0"], "must be positive"),
                                             (["--multi", "2", "--dedup", "sometimes"],
                                              "use auto, off or a threshold"),
                                             (["--multi", "2", "--dedup", "-3"], "0-255"),
                                             (["--multi", "2", "--dedup", "nan"], "0-255"),
                                             # below 0 every pair was a cut, above 255 none
                                             (["--multi", "2", "--scene-threshold", "-3"],
                                              "--scene-threshold -3: the scene-cut score is "
                                              "0-255 (default 27; --no-scene-detect turns"),
                                             (["--multi", "2", "--scene-threshold", "256"],
                                              "0-255"),
                                             (["--multi", "2", "--scene-threshold", "nan"],
                                              "0-255"),
                                             (["--multi", "2", "--large-motion", "placement"],
                                              "--large-motion applies to --engine auto, "
                                              "not classical")])
def test_bad_options(pan_video, tmp_path, option, message):
    one_error_line(tweenflow(pan_video, "-o", tmp_path / "out.mp4", *option), message)
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


def test_dedup_off_and_threshold(tmp_path):
    # frame 2 shown three times, re-encoded near-losslessly: held frames
    source = write_video(tmp_path / "twos.mp4", moving_frames(5, repeat={2: 2}))
    for value, dropped in (("auto", 2), ("off", 0), ("0", 2)):
        completed = tweenflow(source, "-o", tmp_path / f"out_{value}.mp4", "--multi", "2",
                              "--dedup", value)
        assert completed.returncode == 0, completed.stderr
        assert f"{dropped} held frames dropped" in completed.stderr
        assert len(read_video(tmp_path / f"out_{value}.mp4")[0]) == 14


def test_missing_retime_option_is_a_usage_error(pan_video, tmp_path):
    completed = tweenflow(pan_video, "-o", tmp_path / "out.mp4")
    assert completed.returncode == 2 and "one of the arguments" in completed.stderr


@pytest.mark.parametrize("stop, code, said", [("SIGINT", 130, "interrupted"),
                                               ("SIGTERM", 143, "terminated")])
def test_ctrl_c_leaves_no_finished_looking_file(tmp_path, stop, code, said):
    """Ctrl-C, or SIGTERM (kill, timeout, a scheduler): the run stops cleanly either way."""
    import signal
    import time
    source = write_video(tmp_path / "long.mp4", moving_frames(150, height=192, width=256))
    target = tmp_path / "out.mp4"
    process = popen_interruptible([sys.executable, "-m", "tweenflow", "video", str(source), "-o",
                                str(target), "--multi", "4", "--engine", "classical", "-q"],
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not leftovers(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)                      # wait until the temporary output exists
    time.sleep(0.5)                           # into the middle of the work
    assert process.poll() is None, "finished before it could be interrupted"
    process.send_signal(getattr(signal, stop))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code and said in stderr, stderr
    # one segment of 10 s, not finished: no work folder stays either (a resume would have
    # nothing to start from; finished segments do stay: tests/jobs/test_resume.py)
    assert not target.exists() and leftovers(tmp_path) == []


def test_a_raw_h264_stream_without_timestamps_is_one_line(tmp_path):
    source = tmp_path / "camera.h264"
    h264_clip(source, 4, container_format="h264")
    completed = tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2")
    one_error_line(completed, "camera.h264", "has no timestamp", "remux it into MP4 or MKV")
    assert not (tmp_path / "out.mp4").exists() and leftovers(tmp_path) == []


# Interlaced video (DV, broadcast) is interpolated as stored, both fields together: it said
# nothing about the combing that gives where things move
@pytest.mark.parametrize("output", ["out.mp4", "frames"])
@pytest.mark.parametrize("interlaced", [True, False])
def test_an_interlaced_input_is_said_to_be_interpolated_as_stored(tmp_path, output, interlaced):
    source = tmp_path / "tv.mp4"
    h264_clip(source, 3, options={"x264-params": f"interlaced={int(interlaced)}"})
    completed = tweenflow(source, "-o", tmp_path / output, "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    said = [line for line in completed.stderr.splitlines()
            if "interlaced" in line and "wrote" not in line]
    assert len(said) == (1 if interlaced else 0), completed.stderr
    if interlaced:
        assert "deinterlace" in said[0]


def mixed_scan_clip(path, runs):
    """An MKV whose H.264 stream is made of `runs` (count, interlaced): each run its own x264
    encode (its own SPS in band), so the decoder flags its frames interlaced or not."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        frames = iter(moving_frames(sum(count for count, _ in runs)))
        pts = 0
        for count, interlaced in runs:
            encoder = av.CodecContext.create("libx264", "w")
            encoder.width, encoder.height, encoder.pix_fmt = 96, 64, "yuv420p"
            encoder.time_base, encoder.framerate = Fraction(1, 25), 25
            encoder.options = {"x264-params": f"interlaced={int(interlaced)}:repeat-headers=1"}
            for _ in range(count):
                frame = av.VideoFrame.from_ndarray(next(frames), format="rgb24")
                frame.pts, pts = pts, pts + 1
                for packet in encoder.encode(frame):
                    packet.stream = stream
                    container.mux(packet)
            for packet in encoder.encode(None):
                packet.stream = stream
                container.mux(packet)
    return path


# Scan type is decided from the first frames (up to 2 s), not the first one alone: a clip that
# opens with progressive frames (a slate, an ad) and is interlaced after, or the reverse, is
# partly interlaced, and says how much of what was looked at
@pytest.mark.parametrize("runs, said", [
    ([(5, False), (10, True)], "partly interlaced (10 of its first 15 frames)"),
    ([(5, True), (10, False)], "partly interlaced (5 of its first 15 frames)"),
    ([(15, True)], "is interlaced:")])
def test_scan_type_is_decided_from_the_first_frames_not_the_first_one(tmp_path, runs, said):
    source = mixed_scan_clip(tmp_path / "tv.mkv", runs)
    with av.open(str(source)) as container:      # the clip is what it should be
        flags = [frame.interlaced_frame for frame in container.decode(video=0)]
    assert flags == [interlaced for count, interlaced in runs for _ in range(count)]
    completed = tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    lines = [line for line in completed.stderr.splitlines() if "interlaced" in line]
    assert len(lines) == 1 and said in lines[0] and "deinterlace" in lines[0], completed.stderr


def test_a_song_with_cover_art_has_no_video_stream(tmp_path):
    source = tmp_path / "song.mp3"
    with av.open(str(source), "w") as container:
        sound = container.add_stream("mp3", rate=48000)
        sound.layout = "stereo"
        cover = container.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 64, 64, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(np.full((64, 64, 3), 90, np.uint8), format="rgb24")
        for packet in [*cover.encode(picture), *cover.encode()]:
            container.mux(packet)
        for start in range(0, 48000, 1152):
            frame = av.AudioFrame.from_ndarray(np.zeros((2, 1152), np.float32), format="fltp",
                                               layout="stereo")
            frame.sample_rate, frame.pts = 48000, start
            for packet in sound.encode(frame):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
    one_error_line(tweenflow(source, "-o", tmp_path / "out.mp4", "--multi", "2"),
                   "song.mp3: has no video stream (only a cover picture)")
    assert leftovers(tmp_path) == [] and not (tmp_path / "out.mp4").exists()


# `ffmpeg -ss T -c copy` cuts an MP4 without re-encoding: it keeps the packets from the keyframe
# before T and an edit list hides the frames before T (decoders drop them), while the file still
# lists them; such a clip was refused as truncated
@pytest.mark.parametrize("output", ["out.mp4", "frames"])
def test_an_mp4_cut_by_an_edit_list_converts(tmp_path, output):
    whole = tmp_path / "whole.mp4"
    h264_clip(whole, 30, options={"g": "10", "bf": "0", "sc_threshold": "0"})
    cut = tmp_path / "cut.mp4"
    with av.open(str(whole)) as source, av.open(str(cut), "w") as target:
        video = source.streams.video[0]
        copy = target.add_stream_from_template(video)
        step = int(1 / (video.average_rate * video.time_base))
        for packet in source.demux(video):
            if packet.size and packet.pts >= 10 * step:     # from the keyframe at frame 10
                packet.pts -= 14 * step                     # the cut at frame 14
                packet.dts -= 14 * step
                packet.stream = copy
                target.mux(packet)
    with av.open(str(cut)) as container:
        listed = container.streams.video[0].frames
        shown = len(list(container.decode(video=0)))
    assert (listed, shown) == (20, 16)
    completed = tweenflow(cut, "-o", tmp_path / output, "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    assert "16 frames in, 32 out" in completed.stderr


# Matroska keeps times in milliseconds: 2000 fps output frames (a 1000 fps clip, --multi 2)
# were written with every other time repeated (0, 1, 1, 2, 2, ... ms)
@pytest.mark.parametrize("suffix", [".mkv", ".mp4"])
def test_frames_closer_than_the_container_can_time(tmp_path, suffix):
    source = tmp_path / "fast.mov"
    h264_clip(source, 4, rate=1000)
    target = tmp_path / f"out{suffix}"
    completed = tweenflow(source, "-o", target, "--multi", "2")
    if suffix == ".mkv":
        one_error_line(completed, ".mkv", "2000 fps", ".mp4 or .mov")
        assert not target.exists() and leftovers(tmp_path) == []
    else:
        assert completed.returncode == 0, completed.stderr
        times, _ = read_video(target)
        assert len(times) == 8 and all(b > a for a, b in zip(times, times[1:]))


def test_a_codec_ffmpeg_cannot_decode_is_one_line(tmp_path):
    # (a codec newer than this FFmpeg, e.g. VVC): PyAV gives the stream no codec context
    source = write_video(tmp_path / "h264.mkv", moving_frames(3))
    data = source.read_bytes()
    assert data.count(b"V_MPEG4/ISO/AVC") == 1
    unknown = tmp_path / "unknown.mkv"
    unknown.write_bytes(data.replace(b"V_MPEG4/ISO/AVC", b"V_MPEG4/ISO/XYZ"))
    for output in ("out.mp4", "frames"):
        one_error_line(tweenflow(unknown, "-o", tmp_path / output, "--multi", "2"),
                       "unknown.mkv", "cannot decode its video")
        assert not (tmp_path / output).exists()


@pytest.mark.parametrize("mode", [["--multi", "2"], ["--slowmo", "2"]])
def test_an_audio_stream_in_an_unknown_codec_is_left_out_with_a_line(tmp_path, mode):
    source = write_video(tmp_path / "aac.mkv", moving_frames(4), audio=True)
    data = source.read_bytes()
    assert data.count(b"A_AAC") == 1
    unknown = tmp_path / "unknown_audio.mkv"
    unknown.write_bytes(data.replace(b"A_AAC", b"A_XYZ"))
    completed = tweenflow(unknown, "-o", tmp_path / "out.mp4", *mode)
    assert completed.returncode == 0, completed.stderr
    left_out = [line for line in completed.stderr.splitlines() if "left out stream #1" in line]
    assert len(left_out) == 1 and "codec" in left_out[0], completed.stderr
    with av.open(str(tmp_path / "out.mp4")) as container:
        assert [stream.type for stream in container.streams] == ["video"]


# DV, DVD, HDV and broadcast SD store anamorphic pixels (a sample aspect ratio): the output
# had square ones, so a 16:9 HDV picture played squeezed to 4:3
@pytest.mark.parametrize("suffix", [".mp4", ".mkv"])
def test_the_pixel_aspect_ratio_is_kept(tmp_path, suffix):
    source = tmp_path / "hdv.mkv"
    h264_clip(source, 4, sample_aspect_ratio=Fraction(4, 3))
    target = tmp_path / f"out{suffix}"
    completed = tweenflow(source, "-o", target, "--multi", "2")
    assert completed.returncode == 0, completed.stderr
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.sample_aspect_ratio == Fraction(4, 3)
        assert stream.display_aspect_ratio == Fraction(2)


# A broadcast recording switching between SD and HD, or two clips joined, changes the picture
# size midway: the scene detector failed on the two sizes with an AssertionError traceback
@pytest.mark.parametrize("output", ["out.mp4", "frames"])
def test_a_picture_size_change_midway_is_one_line(tmp_path, output):
    parts = []
    for number, (width, height) in enumerate([(96, 64), (128, 96)]):
        part = tmp_path / f"part{number}.ts"
        with av.open(str(part), "w") as container:
            stream = container.add_stream("libx264", rate=25)
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            mux_frames(container, stream, moving_frames(4, height, width))
        parts.append(part)
    source = tmp_path / "joined.ts"
    with av.open(str(parts[0])) as first, av.open(str(parts[1])) as second, \
            av.open(str(source), "w") as joined:
        copy = joined.add_stream_from_template(first.streams.video[0])
        shift = 0
        for part in (first, second):
            packets = [packet for packet in part.demux(video=0) if packet.size]
            offset = shift - min(packet.dts for packet in packets)
            for packet in packets:
                packet.pts, packet.dts, packet.stream = packet.pts + offset, packet.dts + offset, copy
                joined.mux(packet)
            shift = max(packet.pts for packet in packets) + 3600 * 2
    completed = tweenflow(source, "-o", tmp_path / output, "--multi", "2")
    one_error_line(completed, "joined.ts", "changes size", "96x64 to 128x96")
    assert not (tmp_path / output).exists() and leftovers(tmp_path) == []


def test_three_images_to_2_fps_make_one_frame_as_long_as_the_input(tmp_path):
    """Three images at --input-fps 30 last 0.1 s: at --fps 2 that is one frame (at 0), shown
    for 0.1 s, not for the half second of a frame at 2 fps."""
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, frame in enumerate(moving_frames(3)):
        write_image(folder / f"{index}.png", frame)
    target = tmp_path / "out.mp4"
    completed = tweenflow(folder, "-o", target, "--input-fps", "30", "--fps", "2")
    assert completed.returncode == 0, completed.stderr
    assert "3 frames in, 1 out" in completed.stderr and "0.100 s" in completed.stderr
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        packets = [packet for packet in container.demux(stream) if packet.pts is not None]
        assert [(packet.pts + packet.duration) * stream.time_base for packet in packets] == \
            [Fraction(1, 10)]


def timecode_clip(path, timecode, rate=25):
    """A MOV of 6 moving frames whose video stream starts at `timecode` (FFmpeg writes a
    timecode track from the tag, as cameras and editing software do)."""
    return write_video(path, moving_frames(6), Fraction(rate), tags={"timecode": timecode})


def timecodes(path):
    """The timecode tag of every stream (the video's and the timecode track's)."""
    with av.open(str(path)) as container:
        return [stream.metadata.get("timecode") for stream in container.streams]


@pytest.mark.parametrize("option, expected, said", [
    (("--multi", 2), "10:00:00:24", None),           # frame 12 at 25 fps is frame 24 at 50
    (("--slowmo", 2), "10:00:00:12", None),          # same rate, same first frame
    (("--fps", 60), "10:00:00:29", "falls between frames at 60 fps: written as 10:00:00:29"),
])
def test_the_start_timecode_marks_the_same_instant_at_the_new_rate(tmp_path, option, expected,
                                                                     said):
    source = timecode_clip(tmp_path / "camera.mov", "10:00:00:12")
    assert timecodes(source) == ["10:00:00:12", "10:00:00:12"]
    completed = tweenflow(source, "-o", tmp_path / "out.mov", *option)
    assert completed.returncode == 0, completed.stderr
    assert timecodes(tmp_path / "out.mov") == [expected, expected]
    notes = [line for line in completed.stderr.splitlines()
             if line.startswith("tweenflow: start timecode")]
    assert len(notes) == (said is not None)
    assert said is None or said in notes[0]
    # the old timecode track is not copied, and the line says where its timecode went
    assert f"tweenflow: stream #1 (data timecode, eng): its start timecode {expected} goes " \
           f"with the video (a new timecode track is written from it)" in completed.stderr
    assert "left out" not in completed.stderr
