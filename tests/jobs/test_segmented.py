"""A segmented run makes the frames of a one-piece run: count, times, pixels, counts, audio."""
from fractions import Fraction

import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from tests.video.conftest import moving_frames, read_video, write_video
from tests.video.test_pipeline import played_duration
from tweenflow import convert_video
from tweenflow.jobs.manifest import work_folder_for
from tweenflow.video import pipeline

LOSSLESS = dict(engine="classical", crf=0)      # yuv420p crf 0: decoded frames compare exactly


def counts(result):
    return (result.frames_in, result.frames_out, result.interpolated, result.scene_cuts,
            result.duplicates_dropped, result.duration_out, result.audio)


def assert_same_video(path_a, path_b):
    times_a, frames_a = read_video(path_a)
    times_b, frames_b = read_video(path_b)
    assert times_a == times_b
    assert len(frames_a) == len(frames_b)
    assert all(np.array_equal(a, b) for a, b in zip(frames_a, frames_b))


@pytest.fixture(scope="module")
def tricky_video(tmp_path_factory):
    """40 frames at 25 fps: a scene cut after frame 19 (at a 0.4 s boundary when cut in 10s),
    a duplicate pair straddling frame 10 and a long still across frame 30."""
    frames = moving_frames(36, cut_after=19, repeat={9: 1, 28: 4})
    return write_video(tmp_path_factory.mktemp("tricky") / "tricky.mp4", frames, audio=True)


@pytest.mark.parametrize("mode", [{"multi": 3}, {"fps": "60"}, {"slowmo": 2}])
def test_segmented_equals_one_piece(tricky_video, tmp_path, mode):
    one = pipeline.convert_video(tricky_video, tmp_path / "one.mp4", **mode, **LOSSLESS)
    cut = convert_video(tricky_video, tmp_path / "cut.mp4", segment_seconds=Fraction(2, 5),
                        **mode, **LOSSLESS)
    assert cut.segments == 4 and cut.segments_reused == 0
    assert one.scene_cuts == 1 and one.duplicates_dropped == 1       # the input is tricky
    assert counts(cut) == counts(one)
    assert_same_video(tmp_path / "one.mp4", tmp_path / "cut.mp4")
    assert not work_folder_for(tmp_path / "cut.mp4").exists()


def test_audio_is_copied_once_by_the_driver(tricky_video, tmp_path):
    import av
    convert_video(tricky_video, tmp_path / "cut.mkv", multi=2, segment_seconds=Fraction(2, 5),
                  **LOSSLESS)
    with av.open(str(tmp_path / "cut.mkv")) as container:
        assert [stream.type for stream in container.streams] == ["video", "audio"]
        audio = [packet for packet in container.demux(audio=0) if packet.size]
    with av.open(str(tricky_video)) as container:
        original = [packet for packet in container.demux(audio=0) if packet.size]
    assert [bytes(p) for p in audio] == [bytes(p) for p in original]


def test_real_video_cut_between_keyframes(tmp_path):
    """juggle has one keyframe: every later segment decodes from frame 0 and drops the
    frames before its start."""
    source = SHARED_DATA / "videos" / "juggle_720p_24fps.mp4"
    options = dict(fps="60", max_frames=30, **LOSSLESS)
    one = pipeline.convert_video(source, tmp_path / "one.mp4", **options)
    cut = convert_video(source, tmp_path / "cut.mp4", segment_seconds=Fraction(1, 2), **options)
    assert cut.segments == 2 and counts(cut) == counts(one)
    assert_same_video(tmp_path / "one.mp4", tmp_path / "cut.mp4")


def test_large_motion_option_builds_auto_with_that_engine(tmp_path):
    from tweenflow.engines.base import create_engine
    from tweenflow.engines.placement import PlacementEngine
    from tweenflow.jobs.convert import _engine_spec
    spec = _engine_spec("auto", 1.0, None, None, "placement")
    assert isinstance(spec.create().engine.large_motion, PlacementEngine)   # in its ProtocolCheck
    source = write_video(tmp_path / "pan.mp4", moving_frames(4, step=8))
    by_name = convert_video(source, tmp_path / "by_name.mp4", multi=2, engine="auto",
                            large_motion="placement", crf=0)
    engine = create_engine("auto", large_motion="placement")
    convert_video(source, tmp_path / "by_engine.mp4", multi=2, engine=engine, crf=0)
    assert by_name.frames_out == 8
    assert_same_video(tmp_path / "by_name.mp4", tmp_path / "by_engine.mp4")


@pytest.mark.parametrize("count, rate, fps, segment", [
    (3, 30, 2, Fraction(2, 5)),        # 0.1 s at 2 fps: one frame, shown 0.1 s (not 0.5 s)
    (41, 30, 24, Fraction(1, 2))])     # three segments, B-frames; the last frame 1/120 s
def test_segmented_output_plays_as_long_as_the_input(tmp_path, count, rate, fps, segment):
    """The joined file plays as long as the input, as the one-piece run's does: its last frame
    is shown until the input's end, not for a whole output frame."""
    source = write_video(tmp_path / "tiny.mp4", moving_frames(count), rate=Fraction(rate))
    one = pipeline.convert_video(source, tmp_path / "one.mp4", fps=fps, **LOSSLESS)
    cut = convert_video(source, tmp_path / "cut.mp4", fps=fps, segment_seconds=segment,
                        **LOSSLESS)
    assert cut.segments == (1 if count == 3 else 3)
    assert counts(cut) == counts(one)
    for path in ("one.mp4", "cut.mp4"):
        assert abs(played_duration(tmp_path / path) - Fraction(count, rate)) <= Fraction(1, 1000)
    assert_same_video(tmp_path / "one.mp4", tmp_path / "cut.mp4")
