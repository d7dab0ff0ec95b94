"""16-bit and transparent still images: read, written, and interpolated by the CLI in their
own sample format; outputs that cannot hold them are refused before any work."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from tests.conftest import one_error_line, run_cli, shifted_pair
from tweenflow.errors import InputError, OutputError
from tweenflow.images import read_image, write_image
from tweenflow.samples import to_dtype


def ramp16(height: int = 40, width: int = 600) -> np.ndarray:
    values = np.linspace(0, 65535, width).astype(np.uint16)
    picture = np.stack([np.tile(values, (height, 1)), np.tile(values[::-1], (height, 1)),
                        np.full((height, width), 1234, np.uint16)], axis=2)
    return np.ascontiguousarray(picture)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".tiff"])
def test_16bit_images_round_trip(tmp_path, suffix):
    picture = ramp16()
    write_image(tmp_path / f"ramp{suffix}", picture)
    back = read_image(tmp_path / f"ramp{suffix}", keep_depth=True)
    assert back.dtype == np.uint16 and np.array_equal(back, picture)
    assert len(np.unique(back[..., 0])) > 256
    with pytest.raises(InputError, match="16-bit samples"):
        read_image(tmp_path / f"ramp{suffix}")          # 8-bit callers are not surprised


@pytest.mark.parametrize("suffix,exact", [(".png", True), (".tiff", True), (".webp", False)])
def test_rgba_images_keep_their_alpha(tmp_path, suffix, exact):
    rgba = np.zeros((32, 48, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 0
    rgba[8:24, 12:36] = (30, 120, 240, 255)
    rgba[8:24, 12] = (30, 120, 240, 128)                 # a half-transparent rim
    write_image(tmp_path / f"s{suffix}", rgba)
    back = read_image(tmp_path / f"s{suffix}", keep_alpha=True)
    assert back.shape == (32, 48, 4)
    if exact:
        assert np.array_equal(back, rgba)
    else:
        assert np.array_equal(back[..., 3], rgba[..., 3])
    with pytest.raises(InputError, match="transparency"):
        read_image(tmp_path / f"s{suffix}")


def test_16bit_rgba_png_round_trips(tmp_path):
    rgba = np.dstack([ramp16(), np.tile(np.linspace(0, 65535, 600).astype(np.uint16), (40, 1))])
    write_image(tmp_path / "a.png", rgba)
    assert np.array_equal(read_image(tmp_path / "a.png", keep_depth=True, keep_alpha=True), rgba)


def test_opaque_alpha_is_dropped_even_when_alpha_is_kept(tmp_path):
    rgba = np.full((8, 8, 4), 65535, np.uint16)
    cv2.imwrite(str(tmp_path / "o.png"), rgba)
    assert read_image(tmp_path / "o.png", keep_depth=True, keep_alpha=True).shape == (8, 8, 3)


def test_formats_that_cannot_hold_the_samples_are_refused(tmp_path):
    with pytest.raises(OutputError, match="use .png or .tiff"):
        write_image(tmp_path / "x.jpg", ramp16())
    with pytest.raises(OutputError, match="no alpha channel"):
        write_image(tmp_path / "x.bmp", np.zeros((8, 8, 4), np.uint8))
    assert not (tmp_path / "x.jpg").exists()


@pytest.fixture(scope="module")
def deep_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("deep")
    frame0, frame1, _ = shifted_pair(48, 64, 4, 0, seed=9)
    # 16-bit inputs with levels between the 8-bit ones
    noise = np.random.default_rng(1).integers(0, 200, frame0.shape).astype(np.uint16)
    paths = []
    for index, frame in enumerate((frame0, frame1)):
        write_image(folder / f"{index}.png", to_dtype(frame, np.uint16) + noise)
        paths.append(folder / f"{index}.png")
    return paths


def test_cli_interpolates_16bit_pngs_to_a_16bit_png(deep_pair, tmp_path):
    target = tmp_path / "mid.png"
    result = run_cli("interpolate", *map(str, deep_pair), "-o", str(target),
                     "--engine", "classical")
    assert result.returncode == 0, result.stderr
    middle = read_image(target, keep_depth=True)
    assert middle.dtype == np.uint16 and np.mean(middle % 257 != 0) > 0.5


def test_cli_refuses_an_8bit_format_for_16bit_inputs(deep_pair, tmp_path):
    result = run_cli("interpolate", *map(str, deep_pair), "-o", str(tmp_path / "mid.jpg"),
                     "--engine", "classical")
    assert "stores 8-bit samples and the inputs have 16; use .png or .tiff" in \
        one_error_line(result)


def test_cli_interpolates_transparent_pngs_and_refuses_jpeg(tmp_path):
    from tests.engines.test_alpha import MOTION, sprite
    write_image(tmp_path / "a.png", sprite(0))
    write_image(tmp_path / "b.png", sprite(MOTION))
    result = run_cli("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "-n", "3",
                     "-o", str(tmp_path / "frames"), "--engine", "classical")
    assert result.returncode == 0, result.stderr
    middle = read_image(tmp_path / "frames" / "frame_0002.png", keep_alpha=True)
    assert middle.shape[2] == 4 and middle[5, 100, 3] == 0
    refused = run_cli("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                      "-o", str(tmp_path / "mid.jpg"), "--engine", "classical")
    assert "has no alpha channel and the inputs are transparent" in one_error_line(refused)
