"""Outputs appear complete and with the permissions of the user's umask (not mkstemp's 0600)."""
import os
import stat
import subprocess
import sys

import pytest

from tests.conftest import texture
from tests.video.conftest import moving_frames, write_video
from tweenflow import write_image
from tweenflow.outputs import current_umask, discard, publish, temp_file_for, temp_folder_for


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask():
    """Set the process umask for a test, restored afterwards."""
    previous = os.umask(0o022)
    os.umask(previous)
    yield lambda value: os.umask(value)
    os.umask(previous)


def test_current_umask_reads_the_umask_without_changing_it(umask):
    umask(0o027)
    assert current_umask() == 0o027
    assert current_umask() == 0o027


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_images_get_the_umask_permissions(tmp_path, umask, mask, expected):
    umask(mask)
    write_image(tmp_path / "a.png", texture(8, 8))
    assert mode(tmp_path / "a.png") == expected


def test_folders_get_the_umask_permissions_and_temporaries_vanish(tmp_path, umask):
    umask(0o022)
    temp = temp_folder_for(tmp_path / "frames")
    publish(temp, tmp_path / "frames")
    assert mode(tmp_path / "frames") == 0o755
    leftover = temp_file_for(tmp_path / "x.mp4")
    assert ".part" in os.path.basename(leftover) and leftover.endswith(".mp4")
    discard(leftover)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


def run_with_umask(mask: int, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tweenflow", *args], capture_output=True,
                          text=True, timeout=300, preexec_fn=lambda: os.umask(mask))


def test_cli_outputs_respect_the_umask(tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    write_image(a, texture(32, 48, seed=1))
    write_image(b, texture(32, 48, seed=2))
    video = write_video(tmp_path / "in.mp4", moving_frames(4, 32, 48))
    runs = [("interpolate", str(a), str(b), "-o", str(tmp_path / "mid.png")),
            ("interpolate", str(a), str(b), "-n", "2", "-o", str(tmp_path / "clip.mp4")),
            ("interpolate", str(a), str(b), "-n", "2", "-o", str(tmp_path / "clip.gif")),
            ("video", str(video), "-o", str(tmp_path / "out.mp4"), "--multi", "2", "-q"),
            ("video", str(video), "-o", str(tmp_path / "out_frames"), "--multi", "2", "-q")]
    for args in runs:
        result = run_with_umask(0o022, *args, "--engine", "classical")
        assert result.returncode == 0, result.stderr
    for name in ("mid.png", "clip.mp4", "clip.gif", "out.mp4"):
        assert mode(tmp_path / name) == 0o644, name
    assert mode(tmp_path / "out_frames") == 0o755
    assert {mode(p) for p in (tmp_path / "out_frames").iterdir()} == {0o644}
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]


def test_replacing_a_folder_replaces_its_frames_and_keeps_the_users_files(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "sub").mkdir()
    for index in range(1, 6):                  # an earlier, longer run
        (folder / f"frame_{index:06d}.png").write_text("old")
    temp_name = temp_folder_for(folder)
    for index in (1, 2):
        (tmp_path / temp_name / f"frame_{index:06d}.png").write_text("new")
    publish(temp_name, folder, replace_folder=True)
    assert sorted(path.name for path in folder.iterdir()) == [
        "frame_000001.png", "frame_000002.png", "notes.txt", "sub"]
    assert (folder / "frame_000002.png").read_text() == "new"
    assert (folder / "notes.txt").read_text() == "mine"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["frames"]


def test_video_to_an_existing_folder_with_y_keeps_the_users_files(tmp_path):
    """`tweenflow video IN -o FOLDER -y` removed the whole folder, the user's files with it."""
    from tests.conftest import run_cli
    source = tmp_path / "shots"
    source.mkdir()
    for index, frame in enumerate(moving_frames(3, height=48, width=64)):
        write_image(source / f"{index:03d}.png", frame)
    target = tmp_path / "out"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    (target / "frame_000009.png").write_text("an earlier run's")
    result = run_cli("video", str(source), "-o", str(target), "--multi", "2", "--engine",
                     "classical", "-y", "-q")
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in target.iterdir()) == [
        *(f"frame_{index:06d}.png" for index in range(1, 7)), "notes.txt"]
    assert (target / "notes.txt").read_text() == "mine"
