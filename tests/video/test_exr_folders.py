"""Folders of EXR frames (shot.1001.exr ...) through `tweenflow video` and `batch`: EXR frames
out, laid out as the first input; videos and mixed folders refused in one line."""
import subprocess
import sys

import numpy as np

from tests.exr_files import hdr_texture, read_exr_file, write_exr_file
from tests.video.conftest import moving_frames, write_video
from tests.video.test_cli_video import leftovers, one_error_line


def write_shot(folder, count=4, step=3, dtype=np.float16, channels="RGB"):
    """shot.1001.exr ...: an HDR texture (up to 8.0) moving `step` px right per frame."""
    folder.mkdir()
    big = hdr_texture(48, 80 + count * step, seed=2)
    moving = [big[:, count * step - index * step:][:, :80] for index in range(count)]
    for index, linear in enumerate(moving):
        if channels == "RGBA":
            linear = np.dstack([linear, np.ones(linear.shape[:2], np.float32)])
        write_exr_file(folder / f"shot.{1001 + index}.exr", linear, dtype=dtype,
                       channels=channels)
    return moving


def run(command, *args):
    return subprocess.run([sys.executable, "-m", "tweenflow", command, *map(str, args),
                           "--engine", "classical", "-q", "--no-scene-detect"],
                          capture_output=True, text=True, timeout=300)


def test_video_doubles_a_folder_of_exr_frames_into_exr_frames(tmp_path):
    moving = write_shot(tmp_path / "shot", channels="RGBA")
    result = run("video", tmp_path / "shot", "-o", tmp_path / "out", "--multi", "2")
    assert result.returncode == 0, result.stderr
    names = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert names == [f"frame_{index:06d}.exr" for index in range(1, 9)]
    first, types, _ = read_exr_file(tmp_path / "out" / "frame_000001.exr")
    assert types == {name: np.dtype(np.float16) for name in "RGBA"}       # A kept, half kept
    assert np.array_equal(first[..., :3], moving[0].astype(np.float16))     # input frame, exact
    assert np.array_equal(first[..., 3], np.ones((48, 80)))
    middle, _, _ = read_exr_file(tmp_path / "out" / "frame_000002.exr")     # 1.5 px moved
    middle = middle[..., :3].astype(np.float32)
    between = (moving[0] + moving[1]) / 2                                   # no motion: a blend
    inner = np.s_[6:-6, 12:-12]
    moved = np.roll(moving[0], 1, axis=1)[inner], np.roll(moving[0], 2, axis=1)[inner]
    error_to_moved = np.abs(middle[inner] - (moved[0] + moved[1]) / 2).mean()
    assert error_to_moved < 0.5 * np.abs(middle[inner] - between[inner]).mean()
    assert middle.max() > 4.0


def test_video_output_of_exr_frames_is_refused_in_one_line(tmp_path):
    write_shot(tmp_path / "shot")
    result = run("video", tmp_path / "shot", "-o", tmp_path / "out.mp4", "--multi", "2")
    one_error_line(result, "out.mp4: the input frames are scene-linear EXRs, which a video "
                           "does not hold; write them to a folder (tweenflow video shot -o "
                           "FOLDER")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["shot"]


def test_a_folder_mixing_exr_and_display_images_is_refused(tmp_path):
    import cv2
    write_shot(tmp_path / "shot")
    cv2.imwrite(str(tmp_path / "shot" / "shot.1005.png"), np.zeros((48, 80, 3), np.uint8))
    result = run("video", tmp_path / "shot", "-o", tmp_path / "out", "--multi", "2")
    one_error_line(result, "shot.1005.png is a display image but the first image is an EXR")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_a_frame_with_another_data_window_is_refused(tmp_path):
    write_shot(tmp_path / "shot")
    window = (np.array([1, 0], np.int32), np.array([80, 47], np.int32))
    write_exr_file(tmp_path / "shot" / "shot.1005.exr", hdr_texture(48, 80), channels="RGB",
                   dataWindow=window, displayWindow=window)
    result = run("video", tmp_path / "shot", "-o", tmp_path / "out", "--multi", "2")
    one_error_line(result, "shot.1005.exr: its data window is (1, 0)-(80, 47) but the first "
                           "image's is (0, 0)-(79, 47)")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_batch_writes_an_exr_folder_as_a_folder_of_exr_frames_and_skips_it_when_done(tmp_path):
    # before: batch wanted shot.mp4, which cannot hold scene-linear EXRs: "failed", exit 1
    inputs = tmp_path / "in"
    inputs.mkdir()
    moving = write_shot(inputs / "shot")
    write_video(inputs / "a.mp4", moving_frames(4))
    result = run("batch", inputs, "-o", tmp_path / "out", "--multi", "2")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == \
        "tweenflow: 2 converted, 0 skipped (already done), 0 failed"
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == ["a.mp4", "shot"]
    names = sorted(path.name for path in (tmp_path / "out" / "shot").iterdir())
    assert names == [f"frame_{index:06d}.exr" for index in range(1, 9)]
    first, types, _ = read_exr_file(tmp_path / "out" / "shot" / "frame_000001.exr")
    assert set(types.values()) == {np.dtype(np.float16)}
    assert np.array_equal(first, moving[0].astype(np.float16))             # input frame, exact
    stamp = (tmp_path / "out" / "shot" / "frame_000001.exr").stat().st_mtime_ns
    again = run("batch", inputs, "-o", tmp_path / "out", "--multi", "2")
    assert again.returncode == 0, again.stderr
    assert again.stderr.strip().splitlines()[-1] == \
        "tweenflow: 0 converted, 2 skipped (already done), 0 failed"
    assert (tmp_path / "out" / "shot" / "frame_000001.exr").stat().st_mtime_ns == stamp
    redone = run("batch", inputs / "shot", "-o", tmp_path / "out", "--multi", "3", "-y")
    assert redone.returncode == 0, redone.stderr
    assert len(list((tmp_path / "out" / "shot").iterdir())) == 12       # 4 frames, 3x
