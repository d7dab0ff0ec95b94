"""DIS flow on frames of any size (engines/dis.py): OpenCV 5.1 crashed (SIGSEGV) or raised on
frames short one way, and every engine measures or computes DIS flow."""
import cv2
import numpy as np
import pytest

from tweenflow.engines.dis import MIN_SIDE, dis_flow


def stripes(width, height, shift=0):
    """Grey vertical sine stripes moved `shift` px right, uint8 (height, width)."""
    x = np.arange(width) - shift
    return np.repeat((127 + 100 * np.sin(x / 5.0)).astype(np.uint8)[None], height, 0)


@pytest.mark.parametrize("width, height", [(64, 12), (100, 20), (400, 30), (320, 8), (8, 8),
                                           (2000, 16), (12, 64), (1, 1), (40, 1)])
@pytest.mark.parametrize("preset, finest", [(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, None),
                                            (cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 0),
                                            (cv2.DISOPTICAL_FLOW_PRESET_FAST, None)])
def test_flow_of_frames_short_one_way_has_their_size(width, height, preset, finest):
    dis = cv2.DISOpticalFlow_create(preset)
    if finest is not None:
        dis.setFinestScale(finest)
    flow = dis_flow(dis, stripes(width, height), stripes(width, height, 2))
    assert flow.shape == (height, width, 2) and flow.dtype == np.float32
    assert np.isfinite(flow).all()


@pytest.mark.parametrize("width, height", [(200, 12), (300, 8)])
def test_a_padded_frame_gets_the_flow_of_the_same_content_at_full_height(width, height):
    """Stripes moved 2 px: the flow of a strip short enough to be padded is that of the same
    stripes 48 px high, which DIS takes as they are."""
    def median_flow(rows):
        dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
        dis.setFinestScale(0)
        flow = dis_flow(dis, stripes(width, rows), stripes(width, rows, 2))
        return np.median(flow[:, 10:-10].reshape(-1, 2), axis=0)
    short, tall = median_flow(height), median_flow(48)
    assert abs(tall[0] - 2) < 0.3 and np.abs(short - tall).max() < 0.1, (short, tall)


def test_frames_of_the_minimum_size_and_above_are_not_padded():
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    frame0, frame1 = stripes(96, MIN_SIDE), stripes(96, MIN_SIDE, 1)
    assert np.array_equal(dis_flow(dis, frame0, frame1), dis.calc(frame0, frame1, None))


@pytest.mark.weights
@pytest.mark.parametrize("name", ["classical", "auto", "fusion"])
@pytest.mark.parametrize("width, height", [(1, 1), (64, 12), (2000, 16), (16, 2000)])
def test_every_engine_interpolates_tiny_and_extreme_frames(engines, name, width, height):
    frame0 = np.repeat(stripes(width, height)[..., None], 3, 2)
    frame1 = np.repeat(stripes(width, height, 2)[..., None], 3, 2)
    engine = engines(name)
    frame = engine.render(engine.prepare(frame0, frame1), 0.5)
    assert frame.shape == frame0.shape and frame.dtype == np.uint8
