"""Start timecodes counted again at another frame rate (video/timecode.py)."""
from fractions import Fraction

import pytest

from tweenflow.video.timecode import (retimed_timecode, retimed_timecode_tags, timecode_frames,
                                      timecode_text)

NTSC = Fraction(30000, 1001)


@pytest.mark.parametrize("timecode, rate_in, rate_out, expected", [
    ("10:00:00:12", Fraction(25), Fraction(50), "10:00:00:24"),       # --multi 2
    ("10:00:00:24", Fraction(50), Fraction(25), "10:00:00:12"),
    ("00:59:59:23", Fraction(24), Fraction(48), "00:59:59:46"),
    ("01:00:00;02", NTSC, 2 * NTSC, "01:00:00;04"),                   # drop frame stays so
    ("00:10:00;00", NTSC, 2 * NTSC, "00:10:00;00"),
    ("23:59:59:24", Fraction(25), Fraction(50), "23:59:59:48"),
])
def test_an_instant_on_both_frame_grids_keeps_its_place(timecode, rate_in, rate_out, expected):
    assert retimed_timecode(timecode, rate_in, rate_out) == (expected, 0)


def test_an_instant_between_two_frames_gets_the_nearest_and_says_how_far():
    # frame 12 at 25 fps is 0.48 s: frame 28.8 at 60 fps
    assert retimed_timecode("10:00:00:12", Fraction(25), Fraction(60)) == \
        ("10:00:00:29", Fraction(-1, 5))
    # drop frame is only for multiples of 29.97: at 60 fps the label is non-drop
    label, _ = retimed_timecode("01:00:00;02", NTSC, Fraction(60))
    assert label == "01:00:00:04"


def test_drop_frame_labels_skip_two_each_minute_but_every_tenth():
    assert timecode_text(1799, NTSC, True) == "00:00:59;29"
    assert timecode_text(1800, NTSC, True) == "00:01:00;02"
    assert timecode_text(17982, NTSC, True) == "00:10:00;00"
    assert timecode_text(3599, 2 * NTSC, True) == "00:00:59;59"
    assert timecode_text(3600, 2 * NTSC, True) == "00:01:00;04"
    for count in range(0, 40000, 7):
        for rate in (NTSC, 2 * NTSC):
            assert timecode_frames(timecode_text(count, rate, True), rate) == (count, True)


def test_other_text_is_no_timecode():
    assert retimed_timecode("tomorrow", Fraction(25), Fraction(50)) is None
    assert timecode_frames("10:00:00", Fraction(25)) is None


def test_the_timecode_tags_of_a_stream_are_counted_again_with_a_line_where_off_the_grid():
    tags = {"TIMECODE": "10:00:00:12", "handler_name": "VideoHandler", "timecode2": "x"}
    assert retimed_timecode_tags(tags, Fraction(25), Fraction(50)) == \
        ({"TIMECODE": "10:00:00:24"}, [])
    assert retimed_timecode_tags(tags, Fraction(25), Fraction(60)) == (
        {"TIMECODE": "10:00:00:29"},
        ["start timecode 10:00:00:12 at 25 fps falls between frames at 60 fps: written as "
         "10:00:00:29 (the nearest frame, 0.20 frame away)"])
    assert retimed_timecode_tags(tags, Fraction(25), Fraction(25)) == ({}, [])
