"""Tiling (tweenflow.engines.tiled): layout, blending, and tiled engines against whole frames."""
import numpy as np
import pytest

from tests.conftest import measured_shift, one_error_line, run_cli, shifted_pair, texture
from tweenflow import interpolate, read_image
from tweenflow.engines import Runtime, create_engine
from tweenflow.engines.tiled import TiledEngine, tile_layout
from tweenflow.errors import EngineError
from tweenflow.images import write_image


@pytest.mark.parametrize("height,width,tile,overlap", [
    (2160, 3840, 1024, 128), (300, 500, 128, 16), (97, 301, 64, 16), (64, 64, 64, 16)])
def test_tiles_cover_the_frame_and_their_weights_sum_to_one(height, width, tile, overlap):
    total = np.zeros((height, width))
    tiles = tile_layout(height, width, tile, overlap)
    for t in tiles:
        assert t.weight.shape == (t.bottom - t.top, t.right - t.left)
        # a tile's own part is at most `tile` pixels; with context, 2 * overlap more
        assert t.bottom - t.top <= tile + 2 * overlap and t.right - t.left <= tile + 2 * overlap
        total[t.top:t.bottom, t.left:t.right] += t.weight
    np.testing.assert_allclose(total, 1.0, atol=1e-6)
    assert len(tiles) == -(-height // tile) * -(-width // tile)


def test_a_tile_fades_out_towards_its_neighbours_only():
    left, right = tile_layout(100, 200, 100, 20)
    assert left.weight[:, 0].min() == 1 and right.weight[:, -1].min() == 1   # frame edges
    assert left.weight[0, -1] < 0.05 and right.weight[0, 0] < 0.05          # shared edges
    assert left.right - right.left == 40                                     # 2 * overlap


class Recorder:
    """A stand-in engine: the in-between is frame0 + t * (frame1 - frame0), and it records
    the tile sizes it was given."""

    name = "recorder"

    def __init__(self):
        self.sizes = []

    def prepare(self, frame0, frame1):
        self.sizes.append(frame0.shape[:2])
        return frame0.astype(float), frame1.astype(float)

    def render_many(self, state, times, motion=None):
        return [np.rint(state[0] + t * (state[1] - state[0])).astype(np.uint8) for t in times]


def test_tiles_of_a_position_independent_engine_reassemble_exactly():
    frame0, frame1 = texture(150, 260, seed=1), texture(150, 260, seed=2)
    inner = Recorder()
    tiled = TiledEngine(inner, tile=64, overlap=16)
    frames = tiled.render_many(tiled.prepare(frame0, frame1), [0.25, 0.5])
    assert len(inner.sizes) == 3 * 5 and max(max(size) for size in inner.sizes) <= 64 + 32
    for frame, t in zip(frames, [0.25, 0.5]):
        expected = np.rint(frame0 + t * (frame1.astype(float) - frame0)).astype(np.uint8)
        assert np.abs(frame.astype(int) - expected.astype(int)).max() <= 1


def test_a_frame_that_fits_one_tile_is_the_inner_engine_itself(engines):
    frame0, frame1, _ = shifted_pair(96, 128, 6, 3, seed=4)
    inner = engines("rife4")
    tiled = TiledEngine(inner, tile=128)
    assert np.array_equal(tiled.render(tiled.prepare(frame0, frame1), 0.5),
                          inner.render(inner.prepare(frame0, frame1), 0.5))


@pytest.mark.parametrize("name", ["rife4", "classical"])
def test_tiled_engine_tracks_a_shift_like_the_whole_frame(name):
    frame0, frame1, crop = shifted_pair(200, 300, 8, 4, seed=5)
    whole = create_engine(name)
    tiled = create_engine(name, runtime=Runtime(tile=96))
    assert isinstance(tiled, TiledEngine) and tiled.overlap == 16
    out = tiled.render(tiled.prepare(frame0, frame1), 0.5)
    dx, dy = measured_shift(frame0, out)
    assert abs(dx - 4) < 0.35 and abs(dy - 2) < 0.35, (dx, dy)
    reference = whole.render(whole.prepare(frame0, frame1), 0.5)
    interior = np.abs(out.astype(int) - reference.astype(int))[12:-12, 12:-12]
    assert interior.mean() < 2.0, interior.mean()


def test_motion_hints_reach_each_tile_cropped():
    seen = []

    class Field:
        tolerance = 1.5

        def prior(self, time0, time1, t, height, width):
            seen.append((height, width))
            flow = np.zeros((height, width, 2), np.float32)
            flow[..., 0] = np.arange(width)   # position-dependent: shows the crop
            return flow, flow, np.ones((height, width), np.float32)

    class Probe(Recorder):
        def render_many(self, state, times, motion=None):
            flow, _, _ = motion.prior(0.0, 1.0, 0.5, *state[0].shape[:2])
            assert motion.tolerance == 1.5 and flow.shape[:2] == state[0].shape[:2]
            self.first_columns.append(flow[0, 0, 0])
            return super().render_many(state, times)

    inner = Probe()
    inner.first_columns = []
    tiled = TiledEngine(inner, tile=64, overlap=16)
    tiled.render(tiled.prepare(texture(64, 128), texture(64, 128, seed=1)), 0.5, Field())
    # the whole frame's hint is made once and cropped for each of the two tiles
    assert seen == [(64, 128)] and inner.first_columns == [0, 48]


def test_many_times_on_a_large_frame_go_in_groups(monkeypatch):
    from tweenflow.engines import tiled as tiled_module
    frame0, frame1 = texture(100, 150, seed=1), texture(100, 150, seed=2)
    times = [k / 8 for k in range(1, 8)]
    inner = Recorder()
    engine = TiledEngine(inner, tile=64, overlap=16)
    whole = engine.render_many(engine.prepare(frame0, frame1), times)
    prepared_once = len(inner.sizes)
    # room for the blended frames of three times: 7 times in groups of 3, 3 and 1
    monkeypatch.setattr(tiled_module, "MAX_ACCUMULATOR_BYTES", 3 * 100 * 150 * 3 * 4)
    inner.sizes.clear()
    grouped = engine.render_many(engine.prepare(frame0, frame1), times)
    assert len(inner.sizes) == 3 * prepared_once
    assert all(np.array_equal(a, b) for a, b in zip(whole, grouped))


def test_bad_tile_sizes_are_refused_before_loading_anything():
    with pytest.raises(EngineError, match="tile size 32 is too small"):
        create_engine("rife4", runtime=Runtime(tile=32))
    with pytest.raises(EngineError, match="quarter"):
        create_engine("classical", runtime=Runtime(tile=128, tile_overlap=40))


def test_cli_tile_option(tmp_path):
    frame0, frame1, _ = shifted_pair(160, 200, 6, 2, seed=6)
    write_image(tmp_path / "a.png", frame0)
    write_image(tmp_path / "b.png", frame1)
    result = run_cli("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                     "-o", str(tmp_path / "mid.png"), "--engine", "classical", "--tile", "96")
    assert result.returncode == 0, result.stderr
    expected = interpolate(frame0, frame1, 0.5, engine=create_engine(
        "classical", runtime=Runtime(tile=96)))[0]
    assert np.array_equal(read_image(tmp_path / "mid.png"), expected)
    for value, message in (("10", "at least 64"), ("big", "not a whole number")):
        bad = run_cli("interpolate", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                      "-o", str(tmp_path / "x.png"), "--tile", value)
        line = one_error_line(bad)
        assert "--tile" in line and message in line, line
    assert not (tmp_path / "x.png").exists()
