"""The study's rows and members (the combination rules: test_large_motion_rules.py)."""
import pytest

from tweenflow.bench import large_motion_study as study


def test_every_row_names_known_members():
    for names, _ in study.ROWS.values():
        assert set(names) <= set(study.MEMBERS) | set(study.MAP_FUSIONS)


def test_unknown_member_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        study.main(["--members", "rife4,rife5"])
    assert exit_info.value.code == 2
    assert "unknown member 'rife5'" in capsys.readouterr().err


@pytest.mark.weights
def test_map_fusion_lands_a_known_shift_and_renders_from_the_inputs():
    """rife4 resampled once under four augmentations, maps mapped back and fused: the pan
    lands where it should at t = 0.25 (each run's map in the pair's own orientation and
    time; a mirrored run not mapped back would pull the content the other way)."""
    from tests.conftest import measured_shift
    from tests.engines.test_large_motion import smooth_pan
    frame0, frame1, crop = smooth_pan(40, height=128, width=192)
    engine = study.member_engine("rife4 once maps x4", study.Runtime())
    state = engine.prepare(frame0, frame1)
    frame = engine.render(state, 0.25)
    dx, dy = measured_shift(frame0, frame)
    assert abs(dx - 10) < 1 and abs(dy) < 1, (dx, dy)
    assert frame.shape == frame0.shape and frame.dtype == frame0.dtype



def test_score_averages_the_four_measures_over_the_in_betweens():
    from tests.bench.test_metrics import scene
    from tweenflow.bench.metrics import moving_area
    frame0, truth, frame1 = scene(20), scene(40), scene(60)
    targets = [(study.InBetween(frame0, frame1, 0.5, truth), moving_area(frame0, frame1))] * 2
    assert study.score(study.mean_of(1), [[truth, truth]], targets) == \
        pytest.approx((100.0, 1.0, 1.0, 1.0))
    psnr_, sharp, edges, aligned = study.score(study.mean_of(1), [[truth, scene(43)]], targets)
    assert psnr_ < 100 and sharp == pytest.approx(1.0, abs=0.1)
    assert edges < 1.0 and aligned < 1.0    # the second frame's detail is misplaced
