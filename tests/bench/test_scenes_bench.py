"""The scene-cut benchmark's scoring: what counts as found, and what as a false cut."""
from tweenflow.bench.scenes import Clip, histogram_score, tally
from tests.video.conftest import moving_frames


def clip(cuts=(), dissolves=()):
    return Clip("test", lambda: iter(()), list(cuts), list(dissolves))


def test_a_cut_is_found_within_one_frame_and_counted_once():
    result = tally(clip(cuts=[30]), [29, 30, 45])
    assert (result.cuts_found, result.cuts, result.false) == (1, 1, 1)     # 45 is false
    assert tally(clip(cuts=[30]), [32]).cuts_found == 0
    assert tally(clip(cuts=[30]), [32]).false == 1


def test_a_dissolve_is_found_by_any_report_inside_it():
    labelled = clip(cuts=[202], dissolves=[(127, 149)])
    result = tally(labelled, [127, 140, 202])
    assert (result.cuts_found, result.dissolves_found, result.false) == (1, 1, 0)
    result = tally(labelled, [100])
    assert (result.cuts_found, result.dissolves_found, result.false) == (0, 0, 1)


def test_nothing_labelled_nothing_reported():
    result = tally(clip(), [])
    assert (result.cuts, result.dissolves, result.false) == (0, 0, 0)


def test_histogram_baseline_sees_a_colour_change_not_a_pan():
    frames = moving_frames(3, cut_after=1)
    assert histogram_score(frames[0], frames[1]) < 0.2 < 0.5 < histogram_score(frames[1], frames[2])
