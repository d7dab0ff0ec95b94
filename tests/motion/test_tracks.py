"""Tracks: parsing and validation (each error names what is wrong), and the paths through them."""
import json

import numpy as np
import pytest

from tweenflow.errors import InputError
from tweenflow.motion import (Track, TrackField, load_tracks, make_track, parse_tracks, position,
                              tracks_to_json)
from tweenflow.motion.draw import USER_COLOUR, draw_tracks

GOOD = {"tracks": [{"points": [[0.0, 120, 80], [0.5, 200, 40], [1.0, 280, 80]], "radius": 40}]}


def test_issue_example_parses():
    (track,) = parse_tracks(GOOD, size=(320, 240))
    assert track.points == ((0.0, 120.0, 80.0), (0.5, 200.0, 40.0), (1.0, 280.0, 80.0))
    assert track.radius == 40.0 and track.linear is False and track.easing == "linear"


def test_round_trip_through_json():
    tracks = parse_tracks(GOOD)
    assert parse_tracks(json.loads(json.dumps(tracks_to_json(tracks)))) == tracks


@pytest.mark.parametrize("document, message", [
    ({"tracks": [{"points": [[0, 10, 10], [1, 400, 10]]}]}, "point 1 (400, 10) is outside the 320x240"),
    ({"tracks": [{"points": [[0, 10, -1], [1, 20, 10]]}]}, "point 0 (10, -1) is outside"),
    ({"tracks": [{"points": [[0, 10, 10], [0.6, 20, 10], [0.4, 30, 10], [1, 40, 10]]}]},
     "point 2: t must increase, but t = 0.4 follows t = 0.6"),
    ({"tracks": [{"points": [[0.1, 10, 10], [1, 20, 10]]}]}, "must start at t = 0"),
    ({"tracks": [{"points": [[0, 10, 10], [0.9, 20, 10]]}]}, "must end at t = 1"),
    ({"tracks": [{"points": [[0, "10", 10], [1, 20, 10]]}]}, "track 0 point 0 x must be a number"),
    ({"tracks": [{"points": [[0, 10, 10], [1, True, 10]]}]}, "point 1 x must be a number, got true"),
    ({"tracks": [{"points": [[0, 10], [1, 20, 10]]}]}, "point 0 must be a list [t, x, y]"),
    ({"tracks": [{"points": [[0, 10, 10]]}]}, "at least two [t, x, y] points"),
    ({"tracks": [{"radius": 3}]}, "has no \"points\""),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "radius": 0}]}, "radius must be positive"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "radius": "big"}]}, "radius must be a number"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "linear": "yes"}]}, "\"linear\" must be true or false"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "easing": "bounce"}]}, "easing \"bounce\" is unknown"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "strength": 2}]}, "strength must be in (0, 1]"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "radiu": 3}]}, "unknown key 'radiu'"),
    ({"tracks": [[0, 10, 10]]}, "track 0 must be an object"),
    ({"tracks": {"points": []}}, "\"tracks\" must be a list"),
    ({"track": []}, "unknown key 'track'"),
    ({}, "has no \"tracks\" list"),
    # JSON integers have no size limit; one too large for a float is not a coordinate
    ({"tracks": [{"points": [[0, 10 ** 400, 10], [1, 20, 10]]}]},
     "track 0 point 0 x must be a finite number"),
    ({"tracks": [{"points": [[0, 10, 10], [1, 20, 10]], "radius": 10 ** 400}]},
     "radius must be a finite number"),
    # t steps so small that the spline's tangents overflow (the path became NaN)
    ({"tracks": [{"points": [[0, 10, 10], [5e-324, 20, 10], [1, 30, 10]]}]},
     "point 1: t = 4.94066e-324 is too close to t = 0"),
])
def test_invalid_tracks_are_refused_with_a_clear_message(document, message):
    with pytest.raises(InputError) as caught:
        parse_tracks(document, size=(320, 240))
    assert message in str(caught.value)


def test_load_tracks_reports_file_and_json_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"tracks": [')
    with pytest.raises(InputError, match=r"broken.json: not valid JSON \(line 1"):
        load_tracks(broken)
    with pytest.raises(InputError, match="no such tracks file"):
        load_tracks(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tracks": [{"points": [[0, 1, 1], [0.5, 2, 2]]}]}))
    with pytest.raises(InputError, match=r"bad.json: track 0 must end at t = 1"):
        load_tracks(bad)


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, "1" * 5000])
def test_load_tracks_refuses_json_that_python_cannot_hold(tmp_path, content):
    # Nested too deeply for the parser's recursion, or an integer of more digits than Python
    # converts: both are JSON syntax, neither is a tracks file.
    odd = tmp_path / "odd.json"
    odd.write_text(content)
    with pytest.raises(InputError, match=r"odd.json: not a usable tracks file \("):
        load_tracks(odd)


def test_smooth_path_passes_control_points_at_their_times():
    track = make_track({"points": [[0, 60, 120], [0.3, 100, 60], [0.7, 170, 70], [1, 200, 130]]})
    np.testing.assert_allclose(position(track, [0, 0.3, 0.7, 1]),
                               [[60, 120], [100, 60], [170, 70], [200, 130]], atol=1e-9)


def test_three_point_smooth_path_is_the_parabola():
    track = make_track({"points": [[0, 0, 0], [0.5, 50, -40], [1, 100, 0]]})
    times = np.linspace(0, 1, 11)
    expected_y = -160 * times * (1 - times)    # parabola through the three points
    np.testing.assert_allclose(position(track, times)[:, 1], expected_y, atol=1e-9)
    np.testing.assert_allclose(position(track, times)[:, 0], 100 * times, atol=1e-9)


def test_linear_path_is_straight_between_points():
    track = make_track({"points": [[0, 0, 0], [0.5, 50, -40], [1, 100, 0]], "linear": True})
    np.testing.assert_allclose(position(track, [0.25, 0.75]), [[25, -20], [75, -20]], atol=1e-9)


def test_easing_keeps_control_points_and_reshapes_timing():
    eased = make_track({"points": [[0, 0, 0], [1, 100, 0]], "easing": "ease-in-out"})
    xs = position(eased, [0, 0.1, 0.5, 0.9, 1])[:, 0]
    np.testing.assert_allclose(xs[[0, 2, 4]], [0, 50, 100], atol=1e-9)
    assert xs[1] < 10 and xs[3] > 90             # slow start and end, linear would give 10, 90
    ease_in = make_track({"points": [[0, 0, 0], [1, 100, 0]], "easing": "ease-in"})
    assert position(ease_in, 0.5)[0] == pytest.approx(25.0)


def test_prior_carries_content_along_the_path():
    track = make_track({"points": [[0, 60, 120], [0.5, 120, 80], [1, 180, 120]], "radius": 20})
    flow_t_to_0, flow_t_to_1, weight = TrackField([track]).prior(0.0, 1.0, 0.5, 240, 320)
    assert flow_t_to_0.shape == (240, 320, 2) and weight.shape == (240, 320)
    assert flow_t_to_0.dtype == np.float32 and weight.dtype == np.float32
    np.testing.assert_allclose(flow_t_to_0[80, 120], [-60, 40])
    np.testing.assert_allclose(flow_t_to_1[80, 120], [60, 40])
    assert weight[80, 120] == 1.0 and weight[80, 135] == 1.0    # inside the radius
    assert weight[80, 150] == pytest.approx(np.exp(-0.5))     # Gaussian tail, sigma = r / 2
    assert weight[80, 250] == 0.0 and weight[200, 120] == 0.0  # far away: the engine decides


def test_prior_for_a_sub_interval_uses_positions_at_those_times():
    track = make_track({"points": [[0, 0, 100], [1, 160, 100]], "linear": True})
    flow_t_to_0, flow_t_to_1, _ = TrackField([track]).prior(0.5, 1.0, 0.75, 200, 200)
    np.testing.assert_allclose(flow_t_to_0[100, 120], [-40, 0])
    np.testing.assert_allclose(flow_t_to_1[100, 120], [40, 0])


def test_prior_is_none_when_no_track_reaches_the_image():
    track = Track(points=((0.0, 5.0, 5.0), (1.0, 6.0, 5.0)), radius=2.0)
    assert TrackField([track]).prior(0.0, 1.0, 0.5, 100, 100) is not None
    assert TrackField([]).prior(0.0, 1.0, 0.5, 100, 100) is None


@pytest.mark.parametrize("radius", [1e308, 5e-324])
def test_prior_of_an_extreme_radius_is_finite(radius):
    # 1e308 reaches past the whole image (its window was int(inf)); 5e-324 halves to a zero
    # sigma (0 / 0 at the centre pixel).
    track = make_track({"points": [[0, 10, 10], [1, 30, 30]], "radius": radius})
    flow_t_to_0, flow_t_to_1, weight = TrackField([track]).prior(0.0, 1.0, 0.5, 50, 50)
    assert all(np.isfinite(part).all() for part in (flow_t_to_0, flow_t_to_1, weight))
    np.testing.assert_allclose(flow_t_to_0[20, 20], [-10, -10])
    huge = radius > 1
    assert weight[20, 20] == 1.0 and weight[49, 0] == (1.0 if huge else 0.0)


@pytest.mark.parametrize("dtype, channels", [(np.uint8, 3), (np.uint16, 3), (np.uint8, 4),
                                             (np.uint16, 4)])
def test_drawn_tracks_keep_their_colour_in_16_bit_and_rgba(dtype, channels):
    # The colours are 8-bit RGB: on 16-bit frames they were 1/257 as bright (near black), and on
    # RGBA the missing fourth value drew the track with alpha 0 (holes in the frame).
    peak = np.iinfo(dtype).max
    frame = np.full((60, 80, channels), peak // 2, dtype)
    track = make_track({"points": [[0, 10, 30], [1, 70, 30]]})
    drawn = draw_tracks(frame, [track], 0.5)
    assert drawn.dtype == dtype and drawn.shape == frame.shape
    dot = drawn[30, 40].astype(np.float64) / peak      # the dot at t = 0.5, filled in the colour
    np.testing.assert_allclose(dot[:3], np.array(USER_COLOUR) / 255, atol=0.01)
    if channels == 4:
        assert dot[3] == 1.0 and (drawn[..., 3] >= peak // 2).all()


def test_an_empty_tracks_file_or_a_folder_is_named_as_such(tmp_path):
    # They read 'not valid JSON (line 1, column 1: Expecting value)' and 'no such tracks file'.
    empty = tmp_path / "empty.json"
    empty.write_text(" \n")
    with pytest.raises(InputError, match=r"empty.json: the file is empty; a tracks file holds "):
        load_tracks(empty)
    with pytest.raises(InputError, match=r": a folder, not a tracks file"):
        load_tracks(tmp_path)


def test_load_tracks_reads_a_file_with_a_byte_order_mark(tmp_path):
    notepad = tmp_path / "notepad.json"     # Windows Notepad's "UTF-8 with BOM"
    notepad.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode("utf-8"))
    assert load_tracks(notepad) == parse_tracks(GOOD)
