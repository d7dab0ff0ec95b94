"""Scene cuts: PySceneDetect's content score on pairs of frames, on real and edited frames."""
import av
import numpy as np
import pytest

from tweenflow.errors import InputError
from tweenflow.video.pipeline import convert_video
from tweenflow.video.scenes import (DEFAULT_SCENE_CUT_THRESHOLD, check_scene_cut_threshold,
                                    is_scene_cut, scene_change_score)
from tests.video.conftest import VIDEOS, moving_frames

NASA = VIDEOS / "nasa_2video_aac_subtitles.mp4"
BEDROOM = VIDEOS / "bedroom_540p_30fps_bt601.mp4"
needs_samples = pytest.mark.skipif(not NASA.exists(), reason="shared sample videos missing")


def frames_of(path, wanted):
    found = {}
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index in wanted:
                found[index] = frame.to_ndarray(format="rgb24")
            if index >= max(wanted):
                break
    return found


def test_same_frame_scores_zero_and_a_new_shot_scores_high():
    frame0, frame1 = moving_frames(2, cut_after=0)
    assert scene_change_score(frame0, frame0) == 0
    assert scene_change_score(frame0, frame1) > DEFAULT_SCENE_CUT_THRESHOLD
    assert is_scene_cut(frame0, frame1, DEFAULT_SCENE_CUT_THRESHOLD)
    assert not is_scene_cut(frame0, frame0, DEFAULT_SCENE_CUT_THRESHOLD)


def test_the_fast_decision_agrees_with_the_score():
    frames = moving_frames(6, height=96, width=160, step=9, cut_after=3)
    for frame0, frame1 in zip(frames, frames[1:]):
        score = scene_change_score(frame0, frame1)
        for threshold in (score - 0.01, score + 0.01, 5.0, DEFAULT_SCENE_CUT_THRESHOLD):
            assert is_scene_cut(frame0, frame1, threshold) == (score >= threshold)


def test_16_bit_float_and_rgba_frames_score_like_8_bit_rgb():
    frame0, frame1 = moving_frames(2, cut_after=0)
    score = scene_change_score(frame0, frame1)
    assert scene_change_score(frame0.astype(np.uint16) * 257,
                              frame1.astype(np.uint16) * 257) == pytest.approx(score, abs=1e-6)
    assert scene_change_score(frame0 / np.float32(255),
                              frame1 / np.float32(255)) == pytest.approx(score, abs=1e-6)
    alpha = np.full(frame0.shape[:2], 128, np.uint8)
    assert scene_change_score(np.dstack([frame0, alpha]),
                              np.dstack([frame1, alpha])) == pytest.approx(score, abs=1e-6)


@needs_samples
def test_nasa_cut_is_a_cut_and_its_motion_is_not():
    frames = frames_of(NASA, {130, 131, 201, 202})
    assert is_scene_cut(frames[201], frames[202], DEFAULT_SCENE_CUT_THRESHOLD)
    assert not is_scene_cut(frames[130], frames[131], DEFAULT_SCENE_CUT_THRESHOLD)  # dissolve


@needs_samples
def test_cut_to_a_mirrored_shot_of_the_same_colours_is_found():
    # the histogram test this replaced scored it 0.10, under its 0.5 threshold
    frames = frames_of(BEDROOM, {30, 31, 60})
    mirrored = np.ascontiguousarray(frames[60][:, ::-1])
    assert is_scene_cut(frames[30], mirrored, DEFAULT_SCENE_CUT_THRESHOLD)
    assert not is_scene_cut(frames[30], frames[31], DEFAULT_SCENE_CUT_THRESHOLD)


@needs_samples
def test_a_fast_pan_is_not_a_cut():
    frames = frames_of(BEDROOM, {140, 144})          # 4 frames apart: a fast camera pan
    assert not is_scene_cut(frames[140], frames[144], DEFAULT_SCENE_CUT_THRESHOLD)


def test_a_threshold_outside_the_scores_range_is_refused(pan_video, tmp_path):
    for threshold in (None, 0, DEFAULT_SCENE_CUT_THRESHOLD, 255):
        check_scene_cut_threshold(threshold)
    for threshold in (-0.5, 255.5, float("nan")):
        with pytest.raises(InputError, match="the scene-cut score is 0-255"):
            check_scene_cut_threshold(threshold)
    # the one-piece pipeline (a PNG folder) refuses it before any work, as the segmented one
    with pytest.raises(InputError, match="scene_cut_threshold=-1: "):
        convert_video(pan_video, tmp_path / "frames", multi=2, engine="classical",
                      scene_cut_threshold=-1)
    assert list(tmp_path.iterdir()) == []
