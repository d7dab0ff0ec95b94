"""convert_video end to end on synthetic videos: counts, timestamps, audio, cuts, duplicates."""
import math
from fractions import Fraction

import av
import numpy as np
import pytest

from tweenflow import convert_video
from tweenflow.images import read_image
from tweenflow.video import pipeline
from tests.video.conftest import moving_frames, read_video, write_video


def run(source, target, **options):
    options.setdefault("engine", "classical")
    return convert_video(source, target, **options)


def audio_duration(path):
    with av.open(str(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        last = None
        for packet in container.demux(stream):
            if packet.pts is not None:
                last = (packet.pts + packet.duration) * stream.time_base
        return last


def test_multi_2_counts_times_and_audio(pan_video, tmp_path):
    target = tmp_path / "out.mp4"
    result = run(pan_video, target, multi=2)
    times, frames = read_video(target)
    assert len(frames) == result.frames_out == 24
    assert times == [Fraction(k, 50) for k in range(24)]
    assert result.audio == "copied"
    assert abs(audio_duration(target) - audio_duration(pan_video)) == 0   # packets copied


def test_fps_conversion_to_ntsc_rate(pan_video, tmp_path):
    target = tmp_path / "out.mkv"
    run(pan_video, target, fps="59.94")
    times, _ = read_video(target)
    rate = Fraction(60000, 1001)
    # input: 12 frames at 25 fps = 0.48 s; outputs at k / rate for every k / rate < 0.48
    expected = [Fraction(k) / rate for k in range(int(Fraction(48, 100) * rate) + 1)]
    assert len(times) == len(expected) == 29
    # mkv stores milliseconds: compare to the nearest millisecond
    assert all(abs(a - b) <= Fraction(1, 1000) for a, b in zip(times, expected))


def test_slowmo_drops_audio_when_asked_with_a_note(pan_video, tmp_path):
    target = tmp_path / "slow.mp4"
    result = run(pan_video, target, slowmo=4, slowmo_audio="drop")
    times, _ = read_video(target)
    assert len(times) == 48 and times[-1] == Fraction(47, 25)    # played at 25 fps
    assert result.audio == "dropped"
    assert result.notes == ["left out stream #1 (audio aac): slowmo_audio='drop'"]
    assert audio_duration(target) is None


@pytest.mark.parametrize("mode", ["stretch", "pitch"])
def test_slowmo_audio_lasts_as_long_as_the_slowed_video(pan_video, tmp_path, mode):
    target = tmp_path / "slow.mp4"
    result = run(pan_video, target, slowmo=4, slowmo_audio=mode)
    assert result.audio == {"stretch": "stretched", "pitch": "slowed"}[mode]
    # 12 frames at 25 fps slowed 4x: 1.92 s (the input's audio may run a little past its frames)
    assert audio_duration(target) == pytest.approx(1.92, abs=0.1)


def test_originals_pass_through_untouched_and_middle_frames_are_in_between(tmp_path):
    frames = moving_frames(6)
    target = tmp_path / "frames"
    source = tmp_path / "input"
    source.mkdir()
    from tweenflow.images import write_image, read_image
    for index, frame in enumerate(frames):
        write_image(source / f"{index:03d}.png", frame)
    result = run(source, target, multi=2, input_fps=Fraction(10))
    outputs = [read_image(path) for path in sorted(target.glob("*.png"))]
    assert len(outputs) == 12 and result.interpolated == 5
    for index, frame in enumerate(frames):
        assert np.array_equal(outputs[2 * index], frame)          # bit-exact pass-through
    middle = outputs[1].astype(float)
    # the half-way frame is closer to the true half shift than either neighbour
    truth = moving_frames(12, step=1)[1].astype(float)
    error = np.abs(middle - truth)[:, 8:-8].mean()
    assert error < np.abs(frames[0].astype(float) - truth)[:, 8:-8].mean()


def test_scene_cut_repeats_neighbours_instead_of_morphing(tmp_path):
    frames = moving_frames(8, cut_after=3)
    source = write_video(tmp_path / "cut.mp4", frames)
    target = tmp_path / "out"
    result = run(source, target, multi=4)
    assert result.scene_cuts == 1
    _, decoded = read_video(source)
    from tweenflow.images import read_image
    outputs = [read_image(path) for path in sorted(target.glob("*.png"))]
    # interval 3 -> 4 is the cut: t = 1/4 shows frame 3, t = 1/2 and 3/4 show frame 4
    assert np.array_equal(outputs[13], decoded[3])
    assert np.array_equal(outputs[14], decoded[4]) and np.array_equal(outputs[15], decoded[4])
    # detection off: the cut is morphed
    morphed = run(source, tmp_path / "morphed", multi=4, scene_cut_threshold=None)
    assert morphed.scene_cuts == 0 and morphed.interpolated == 7 * 3


def test_single_duplicate_is_dropped_and_interpolated_across(tmp_path):
    frames = moving_frames(6, repeat={2: 1})          # frame 2 shown twice: a stall
    source = tmp_path / "input"
    source.mkdir()
    from tweenflow.images import write_image
    for index, frame in enumerate(frames):
        write_image(source / f"{index:03d}.png", frame)
    result = run(source, tmp_path / "out", multi=2, input_fps=Fraction(10))
    assert result.frames_in == 7 and result.duplicates_dropped == 1
    assert result.frames_out == 14                   # timing unchanged: 7 frames x 2
    # the 0.2 s from frame 2 to frame 3 now holds 3 in-betweens instead of a frozen pair;
    # 5 other intervals have one each
    assert result.interpolated == 3 + 4


def test_long_still_is_kept(tmp_path):
    frames = moving_frames(4, repeat={1: 4})
    source = write_video(tmp_path / "still.mp4", frames)
    result = run(source, tmp_path / "out.mp4", multi=2)
    assert result.duplicates_dropped == 0 and result.frames_in == 8
    assert result.interpolated == 3         # only the 3 moving intervals
    times, _ = read_video(tmp_path / "out.mp4")
    assert len(times) == 16


def test_rotation_metadata_is_kept(tmp_path):
    source = write_video(tmp_path / "rot.mp4", moving_frames(4), rotation=90)
    target = tmp_path / "out.mp4"
    run(source, target, multi=2)
    with av.open(str(target)) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation == 90


@pytest.mark.parametrize("rotation, turns", [(90, 1), (-90, 3), (180, 2)])
def test_a_folder_of_frames_from_a_rotated_video_is_upright(tmp_path, rotation, turns):
    # a phone's portrait video stores landscape pictures and a display matrix; PNGs have no
    # such matrix, so each frame is turned as players show it (PyAV's rotation is counter-
    # clockwise, as np.rot90's)
    frames = moving_frames(3)
    source = write_video(tmp_path / "phone.mp4", frames, rotation=rotation)
    run(source, tmp_path / "frames", multi=2, dedup="off")
    written = sorted((tmp_path / "frames").iterdir())
    assert len(written) == 6
    first = read_image(written[0])
    assert first.shape[:2] == np.rot90(frames[0], turns).shape[:2]
    assert np.abs(first.astype(int) - np.rot90(frames[0], turns)).mean() < 2


@pytest.mark.weights
def test_rife4_small(pan_video, tmp_path):
    result = run(pan_video, tmp_path / "rife.mp4", multi=2, engine="rife4", max_frames=3)
    times, frames = read_video(tmp_path / "rife.mp4")
    assert len(frames) == 6 and result.interpolated == 2


def test_float_rate_is_read_as_the_decimal_it_shows(pan_video, tmp_path):
    # 29.97 as a float is 29.969999...; it must mean 30000/1001 like the string does
    result = run(pan_video, tmp_path / "out", fps=29.97)
    assert result.frames_out == 15          # ceil(0.48 s * 30000/1001) = ceil(14.386)


def played_duration(path):
    """How long the file plays (s), as its container says (players show this)."""
    with av.open(str(path)) as container:
        return Fraction(container.duration, av.time_base)


@pytest.mark.parametrize("count, rate, fps, suffix", [
    (3, 30, 2, ".mp4"), (3, 30, 2, ".mkv"),       # 0.1 s to 2 fps: one frame, shown 0.1 s
    (7, 25, 10, ".mp4"),                          # 0.28 s: frames at 0, 0.1, 0.2, last 0.08 s
    (10, 30, 24, ".mov"),                         # 1/3 s is 8 frames at 24 fps: as it was
    (41, 30, 24, ".mp4")])                        # B-frames: the last frame is not the last packet
def test_fps_far_below_the_input_rate_keeps_the_input_duration(tmp_path, count, rate, fps,
                                                               suffix):
    """Output frames sit at k / fps inside the input's span [0, count / rate) (at least the
    first), and the file plays exactly as long as the input: the last frame is shown until
    the input's end, not for a whole output frame (0.5 s for a 0.1 s clip at 2 fps)."""
    source = write_video(tmp_path / "tiny.mp4", moving_frames(count), rate=Fraction(rate))
    target = tmp_path / f"out{suffix}"
    result = pipeline.convert_video(source, target, fps=fps, engine="classical")    # one piece
    duration = Fraction(count, rate)
    times, _ = read_video(target)
    assert times == [Fraction(k, fps) for k in range(math.ceil(duration * fps))]
    assert result.frames_out == len(times) >= 1
    assert result.duration_out == duration
    assert abs(played_duration(target) - duration) <= Fraction(1, 1000)    # MKV keeps ms


def display_matrix(path):
    """The first frame's display matrix as 9 int32 (None without one)."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        for side_data in frame.side_data:
            if str(side_data.type).endswith("DISPLAYMATRIX"):
                return np.frombuffer(bytes(side_data), "<i4").tolist()
    return None


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ""])
def test_a_mirroring_display_matrix_is_kept_whole(tmp_path, suffix):
    # a selfie camera may store its pictures unmirrored with a matrix that turns and mirrors
    # them; only the turn was written again, so the output played mirrored
    frames = moving_frames(3)
    source = write_video(tmp_path / "selfie.mp4", frames, rotation=90, mirrored=True)
    matrix = display_matrix(source)
    assert matrix is not None and matrix[0] * matrix[4] - matrix[1] * matrix[3] < 0  # mirrors
    target = tmp_path / f"out{suffix}"
    run(source, target, multi=2)
    if suffix:
        assert display_matrix(target) == matrix
    else:      # PNG frames as shown
        first = read_image(sorted(target.iterdir())[0])
        assert np.abs(first.astype(int) - np.fliplr(np.rot90(frames[0]))).mean() < 2
