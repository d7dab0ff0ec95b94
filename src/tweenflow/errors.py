"""The errors tweenflow raises (the CLI turns each into one line and a non-zero exit), and
notes: lines for the user about what a run did, worded like the errors."""
from __future__ import annotations

from typing import Any, Callable


class TweenflowError(Exception):
    """Base class: a problem the user can act on; the message says how.

    A message about the caller's arguments names them as the caller wrote them: it writes
    `{name}` for an argument and `{name=}` for it with its value, taken from `arguments`.
    str(error) reads as Python (`scale`, `scale=3`); the CLI words them as its options
    (`--scale`, `--scale 3`; a switch given as True is the option alone) with `worded`.
    An argument with one value may stand for an option of its own: the key
    "scene_cut_threshold=None", written `{scene_cut_threshold=None}`, reads so in Python and
    as its option (--no-scene-detect) on the command line.
    """

    exit_code = 2

    def __init__(self, message: str, arguments: dict[str, Any] | None = None) -> None:
        self.template, self.arguments = message, dict(arguments or {})
        super().__init__(self.worded())

    def worded(self, flag: Callable[[str], str] | None = None) -> str:
        """The message with its arguments as Python names them (flag None), or as the
        command-line options `flag(name)` (e.g. `--scale 3`)."""
        return _worded(self.template, self.arguments, flag)

    def __reduce__(self):
        # as made (template and arguments), not from the Python wording alone: an error
        # raised in a Ray worker or another process is still worded as options by the CLI
        if type(self).__init__ is not TweenflowError.__init__:    # a subclass's own arguments
            return super().__reduce__()
        return type(self), (self.template, self.arguments)


class InputError(TweenflowError):
    """An input (image, video, option value, tracks file) is missing, unreadable or invalid."""


class OutputError(TweenflowError):
    """The output cannot be written where asked, or would overwrite an input."""


class WeightsError(TweenflowError):
    """Model weights are unavailable: offline, wrong hash, or not yet downloaded."""

    exit_code = 3


class EngineError(TweenflowError):
    """An engine name is unknown or an engine cannot do what was asked."""


class ClusterError(TweenflowError):
    """The Ray cluster cannot be reached, or a segment failed on it again and again."""

    exit_code = 3


class Note(str):
    """A line for the user about what a run did (VideoResult.notes), naming the caller's
    arguments as a TweenflowError message does: the string reads as Python (`use
    codec='prores'`), `worded(option_flag)` as the CLI's options (`use --codec prores`)."""

    template: str
    arguments: dict[str, Any]

    def __new__(cls, template: str, arguments: dict[str, Any] | None = None) -> Note:
        arguments = dict(arguments or {})
        note = super().__new__(cls, _worded(template, arguments, None))
        note.template, note.arguments = template, arguments
        return note

    def __getnewargs__(self) -> tuple[str, dict[str, Any]]:     # pickled as made
        return self.template, self.arguments

    def worded(self, flag: Callable[[str], str] | None = None) -> str:
        return _worded(self.template, self.arguments, flag)

    def prefixed(self, prefix: str) -> Note:
        """This note after `prefix` (plain text)."""
        return Note(prefix + self.template, self.arguments)


def _worded(template: str, arguments: dict[str, Any],
            flag: Callable[[str], str] | None) -> str:
    message = template
    for name, value in arguments.items():
        spelled = name if flag is None else flag(name)
        with_value = (f"{name}={value!r}" if flag is None
                      else spelled if value is True else f"{spelled} {value}")
        message = message.replace(f"{{{name}=}}", with_value).replace(f"{{{name}}}", spelled)
    return message
