"""Codecs, pixel formats and options (video/encoding.py) through the one VideoWriter; the 8-bit
default must stay the bitstream it always was; every impossible combination is one line."""
from __future__ import annotations

import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.video.conftest import moving_frames, write_video
from tweenflow.cli import option_flag
from tweenflow.errors import OutputError
from tweenflow.video.clip import write_clip
from tweenflow.video.encoding import CODECS, CONTAINERS, Encoding, encoder_settings
from tweenflow.video.reader import CONVERSION_FLAGS, FULL_RANGE, ColourInfo
from tweenflow.video.writer import VideoWriter


def decoded(path: Path, layout: str = "rgb24") -> tuple[str, str, list[np.ndarray]]:
    """(decoder name, pix_fmt, RGB frames converted with the file's own matrix and range)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = [frame.reformat(format=layout, src_colorspace=frame.colorspace,
                                 src_color_range=frame.color_range, dst_color_range=FULL_RANGE,
                                 interpolation=CONVERSION_FLAGS).to_ndarray()
                  for frame in container.decode(stream)]
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames


def legacy_h264(path: Path, frames: list[np.ndarray], time_base: Fraction, rate: Fraction,
                colour: ColourInfo) -> None:
    """The 8-bit writer as it was before codecs were configurable (libx264 CRF 18 medium,
    yuv420p, one thread), kept here as the reference for 'unchanged'."""
    container = av.open(str(path), "w", options={"avoid_negative_ts": "disabled"})
    stream = container.add_stream("libx264", rate=rate)
    height, width = frames[0].shape[:2]
    stream.width, stream.height = width + width % 2, height + height % 2
    stream.pix_fmt = "yuv420p"
    stream.time_base = time_base
    stream.codec_context.time_base = time_base
    stream.options = {"crf": "18", "preset": "medium"}
    context = stream.codec_context
    context.thread_count = 1
    context.colorspace, context.color_range = colour.colorspace, colour.color_range
    context.color_primaries, context.color_trc = colour.color_primaries, colour.color_trc
    for index, rgb in enumerate(frames):
        rgb = np.pad(rgb, ((0, height % 2), (0, width % 2), (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
            format="yuv420p", src_colorspace=colour.colorspace, dst_colorspace=colour.colorspace,
            src_color_range=FULL_RANGE, dst_color_range=colour.color_range,
            interpolation=CONVERSION_FLAGS)
        frame.pts, frame.time_base = int(index / rate / time_base), time_base
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


@pytest.mark.parametrize("height,width", [(64, 96), (45, 71)])
def test_default_8bit_output_is_the_same_bitstream_as_before(tmp_path, height, width):
    frames = [frame[:height, :width].copy() for frame in moving_frames(6, 64, 96, step=3)]
    colour = ColourInfo(1, 1, 1, 1)
    time_base, rate = Fraction(1, 12800), Fraction(25)
    legacy_h264(tmp_path / "before.mp4", frames, time_base, rate, colour)
    writer = VideoWriter(tmp_path / "now.mp4", width, height, time_base, rate, colour)
    for index, frame in enumerate(frames):
        writer.write(index / rate, frame)
    writer.close()
    with av.open(str(tmp_path / "before.mp4")) as before, av.open(str(tmp_path / "now.mp4")) as now:
        packets_before = [bytes(p) for p in before.demux(video=0) if p.size]
        packets_now = [bytes(p) for p in now.demux(video=0) if p.size]
    assert len(packets_now) == 6 and packets_now == packets_before


# (codec, container, decoded RGB may differ by at most this mean, pix_fmt expected)
ROUND_TRIPS = [("h264", ".mp4", 3.0, "yuv420p"), ("h265", ".mkv", 3.0, "yuv420p"),
               ("av1", ".mp4", 3.0, "yuv420p"), ("vp9", ".webm", 3.0, "yuv420p"),
               ("prores", ".mov", 1.5, "yuv422p10le"), ("ffv1", ".mkv", 0.6, "yuv444p")]


def smooth_frames(count: int) -> list[np.ndarray]:
    """The panning texture blurred: content 4:2:0 chroma can hold, so what is measured is the
    codec, not the subsampling."""
    return [cv2.GaussianBlur(frame, (0, 0), 2.5) for frame in moving_frames(count, 64, 96)]


@pytest.mark.parametrize("codec,suffix,tolerance,pix_fmt", ROUND_TRIPS)
def test_each_codec_round_trips(tmp_path, codec, suffix, tolerance, pix_fmt):
    frames = smooth_frames(5)
    target = tmp_path / f"clip{suffix}"
    assert write_clip(frames, target, 12, Encoding(codec)) == 5
    name, got_pix_fmt, out = decoded(target)
    assert name == {"h265": "hevc", "prores": "prores", "av1": "libdav1d"}.get(codec, codec) \
        or (codec == "av1" and name == "av1")
    assert got_pix_fmt == pix_fmt and len(out) == 5
    errors = [np.abs(a.astype(np.float32) - b).mean() for a, b in zip(frames, out)]
    assert max(errors) < tolerance, errors


def test_lossless_h264_and_h265_keep_the_yuv_exactly(tmp_path):
    frames = moving_frames(3, 64, 96)
    for codec in ("h264", "h265"):
        write_clip(frames, tmp_path / f"{codec}.mkv", 12, Encoding(codec, lossless=True,
                                                                    pix_fmt="yuv444p"))
        _, _, out = decoded(tmp_path / f"{codec}.mkv")
        # lossless in YUV: only the RGB <-> YUV rounding remains
        assert max(np.abs(a.astype(int) - b).max() for a, b in zip(frames, out)) <= 3


def test_crf_changes_the_size(tmp_path):
    frames = moving_frames(4, 64, 96)
    sizes = []
    for crf in (10, 40):
        write_clip(frames, tmp_path / f"c{crf}.mp4", 12, Encoding("h264", crf=crf))
        sizes.append((tmp_path / f"c{crf}.mp4").stat().st_size)
    assert sizes[0] > 2 * sizes[1]


def test_clip_writer_tags_bt709_like_the_video_writer(tmp_path):
    write_clip(moving_frames(3, 64, 96), tmp_path / "clip.mp4", 12)
    with av.open(str(tmp_path / "clip.mp4")) as container:
        context = container.streams.video[0].codec_context
        assert (context.colorspace, context.color_primaries, context.color_trc,
                context.color_range) == (1, 1, 1, 1)


@pytest.mark.parametrize("encoding,suffix,fragment,cli_fragment", [
    (Encoding("prores"), ".mp4", "prores cannot go in a .mp4 file; use .mkv or .mov", None),
    (Encoding("ffv1"), ".mov", "ffv1 cannot go in a .mov file; use .mkv", None),
    (Encoding("vp9"), ".mov", "vp9 cannot go in a .mov file; use .mkv or .mp4 or .webm (or "
                              "another codec)", "(or another --codec)"),
    (Encoding("av1"), ".mov", "av1 cannot go in a .mov file; use .mkv or .mp4 or .webm", None),
    (Encoding("prores", crf=20), ".mov", "crf does not apply to prores",
     "--crf does not apply to prores"),
    (Encoding("ffv1", crf=20), ".mkv", "crf does not apply to ffv1 (always lossless)",
     "--crf does not apply to ffv1 (always lossless)"),
    (Encoding("h264", crf=60), ".mp4", "crf=60 is outside 0-51 for h264",
     "--crf 60 is outside 0-51 for h264"),
    # libsvtav1 takes crf 0 as "not set": its own default, CRF 35, worse than our 30
    (Encoding("av1", crf=0), ".mp4", "crf=0 is outside 1-63 for av1",
     "--crf 0 is outside 1-63 for av1"),
    (Encoding("h264", crf=20, lossless=True), ".mp4", "crf and lossless contradict",
     "--crf and --lossless contradict"),
    (Encoding("av1", lossless=True), ".mp4", "av1 has no lossless mode here; use codec ffv1, "
                                             "h264, h265 or vp9 with lossless",
     "use --codec ffv1, h264, h265 or vp9 with --lossless"),
    (Encoding("prores", lossless=True), ".mov", "prores has no lossless mode here", None),
    (Encoding("h264", preset="quick"), ".mp4", "unknown preset='quick' for h264",
     "unknown --preset quick for h264"),
    (Encoding("ffv1", preset="fast"), ".mkv", "preset does not apply to ffv1",
     "--preset does not apply to ffv1"),
    (Encoding("h264", pix_fmt="yuva420p"), ".mp4", "pix_fmt='yuva420p' is not supported by h264",
     "--pix-fmt yuva420p is not supported by h264"),
    (Encoding("mpeg2"), ".mp4", "unknown codec='mpeg2'", "unknown --codec mpeg2"),
    (Encoding("h264"), ".webm", "h264 cannot go in a .webm file; use .mkv or .mov or .mp4",
     None),
])
def test_impossible_combinations_are_refused(encoding, suffix, fragment, cli_fragment):
    # a Python caller reads the arguments' names (crf=60), the CLI its options (--crf 60)
    with pytest.raises(OutputError, match=None) as raised:
        encoder_settings(encoding, suffix, high_depth=False, alpha=False)
    assert fragment in str(raised.value) and "--" not in str(raised.value)
    assert (cli_fragment or fragment) in raised.value.worded(option_flag)


def test_every_codec_has_a_container_and_working_defaults():
    for codec in CODECS.values():
        suffix = ".mkv" if codec.name in CONTAINERS[".mkv"] else ".mov"
        settings, notes = encoder_settings(Encoding(codec.name), suffix, False, False)
        assert settings.pix_fmt == codec.pix_fmt and notes == []


def run(*args):
    return subprocess.run([sys.executable, "-m", "tweenflow", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory) -> Path:
    return write_video(tmp_path_factory.mktemp("enc") / "in.mp4", moving_frames(4))


def test_cli_codec_options_write_that_codec(small_video, tmp_path):
    target = tmp_path / "out.mkv"
    completed = run("video", small_video, "-o", target, "--multi", "2", "--engine", "classical",
                    "-q", "--codec", "h265", "--crf", "30", "--preset", "ultrafast")
    assert completed.returncode == 0, completed.stderr
    name, pix_fmt, frames = decoded(target)
    assert (name, pix_fmt, len(frames)) == ("hevc", "yuv420p", 8)


@pytest.mark.parametrize("args,fragment", [
    (["--codec", "prores"], "prores cannot go in a .mp4 file"),
    (["--codec", "h265", "--crf", "70"], "--crf 70 is outside 0-51 for h265"),
    (["--pix-fmt", "rgb24"], "--pix-fmt rgb24 is not supported by h264"),
    (["--lossless", "--crf", "3"], "--crf and --lossless contradict"),
    (["--codec", "divx"], "invalid choice: 'divx'"),
    # listed by libx265 but refused when opened (an x265 built without alpha): a traceback
    (["--codec", "h265", "--pix-fmt", "yuva420p"],
     "cannot open the h265 encoder (libx265) for yuva420p"),
])
def test_cli_refuses_impossible_encodings_in_one_line(small_video, tmp_path, args, fragment):
    target = tmp_path / "out.mp4"
    completed = run("video", small_video, "-o", target, "--multi", "2", "--engine",
                    "classical", "-q", *args)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], completed.stderr
    assert list(tmp_path.iterdir()) == []      # nor a segmented run's work folder


def test_each_container_gets_a_codec_it_holds_by_default():
    """WebM holds no H.264: without --codec a .webm gets VP9 (as FFmpeg's default), the
    other containers H.264."""
    for suffix, name in ((".webm", "vp9"), (".mp4", "h264"), (".mkv", "h264"), (".mov", "h264")):
        settings, _ = encoder_settings(Encoding(), suffix, False, False)
        assert settings.codec.name == name


@pytest.mark.parametrize("command", ["video", "interpolate"])
def test_cli_webm_without_codec_is_vp9(small_video, tmp_path, command):
    """`-o out.webm` with no --codec was refused ('h264 cannot go in a .webm file')."""
    target = tmp_path / "out.webm"
    if command == "video":
        completed = run("video", small_video, "-o", target, "--multi", "2", "--engine",
                        "classical", "-q", "--preset", "8")
        expected = 8
    else:
        frames = [tmp_path / "a.png", tmp_path / "b.png"]
        for path, frame in zip(frames, moving_frames(2)):
            cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        completed = run("interpolate", *frames, "-n", "3", "-o", target, "--engine",
                        "classical")
        expected = 5
    assert completed.returncode == 0, completed.stderr
    name, pix_fmt, frames_out = decoded(target)
    assert (name, pix_fmt, len(frames_out)) == ("vp9", "yuv420p", expected)


def test_cli_vp9_and_av1_to_mov_are_one_line(small_video, tmp_path):
    # FFmpeg's QuickTime muxer takes VP9 and AV1 only in .mp4: the header failed after the
    # checks, with an av.error.ArgumentError traceback
    for codec in ("vp9", "av1"):
        target = tmp_path / f"out_{codec}.mov"
        completed = run("video", small_video, "-o", target, "--multi", "2", "--engine",
                        "classical", "-q", "--codec", codec)
        assert completed.returncode == 2, completed.stderr
        assert completed.stderr.strip() == (f"tweenflow: error: {codec} cannot go in a .mov "
                                             f"file; use .mkv or .mp4 or .webm (or another "
                                             f"--codec)")
        assert list(tmp_path.iterdir()) == []


def test_cli_interpolate_clip_takes_the_codec_options(tmp_path):
    from tweenflow.images import write_image
    frames = moving_frames(2, 64, 96, step=4)
    for index, frame in enumerate(frames):
        write_image(tmp_path / f"{index}.png", frame)
    target = tmp_path / "clip.mov"
    completed = run("interpolate", tmp_path / "0.png", tmp_path / "1.png", "-n", "2", "-o",
                    target, "--engine", "classical", "--codec", "prores")
    assert completed.returncode == 0, completed.stderr
    assert decoded(target)[:2] == ("prores", "yuv422p10le")
    refused = run("interpolate", tmp_path / "0.png", tmp_path / "1.png", "-n", "2", "-o",
                  tmp_path / "frames", "--engine", "classical", "--codec", "prores")
    assert refused.returncode == 2 and "apply to video outputs" in refused.stderr


def test_vp9_alpha_only_where_matroska_keeps_it():
    # VP9's alpha travels in Matroska block side data: in an .mp4 it was silently lost (the
    # file decoded opaque with libvpx-vp9) although no note said so
    settings, notes = encoder_settings(Encoding("vp9"), ".webm", False, True)
    assert settings.pix_fmt == "yuva420p" and notes == []
    settings, notes = encoder_settings(Encoding("vp9"), ".mp4", False, True)
    assert settings.pix_fmt == "yuv420p"
    assert notes == ["alpha dropped: vp9 keeps it only in .webm or .mkv; use one of them, "
                     "codec prores or ffv1 (or a PNG folder)"]
    assert "use one of them, --codec prores or ffv1" in notes[0].worded(option_flag)
    with pytest.raises(OutputError, match="vp9 keeps alpha only in .webm or .mkv files"):
        encoder_settings(Encoding("vp9", pix_fmt="yuva420p"), ".mp4", False, False)


@pytest.mark.parametrize("suffix", [".mp4", ".mov"])
def test_h265_in_mp4_and_mov_is_tagged_hvc1(tmp_path, suffix):
    # FFmpeg tags HEVC 'hev1' by default, which Apple's players (QuickTime, Safari, iOS)
    # refuse to play; 'hvc1' (parameter sets in the sample entry) plays everywhere
    target = tmp_path / f"out{suffix}"
    write_clip(moving_frames(3, 48, 64), target, 25, Encoding("h265", preset="ultrafast"))
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.codec_tag == "hvc1"
        assert len(list(container.decode(stream))) == 3


def test_cli_av1_prints_only_its_own_lines(small_video, tmp_path):
    # SVT-AV1 printed its configuration (about 45 'Svt[info]' lines) to stderr on every run
    target = tmp_path / "out.webm"
    completed = run("video", small_video, "-o", target, "--multi", "2", "--engine", "classical",
                    "--codec", "av1", "--preset", "13", "-q")
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.startswith("tweenflow: wrote ")
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr


def test_an_input_with_alpha_gets_a_codec_that_keeps_it_where_the_container_has_one():
    """Without --codec: ProRes 4444 in .mov/.mkv, VP9 in .webm; MP4 holds no codec with
    alpha here, so H.264 drops it with a line."""
    for suffix, name, pix_fmt in ((".mov", "prores", "yuva444p10le"),
                                  (".mkv", "prores", "yuva444p10le"),
                                  (".webm", "vp9", "yuva420p"), (".mp4", "h264", "yuv420p")):
        settings, notes = encoder_settings(Encoding(), suffix, False, True)
        assert (settings.codec.name, settings.pix_fmt) == (name, pix_fmt)
        assert any("alpha" in note for note in notes) == (name != "vp9")
    settings, _ = encoder_settings(Encoding(codec="h264"), ".mov", False, True)
    assert (settings.codec.name, settings.pix_fmt) == ("h264", "yuv420p")   # as asked
    settings, _ = encoder_settings(Encoding(), ".mov", True, False)
    assert settings.codec.name == "h264"                     # no alpha: the usual default
