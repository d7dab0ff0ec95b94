"""Errors of convert_video and convert_many name their arguments as a Python caller wrote
them (max_frames, crf=60); the CLI says the same error with its options (--max-frames,
--crf 60), and every argument an error names is an option of the command that raises it."""
from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from tests.video.conftest import moving_frames, write_video
from tweenflow import convert_many, convert_video
from tweenflow.cli import build_parser, main, option_flag
from tweenflow.errors import TweenflowError
from tweenflow.images import write_image

# (convert_video's arguments, the CLI's, what Python reads, what the CLI says, commands
# whose options the message names: `video` runs the case, the others share the options)
CASES = [
    (dict(multi=2, segment_seconds=0), None,     # argparse refuses it on the command line
     "segment_seconds must be positive, got 0", "--segment-seconds must be positive, got 0",
     ["video", "batch"]),
    (dict(multi=2, dedup="often"), ["--multi", "2", "--dedup", "often"],
     "dedup='often': use auto, off or a threshold", "--dedup often: use auto, off or a threshold",
     ["video", "batch"]),
    (dict(multi=2, dedup="300"), ["--multi", "2", "--dedup", "300"],
     "dedup='300': the threshold is in luma levels", "--dedup 300: the threshold is in luma",
     ["video", "batch"]),
    (dict(multi=2, max_frames=1), ["--multi", "2", "--max-frames", "1"],
     "max_frames must be at least 2, got 1", "--max-frames must be at least 2, got 1",
     ["video", "batch"]),
    (dict(slowmo=2, slowmo_audio="faster"), ["--slowmo", "2", "--slowmo-audio", "faster"],
     "slowmo_audio='faster': use one of drop, stretch, pitch",
     "--slowmo-audio faster: use one of drop, stretch, pitch", ["video", "batch"]),
    (dict(multi=2, slowmo_audio="pitch"), ["--multi", "2", "--slowmo-audio", "pitch"],
     "slowmo_audio only applies with slowmo", "--slowmo-audio only applies with --slowmo",
     ["video", "batch"]),
    (dict(multi=2, stream=1), ["--multi", "2", "--stream", "1"],
     "stream=1: {clip} has 1 video stream (give 0)", "--stream 1: {clip} has 1 video stream",
     ["video", "batch"]),
    (dict(multi=2, scene_cut_threshold=-3), ["--multi", "2", "--scene-threshold", "-3"],
     "scene_cut_threshold=-3: the scene-cut score is 0-255 (default 27; "
     "scene_cut_threshold=None turns the detection off)",
     "--scene-threshold -3: the scene-cut score is 0-255 (default 27; --no-scene-detect turns "
     "the detection off)", ["video", "batch"]),
    (dict(multi=1), ["--multi", "1"], "multi must be a whole number of at least 2, got 1",
     "--multi must be a whole number of at least 2, got 1", ["video", "batch"]),
    (dict(fps=60, multi=2), None, "give exactly one of fps, multi or slowmo",
     "give exactly one of --fps, --multi or --slowmo", ["video", "batch"]),   # argparse too
    (dict(multi=2, crf=60), ["--multi", "2", "--crf", "60"], "crf=60 is outside 0-51 for h264",
     "--crf 60 is outside 0-51 for h264", ["video", "batch", "interpolate"]),
    (dict(multi=2, crf=20, lossless=True), ["--multi", "2", "--crf", "20", "--lossless"],
     "crf and lossless contradict", "--crf and --lossless contradict",
     ["video", "batch", "interpolate"]),
    (dict(multi=2, preset="quick"), ["--multi", "2", "--preset", "quick"],
     "unknown preset='quick' for h264", "unknown --preset quick for h264",
     ["video", "batch", "interpolate"]),
    (dict(multi=2, pix_fmt="yuva420p"), ["--multi", "2", "--pix-fmt", "yuva420p"],
     "pix_fmt='yuva420p' is not supported by h264", "--pix-fmt yuva420p is not supported",
     ["video", "batch", "interpolate"]),
    (dict(multi=2, codec="prores"), ["--multi", "2", "--codec", "prores"],
     "prores cannot go in a .mp4 file; use .mkv or .mov (or another codec)",
     "(or another --codec)", ["video", "batch", "interpolate"]),
    (dict(multi=2, codec="av1", lossless=True), ["--multi", "2", "--codec", "av1", "--lossless"],
     "use codec ffv1, h264, h265 or vp9 with lossless",
     "use --codec ffv1, h264, h265 or vp9 with --lossless", ["video", "batch", "interpolate"]),
    (dict(multi=2, ray="nonsense"), ["--multi", "2", "--ray", "nonsense"],
     "ray='nonsense': give auto, HOST:PORT or ray://HOST:PORT",
     "--ray nonsense: give auto, HOST:PORT", ["video", "batch"]),
]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", moving_frames(4, 32, 48))


def raised_by(call) -> TweenflowError:
    with pytest.raises(TweenflowError) as raised:
        call()
    return raised.value


def cli_error(capsys, *argv) -> str:
    code = main([str(arg) for arg in argv])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("options, argv, python, cli, commands", CASES)
def test_an_error_names_python_arguments_from_the_api_and_options_from_the_cli(
        clip, tmp_path, capsys, options, argv, python, cli, commands):
    error = raised_by(lambda: convert_video(clip, tmp_path / "out.mp4", engine="classical",
                                            **options))
    assert python.format(clip=clip) in str(error) and "--" not in str(error)
    if argv is None:    # refused by argparse first: the wording the CLI would give
        assert cli in error.worded(option_flag)
    else:
        line = cli_error(capsys, "video", clip, "-o", tmp_path / "out.mp4", *argv,
                         "--engine", "classical", "-q")
        assert line.startswith("tweenflow: error: ") and cli.format(clip=clip) in line
    assert list(tmp_path.iterdir()) == []


def test_the_existing_output_and_an_image_folders_stream(clip, tmp_path, capsys):
    (tmp_path / "out.mp4").write_bytes(b"mine")
    error = raised_by(lambda: convert_video(clip, tmp_path / "out.mp4", multi=2))
    assert "out.mp4 exists; pass overwrite=True to replace it" in str(error)
    assert "pass -y/--overwrite to replace it" in cli_error(
        capsys, "video", clip, "-o", tmp_path / "out.mp4", "--multi", "2", "-q")
    assert (tmp_path / "out.mp4").read_bytes() == b"mine"
    folder = tmp_path / "images"
    folder.mkdir()
    for index in range(3):
        write_image(folder / f"{index}.png", np.zeros((8, 8, 3), np.uint8))
    error = raised_by(lambda: convert_video(folder, tmp_path / "frames", multi=2, stream=1))
    assert "stream=1: " in str(error) and "one picture stream (stream 0)" in str(error)
    assert "--stream 1: " in error.worded(option_flag)
    assert "(--stream 0)" in error.worded(option_flag)


def test_batch_names_suffix_from_python_and_ext_from_the_cli(clip, tmp_path, capsys):
    error = raised_by(lambda: convert_many([clip], tmp_path / "out", suffix="avi", multi=2))
    assert "suffix='.avi': use one of .mkv, .mov, .mp4, .webm" in str(error)
    assert "--ext .avi: use one of" in cli_error(capsys, "batch", clip, "-o", tmp_path / "out",
                                                 "--ext", "avi", "--multi", "2", "-q")


def test_a_per_file_failure_in_a_batch_is_worded_as_options_in_its_table(clip, tmp_path,
                                                                         capsys):
    [entry] = convert_many([clip], tmp_path / "out", multi=2, stream=1, engine="classical")
    assert entry.status == "failed" and entry.reason.startswith("stream=1: ")
    code = main(["batch", str(clip), "-o", str(tmp_path / "out"), "--multi", "2", "--stream",
                 "1", "--engine", "classical", "-q"])
    assert code == 1 and f"--stream 1: {clip} has 1 video stream" in capsys.readouterr().err


def test_without_ray_the_error_names_the_ray_argument(clip, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tweenflow.jobs.ray_runner", None)   # import fails
    error = raised_by(lambda: convert_video(clip, tmp_path / "out.mp4", multi=2, ray=True,
                                            engine="classical"))
    assert str(error).startswith("ray needs Ray on this machine")
    assert error.worded(option_flag).startswith("--ray needs Ray on this machine")


def options_of(command: str) -> set[str]:
    subparsers = next(action for action in build_parser()._actions
                      if action.dest == "command")
    help_text = subparsers.choices[command].format_help()
    return set(re.findall(r"(?<![\w-])-{1,2}[a-z][a-z-]*", help_text))


def test_every_argument_these_errors_name_is_an_option_of_their_commands(clip, tmp_path,
                                                                         monkeypatch):
    # each message's arguments, worded by option_flag, must be options of every command that
    # can raise it (a name without an entry in OPTION_FLAGS would say a missing option)
    named = []
    for options, _, _, _, commands in CASES:
        error = raised_by(lambda: convert_video(clip, tmp_path / "out.mp4", engine="classical",
                                                **options))
        named.append((error, commands))
    named.append((raised_by(lambda: convert_many([clip], tmp_path / "o", suffix="avi",
                                                 multi=2)), ["batch"]))
    (tmp_path / "out.mp4").write_bytes(b"mine")
    named.append((raised_by(lambda: convert_video(clip, tmp_path / "out.mp4", multi=2)),
                  ["video", "batch"]))
    monkeypatch.setitem(sys.modules, "tweenflow.jobs.ray_runner", None)
    named.append((raised_by(lambda: convert_video(clip, tmp_path / "o.mp4", multi=2, ray=True,
                                                  engine="classical")), ["video", "batch"]))
    for error, commands in named:
        assert error.arguments, str(error)
        for command in commands:
            options = options_of(command)
            for name in error.arguments:
                for flag in option_flag(name).split("/"):
                    assert flag in options, (command, name, str(error))


def test_every_option_flags_entry_is_a_real_option():
    # an entry naming an option that was renamed or removed would word errors wrongly
    from tweenflow.cli import OPTION_FLAGS
    options = options_of("interpolate") | options_of("video") | options_of("batch")
    for name, flags in OPTION_FLAGS.items():
        assert set(flags.split("/")) <= options, name


def arguments_named_in(package: str) -> dict[str, str]:
    """Every argument an error or a Note made in `package` names ({"name": value} given
    with its message), with where: found in the source, so a message written later is
    checked too."""
    import ast
    from pathlib import Path

    import tweenflow
    root = Path(tweenflow.__file__).parent
    files = [root / package] if package.endswith(".py") else sorted((root / package).rglob("*.py"))
    named = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and (node.func.id.endswith("Error") or node.func.id == "Note") \
                    and len(node.args) == 2 and isinstance(node.args[1], ast.Dict):
                for key in node.args[1].keys:
                    named[key.value if isinstance(key, ast.Constant) else "<computed>"] = \
                        f"{path.name}:{node.lineno}"
    return named


@pytest.mark.parametrize("package, commands", [
    ("jobs", ["video", "batch"]), ("video", ["video", "batch"]),
    ("video/encoding.py", ["interpolate", "video", "batch"]),
    ("engines", ["interpolate", "video", "batch"]), ("api.py", ["interpolate"])])
def test_every_argument_an_error_names_in_the_source_is_an_option_of_its_commands(
        package, commands):
    named = arguments_named_in(package)
    assert named or package == "api.py"
    named.pop("<computed>", None)        # the retime's mode (fps, multi, slowmo): checked above
    for command in commands:
        options = options_of(command)
        for name, where in named.items():
            if name == "suffix" and command != "batch":   # --ext: batch's output container
                continue
            assert set(option_flag(name).split("/")) <= options, (command, name, where)


def test_notes_name_python_arguments_from_the_api_and_options_from_the_cli(tmp_path, capsys):
    # a result's notes said "--slowmo-audio stretch", "--pix-fmt yuv444p" to Python callers
    source = write_video(tmp_path / "odd.mp4", moving_frames(3, 31, 47), audio=True)
    result = convert_video(source, tmp_path / "a.mp4", slowmo=2, engine="classical")
    python = [note for note in result.notes if "stretch" in note or "written as" in note]
    assert len(python) == 2 and not any("--" in note for note in python)
    assert "(slowmo_audio='stretch'; 'pitch' lowers it" in python[0] + python[1]
    assert "needs even sides; pix_fmt='yuv444p' or codec='ffv1' keeps the size" in \
        python[0] + python[1]
    assert main(["video", str(source), "-o", str(tmp_path / "b.mp4"), "--slowmo", "2",
                 "--engine", "classical", "-q"]) == 0
    said = capsys.readouterr().err
    assert "(--slowmo-audio stretch; 'pitch' lowers it" in said
    assert "needs even sides; --pix-fmt yuv444p or --codec ffv1 keeps the size" in said


def test_a_ray_worker_too_large_names_threads(monkeypatch):
    # the cluster is faked: a worker of 8 CPUs, and nodes of at most 2
    from tweenflow.jobs import ray_runner
    monkeypatch.setattr(ray_runner.ray, "init", lambda **options: None)
    monkeypatch.setattr(ray_runner.ray, "shutdown", lambda: None)
    monkeypatch.setattr(ray_runner.ray, "nodes", lambda: [
        {"Alive": True, "Resources": {"CPU": 2}}, {"Alive": True, "Resources": {"CPU": 1}}])
    error = raised_by(lambda: ray_runner.RayRunner(None, cpus_per_worker=8))
    assert str(error) == ("a worker of 8 CPUs (threads) fits on no node of the Ray cluster (the "
                          "largest has 2 CPUs); give threads=2 or less")
    assert error.worded(option_flag).endswith("CPUs); give --threads 2 or less")
    assert error.worded(option_flag).startswith("a worker of 8 CPUs (--threads) fits on no")
