"""The errors tweenflow raises. The CLI turns each into one line and a non-zero exit."""


class TweenflowError(Exception):
    """Base class: a problem the user can act on; the message says how."""

    exit_code = 2


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
