"""Clips of A, the in-betweens, B (tweenflow.video.clip): a GIF's timing."""
from fractions import Fraction

import numpy as np
import pytest
from PIL import Image

from tweenflow.video.clip import write_clip


def _distinct_frames(count: int) -> list[np.ndarray]:
    # a bar moving 5 px a frame: no two frames alike, so the GIF writer merges none
    frames = []
    for index in range(count):
        frame = np.full((24, 64, 3), 40, np.uint8)
        frame[4:20, 5 * index:5 * index + 8] = (230, 200, 20)
        frames.append(frame)
    return frames


def _delays_ms(path) -> list[int]:
    with Image.open(path) as image:
        delays = []
        for index in range(image.n_frames):
            image.seek(index)
            delays.append(image.info["duration"])
        return delays


@pytest.mark.parametrize("fps, count", [(12, 9), (30, 10), (Fraction(24000, 1001), 8), (7, 3)])
def test_a_gif_plays_at_the_rate_asked(tmp_path, fps, count):
    # one delay rounded for every frame made 12 fps 80 ms a frame (12.5 fps, 4% short)
    path = tmp_path / "clip.gif"
    assert write_clip(_distinct_frames(count), path, fps) == count
    delays = _delays_ms(path)
    assert len(delays) == count
    assert all(delay % 10 == 0 for delay in delays)       # GIF keeps centiseconds
    starts = np.cumsum([0] + delays)
    exact = [1000 * k / Fraction(fps) for k in range(count + 1)]
    # every frame starts within 5 ms (half a centisecond) of k/fps, the clip's end too
    assert max(abs(float(start - when)) for start, when in zip(starts, exact)) <= 5


def test_a_gif_above_50_fps_keeps_20_ms_frames(tmp_path):
    # browsers slow shorter delays down to 100 ms
    path = tmp_path / "fast.gif"
    write_clip(_distinct_frames(6), path, 100)
    assert _delays_ms(path) == [20] * 6


@pytest.mark.parametrize("name", ["slow.gif", "slow.mp4"])
def test_a_clip_slower_than_the_slowest_is_refused_and_nothing_written(tmp_path, name):
    """The writer itself refuses it (API callers; the CLI and the studio refuse it before any
    work with the same limit): an MP4 time base would round such a rate to 0."""
    from tweenflow.errors import OutputError
    with pytest.raises(OutputError, match="too slow for a clip; give at least 0.01"):
        write_clip(_distinct_frames(2), tmp_path / name, Fraction(1, 1000))
    assert list(tmp_path.iterdir()) == []
    assert write_clip(_distinct_frames(2), tmp_path / name, Fraction(1, 100)) == 2
