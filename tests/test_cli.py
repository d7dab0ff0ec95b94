"""The CLI as a user runs it: a subprocess, its files, its one-line errors and exit codes."""
import re
import unicodedata
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.conftest import SHARED_DATA, one_error_line, run_cli as run, shifted_pair, texture
from tweenflow import read_image


@pytest.fixture
def pair(tmp_path):
    frame0, frame1, _ = shifted_pair(72, 100, 6, 2, seed=11)
    for name, frame in (("a.png", frame0), ("b.png", frame1)):
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return tmp_path / "a.png", tmp_path / "b.png"


def test_single_frame_with_t(pair, tmp_path):
    a, b = pair
    result = run("interpolate", str(a), str(b), "--t", "0.5", "-o", str(tmp_path / "mid.png"),
                 "--engine", "classical")
    assert result.returncode == 0, result.stderr
    assert read_image(tmp_path / "mid.png").shape == (72, 100, 3)


def test_default_engine_auto_and_default_t(pair, tmp_path):
    a, b = pair
    result = run("interpolate", str(a), str(b), "-o", str(tmp_path / "mid.jpg"))
    assert result.returncode == 0, result.stderr
    assert read_image(tmp_path / "mid.jpg").shape == (72, 100, 3)


def test_n_frames_to_a_folder(pair, tmp_path):
    a, b = pair
    result = run("interpolate", str(a), str(b), "-n", "3", "-o", str(tmp_path / "frames"),
                 "--engine", "classical")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names == ["frame_0001.png", "frame_0002.png", "frame_0003.png"]


def test_n_frames_to_an_unknown_video_type_is_one_line(pair, tmp_path):
    # clip.avi became a folder of PNGs named like a video ('tweenflow video' refuses it)
    a, b = pair
    result = run("interpolate", str(a), str(b), "-n", "3", "-o", str(tmp_path / "clip.avi"),
                 "--engine", "classical")
    assert one_error_line(result) == (f"tweenflow: error: {tmp_path / 'clip.avi'}: unknown "
                                      f"clip type .avi; use .gif, .mkv, .mov, .mp4, .webm or a "
                                      f"folder name without suffix")
    assert not (tmp_path / "clip.avi").exists()


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_n_frames_to_a_clip_plays_a_inbetweens_b(pair, tmp_path, suffix):
    a, b = pair
    out = tmp_path / f"clip{suffix}"
    result = run("interpolate", str(a), str(b), "-n", "4", "-o", str(out), "--engine", "rife3",
                 "--fps", "24")
    assert result.returncode == 0, result.stderr
    with av.open(str(out)) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    assert len(frames) == 6
    first = read_image(a)
    # Lossy codecs/palettes: the first frame is A up to compression noise.
    assert np.abs(frames[0][:72, :100].astype(int) - first.astype(int)).mean() < 6


@pytest.mark.parametrize("preset", ["fast", "fine"])
def test_flow_preset_gives_the_classical_engine_with_that_preset(pair, tmp_path, preset):
    from tweenflow import interpolate
    from tweenflow.engines.base import create_engine
    a, b = pair
    out = tmp_path / f"mid_{preset}.png"
    result = run("interpolate", str(a), str(b), "-o", str(out), "--engine", "classical",
                 "--flow-preset", preset)
    assert result.returncode == 0, result.stderr
    expected, = interpolate(read_image(a), read_image(b), 0.5,
                            engine=create_engine("classical", preset=preset))
    np.testing.assert_array_equal(read_image(out), expected)


def test_large_motion_placement_gives_auto_with_placement(tmp_path):
    from tweenflow import interpolate
    from tweenflow.engines.base import create_engine
    clip = SHARED_DATA / "multi_gap" / "bear"          # 426x240, about 29 px apart
    a, b = clip / "00000.png", clip / "00016.png"
    frame0, frame1 = read_image(a), read_image(b)
    out = tmp_path / "mid.png"
    result = run("interpolate", str(a), str(b), "-o", str(out), "--large-motion", "placement")
    assert result.returncode == 0, result.stderr
    engine = create_engine("auto", large_motion="placement")
    assert engine.prepare(frame0, frame1).large_motion    # the pair does take that branch
    expected, = interpolate(frame0, frame1, 0.5, engine=engine)
    np.testing.assert_array_equal(read_image(out), expected)


def test_engines_lists_every_engine():
    result = run("engines")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert names[:6] == ["classical", "rife4", "rife3", "fusion", "placement", "auto"]
    fusion_line = next(line for line in result.stdout.splitlines() if line.startswith("fusion"))
    assert "rife-4.25" in fusion_line and "rife-3.6-hd" in fusion_line


@pytest.mark.parametrize("case,expected", [
    ("missing", "no such file"),
    ("not_image", "not a readable image"),
    ("sizes", "same size"),
    ("t_range", "outside [0, 1]"),
    ("out_is_input", "would overwrite the input"),
    ("exists", "exists; pass -y"),
    ("n_to_image", "makes several frames; give a folder or a clip (.gif, .mkv, .mov, .mp4, "
                   ".webm)"),
    ("bad_engine", "invalid choice"),
    ("bad_scale", "--scale 0.3 is not supported"),
    ("n_zero", "-n 0: give at least 1 in-between"),
    ("no_folder", "no such folder"),
    ("t_and_n", "not allowed with"),
    ("preset_not_classical", "--flow-preset applies to --engine classical, not rife4"),
    ("bad_preset", "invalid choice"),
    ("large_motion_not_auto", "--large-motion applies to --engine auto, not rife4"),
    ("bad_large_motion", "invalid choice"),
    ("clip_fps_tiny", "--fps 1/10000000 is too low for a clip; give at least 0.01"),
    ("classical_scale", "--scale 2.0 is not supported by classical"),
    ("no_threads", "--threads 0: give a whole number of threads, 1 or more (default: all the "
                   "CPUs)"),
    ("negative_threads", "--threads -2: give a whole number of threads"),  # was a traceback
    ("words_threads", "argument --threads: invalid int value: 'two'"),
])
def test_errors_are_one_line_and_nonzero(pair, tmp_path, case, expected):
    a, b = pair
    out = str(tmp_path / "out.png")
    args = {
        "missing": [str(tmp_path / "nope.png"), str(b), "-o", out],
        "not_image": [str(a), __file__, "-o", out],
        "sizes": [str(a), str(_write(tmp_path / "small.png", texture(40, 40))), "-o", out],
        "t_range": [str(a), str(b), "--t", "1.5", "-o", out],
        "out_is_input": [str(a), str(b), "-o", str(a)],
        "exists": [str(a), str(b), "-o", str(_write(tmp_path / "there.png", texture(8, 8)))],
        "n_to_image": [str(a), str(b), "-n", "3", "-o", out],
        "bad_engine": [str(a), str(b), "-o", out, "--engine", "nope"],
        "bad_scale": [str(a), str(b), "-o", out, "--scale", "0.3"],
        "n_zero": [str(a), str(b), "-n", "0", "-o", str(tmp_path / "frames")],
        "no_folder": [str(a), str(b), "-o", str(tmp_path / "missing" / "x.png")],
        "t_and_n": [str(a), str(b), "--t", "0.5", "-n", "2", "-o", out],
        "preset_not_classical": [str(a), str(b), "-o", out, "--engine", "rife4",
                                 "--flow-preset", "fast"],
        "bad_preset": [str(a), str(b), "-o", out, "--engine", "classical",
                       "--flow-preset", "quick"],
        "large_motion_not_auto": [str(a), str(b), "-o", out, "--engine", "rife4",
                                  "--large-motion", "placement"],
        "bad_large_motion": [str(a), str(b), "-o", out, "--large-motion", "mush"],
        "classical_scale": [str(a), str(b), "-o", out, "--engine", "classical", "--scale", "2"],
        "no_threads": [str(a), str(b), "-o", out, "--threads", "0"],
        "words_threads": [str(a), str(b), "-o", out, "--threads", "two"],
        "negative_threads": [str(a), str(b), "-o", out, "--threads", "-2"],
        # rounded to 0 frames per second by the clip writer: ZeroDivisionError (a traceback)
        "clip_fps_tiny": [str(a), str(b), "-n", "2", "-o", str(tmp_path / "c.mp4"),
                          "--fps", "0.0000001"],
    }[case]
    before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    overwrite = [] if case == "exists" else ["-y"]  # -y must not make any other case pass
    line = one_error_line(run("interpolate", *args, *overwrite))
    assert expected in line, line
    assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_existing_frames_in_a_folder_are_not_overwritten_without_y(pair, tmp_path):
    a, b = pair
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_0001.png").write_bytes(b"keep me")
    line = one_error_line(run("interpolate", str(a), str(b), "-n", "2", "-o", str(folder),
                              "--engine", "classical"))
    assert "exists; pass -y" in line
    assert (folder / "frame_0001.png").read_bytes() == b"keep me"


def _write(path: Path, frame: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return path


def test_a_clip_says_what_it_cannot_keep(tmp_path):
    # as `tweenflow video` does: the alpha an H.264 clip drops, the odd size it pads
    from tweenflow import write_image
    frame0, frame1, _ = shifted_pair(45, 71, 4, 0, seed=3)
    alpha = np.full((45, 71, 1), 255, np.uint8)
    alpha[:10] = 0
    for name, frame in (("a.png", frame0), ("b.png", frame1)):
        write_image(tmp_path / name, np.concatenate([frame, alpha], axis=2))
    result = run("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-n", "2",
                 "-o", str(tmp_path / "clip.mp4"), "--engine", "classical")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert any(line.startswith("tweenflow: alpha dropped: h264") for line in lines), lines
    assert any("71x45 written as 72x46" in line for line in lines), lines


def test_a_gif_says_it_drops_alpha_and_depth(tmp_path):
    from tweenflow import write_image
    frame0, frame1, _ = shifted_pair(48, 64, 4, 0, seed=3)
    alpha = np.full((48, 64, 1), 65535, np.uint16)
    alpha[:10] = 0
    for name, frame in (("a.png", frame0), ("b.png", frame1)):
        write_image(tmp_path / name, np.concatenate([frame.astype(np.uint16) * 257, alpha], 2))
    result = run("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-n", "2",
                 "-o", str(tmp_path / "clip.gif"), "--engine", "classical")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("tweenflow: alpha dropped: a GIF cannot store it"), lines
    assert lines[1].startswith("tweenflow: high bit depth reduced to 8 bits: a GIF"), lines
    assert lines[2:] == [f"tweenflow: wrote {tmp_path / 'clip.gif'}"]


def test_a_gif_above_50_fps_says_it_plays_at_50(pair, tmp_path):
    # a GIF frame lasts at least 20 ms: --fps 60 played at 50 without a word
    a, b = pair
    result = run("interpolate", str(a), str(b), "-n", "2", "-o", str(tmp_path / "clip.gif"),
                 "--engine", "classical", "--fps", "60")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        "tweenflow: --fps 60 is above what a GIF plays: it plays at 50 fps (frames of 20 ms); "
        "use a video for more", f"tweenflow: wrote {tmp_path / 'clip.gif'}"]
    quiet = run("interpolate", str(a), str(b), "-n", "2", "-o", str(tmp_path / "ok.gif"),
                "--engine", "classical", "--fps", "50")
    assert quiet.stderr.strip().splitlines() == [f"tweenflow: wrote {tmp_path / 'ok.gif'}"]


def test_the_arguments_api_errors_name_are_worded_as_options_of_interpolate():
    # the API's "scale=3 is not supported" reads "--scale 3.0 is not supported" here
    from tweenflow.cli import option_flag
    options = set(re.findall(r"(?<![\w-])-{1,2}[a-z][a-z-]*", run("interpolate", "--help").stdout))
    for argument in ("scale", "threads", "count", "flow_preset", "large_motion", "engine"):
        assert option_flag(argument) in options, argument


def test_the_batch_table_lines_up_with_wide_file_names(tmp_path):
    # padding counted characters: a CJK name (two columns a character) pushed its row's
    # status 6 columns right of the others'
    names = ["動画ファイル.mp4", "🎬clip.mp4", "a.mp4"]
    for name in names:
        (tmp_path / name).write_bytes(b"not a video")
    result = run("batch", *(str(tmp_path / name) for name in names), "-o",
                 str(tmp_path / "out"), "--multi", "2", "--engine", "classical")
    assert result.returncode == 1
    rows = [line for line in result.stderr.splitlines() if "  failed  " in line]
    assert len(rows) == 3

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    assert len({columns(row[:row.index("  failed  ")]) for row in rows}) == 1, rows


def test_parsing_and_an_early_error_need_no_torch(tmp_path):
    """`--help` and the errors found before any engine is made come without importing torch
    (about 1 s of the command's start)."""
    import subprocess
    import sys
    code = ("import sys\n"
            "from tweenflow.cli import main\n"
            f"rc = main(['video', {str(tmp_path / 'missing.mp4')!r}, '-o', "
            f"{str(tmp_path / 'out.mp4')!r}, '--multi', '2'])\n"
            "print(rc, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["2", "False"], done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.mp4" in lines[0], done.stderr
