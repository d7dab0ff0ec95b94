"""The classical engine's shortcuts against the plain computations they replace."""
import cv2
import numpy as np
import pytest

from tests.conftest import shifted_pair
from tweenflow.engines import classical
from tweenflow.engines.classical import ClassicalEngine, occlusion_mask, warp_backward


@pytest.mark.parametrize("preset,height,width,mean_limit", [
    ("medium", 240, 320, 1e-4), ("fast", 240, 320, 1e-4),     # sides divide by 2**finest
    ("medium", 241, 323, 0.03), ("fast", 250, 334, 0.05)])    # they do not
def test_flow_at_the_finest_level_size_is_dis_at_full_size(preset, height, width, mean_limit):
    frame0, frame1, _ = shifted_pair(height, width, dx=6, dy=-3, seed=11)
    state = ClassicalEngine(preset=preset).prepare(frame0, frame1)
    gray0, gray1 = (cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in (frame0, frame1))
    dis = cv2.DISOpticalFlow_create(classical.DIS_PRESETS[preset][0])
    expected = dis.calc(gray0, gray1, None)
    difference = np.abs(state.flow_0_to_1 - expected)
    assert difference.mean() < mean_limit and np.percentile(difference, 99) < 0.1, \
        (difference.mean(), np.percentile(difference, 99))


@pytest.mark.parametrize("round_trip_error", [0.4, 1.2])
def test_occlusion_threshold_is_in_full_resolution_pixels(round_trip_error):
    # Forward 3 px right, backward 3 - e px left: a round trip misses by e full-res pixels.
    # The check flags e^2 > 0.01 (3^2 + (3 - e)^2) + 0.5, i.e. e > ~0.78, at any flow size.
    flags = []
    for pixel_size in (1, 2, 4):
        shape = (64 // pixel_size, 64 // pixel_size, 2)
        forward = np.zeros(shape, np.float32)
        backward = np.zeros(shape, np.float32)
        forward[..., 0] = 3 / pixel_size
        backward[..., 0] = -(3 - round_trip_error) / pixel_size
        mask = occlusion_mask(forward, backward, blur_sigma=0, pixel_size=pixel_size)
        flags.append(bool(mask[4:-4, 4:-4].min() == 1))   # away from the clamped border
        assert mask[4:-4, 4:-4].min() == mask[4:-4, 4:-4].max()
    assert flags == [round_trip_error > 0.78] * 3


@pytest.mark.parametrize("t", [0.5, 0.3])
def test_render_is_the_occlusion_weighted_blend(t):
    frame0, frame1, _ = shifted_pair(96, 128, dx=7, dy=2, seed=12)
    engine = ClassicalEngine()
    state = engine.prepare(frame0, frame1)
    flow_t_to_0, flow_t_to_1 = engine.intermediate_flows(state, t)
    warped0 = warp_backward(state.packed0, flow_t_to_0)
    warped1 = warp_backward(state.packed1, flow_t_to_1)
    strength = engine.occlusion_strength
    weight0 = (1 - t) * (1 - strength * warped1[..., 3] + 1e-3)
    weight1 = t * (1 - strength * warped0[..., 3] + 1e-3)
    alpha = (weight0 / (weight0 + weight1))[..., None]
    expected = np.clip(np.rint(warped1[..., :3] + alpha * (warped0[..., :3] - warped1[..., :3])),
                       0, 255)
    difference = np.abs(engine.render(state, t).astype(int) - expected.astype(int))
    # Rounding an exact .5 can go either way between the two formulations.
    assert difference.max() <= 1 and (difference > 0).mean() < 0.01
