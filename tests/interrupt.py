"""Starting a command that a test will interrupt with SIGINT, as Ctrl-C would.

A shell that starts a job in the background (`make test &`, `nohup`, some CI runners) sets
SIGINT to "ignored", children inherit that, and Python then installs no KeyboardInterrupt
handler: the SIGINT the test sends would do nothing. The child gets the default back first.
"""
import signal
import subprocess


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def popen_interruptible(command, **kwargs) -> subprocess.Popen:
    """subprocess.Popen(command, **kwargs) with SIGINT at its default in the child."""
    return subprocess.Popen(command, preexec_fn=_default_sigint, **kwargs)
