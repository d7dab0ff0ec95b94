"""Timestamp arithmetic: exact fractions, no drift."""
from fractions import Fraction

import pytest

from tweenflow.errors import InputError
from tweenflow.video.schedule import (Retime, interval_outputs, output_duration,
                                      output_time_base, parse_rate, plan)

NTSC = Fraction(30000, 1001)


def input_times(count, rate, start=Fraction(0)):
    return [start + Fraction(k) / rate for k in range(count)]


@pytest.mark.parametrize("text, expected", [
    ("60", Fraction(60)), ("59.94", Fraction(60000, 1001)), ("60000/1001", Fraction(60000, 1001)),
    ("23.976", Fraction(24000, 1001)), ("29.97", NTSC), ("12.5", Fraction(25, 2))])
def test_parse_rate(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["fast", "0", "-5", "1/0"])
def test_parse_rate_rejects(text):
    with pytest.raises(InputError):
        parse_rate(text)


def test_fps_24000_1001_to_60_over_an_hour_does_not_drift():
    rate_in = Fraction(24000, 1001)
    count = 24 * 3600                       # about an hour of film
    times = input_times(count, rate_in)
    end = times[-1] + 1 / rate_in
    frames = plan(Retime("fps", Fraction(60)), times, end)
    # T_k = k/60 for every T_k < end, exactly
    assert len(frames) == -(-end * 60 // 1)    # ceil(end * 60)
    assert [frame.time for _, frame in frames[:3]] == [0, Fraction(1, 60), Fraction(2, 60)]
    assert frames[-1][1].time == Fraction(len(frames) - 1, 60)
    for index, frame in frames[::997]:
        assert times[index] <= frame.time < (times[index + 1] if index + 1 < count else end)
        assert frame.t == (frame.time - times[index]) * rate_in
    assert all(0 <= frame.t < 1 for _, frame in frames)


def test_fps_fractional_t_and_passthrough():
    # 25 -> 30: t cycles through 0, 5/6, 4/6 (=2/3), 3/6, 2/6, 1/6 exactly
    times = input_times(6, Fraction(25))
    frames = plan(Retime("fps", Fraction(30)), times, times[-1] + Fraction(1, 25))
    assert len(frames) == 8                    # ceil(0.24 s * 30)
    assert [f.t for _, f in frames[:6]] == [0, Fraction(5, 6), Fraction(2, 3), Fraction(1, 2),
                                             Fraction(1, 3), Fraction(1, 6)]
    assert [index for index, _ in frames[:6]] == [0, 0, 1, 2, 3, 4]


def test_multi_keeps_duration_and_originals():
    times = input_times(5, NTSC, start=Fraction(1, 10))
    end = times[-1] + 1 / NTSC
    frames = plan(Retime("multi", Fraction(3)), times, end)
    assert len(frames) == 15
    assert [f.time for _, f in frames[::3]] == times          # originals at their own pts
    assert all(f.t == 0 for _, f in frames[::3])
    assert frames[1][1].time == times[0] + Fraction(1, 3) / NTSC
    assert output_duration(Retime("multi", Fraction(3)), times[0], end) == end - times[0]


def test_slowmo_plays_n_times_longer_at_input_rate():
    times = input_times(4, Fraction(30))
    end = times[-1] + Fraction(1, 30)
    frames = plan(Retime("slowmo", Fraction(4)), times, end)
    assert [f.time for _, f in frames] == [Fraction(k, 30) for k in range(16)]
    assert [f.t for _, f in frames[:4]] == [0, Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)]
    assert output_duration(Retime("slowmo", Fraction(4)), times[0], end) == Fraction(16, 30)


def test_variable_frame_rate_uses_real_pts():
    times = [Fraction(0), Fraction(1, 10), Fraction(3, 10)]   # gaps 0.1 s then 0.2 s
    frames = plan(Retime("fps", Fraction(20)), times, Fraction(4, 10))
    assert [(i, f.t) for i, f in frames] == [(0, 0), (0, Fraction(1, 2)), (1, 0), (1, Fraction(1, 4)),
                                             (1, Fraction(1, 2)), (1, Fraction(3, 4)), (2, 0),
                                             (2, Fraction(1, 2))]


@pytest.mark.parametrize("retime", [Retime("fps", Fraction(60000, 1001)), Retime("fps", Fraction(60)),
                                    Retime("multi", Fraction(2)), Retime("slowmo", Fraction(8))])
def test_output_time_base_represents_every_time(retime):
    time_base = Fraction(1, 30000)
    times = [Fraction(1001 * k + (k % 3), 30000) for k in range(40)]   # jittery, VFR
    base = output_time_base(retime, time_base)
    frames = plan(retime, times, times[-1] + Fraction(1001, 30000))
    assert all((frame.time / base).denominator == 1 for _, frame in frames)


def test_bad_retime_and_non_increasing_pts():
    with pytest.raises(InputError):
        Retime("multi", Fraction(3, 2))
    with pytest.raises(InputError):
        Retime("slowmo", Fraction(1))
    with pytest.raises(InputError):
        interval_outputs(Retime("multi", Fraction(2)), Fraction(0), Fraction(1), Fraction(1))


def test_time_map_scales_from_the_first_frame_and_cuts_at_the_end():
    from tweenflow.video.schedule import TimeMap, time_map_for
    slow = time_map_for(Retime("slowmo", Fraction(3)), Fraction(1, 2), Fraction(2))
    assert slow == TimeMap(Fraction(1, 2), 3, Fraction(2))
    assert slow.to_output(Fraction(1, 2)) == Fraction(1, 2)     # the first frame stays put
    assert slow.to_output(Fraction(1)) == Fraction(2)
    assert slow.span(Fraction(1), Fraction(1, 4)) == (Fraction(2), Fraction(3, 4))
    assert slow.span(Fraction(15, 10), Fraction(1)) == (Fraction(7, 2), Fraction(3, 2))  # cut
    assert slow.span(Fraction(2), Fraction(1)) is None          # starts at the end: left out
    assert slow.span(Fraction(1), None) == (Fraction(2), None)
    # before the first frame nothing is shown (it would land at negative times): cut there
    assert slow.span(Fraction(0), Fraction(1)) == (Fraction(1, 2), Fraction(3, 2))
    assert slow.span(Fraction(0), Fraction(1, 2)) is None        # ends at the first frame
    assert slow.span(Fraction(0), None) == (Fraction(1, 2), None)
    same = time_map_for(Retime("fps", Fraction(60)), Fraction(0), None)
    assert same.to_output(Fraction(7, 3)) == Fraction(7, 3)
    assert same.span(Fraction(100), Fraction(5)) == (Fraction(100), Fraction(5))
    assert same.span(Fraction(0), Fraction(1)) == (Fraction(0), Fraction(1))   # as it was
