"""Error messages name the caller's arguments as the caller wrote them: `scale=3` from
Python, `--scale 3` from the command line (the CLI words them with its flags)."""
import pickle

from tweenflow.errors import EngineError, InputError


def cli_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def about_three_arguments() -> EngineError:
    return EngineError("{scale=} is not supported; {flow_preset} applies to {engine=} only",
                       {"scale": 3, "flow_preset": "fast", "engine": "classical"})


def test_a_message_names_its_arguments_as_python_does():
    assert (str(about_three_arguments())
            == "scale=3 is not supported; flow_preset applies to engine='classical' only")


def test_worded_with_flags_names_them_as_options():
    assert (about_three_arguments().worded(cli_flag)
            == "--scale 3 is not supported; --flow-preset applies to --engine classical only")


def test_a_message_without_arguments_is_left_as_written():
    error = InputError("a/{name}/b.png: no such file {x=}")
    assert str(error) == error.worded(cli_flag) == "a/{name}/b.png: no such file {x=}"


def test_an_error_keeps_its_python_message_through_pickling():
    # Ray and process pools pickle errors raised in workers
    copy = pickle.loads(pickle.dumps(about_three_arguments()))
    assert type(copy) is EngineError and str(copy) == str(about_three_arguments())


def test_a_switch_is_the_option_alone_on_the_command_line():
    error = InputError("out.mp4 exists; pass {overwrite=} to replace it", {"overwrite": True})
    assert str(error) == "out.mp4 exists; pass overwrite=True to replace it"
    assert error.worded(cli_flag) == "out.mp4 exists; pass --overwrite to replace it"


def test_an_argument_with_one_value_can_stand_for_an_option_of_its_own():
    flags = {"scene_cut_threshold": "--scene-threshold",
             "scene_cut_threshold=None": "--no-scene-detect"}
    error = InputError("{scene_cut_threshold=}: 0-255; {scene_cut_threshold=None} turns it off",
                       {"scene_cut_threshold": -3, "scene_cut_threshold=None": None})
    assert str(error) == "scene_cut_threshold=-3: 0-255; scene_cut_threshold=None turns it off"
    assert error.worded(flags.get) == "--scene-threshold -3: 0-255; --no-scene-detect turns it off"


def test_an_error_is_still_worded_as_options_after_pickling():
    # an error raised in a Ray worker reaches the CLI pickled: its arguments must come along
    copy = pickle.loads(pickle.dumps(about_three_arguments()))
    assert copy.worded(cli_flag) == about_three_arguments().worded(cli_flag)


def test_a_note_reads_as_python_is_worded_as_options_and_survives_pickling():
    from tweenflow.errors import Note
    note = Note("use {codec=} or {pix_fmt}", {"codec": "ffv1", "pix_fmt": None})
    assert note == "use codec='ffv1' or pix_fmt" and isinstance(note, str)
    assert note.worded(cli_flag) == "use --codec ffv1 or --pix-fmt"
    assert (note.prefixed("left out #1: ").worded(cli_flag)
            == "left out #1: use --codec ffv1 or --pix-fmt")
    copy = pickle.loads(pickle.dumps(note))
    assert type(copy) is Note and copy == note and copy.worded(cli_flag) == note.worded(cli_flag)
