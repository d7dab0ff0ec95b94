"""`tweenflow interpolate` with EXR inputs: .exr outputs laid out as the inputs, and each
refusal one line."""
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import one_error_line, run_cli as run, texture
from tests.exr_files import OpenEXR, hdr_texture, read_exr_file, write_exr_file


def write_pair(folder, channels="RGBA", dtype=np.float16):
    """a.exr, b.exr: an HDR texture moved 4 px, under an alpha ramp (premultiplied)."""
    big = hdr_texture(40, 60, seed=6)
    alpha = np.tile(np.linspace(0.2, 1.0, 56, dtype=np.float32), (40, 1))[..., None]
    for name, shift in (("a.exr", 0), ("b.exr", 4)):
        rgb = big[:, 4 - shift:60 - shift]
        linear = np.concatenate([rgb * alpha, alpha], axis=2) if channels == "RGBA" else rgb
        write_exr_file(folder / name, linear, dtype=dtype, channels=channels,
                       compression=OpenEXR.PIZ_COMPRESSION)
    return str(folder / "a.exr"), str(folder / "b.exr")


def test_one_inbetween_keeps_half_alpha_and_compression(tmp_path):
    a, b = write_pair(tmp_path)
    result = run("interpolate", a, b, "--t", "0.5", "-o", str(tmp_path / "mid.exr"),
                 "--engine", "classical")
    assert result.returncode == 0, result.stderr
    samples, types, header = read_exr_file(tmp_path / "mid.exr")
    assert types == {name: np.dtype(np.float16) for name in "RGBA"}
    assert header["compression"] == OpenEXR.PIZ_COMPRESSION
    source, _, _ = read_exr_file(a)
    assert samples.shape == source.shape
    assert np.allclose(samples[..., 3], source[..., 3], atol=0.02)     # the ramp does not move
    assert samples[..., :3].max() > 4.0                                 # not clipped at 1


def test_n_inbetweens_are_exr_frames_in_a_folder(tmp_path):
    a, b = write_pair(tmp_path, channels="RGB", dtype=np.float32)
    result = run("interpolate", a, b, "-n", "3", "-o", str(tmp_path / "shot"),
                 "--engine", "classical")
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in (tmp_path / "shot").iterdir())
    assert names == ["frame_0001.exr", "frame_0002.exr", "frame_0003.exr"]
    _, types, _ = read_exr_file(tmp_path / "shot" / "frame_0002.exr")
    assert types == {name: np.dtype(np.float32) for name in "RGB"}


def png(folder):
    import cv2
    cv2.imwrite(str(folder / "c.png"), texture(40, 56))
    return str(folder / "c.png")


@pytest.mark.parametrize("case, said", [
    ("mixed", "is a scene-linear EXR and {png} a display image; give two EXRs"),
    ("to png", "mid.png: the inputs are scene-linear EXRs and .png holds display pictures; "
               "write .exr"),
    ("to mp4", "clip.mp4: the inputs are scene-linear EXRs, which a video or GIF does not "
               "hold"),
    ("png to exr", "mid.exr: .exr holds scene-linear frames and the inputs are display "
                   "images; use .png or .tiff"),
    ("channels", "bad.exr: has channels Y; tweenflow reads EXRs with channels R, G, B"),
    ("nan", "bad.exr: 1 NaN or infinite samples; tweenflow needs finite values"),
    ("cut short", "bad.exr: not a readable EXR file, damaged or cut short ("),
    ("window", "bad.exr: its data window is (2, 0)-(57, 39) but {a}'s is (0, 0)-(55, 39); "
               "tweenflow needs the same data window on every frame"),
])
def test_each_refusal_is_one_line_and_writes_nothing(tmp_path, case, said):
    a, b = write_pair(tmp_path)
    c = png(tmp_path)
    bad = tmp_path / "bad.exr"
    if case == "channels":
        write_exr_file(bad, np.zeros((40, 56, 1)), channels="Y")
    elif case == "nan":
        linear = hdr_texture(40, 56)
        linear[3, 4, 1] = np.nan
        write_exr_file(bad, linear, channels="RGB")
    elif case == "cut short":
        whole = open(a, "rb").read()
        bad.write_bytes(whole[:len(whole) // 2])
    elif case == "window":
        window = (np.array([2, 0], np.int32), np.array([57, 39], np.int32))
        write_exr_file(bad, hdr_texture(40, 56), dataWindow=window, displayWindow=window)
    inputs, output = {"mixed": ((a, c), "mid.exr"), "to png": ((a, b), "mid.png"),
                      "to mp4": ((a, b), "clip.mp4"), "png to exr": ((c, c), "mid.exr"),
                      "channels": ((str(bad), b), "mid.exr"),
                      "nan": ((str(bad), b), "mid.exr"), "cut short": ((str(bad), b), "mid.exr"),
                      "window": ((a, str(bad)), "mid.exr")}[case]
    before = sorted(tmp_path.iterdir())
    extra = ["-n", "3"] if output == "clip.mp4" else []
    line = one_error_line(run("interpolate", *inputs, *extra, "-o", str(tmp_path / output),
                              "--engine", "classical"))
    assert said.format(png=c, a=a) in line, line
    assert sorted(tmp_path.iterdir()) == before


def test_without_the_openexr_package_one_line_says_what_to_install(tmp_path):
    a, b = write_pair(tmp_path)
    stub = tmp_path / "no_openexr"
    stub.mkdir()       # an OpenEXR module that fails to import, as when it is not installed
    (stub / "OpenEXR.py").write_text("raise ImportError(\"No module named 'OpenEXR'\")\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(stub), *filter(None, [os.environ.get("PYTHONPATH")])]))
    result = subprocess.run([sys.executable, "-m", "tweenflow", "interpolate", a, b, "-o",
                             str(tmp_path / "mid.exr")], capture_output=True, text=True,
                            env=env, timeout=300)
    assert one_error_line(result) == (f"tweenflow: error: {a}: reading .exr files needs the "
                                      f"OpenEXR package: pip install 'tweenflow[exr]' (the "
                                      f"OpenEXR package)")
    assert not (tmp_path / "mid.exr").exists()
