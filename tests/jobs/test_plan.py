"""Segment plans: every frame in exactly one segment, boundaries at keyframes when near."""
from fractions import Fraction

import pytest

from tweenflow.errors import InputError
from tweenflow.jobs.plan import plan_segments


def times_of(count, rate=24):
    return [Fraction(index, rate) for index in range(count)]


def test_segments_tile_the_frames_and_carry_their_times():
    times = times_of(24 * 35)            # 35 s
    plan = plan_segments(times, [times[0]], Fraction(10), context=5)
    assert [(s.first, s.stop) for s in plan] == [(0, 240), (240, 480), (480, 840)]
    assert [s.begin for s in plan] == [0, 10, 20] and plan[-1].end is None
    assert plan[0].end == plan[1].begin == 10
    assert (plan[1].window_first, plan[1].window_last) == (235, 484)
    assert (plan[0].window_first, plan[-1].window_last) == (0, 839)


def test_boundary_moves_to_a_near_keyframe_only():
    times = times_of(24 * 30)
    keyframes = [Fraction(0), Fraction(9), Fraction(15)]      # 9 s is within 2.5 s of 10 s
    plan = plan_segments(times, keyframes, Fraction(10))
    assert [s.begin for s in plan] == [0, 9, 20]          # 15 s is too far from 20 s


def test_short_tail_joins_the_last_segment_and_short_video_is_one_segment():
    plan = plan_segments(times_of(24 * 12), [Fraction(0)], Fraction(10))
    assert len(plan) == 1 and plan[0].stop == 288
    assert len(plan_segments(times_of(3), [], Fraction(10))) == 1


def test_variable_frame_times():
    times = [Fraction(0), Fraction(1, 10), Fraction(5, 2), Fraction(3), Fraction(6), Fraction(7)]
    plan = plan_segments(times, [], Fraction(2))
    assert [s.first for s in plan] == [0, 2, 4]
    assert sum(s.stop - s.first for s in plan) == len(times)


@pytest.mark.parametrize("times, seconds, message", [
    ([Fraction(0)], Fraction(10), "two frames"),
    ([Fraction(0), Fraction(0)], Fraction(10), "increase"),
    ([Fraction(0), Fraction(1)], Fraction(0), "positive")])
def test_bad_plans(times, seconds, message):
    with pytest.raises(InputError, match=message):
        plan_segments(times, [], seconds)
