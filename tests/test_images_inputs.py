"""Image inputs found in the wild (EXIF orientation, frame sizes the flow cannot take,
folders, pictures too large to decode): read_image and the CLI on them."""
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.conftest import one_error_line, run_cli as run, shifted_pair, texture
from tweenflow import read_image


def saved_with_orientation(path, rgb: np.ndarray, orientation: int, **options) -> None:
    """`rgb` stored as is, with an EXIF orientation tag (Pillow writes it for JPEG/PNG/WebP)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, exif=exif.tobytes(), **options)


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_exif_orientation_is_applied_as_viewers_show_it(tmp_path, orientation, suffix):
    stored = texture(10, 16, seed=orientation)
    path = tmp_path / f"photo{suffix}"
    saved_with_orientation(path, stored, orientation, **({"lossless": True}
                                                         if suffix == ".webp" else {}))
    shown = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    image = read_image(path)
    assert image.shape == ((16, 10, 3) if orientation >= 5 else (10, 16, 3))
    assert np.array_equal(image, shown)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_tiff_orientation_is_applied_once(tmp_path, orientation):
    """OpenCV itself turns a TIFF by its orientation tag, even with IMREAD_UNCHANGED."""
    stored = texture(10, 16, seed=orientation)
    Image.fromarray(stored).save(tmp_path / "scan.tif", tiffinfo={0x0112: orientation})
    shown = np.asarray(ImageOps.exif_transpose(Image.open(tmp_path / "scan.tif")))
    assert np.array_equal(read_image(tmp_path / "scan.tif"), shown)


def test_exif_orientation_of_a_jpeg_matches_opencvs_colour_read(tmp_path):
    saved_with_orientation(tmp_path / "photo.jpg", texture(24, 40), 6, quality=95)
    image = read_image(tmp_path / "photo.jpg")
    applied = cv2.imread(str(tmp_path / "photo.jpg"), cv2.IMREAD_COLOR)   # applies EXIF
    assert image.shape == (40, 24, 3)
    assert np.array_equal(image, cv2.cvtColor(applied, cv2.COLOR_BGR2RGB))


def test_exif_orientation_keeps_16_bits_and_alpha(tmp_path):
    rgba = np.dstack([texture(12, 20), np.tile(np.arange(20, dtype=np.uint8) * 12, (12, 1))])
    deep = rgba.astype(np.uint16) * 257
    # Pillow cannot write 16-bit RGBA: OpenCV writes it, with the EXIF block
    ok, encoded = cv2.imencodeWithMetadata(
        ".png", cv2.cvtColor(deep, cv2.COLOR_RGBA2BGRA), [cv2.IMAGE_METADATA_EXIF],
        [np.frombuffer(_exif_block(8), np.uint8)])
    assert ok
    (tmp_path / "deep.png").write_bytes(encoded.tobytes())
    image = read_image(tmp_path / "deep.png", keep_depth=True, keep_alpha=True)
    assert image.dtype == np.uint16 and image.shape == (20, 12, 4)
    assert np.array_equal(image, np.rot90(deep))   # 8: turned a quarter counter-clockwise


def _exif_block(orientation: int) -> bytes:
    """The TIFF structure of an EXIF block (as PNG's eXIf chunk holds it, no "Exif" header)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes().removeprefix(b"Exif\x00\x00")


def test_a_corrupt_exif_block_leaves_the_picture_as_stored(tmp_path):
    stored = texture(10, 16)
    ok, encoded = cv2.imencodeWithMetadata(
        ".png", cv2.cvtColor(stored, cv2.COLOR_RGB2BGR), [cv2.IMAGE_METADATA_EXIF],
        [np.frombuffer(b"MM\x00*\x00\x00\x00\x08\x00\x05\x01", np.uint8)])
    assert ok
    (tmp_path / "odd.png").write_bytes(encoded.tobytes())
    assert np.array_equal(read_image(tmp_path / "odd.png"), stored)


def test_cli_pairs_a_rotated_photo_with_an_upright_one(tmp_path):
    """A phone photo stored on its side (orientation 6) and the same scene stored upright are
    one picture size to a viewer; the output is upright like both."""
    frame0, frame1, crop = shifted_pair(40, 64, 4, 0, seed=3)
    saved_with_orientation(tmp_path / "a.jpg", np.ascontiguousarray(np.rot90(frame0)), 6,
                           quality=95)
    Image.fromarray(frame1).save(tmp_path / "b.jpg", quality=95)
    result = run("interpolate", str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg"), "-o",
                 str(tmp_path / "mid.png"), "--engine", "classical")
    assert result.returncode == 0, result.stderr
    middle = read_image(tmp_path / "mid.png")
    assert middle.shape == (40, 64, 3)
    truth = crop(2, 0)     # upright: much closer to the truth than to it turned over
    upright = np.abs(middle.astype(int) - truth).mean()
    assert upright < 0.3 * np.abs(middle.astype(int) - truth[::-1, ::-1]).mean()


def write_strip(folder, width: int, height: int) -> tuple[str, str]:
    """A pair of width x height PNGs whose content moves 2 px to the left."""
    wide = texture(height, width + 2, blur=1.0)
    for name, left in (("a.png", 0), ("b.png", 2)):
        cv2.imwrite(str(folder / name), cv2.cvtColor(wide[:, left:left + width],
                                                     cv2.COLOR_RGB2BGR))
    return str(folder / "a.png"), str(folder / "b.png")


# OpenCV's DIS flow crashed the process (SIGSEGV) on 64x12 and raised on 2000x16 (the default
# engine's motion measure shrinks it to 320x8) and on 8x8 (the classical engine): engines/dis.py
@pytest.mark.parametrize("width, height", [(320, 16), (16, 320), (16, 16), (64, 12), (8, 8),
                                           (2000, 16)])
def test_small_and_very_wide_frames_work_with_the_default_engine(tmp_path, width, height):
    a, b = write_strip(tmp_path, width, height)
    result = run("interpolate", a, b, "-o", str(tmp_path / "mid.png"))
    assert result.returncode == 0, result.stderr
    middle = read_image(tmp_path / "mid.png")
    assert middle.shape == (height, width, 3)
    frame0, frame1 = read_image(a).astype(int), read_image(b).astype(int)
    assert np.abs(middle - (frame0 + frame1) / 2).mean() < np.abs(frame0 - frame1).mean()


def test_a_folder_given_as_an_image_is_one_line(tmp_path):
    (tmp_path / "shot.png").mkdir()
    a, b = write_strip(tmp_path, 64, 48)
    result = run("interpolate", str(tmp_path / "shot.png"), b, "-o", str(tmp_path / "mid.png"))
    assert result.returncode == 2
    assert one_error_line(result).endswith("shot.png is a folder; give an image file")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height 1-bit grey pixels and holds no picture data."""
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (struct.pack(">I", len(payload)) + kind + payload
                + struct.pack(">I", zlib.crc32(kind + payload)))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b""))


def test_a_picture_too_large_to_decode_is_one_line(tmp_path):
    """A small PNG can claim 40000x30000 pixels; OpenCV raised instead of returning None."""
    (tmp_path / "huge.png").write_bytes(png_header_only(40000, 30000))
    a, b = write_strip(tmp_path, 64, 48)
    result = run("interpolate", str(tmp_path / "huge.png"), b, "-o", str(tmp_path / "mid.png"))
    assert result.returncode == 2
    assert one_error_line(result).endswith(
        "huge.png: not a readable image (more than 2^30 pixels, the most OpenCV decodes)")


def test_a_webp_output_too_large_for_the_format_is_refused_before_the_work(tmp_path):
    a, b = write_strip(tmp_path, 16, 16400)
    result = run("interpolate", a, b, "-o", str(tmp_path / "tall.webp"), "--engine", "classical")
    assert result.returncode == 2
    assert one_error_line(result).endswith(
        "tall.webp: WebP holds at most 16383 pixels a side and the inputs are 16x16400; use "
        ".png or .tiff")
