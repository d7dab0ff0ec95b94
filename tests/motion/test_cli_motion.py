"""`tweenflow interpolate --tracks/--autopilot/--show-tracks` as a user runs it."""
import json

import cv2
import numpy as np
import pytest

from tests.conftest import one_error_line, run_cli as run
from tests.motion.scenes import CONTROL, END, START, object_centre
from tweenflow import read_image


@pytest.fixture
def files(tmp_path, moving_square):
    frame0, frame1, patch = moving_square
    for name, frame in (("a.png", frame0), ("b.png", frame1)):
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    return tmp_path, patch


def write_json(path, document):
    path.write_text(json.dumps(document))
    return str(path)


def test_tracks_steer_the_cli_output(files):
    folder, patch = files
    tracks = write_json(folder / "tracks.json",
                        {"tracks": [{"points": [[0, *START], [0.5, *CONTROL], [1, *END]],
                                     "radius": 30}]})
    result = run("interpolate", str(folder / "a.png"), str(folder / "b.png"), "--t", "0.5",
                 "-o", str(folder / "mid.png"), "--engine", "classical", "--tracks", tracks)
    assert result.returncode == 0, result.stderr
    centre = object_centre(read_image(folder / "mid.png"), patch)
    assert np.hypot(centre[0] - CONTROL[0], centre[1] - CONTROL[1]) <= 3.0


def test_show_tracks_draws_over_the_frames(files):
    folder, _ = files
    tracks = write_json(folder / "tracks.json",
                        {"tracks": [{"points": [[0, *START], [0.5, *CONTROL], [1, *END]],
                                     "radius": 30}]})
    args = ["interpolate", str(folder / "a.png"), str(folder / "b.png"), "-n", "3",
            "--engine", "classical", "--tracks", tracks]
    assert run(*args, "-o", str(folder / "plain")).returncode == 0
    result = run(*args, "-o", str(folder / "drawn"), "--show-tracks")
    assert result.returncode == 0, result.stderr
    for index in (1, 2, 3):
        plain = read_image(folder / "plain" / f"frame_{index:04d}.png").astype(int)
        drawn = read_image(folder / "drawn" / f"frame_{index:04d}.png").astype(int)
        changed = np.abs(plain - drawn).sum(axis=2) > 0
        # Only around the path: nothing changes far below it, something changes on it.
        assert not changed[200:].any() and changed.sum() > 100
    # The dot at t = 0.5 sits on C: frame 2's pixel there is the track's (red) colour.
    red, green, blue = read_image(folder / "drawn" / "frame_0002.png")[int(CONTROL[1]),
                                                                       int(CONTROL[0])]
    assert red > 200 and green < 120 and blue < 120


def test_autopilot_runs_from_the_cli(files):
    folder, _ = files
    result = run("interpolate", str(folder / "a.png"), str(folder / "b.png"), "--t", "0.5",
                 "-o", str(folder / "auto.png"), "--engine", "classical", "--autopilot",
                 "--show-tracks")
    assert result.returncode == 0, result.stderr
    assert read_image(folder / "auto.png").shape == (240, 320, 3)


@pytest.mark.parametrize("content, message", [
    ('{"tracks": [', "not valid JSON (line 1"),
    ('{"tracks": [{"points": [[0, 10, 10], [1, 900, 10]]}]}',
     "track 0 point 1 (900, 10) is outside the 320x240 image"),
    ('{"tracks": [{"points": [[0, 10, 10], [0.5, 20, 10], [0.5, 30, 10], [1, 40, 10]]}]}',
     "point 2: t must increase"),
    ('{"tracks": [{"points": [[0, "a", 10], [1, 20, 10]]}]}', "point 0 x must be a number"),
    ('[1, 2]', "track 0 must be an object"),
    ('{"tracks": [{"points": [[0, 1' + "0" * 400 + ', 10], [1, 20, 10]]}]}',
     "track 0 point 0 x must be a finite number"),
    ('{"tracks": [{"points": [[0, 10, 10], [1e-320, 20, 10], [1, 30, 10]]}]}',
     "point 1: t = 9.99989e-321 is too close to t = 0"),
    ("[" * 100_000 + "]" * 100_000, "not a usable tracks file (lists nested too deeply)"),
])
def test_bad_tracks_file_is_one_line_and_non_zero(files, content, message):
    folder, _ = files
    (folder / "bad.json").write_text(content)
    result = run("interpolate", str(folder / "a.png"), str(folder / "b.png"), "--t", "0.5",
                 "-o", str(folder / "out.png"), "--engine", "classical",
                 "--tracks", str(folder / "bad.json"))
    line = one_error_line(result)
    assert result.returncode == 2
    assert line.startswith("tweenflow: error: ") and str(folder / "bad.json") in line
    assert message in line
    assert not (folder / "out.png").exists()


def test_missing_tracks_file_and_show_tracks_alone(files):
    folder, _ = files
    base = ["interpolate", str(folder / "a.png"), str(folder / "b.png"), "--t", "0.5",
            "-o", str(folder / "out.png"), "--engine", "classical"]
    assert "no such tracks file" in one_error_line(run(*base, "--tracks",
                                                       str(folder / "nope.json")))
    assert "--show-tracks draws the tracks of --tracks or --autopilot" in \
        one_error_line(run(*base, "--show-tracks"))


@pytest.mark.parametrize("tile, said", [(64, True), (1024, False)])
def test_tiles_narrower_than_a_tracks_motion_are_said(files, tile, said):
    """The track moves the square 120 px: --tile 64 tiles see 16 px past their edges (a line
    says the track may not be followed across borders), --tile 1024 tiles 128 px (nothing)."""
    folder, _ = files
    tracks = write_json(folder / "tracks.json",
                        {"tracks": [{"points": [[0, *START], [1, *END]], "radius": 30}]})
    result = run("interpolate", str(folder / "a.png"), str(folder / "b.png"), "--t", "0.5",
                 "-o", str(folder / "mid.png"), "--engine", "classical", "--tracks", tracks,
                 "--tile", str(tile))
    assert result.returncode == 0, result.stderr
    assert ("a track moves 120 px, more than the 16 px" in result.stderr) == said, result.stderr
    assert read_image(folder / "mid.png").shape == read_image(folder / "a.png").shape
