"""Held frames (animation on twos/threes): the score, the folding, and real re-encoded clips."""
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from tweenflow import convert_video
from tweenflow.bench.clips import encode_h264
from tweenflow.errors import InputError
from tweenflow.images import read_image
from tweenflow.video.dedup import (DEFAULT_HELD_THRESHOLD, distinct_drawings, held_frame_score,
                                   looks_same, parse_dedup)
from tweenflow.video.reader import TimedFrame
from tests.video.conftest import VIDEOS, moving_frames

BEDROOM = VIDEOS / "bedroom_540p_30fps_bt601.mp4"
needs_samples = pytest.mark.skipif(not BEDROOM.exists(), reason="shared sample videos missing")


def sample_frames(first: int, count: int, width: int = 480) -> list[np.ndarray]:
    """Frames first .. first + count - 1 of the bedroom sample (a steady pan), shrunk."""
    frames = []
    with av.open(str(BEDROOM)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index >= first + count:
                break
            if index >= first:
                rgb = frame.to_ndarray(format="rgb24")
                height = round(rgb.shape[0] * width / rgb.shape[1]) // 2 * 2
                frames.append(cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA))
    return frames


def decoded(path):
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def displacements(frames):
    """Mean optical-flow length (px) between each pair of consecutive frames (OpenCV DIS)."""
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    grey = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in frames]
    return np.array([np.linalg.norm(flow.calc(a, b, None), axis=2).mean()
                     for a, b in zip(grey, grey[1:])])


def spread(values):
    """Standard deviation relative to the mean."""
    return float(values.std() / values.mean())


def timed(frames, rate=Fraction(30)):
    return [TimedFrame(Fraction(index) / rate, 1 / rate, frame)
            for index, frame in enumerate(frames)]


# --- the score ---------------------------------------------------------------------------------

@needs_samples
def test_score_separates_codec_noise_from_motion(tmp_path):
    frames = sample_frames(147, 4)
    held = decoded(encode_h264(tmp_path / "held.mp4",
                               [frame for frame in frames for _ in range(2)], crf=23))
    assert held_frame_score(frames[0], frames[0]) == 0
    for index in range(4):     # a drawing and its re-encoded repeat: noise only
        score = held_frame_score(held[2 * index], held[2 * index + 1])
        assert 0 < score < DEFAULT_HELD_THRESHOLD
    for index in range(3):     # one drawing to the next (about 3 px of camera pan)
        score = held_frame_score(held[2 * index + 1], held[2 * index + 2])
        assert score > 4 * DEFAULT_HELD_THRESHOLD


def test_score_sees_a_small_moving_object():
    still = np.full((180, 320, 3), 90, np.uint8)
    moved = still.copy()
    moved[80:96, 150:166] = 200          # a 16x16 px object appears (0.4% of the picture)
    assert held_frame_score(still, moved) > 4 * DEFAULT_HELD_THRESHOLD
    assert held_frame_score(still, still[:, :-2]) == float("inf")


def test_score_is_the_same_for_8_bit_16_bit_and_float():
    frame0, frame1 = moving_frames(2, height=128, width=256, step=3)
    score8 = held_frame_score(frame0, frame1)
    score16 = held_frame_score(frame0.astype(np.uint16) * 257, frame1.astype(np.uint16) * 257)
    score_float = held_frame_score(frame0 / np.float32(255), frame1 / np.float32(255))
    assert score8 > DEFAULT_HELD_THRESHOLD
    # 8-bit luma and its 8-bit average are rounded to whole levels; 16 bits and float are not
    assert score16 == pytest.approx(score8, abs=1.0)
    assert score_float == pytest.approx(score16, abs=0.01)
    # alpha is not compared: a different alpha over the same colours is still the same picture
    opaque = np.dstack([frame0, np.full(frame0.shape[:2], 255, np.uint8)])
    clear = np.dstack([frame0, np.zeros(frame0.shape[:2], np.uint8)])
    assert held_frame_score(opaque, clear) == 0


def test_parse_dedup():
    assert parse_dedup("auto") == parse_dedup(None) == DEFAULT_HELD_THRESHOLD
    assert parse_dedup("off") is None and parse_dedup(" OFF ") is None
    assert parse_dedup("4.5") == 4.5 and parse_dedup(0) == 0
    for bad in ("-1", "300", "often", "nan", ""):
        with pytest.raises(InputError, match=f"dedup='{bad}': "):
            parse_dedup(bad)


def test_looks_same_off_is_pixel_exact():
    frame = moving_frames(1)[0]
    nudged = frame.copy()
    nudged[0, 0, 0] ^= 1
    assert looks_same(frame, frame.copy(), None) and not looks_same(frame, nudged, None)
    assert looks_same(frame, nudged, DEFAULT_HELD_THRESHOLD)


# --- folding held frames ------------------------------------------------------------------------

def test_distinct_drawings_folds_twos_and_threes_keeps_stills():
    drawings = moving_frames(5, step=6)
    # on twos, then on threes, then a still of 5 frames, then one more drawing
    order = [0, 0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4]
    frames = timed([drawings[index] for index in order])
    result = list(distinct_drawings(frames, DEFAULT_HELD_THRESHOLD))
    kept_times = [drawing.frame.time for drawing in result]
    assert [len(drawing.times) for drawing in result] == [2, 2, 3, 1, 1, 1, 1, 1, 1]
    assert kept_times == [frames[index].time for index in (0, 2, 4, 7, 8, 9, 10, 11, 12)]
    # every input time is accounted for once, in order
    assert [time for drawing in result for time in drawing.times] == [f.time for f in frames]
    assert sum(drawing.dropped for drawing in result) == 4
    # off: nothing folded, even exact repeats
    assert [len(d.times) for d in distinct_drawings(frames, None)] == [1] * len(frames)


def test_distinct_drawings_compares_with_the_kept_frame_not_the_last_one():
    # a slow drift: each step under the threshold, the sum over it
    base = moving_frames(1, height=128, width=256)[0].astype(np.int16)
    frames = timed([np.clip(base + 6 * step, 0, 255).astype(np.uint8) for step in range(4)])
    steps = [held_frame_score(a.rgb, b.rgb) for a, b in zip(frames, frames[1:])]
    assert max(steps) <= DEFAULT_HELD_THRESHOLD < held_frame_score(frames[0].rgb, frames[3].rgb)
    result = list(distinct_drawings(frames, DEFAULT_HELD_THRESHOLD))
    assert len(result) >= 2


# --- real clips end to end ---------------------------------------------------------------------

@needs_samples
def test_animation_on_twos_plays_evenly_with_dedup_and_stutters_without(tmp_path):
    drawings = sample_frames(147, 13)
    source = encode_h264(tmp_path / "twos.mp4", [frame for frame in drawings for _ in range(2)])
    smooth = convert_video(source, tmp_path / "smooth", fps=30, engine="classical")
    assert smooth.duplicates_dropped == 13 and smooth.frames_out == 26
    rough = convert_video(source, tmp_path / "rough", fps=30, engine="classical", dedup="off")
    assert rough.duplicates_dropped == 0 and rough.frames_out == 26
    # the last drawing's hold has nothing after it to move to: leave it out of the measure
    moves_smooth = displacements([read_image(path) for path in
                                  sorted((tmp_path / "smooth").glob("*.png"))][:-1])
    moves_rough = displacements([read_image(path) for path in
                                 sorted((tmp_path / "rough").glob("*.png"))][:-1])
    moves_source = displacements(drawings)
    # every output frame moves about half a drawing's step
    assert spread(moves_smooth) < 0.2, moves_smooth.round(2)
    assert moves_smooth.mean() == pytest.approx(moves_source.mean() / 2, rel=0.2)
    # without dedup: hold, jump, hold, jump
    assert spread(moves_rough) > 0.6, moves_rough.round(2)
    assert moves_rough[0::2].mean() < 0.2 * moves_rough[1::2].mean()


@needs_samples
def test_real_still_stays_still_and_keeps_its_frames(tmp_path):
    frames = sample_frames(147, 2, width=320)
    # a drawing held for 8 frames (a still, not twos), then the next one
    source = encode_h264(tmp_path / "still.mp4", [frames[0]] * 8 + [frames[1]] * 2)
    result = convert_video(source, tmp_path / "out", multi=2, engine="classical")
    assert result.frames_in == 10 and result.frames_out == 20
    assert result.duplicates_dropped == 1          # only the last drawing's single repeat
    outputs = [read_image(path) for path in sorted((tmp_path / "out").glob("*.png"))]
    for index in range(7):      # in-betweens of the still are copies: noise is not morphed
        assert np.array_equal(outputs[2 * index + 1], outputs[2 * index])
        assert not np.array_equal(outputs[2 * index], outputs[2 * index + 2])   # real noise
    assert not np.array_equal(outputs[15], outputs[14])     # 7 -> 8 moves
    assert result.interpolated == 1     # only 7 -> 8; the last drawing has nothing to move to
