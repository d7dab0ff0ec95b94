"""The placement engine (issue 18): consensus in the coarse band, fine detail from one member."""
import cv2
import numpy as np
import pytest

from tests.conftest import SHARED_DATA, measured_shift, texture
from tests.engines.test_large_motion import Constant, smooth_pan
from tweenflow import read_image
from tweenflow.api import render_times
from tweenflow.bench.metrics import edge_agreement, moving_area, psnr, sharpness
from tweenflow.engines.auto import AutoEngine, build_auto
from tweenflow.engines.fusion import fuse, robust_mean, robust_mean_reference
from tweenflow.engines.placement import CHOICE_LEVELS, PlacementEngine, choice_weights, place
from tweenflow.errors import EngineError


def detail_at(x: int, height: int = 96, width: int = 160) -> np.ndarray:
    """A finely detailed 32 px square at column x, row 32, over a smooth background."""
    frame = cv2.GaussianBlur(texture(height, width, seed=1), (0, 0), 4)
    frame[32:64, x:x + 32] = texture(32, 32, seed=2, blur=1.5)
    return frame


def test_identical_members_give_their_frame():
    frame = detail_at(40)
    assert np.array_equal(place([frame, frame], [frame] * 4), frame)


def test_the_member_nearest_the_consensus_places_the_detail():
    # Two sharp members put the square 8 px apart; the voters side with the one at 40.
    right, wrong = detail_at(40), detail_at(48)
    out = place([wrong, right], [wrong, right, right, right])
    assert np.abs(out.astype(int) - right).mean() < 1.5
    area = moving_area(detail_at(20), detail_at(60))
    assert edge_agreement(out, right, area) > 0.9 > 0.3 > edge_agreement(out, wrong, area)


def test_placement_keeps_one_sharp_copy_where_the_mean_has_soft_ones():
    # The sharp members put the square at 38 and 46, the voters at 40 and 42: their mean is a
    # quadruple exposure, nearer to the copy at 38.
    sharp = [detail_at(38), detail_at(46)]
    members = sharp + [detail_at(40), detail_at(42)]
    area = moving_area(detail_at(20), detail_at(60))
    out = place(sharp, members)
    truth = detail_at(40)
    assert sharpness(out, truth, area) > sharpness(fuse(members), truth, area) + 0.2
    assert edge_agreement(out, sharp[0], area) > 0.7 > 0.2 > edge_agreement(out, sharp[1], area)


def test_choice_weights_are_a_partition_of_unity_that_follows_the_consensus():
    right, wrong = detail_at(40), detail_at(48)
    weights = choice_weights([wrong, right], right.astype(np.float32), 8.0)
    assert weights.shape == (2, 96, 160) and np.allclose(weights.sum(axis=0), 1.0)
    assert weights[1, 32:64, 40:80].min() > 0.99          # where they differ, `right` wins
    assert np.allclose(weights[:, 0:8, 0:8], 0.5)         # where they agree, both count


def test_render_many_matches_render_across_chunks():
    frame = np.zeros((6, 8, 3), np.uint8)
    engine = PlacementEngine([Constant(100), Constant(110)], [Constant(104)])
    state = engine.prepare(frame, frame)
    times = [k / 7 for k in range(1, 7)]                   # more than one chunk
    many = engine.render_many(state, times)
    assert all(np.array_equal(a, engine.render(state, t)) for a, t in zip(many, times))
    # The consensus is 104.67: the coarse band; the flat members have no fine band.
    assert np.all(many[0] == 105)


def test_placement_needs_a_sharp_member():
    with pytest.raises(ValueError):
        PlacementEngine([])


@pytest.mark.weights
def test_t0_and_t1_give_the_inputs(engines):
    frame0, frame1, _ = smooth_pan(40)
    engine = engines("placement")
    out = list(render_times(engine, frame0, frame1, [0.0, 1.0]))
    assert np.array_equal(out[0], frame0) and np.array_equal(out[1], frame1)
    # And the engine itself, asked for times next to the ends, stays next to the inputs.
    state = engine.prepare(frame0, frame1)
    near0, near1 = engine.render_many(state, [0.001, 0.999])
    assert psnr(near0, frame0) > 35 and psnr(near1, frame1) > 35


@pytest.mark.weights
@pytest.mark.parametrize("t", [0.25, 0.5])
def test_a_known_large_shift_lands_where_it_should(engines, t):
    frame0, frame1, crop = smooth_pan(40)
    engine = engines("placement")
    out = engine.render(engine.prepare(frame0, frame1), t)
    dx, dy = measured_shift(frame0, out)
    assert abs(dx - 40 * t) < 1 and abs(dy) < 1, (dx, dy)
    interior = np.abs(out.astype(int) - crop(round(40 * t), 0))[:, 60:-60]
    assert interior.mean() < 4, interior.mean()


@pytest.mark.weights
def test_auto_can_send_small_motion_to_rife4_and_large_motion_to_placement(engines):
    auto = engines("auto", large_motion="placement")
    assert isinstance(auto, AutoEngine) and isinstance(auto.large_motion, PlacementEngine)
    assert not auto.prepare(*smooth_pan(4)[:2]).large_motion
    assert auto.prepare(*smooth_pan(40)[:2]).large_motion
    frame0, frame1, _ = smooth_pan(4)
    rife4 = engines("rife4")
    assert np.array_equal(auto.render(auto.prepare(frame0, frame1), 0.5),
                          rife4.render(rife4.prepare(frame0, frame1), 0.5))


def test_auto_refuses_an_unknown_large_motion_engine():
    with pytest.raises(EngineError, match="placement"):
        build_auto(large_motion="mean")


@pytest.mark.weights
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present")
def test_on_a_real_large_gap_placement_is_sharper_than_the_mean_and_beats_rife4(engines):
    clip = SHARED_DATA / "multi_gap" / "dog"
    frame0, frame1 = read_image(clip / "00000.png"), read_image(clip / "00016.png")
    truth = read_image(clip / "00008.png")
    engine = engines("placement")
    state = engine.prepare(frame0, frame1)
    out = engine.render(state, 0.5)
    members = [member.render(member_state, 0.5) for member, member_state in
               zip(engine.sharp + engine.voters, state.sharp_states + state.voter_states)]
    area = moving_area(frame0, frame1)
    assert sharpness(out, truth, area) > sharpness(fuse(members), truth, area) + 0.1
    assert psnr(out, truth) > psnr(members[0], truth)     # members[0]: rife4 alone


def test_fast_robust_mean_and_choice_agree_with_plain_numpy():
    rng = np.random.default_rng(3)
    frames = [np.clip(detail_at(36 + 4 * k).astype(int) + rng.integers(-20, 20, (96, 160, 3)),
                      0, 255).astype(np.uint8) for k in range(5)]
    frames.append(np.full_like(frames[0], 250))          # an outlier, left out
    for members in (frames, frames[:4], frames[:3]):
        assert np.array_equal(robust_mean(members), robust_mean_reference(members))
        deep = [frame.astype(np.uint16) * 257 for frame in members]     # 16-bit samples
        assert np.allclose(robust_mean(deep), robust_mean_reference(deep), rtol=1e-6)
    consensus = robust_mean(frames)
    distances = np.stack([cv2.GaussianBlur(np.abs(f.astype(np.float32) - consensus).sum(axis=2),
                                           (0, 0), 8.0) for f in frames[:2]])
    plain = np.exp(-(distances - distances.min(axis=0)) / CHOICE_LEVELS)
    plain /= plain.sum(axis=0)
    assert np.allclose(choice_weights(frames[:2], consensus, 8.0), plain, atol=1e-4)
