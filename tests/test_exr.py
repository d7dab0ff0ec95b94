"""tweenflow.exr: EXR frames in and out (half stays half, alpha and compression kept), and
through interpolate: t = 0/1 give the inputs back, HDR content moves where it should."""
import os
import sys

import numpy as np
import pytest

from tests.exr_files import OpenEXR, hdr_texture, read_exr_file, write_exr_file
from tests.conftest import SHARED_DATA, measured_shift
from tweenflow import exr, interpolate, read_image, write_image
from tweenflow.bench.metrics import psnr
from tweenflow.errors import InputError, OutputError


def premultiplied_rgba(height=24, width=32, seed=0):
    """Scene-linear premultiplied RGBA: an HDR texture under a ramp of alpha (0 to 1) whose
    colour is 0 where alpha is 0, as OpenEXR files store it."""
    rgb = hdr_texture(height, width, seed)
    alpha = np.tile(np.linspace(0.0, 1.0, width, dtype=np.float32), (height, 1))[..., None]
    return np.concatenate([rgb * alpha, alpha], axis=2)


def copy_through_tweenflow(source, target):
    write_image(target, read_image(source, keep_depth=True, keep_alpha=True),
                exr.read_layout(source))


def test_half_rgba_round_trip_is_bit_for_bit_with_type_alpha_and_compression(tmp_path):
    samples = premultiplied_rgba().astype(np.float16)
    write_exr_file(tmp_path / "in.exr", samples, compression=OpenEXR.PIZ_COMPRESSION)
    copy_through_tweenflow(tmp_path / "in.exr", tmp_path / "out.exr")
    back, types, header = read_exr_file(tmp_path / "out.exr")
    assert set(types.values()) == {np.dtype(np.float16)} and set(types) == set("RGBA")
    assert header["compression"] == OpenEXR.PIZ_COMPRESSION
    close = np.isclose(back.astype(np.float32), samples.astype(np.float32), rtol=0, atol=0)
    # bit for bit but where a pixel's colour was divided and multiplied by a tiny alpha
    assert close.mean() > 0.99
    assert np.allclose(back.astype(np.float32), samples.astype(np.float32), rtol=2e-3,
                       atol=1e-4)
    assert np.array_equal(back[..., 3], samples[..., 3])


def test_float_rgb_stays_float_and_within_float_precision(tmp_path):
    samples = hdr_texture(20, 28, seed=3) * 100      # up to 800
    write_exr_file(tmp_path / "in.exr", samples, dtype=np.float32, channels="RGB",
                   compression=OpenEXR.NO_COMPRESSION)
    copy_through_tweenflow(tmp_path / "in.exr", tmp_path / "out.exr")
    back, types, header = read_exr_file(tmp_path / "out.exr")
    assert types == {name: np.dtype(np.float32) for name in "RGB"}
    assert header["compression"] == OpenEXR.NO_COMPRESSION
    assert np.allclose(back, samples, rtol=1e-5, atol=1e-7) and not np.array_equal(back, 0 * back)


def test_each_channel_keeps_its_own_type_and_an_opaque_alpha_stays(tmp_path):
    rgb = hdr_texture(16, 16, seed=2)
    header = {"type": OpenEXR.scanlineimage, "compression": OpenEXR.ZIP_COMPRESSION}
    planes = {"R": rgb[..., 0].astype(np.float16), "G": rgb[..., 1].astype(np.float16),
              "B": rgb[..., 2].astype(np.float16), "A": np.ones((16, 16), np.float32)}
    OpenEXR.File(header, planes).write(str(tmp_path / "in.exr"))
    frame = read_image(tmp_path / "in.exr", keep_depth=True, keep_alpha=True)
    assert frame.shape == (16, 16, 3) and frame.dtype == np.float32   # opaque: RGB for engines
    copy_through_tweenflow(tmp_path / "in.exr", tmp_path / "out.exr")
    back, types, _ = read_exr_file(tmp_path / "out.exr")
    assert types == {"R": np.float16, "G": np.float16, "B": np.float16, "A": np.float32}
    assert np.array_equal(back[..., 3], np.ones((16, 16))) 
    assert np.array_equal(back[..., :3], rgb.astype(np.float16))


def test_alpha_is_made_straight_for_the_engines(tmp_path):
    samples = premultiplied_rgba(8, 8)
    write_exr_file(tmp_path / "in.exr", samples, dtype=np.float32)
    frame = read_image(tmp_path / "in.exr", keep_depth=True, keep_alpha=True)
    assert frame.dtype == np.float32 and 0 <= frame.min() and frame.max() <= 1
    straight = exr.scene_linear.decode(frame[..., :3])
    alpha = samples[..., 3:]
    opaque_enough = np.broadcast_to(alpha > 0.1, straight.shape)
    expected = samples[..., :3] / np.maximum(alpha, 1e-9)
    assert np.allclose(straight[opaque_enough], expected[opaque_enough], rtol=1e-5, atol=1e-6)
    assert np.array_equal(frame[..., 3], samples[..., 3])


def test_rgba_times_0_and_1_give_the_inputs_back_where_alpha_is_not_faint(tmp_path, engines):
    samples = [premultiplied_rgba(seed=seed).astype(np.float16) for seed in (0, 1)]
    for index, linear in enumerate(samples):
        write_exr_file(tmp_path / f"{index}.exr", linear)
    frames = [read_image(tmp_path / f"{index}.exr", keep_depth=True, keep_alpha=True)
              for index in (0, 1)]
    ends = interpolate(*frames, [0.0, 1.0], engine=engines("classical"))
    layout = exr.read_layout(tmp_path / "0.exr")
    for index, frame in enumerate(ends):
        write_image(tmp_path / f"out{index}.exr", frame, layout)
        back, _, _ = read_exr_file(tmp_path / f"out{index}.exr")
        visible = samples[index][..., 3] > 0.02
        assert np.array_equal(back[visible], samples[index][visible])


@pytest.mark.parametrize("engine", ["classical", "rife4"])
def test_a_shifted_hdr_texture_lands_half_way_and_a_still_highlight_stays(tmp_path, engines,
                                                                         engine):
    """A texture up to 8.0 moving 8 px right beside a still part holding a 4.0 highlight:
    at t = 0.5 the moving part is the texture moved 4 px (values up to 8 kept, not clipped),
    the highlight is still 4.0."""
    height, width, still_width = 96, 160, 64
    big = hdr_texture(height, width + 16, seed=4)
    moving = [big[:, 8 - shift:8 - shift + width] for shift in (0, 8, 4)]
    still = hdr_texture(height, still_width, seed=9)
    still[20:40, 20:40] = 4.0
    for index, content in enumerate(moving[:2]):
        linear = content.copy()
        linear[:, :still_width] = still
        write_exr_file(tmp_path / f"{index}.exr", linear, channels="RGB")
    frames = [read_image(tmp_path / f"{index}.exr", keep_depth=True) for index in (0, 1)]
    middle, = interpolate(*frames, 0.5, engine=engines(engine))
    write_image(tmp_path / "middle.exr", middle, exr.read_layout(tmp_path / "0.exr"))
    result, types, _ = read_exr_file(tmp_path / "middle.exr")
    result = result.astype(np.float32)
    assert set(types.values()) == {np.dtype(np.float16)}
    assert np.allclose(result[22:38, 22:38], 4.0, rtol=2e-3)
    inner = np.s_[8:-8, still_width + 24:-16]
    truth = moving[2]
    error = np.abs(result - truth)[inner].mean()
    wrong = min(np.abs(result - np.roll(truth, shift, axis=1))[inner].mean() for shift in (-2, 2))
    assert error < 0.2 * wrong, (error, wrong)
    assert result[inner].max() > 0.9 * truth[inner].max() > 5.0
    display = lambda linear: (np.clip(exr.scene_linear.encode(linear), 0, 1) * 255).astype(np.uint8)
    dx, dy = measured_shift(display(moving[0][:, still_width:]), display(result[:, still_width:]))
    assert abs(dx - 4) < 0.5 and abs(dy) < 0.5


def write_layers(path):
    planes = {name: np.zeros((4, 4), np.float16)
              for name in ("diffuse.R", "diffuse.G", "diffuse.B", "R", "G", "B")}
    OpenEXR.File({"type": OpenEXR.scanlineimage}, planes).write(str(path))


def write_two_parts(path):
    planes = {name: np.zeros((4, 4), np.float16) for name in "RGB"}
    parts = [OpenEXR.Part({"type": OpenEXR.scanlineimage}, planes, name=name)
             for name in ("left", "right")]
    OpenEXR.File(parts).write(str(path))


def write_uint(path):
    planes = {name: np.zeros((4, 4), np.uint32) for name in "RGBA"}
    OpenEXR.File({"type": OpenEXR.scanlineimage}, planes).write(str(path))


@pytest.mark.parametrize("make, said", [
    (lambda path: write_exr_file(path, np.zeros((4, 4, 1)), channels="Y"),
     "has channels Y; tweenflow reads EXRs with channels R, G, B and optionally A"),
    (write_layers, "has channels B, G, R, diffuse.B, diffuse.G, diffuse.R"),
    (write_two_parts, "a multi-part EXR (2 parts)"),
    (write_uint, "channel A holds UINT samples"),
    (lambda path: write_exr_file(path, np.full((4, 4, 3), np.nan), channels="RGB"),
     "48 NaN or infinite samples"),
    (lambda path: write_exr_file(path, np.dstack([np.ones((4, 4, 3)), np.full((4, 4), 2.0)])),
     "alpha from 2 to 2; tweenflow takes alpha in 0-1"),
    (lambda path: path.write_bytes(exr.MAGIC + b"garbage"), "not a readable EXR file"),
])
def test_unreadable_layouts_are_one_input_error(tmp_path, make, said):
    make(tmp_path / "bad.exr")
    with pytest.raises(InputError, match=None) as raised:
        read_image(tmp_path / "bad.exr", keep_depth=True, keep_alpha=True)
    assert said in str(raised.value) and "\n" not in str(raised.value)


def test_a_file_cut_short_is_one_input_error_and_the_library_prints_nothing(tmp_path, capfd):
    write_exr_file(tmp_path / "whole.exr", hdr_texture(200, 300), channels="RGB",
                   compression=OpenEXR.NO_COMPRESSION)
    whole = (tmp_path / "whole.exr").read_bytes()
    (tmp_path / "cut.exr").write_bytes(whole[:len(whole) * 4 // 5])
    capfd.readouterr()
    with pytest.raises(InputError) as raised:
        read_image(tmp_path / "cut.exr", keep_depth=True)
    assert str(raised.value).startswith(f"{tmp_path / 'cut.exr'}: not a readable EXR file, "
                                        f"damaged or cut short (")
    assert capfd.readouterr() == ("", "")
    print("still printed")                         # stdout and stderr are back as they were
    assert capfd.readouterr().out == "still printed\n"


def test_exr_found_by_its_magic_number_whatever_its_name(tmp_path):
    write_exr_file(tmp_path / "plate.bin", hdr_texture(4, 4), channels="RGB")
    assert read_image(tmp_path / "plate.bin", keep_depth=True).dtype == np.float32


def test_without_keep_depth_or_keep_alpha_as_for_16_bit_images(tmp_path):
    write_exr_file(tmp_path / "a.exr", premultiplied_rgba(4, 4))
    with pytest.raises(InputError, match="scene-linear float"):
        read_image(tmp_path / "a.exr")
    with pytest.raises(InputError, match="has transparency"):
        read_image(tmp_path / "a.exr", keep_depth=True)


def test_without_the_package_one_line_says_what_to_install(tmp_path, monkeypatch):
    write_exr_file(tmp_path / "a.exr", hdr_texture(4, 4), channels="RGB")
    monkeypatch.setitem(sys.modules, "OpenEXR", None)      # import OpenEXR -> ImportError
    with pytest.raises(InputError) as raised:
        read_image(tmp_path / "a.exr", keep_depth=True)
    assert str(raised.value) == (f"{tmp_path / 'a.exr'}: reading .exr files needs the OpenEXR "
                                 f"package: pip install 'tweenflow[exr]' (the OpenEXR package)")
    with pytest.raises(OutputError, match=r"writing \.exr files needs the OpenEXR package"):
        write_image(tmp_path / "b.exr", np.zeros((2, 2, 3), np.float32))
    assert not (tmp_path / "b.exr").exists()


def test_display_samples_are_not_written_as_exr(tmp_path):
    with pytest.raises(OutputError, match=".exr holds scene-linear frames and these are uint8"):
        write_image(tmp_path / "a.exr", np.zeros((2, 2, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


def test_default_layout_is_half_and_the_data_window_is_kept(tmp_path):
    write_image(tmp_path / "plain.exr", np.full((3, 5, 4), 0.5, np.float32))
    back, types, header = read_exr_file(tmp_path / "plain.exr")
    assert back.shape == (3, 5, 4) and set(types.values()) == {np.dtype(np.float16)}
    window = (np.array([10, 20], np.int32), np.array([14, 22], np.int32))
    write_exr_file(tmp_path / "window.exr", hdr_texture(3, 5), channels="RGB",
                   dataWindow=window, displayWindow=window)
    copy_through_tweenflow(tmp_path / "window.exr", tmp_path / "out.exr")
    _, _, header = read_exr_file(tmp_path / "out.exr")
    assert [corner.tolist() for corner in header["dataWindow"]] == [[10, 20], [14, 22]]


def test_a_tiled_exr_is_read_and_written_back_as_scanlines(tmp_path):
    tiles = OpenEXR.TileDescription()
    tiles.xSize, tiles.ySize, tiles.mode = 8, 8, OpenEXR.ONE_LEVEL
    rgb = hdr_texture(20, 30, seed=5).astype(np.float16)
    OpenEXR.File({"type": OpenEXR.tiledimage, "tiles": tiles},
                 {name: np.ascontiguousarray(rgb[..., index]) for index, name in enumerate("RGB")}
                 ).write(str(tmp_path / "tiled.exr"))
    copy_through_tweenflow(tmp_path / "tiled.exr", tmp_path / "out.exr")
    back, _, header = read_exr_file(tmp_path / "out.exr")
    assert header["type"] == OpenEXR.scanlineimage and np.array_equal(back, rgb)


def test_rgb_times_0_and_1_are_the_inputs_bit_for_bit(tmp_path, engines):
    samples = [(hdr_texture(24, 32, seed=seed) * 50).astype(np.float16) for seed in (0, 1)]
    frames = []
    for index, linear in enumerate(samples):
        write_exr_file(tmp_path / f"{index}.exr", linear, channels="RGB")
        frames.append(read_image(tmp_path / f"{index}.exr", keep_depth=True))
    for index, frame in enumerate(interpolate(*frames, [0.0, 1.0], engine=engines("classical"))):
        write_image(tmp_path / "out.exr", frame, exr.read_layout(tmp_path / "0.exr"))
        back, _, _ = read_exr_file(tmp_path / "out.exr")
        assert np.array_equal(back, samples[index]) and back.max() > 100


def test_colour_where_alpha_is_0_is_written_as_0(tmp_path):
    """Premultiplied colour under alpha 0 (an additive glow) has no straight colour for the
    engines: it comes back as 0 while the rest comes back as stored."""
    samples = np.zeros((4, 6, 4), np.float32)
    samples[..., :3] = 0.5
    samples[:, 3:, 3] = 1.0           # right half opaque, left half transparent with colour
    write_exr_file(tmp_path / "glow.exr", samples)
    copy_through_tweenflow(tmp_path / "glow.exr", tmp_path / "out.exr")
    back, _, _ = read_exr_file(tmp_path / "out.exr")
    assert np.array_equal(back[:, :3, :3], np.zeros((4, 3, 3)))
    assert np.array_equal(back[:, 3:], samples[:, 3:].astype(np.float16))


@pytest.mark.parametrize("peak", [0.05, 8.0])
def test_rife4_moves_a_dark_and_a_bright_plate_within_a_few_percent(engines, peak):
    """A texture moving 8 px, at t = 0.5, is the texture moved 4 px within 3% (median,
    relative), whether it is a night plate (0-0.05) or holds highlights up to 8. Handing the
    engine linear values clipped to 0-1 instead gave 31% on the dark plate (a nearly black
    picture to the flow) and clipped the bright one."""
    big = hdr_texture(128, 216, seed=4, peak=peak) + 0.01
    moving = [big[:, 8 - shift:208 - shift] for shift in (0, 8, 4)]
    middle, = interpolate(exr.to_frame(moving[0]), exr.to_frame(moving[1]), 0.5,
                          engine=engines("rife4"))
    result, truth = exr.from_frame(middle)[12:-12, 24:-24], moving[2][12:-12, 24:-24]
    assert np.median(np.abs(result - truth) / truth) < 0.03
    assert result.max() > 0.9 * truth.max()


def srgb_to_linear(rgb: np.ndarray, exposure: float) -> np.ndarray:
    values = rgb.astype(np.float64) / 255
    linear = np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)
    return (linear * exposure).astype(np.float32)


def linear_to_srgb(linear: np.ndarray, exposure: float) -> np.ndarray:
    values = np.clip(linear.astype(np.float64) / exposure, 0, 1)
    return np.round(255 * np.where(values <= 0.0031308, values * 12.92,
                                   1.055 * values ** (1 / 2.4) - 0.055)).astype(np.uint8)


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
@pytest.mark.parametrize("sequence", ["Urban2", "RubberWhale"])
def test_real_frames_as_hdr_exrs_interpolate_as_well_as_the_pngs(tmp_path, engines, sequence):
    """Middlebury frames made scene-linear (sRGB decoded, 2 stops brighter: white at 4.0),
    written as half EXRs, interpolated and shown as sRGB again, are within 0.5 dB of what the
    same engine makes of the PNGs (PSNR against the true middle frame)."""
    folder = SHARED_DATA / "middlebury_other" / sequence
    frame0, frame1, truth = (read_image(folder / name)
                             for name in ("frame10.png", "frame11.png", "frame10i11.png"))
    engine = engines("rife4")
    from_pngs = psnr(interpolate(frame0, frame1, 0.5, engine=engine)[0], truth)
    brightest = 0.0
    for name, frame in (("0.exr", frame0), ("1.exr", frame1)):
        write_exr_file(tmp_path / name, srgb_to_linear(frame, 4.0), channels="RGB")
        brightest = max(brightest, srgb_to_linear(frame, 4.0).max())
    pair = [read_image(tmp_path / name, keep_depth=True) for name in ("0.exr", "1.exr")]
    middle, = interpolate(*pair, 0.5, engine=engine)
    write_image(tmp_path / "middle.exr", middle, exr.read_layout(tmp_path / "0.exr"))
    result, _, _ = read_exr_file(tmp_path / "middle.exr")
    assert result.max() > 0.9 * brightest > 2.0                # highlights above 1 kept
    from_exrs = psnr(linear_to_srgb(result, 4.0), truth)
    assert from_exrs > from_pngs - 0.5, (from_exrs, from_pngs)


def test_output_of_other_threads_while_a_file_is_read_is_passed_on(tmp_path, capfd):
    """Reading collects the library's messages from stderr and stdout; what another thread
    (a progress bar) writes meanwhile comes out as it was, carriage returns and all."""
    write_exr_file(tmp_path / "a.exr", hdr_texture(4, 4), channels="RGB")
    capfd.readouterr()
    with exr._library_messages() as (errors, outputs):
        os.write(2, b"\r 50%|#####     |")
        print("a line")
    assert exr._pass_on(errors, sys.stderr) == [] and exr._pass_on(outputs, sys.stdout) == []
    assert capfd.readouterr() == ("a line\n", "\r 50%|#####     |")
    assert read_image(tmp_path / "a.exr", keep_depth=True).shape == (4, 4, 3)
