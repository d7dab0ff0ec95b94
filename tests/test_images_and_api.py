import cv2
import numpy as np
import pytest

from tests.conftest import texture
from tweenflow import interpolate, read_image, write_image
from tweenflow.api import evenly_spaced_times
from tweenflow.errors import InputError, OutputError


def test_read_image_returns_rgb(tmp_path):
    frame = texture(20, 30)
    cv2.imwrite(str(tmp_path / "a.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    assert np.array_equal(read_image(tmp_path / "a.png"), frame)


def test_write_then_read_round_trips(tmp_path):
    frame = texture(21, 33)
    write_image(tmp_path / "b.png", frame)
    assert np.array_equal(read_image(tmp_path / "b.png"), frame)
    assert [p.name for p in tmp_path.iterdir()] == ["b.png"]  # no temporary left behind


# Phones store photos as the sensor saw them plus an EXIF orientation; a pair read as stored
# came out of `interpolate` on its side. Reference: OpenCV's own colour reader applies it.
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied(tmp_path, orientation):
    from PIL import Image
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / "photo.jpg"
    Image.fromarray(texture(20, 36)).save(path, exif=exif, quality=95)
    shown = cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    image = read_image(path)
    assert image.shape == shown.shape == ((20, 36, 3) if orientation < 5 else (36, 20, 3))
    assert np.array_equal(image, shown)


def test_grayscale_is_expanded_to_rgb(tmp_path):
    gray = texture(16, 16)[..., 0]
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    image = read_image(tmp_path / "g.png")
    assert image.shape == (16, 16, 3) and np.array_equal(image[..., 1], gray)


def test_opaque_alpha_is_dropped_and_transparency_refused(tmp_path):
    bgra = np.dstack([texture(16, 16), np.full((16, 16), 255, np.uint8)])
    cv2.imwrite(str(tmp_path / "opaque.png"), bgra)
    assert read_image(tmp_path / "opaque.png").shape == (16, 16, 3)
    bgra[0, 0, 3] = 10
    cv2.imwrite(str(tmp_path / "transparent.png"), bgra)
    with pytest.raises(InputError, match="transparency"):
        read_image(tmp_path / "transparent.png")


def test_16_bit_images_are_refused(tmp_path):
    cv2.imwrite(str(tmp_path / "deep.png"), np.zeros((8, 8, 3), np.uint16))
    with pytest.raises(InputError, match="8-bit"):
        read_image(tmp_path / "deep.png")


def test_missing_and_non_image_files(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "text.png").write_text("hello")
    with pytest.raises(InputError, match="not a readable image"):
        read_image(tmp_path / "text.png")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match="not a readable image"):
        read_image(tmp_path / "empty.png")


def test_write_image_refuses_unknown_suffix(tmp_path):
    with pytest.raises(OutputError, match="unknown image type"):
        write_image(tmp_path / "x.xyz", texture(8, 8))


@pytest.mark.parametrize("bad_t", [-0.1, 1.5, float("nan"), "x"])
def test_interpolate_rejects_times_outside_0_1(bad_t):
    frame = texture(16, 16)
    with pytest.raises(InputError):
        interpolate(frame, frame, [bad_t], engine="classical")


def test_interpolate_rejects_different_sizes_and_bad_arrays():
    with pytest.raises(InputError, match="same size"):
        interpolate(texture(16, 16), texture(16, 24), 0.5, engine="classical")
    with pytest.raises(InputError, match="uint8"):
        interpolate(texture(16, 16).astype(np.float32), texture(16, 16), 0.5, engine="classical")
    with pytest.raises(InputError, match=r"\(H, W, 3\)"):
        interpolate(texture(16, 16)[..., 0], texture(16, 16)[..., 0], 0.5, engine="classical")


def test_interpolate_returns_one_frame_per_time_in_order():
    frame0, frame1 = np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 200, np.uint8)
    frames = interpolate(frame0, frame1, [1.0, 0.0, 0.5], engine="classical")
    assert len(frames) == 3
    assert frames[0].mean() == 200 and frames[1].mean() == 0
    assert abs(frames[2].mean() - 100) <= 1  # flat images: the blend


def test_evenly_spaced_times():
    assert evenly_spaced_times(3) == [0.25, 0.5, 0.75]
    with pytest.raises(InputError):
        evenly_spaced_times(0)


def test_unknown_engine_is_a_clear_error():
    from tweenflow.errors import EngineError
    with pytest.raises(EngineError, match="unknown engine 'nope'"):
        interpolate(texture(16, 16), texture(16, 16), 0.5, engine="nope")


class CountingEngine:
    """An engine whose frame for t is t everywhere; it records its calls."""

    def __init__(self):
        self.prepared, self.batches = 0, []

    def prepare(self, frame0, frame1):
        self.prepared += 1
        return frame0.shape

    def render_many(self, state, times, motion=None):
        self.batches.append(list(times))
        return [np.full(state, round(255 * t), np.uint8) for t in times]


def test_many_times_are_rendered_a_chunk_at_a_time_in_order():
    from tweenflow.api import RENDER_CHUNK, render_times
    engine = CountingEngine()
    frame0, frame1 = np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 255, np.uint8)
    times = [0.0, *evenly_spaced_times(40), 1.0]
    frames = render_times(engine, frame0, frame1, times)
    next(frames)
    next(frames)
    # the first frames come before the later ones are rendered: memory stays bounded
    assert engine.batches == [times[1:RENDER_CHUNK]]
    rest = list(frames)
    assert engine.prepared == 1 and all(len(batch) <= RENDER_CHUNK for batch in engine.batches)
    assert [t for batch in engine.batches for t in batch] == times[1:-1]
    assert [frame[0, 0, 0] for frame in rest] == [round(255 * t) for t in times[2:]]


@pytest.mark.parametrize("frame, problem", [
    (texture(8, 8).astype(np.float32), r"float32 frames hold 0-1 \(divide"),   # not / 255
    (np.full((8, 8, 3), np.nan, np.float32), "has NaN or infinite samples"),
    (texture(8, 8).astype(np.float64), "float64 array"),
    (texture(8, 8) > 100, "bool array"),
    (texture(8, 8)[..., 0], r"shape \(8, 8\)"),
    (texture(8, 8)[..., :2], r"shape \(8, 8, 2\)"),
    (np.zeros((0, 8, 3), np.uint8), "empty"),
])
def test_write_image_refuses_what_it_cannot_write_faithfully(tmp_path, frame, problem):
    # a float32 frame was written as 0/1 (nearly black) without a word; the others were
    # OpenCV or IndexError tracebacks
    with pytest.raises(InputError, match=problem):
        write_image(tmp_path / "x.png", frame)
    assert not (tmp_path / "x.png").exists()


def test_write_image_takes_views_and_read_only_arrays(tmp_path):
    frame = texture(8, 12)
    read_only = np.frombuffer(frame.tobytes(), np.uint8).reshape(frame.shape)
    for view in (frame[:, ::-1], frame.transpose(1, 0, 2), read_only):
        write_image(tmp_path / "x.png", view)
        assert np.array_equal(read_image(tmp_path / "x.png"), view)


@pytest.mark.parametrize("name, dtype", [("x.png", np.uint16), ("x.tiff", np.uint16),
                                         ("x.jpg", np.uint8), ("x.webp", np.uint8)])
def test_write_image_writes_float32_frames_at_the_depth_the_format_holds(tmp_path, name, dtype):
    """interpolate's output for float32 inputs was written as 0s and 1s (a black image), then
    refused: it is written as 16-bit PNG/TIFF, 8-bit elsewhere, the same picture."""
    frame = texture(16, 24).astype(np.float32) / 255
    frame[0, 0] = (0.0, 0.5, 1.0)
    write_image(tmp_path / name, frame)
    back = read_image(tmp_path / name, keep_depth=True)
    assert back.dtype == dtype and back.shape == frame.shape
    scale = np.iinfo(dtype).max
    if name.endswith((".png", ".tiff")):
        assert np.array_equal(back, np.rint(frame * scale).astype(dtype))
        assert back[0, 0].tolist() == [0, round(0.5 * scale), scale]
    else:                                   # lossy: as the same frame in 8 bits is written
        write_image(tmp_path / f"eight{name[1:]}", np.rint(frame * 255).astype(np.uint8))
        assert (tmp_path / name).read_bytes() == (tmp_path / f"eight{name[1:]}").read_bytes()
