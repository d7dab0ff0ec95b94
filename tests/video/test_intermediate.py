"""Editing intermediates (video/intermediate.py): without --codec, a ProRes or DNxHD/DNxHR
input to .mov (ProRes also .mkv) comes back in its own family, profile, chroma and depth, with
a line saying so; --codec wins; .mp4 keeps H.264."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tests.conftest import one_error_line, run_cli
from tests.video.conftest import moving_frames
from tweenflow.cli import option_flag
from tweenflow.video.encoding import Encoding, encoder_settings
from tweenflow.video.intermediate import SourceCodec


def write_intermediate(path: Path, encoder: str, pix_fmt: str, options: dict[str, str],
                       height: int = 48, width: int = 64, bit_rate: int | None = None) -> Path:
    """Three frames of a panning texture in `encoder` (prores_ks or dnxhd) with `options`."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream(encoder, rate=Fraction(24), options=options)
        stream.height, stream.width, stream.pix_fmt = height, width, pix_fmt
        if bit_rate is not None:
            stream.bit_rate = bit_rate
        for rgb in moving_frames(3, height, width, step=2):
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def written(path: Path) -> tuple[str, str, str, int, np.ndarray]:
    """(decoder, profile, pix_fmt, frame count, first frame as RGB) of a file."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        context = stream.codec_context
        return (context.name, context.profile, frames[0].format.name, len(frames),
                frames[0].to_ndarray(format="rgb24"))


def converted(source: Path, target: Path, *extra: str):
    completed = run_cli("video", str(source), "-o", str(target), "--multi", "2", "--engine",
                        "classical", *extra)
    assert completed.returncode == 0, completed.stderr
    return completed


# (prores_ks profile, pix_fmt written, container, profile read back, decoded pix_fmt, name)
PRORES_CASES = [("1", "yuv422p10le", ".mov", "LT", "yuv422p10le", "ProRes 422 LT"),
                ("0", "yuv422p10le", ".mkv", "Proxy", "yuv422p10le", "ProRes 422 Proxy"),
                ("2", "yuv422p10le", ".mov", "Standard", "yuv422p10le", "ProRes 422"),
                ("4", "yuv444p10le", ".mov", "4444", "yuv444p12le", "ProRes 4444")]


@pytest.mark.parametrize("profile,pix_fmt,suffix,read_profile,decoded,name", PRORES_CASES)
def test_a_prores_input_comes_back_in_its_profile(tmp_path, profile, pix_fmt, suffix,
                                                   read_profile, decoded, name):
    # before: H.264 High 10 (4:2:0) whatever the ProRes profile
    source = write_intermediate(tmp_path / "in.mov", "prores_ks", pix_fmt, {"profile": profile})
    target = tmp_path / f"out{suffix}"
    completed = converted(source, target)
    assert (f"tweenflow: written as {name} ({pix_fmt}) like the input (the default for ProRes "
            f"inputs in {suffix}; --codec h264 makes a smaller file)") in completed.stderr
    codec, got_profile, got_pix_fmt, count, first = written(target)
    assert (codec, got_profile, got_pix_fmt, count) == ("prores", read_profile, decoded, 6)
    assert np.abs(first.astype(int) - written(source)[4]).mean() < 6     # a generation of LT


def test_dnxhr_keeps_its_profile_and_depth_in_mov(tmp_path):
    for profile, pix_fmt, label in (("dnxhr_hqx", "yuv422p10le", "DNxHR HQX"),
                                    ("dnxhr_sq", "yuv422p", "DNxHR SQ")):
        source = write_intermediate(tmp_path / f"{profile}.mov", "dnxhd", pix_fmt,
                                    {"profile": profile}, 120, 256)
        target = tmp_path / f"{profile}_out.mov"
        completed = converted(source, target)
        assert f"written as {label} ({pix_fmt}) like the input (the default for DNxHD/DNxHR " \
               f"inputs in .mov; --codec h264 makes a smaller file)" in completed.stderr
        codec, got_profile, got_pix_fmt, count, first = written(target)
        assert (codec, got_profile, got_pix_fmt, count) == ("dnxhd", label.upper(), pix_fmt, 6)
        assert np.abs(first.astype(int) - written(source)[4]).mean() < 6


def test_dnxhd_is_written_as_dnxhr_hq_with_a_line(tmp_path):
    # DNxHD's bit rate is fixed per size and frame rate, and the rate doubles here
    source = write_intermediate(tmp_path / "in.mov", "dnxhd", "yuv422p", {}, 720, 1280,
                                bit_rate=90_000_000)
    assert written(source)[1] == "DNXHD"
    target = tmp_path / "out.mov"
    completed = converted(source, target)
    assert "written as DNxHR HQ (yuv422p): the input is DNxHD, which takes only fixed frame " \
           "sizes and bit rates per frame rate, DNxHR any size" in completed.stderr
    assert written(target)[:4] == ("dnxhd", "DNXHR HQ", "yuv422p", 6)


def test_codec_wins_mp4_keeps_h264_and_mkv_says_why_not_dnxhr(tmp_path):
    prores = write_intermediate(tmp_path / "in.mov", "prores_ks", "yuv422p10le",
                                {"profile": "1"})
    completed = converted(prores, tmp_path / "asked.mov", "--codec", "prores")
    assert "like the input" not in completed.stderr
    assert written(tmp_path / "asked.mov")[1] == "HQ"              # --codec prores: 422 HQ
    completed = converted(prores, tmp_path / "out.mp4")
    assert "like the input" not in completed.stderr
    assert written(tmp_path / "out.mp4")[:3] == ("h264", "High 10", "yuv420p10le")
    dnxhr = write_intermediate(tmp_path / "dnxhr.mov", "dnxhd", "yuv422p10le",
                               {"profile": "dnxhr_hqx"}, 120, 256)
    completed = converted(dnxhr, tmp_path / "out.mkv")
    assert "tweenflow: the input is DNxHD/DNxHR, which this FFmpeg cannot write in .mkv: " \
           "written with the default codec; write .mov to keep DNxHR" in completed.stderr
    assert written(tmp_path / "out.mkv")[:3] == ("h264", "High 10", "yuv420p10le")
    completed = converted(dnxhr, tmp_path / "h264.mov", "--codec", "h264")
    assert "DNx" not in completed.stderr
    assert written(tmp_path / "h264.mov")[0] == "h264"


def test_dnxhr_asked_for_on_a_clip_too_small_is_one_line(tmp_path):
    prores = write_intermediate(tmp_path / "in.mov", "prores_ks", "yuv422p10le", {"profile": "3"})
    refused = run_cli("video", str(prores), "-o", str(tmp_path / "out.mov"), "--multi", "2",
                      "--engine", "classical", "--codec", "dnxhr", "--quiet")
    assert "cannot open the dnxhr encoder (dnxhd) for 64x48" in one_error_line(refused)
    assert not (tmp_path / "out.mov").exists()


def test_the_settings_follow_the_source_only_without_codec_or_pix_fmt():
    lt = SourceCodec("prores", "LT", "yuv422p10le")
    settings, notes = encoder_settings(Encoding(), ".mov", True, False, source=lt)
    assert (settings.codec.name, settings.pix_fmt, settings.options["profile"]) == \
        ("prores", "yuv422p10le", "1")
    assert notes[0].worded(option_flag).endswith("--codec h264 makes a smaller file)")
    assert "codec='h264'" in notes[0]
    # a pix_fmt, crf, preset or lossless asked for without a codec: the usual default's
    # options (before, crf=20 on a ProRes input was refused: prores has no CRF mode)
    for asked in (dict(pix_fmt="yuv444p10le"), dict(crf=20), dict(preset="slow"),
                  dict(lossless=True)):
        for alpha in (False, True):
            settings, _ = encoder_settings(Encoding(**asked), ".mov", True, alpha, source=lt)
            assert settings.codec.name == "h264", (asked, alpha)
    assert encoder_settings(Encoding(crf=20), ".mov", True, False, source=lt)[0].options[
        "crf"] == "20"
    # ProRes 4444 XQ with alpha stays XQ; a ProRes of unknown profile: 422 HQ or 4444 by chroma
    settings, notes = encoder_settings(Encoding(), ".mkv", True, True,
                                       source=SourceCodec("prores", "XQ", "yuva444p12le"))
    assert (settings.pix_fmt, settings.options["profile"]) == ("yuva444p10le", "5")
    assert "ProRes 4444 XQ" in notes[0] and "without the alpha" in notes[0]
    for pix_fmt, profile in (("yuv422p10le", "3"), ("yuv444p12le", "4")):
        settings, _ = encoder_settings(Encoding(), ".mov", True, False,
                                       source=SourceCodec("prores", None, pix_fmt))
        assert settings.options["profile"] == profile
    # DNxHR 444 keeps an RGB (gbrp10le) input as RGB
    settings, _ = encoder_settings(Encoding(), ".mov", True, False,
                                   source=SourceCodec("dnxhd", "DNXHR 444", "gbrp10le"))
    assert (settings.codec.name, settings.pix_fmt, settings.options["profile"]) == \
        ("dnxhr", "gbrp10le", "dnxhr_444")
    # other codecs and --codec dnxhr on them: the profile follows the depth
    settings, notes = encoder_settings(Encoding(), ".mov", False, False,
                                       source=SourceCodec("h264", "High", "yuv420p"))
    assert settings.codec.name == "h264" and notes == []
    settings, _ = encoder_settings(Encoding("dnxhr"), ".mov", True, False)
    assert (settings.pix_fmt, settings.options["profile"]) == ("yuv422p10le", "dnxhr_hqx")
