"""`tweenflow studio` as a user starts it: URL on stdout, 127.0.0.1, one-line errors, cleanup."""
import os
import re
import signal
import subprocess
import sys

import httpx

from tests.conftest import one_error_line, run_cli, texture
from tests.interrupt import popen_interruptible
from tests.studio.conftest import HEIGHT, WIDTH, write_png


def _listening_addresses(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp) listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in open(table).read().splitlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.split(":")
                if int(hex_port, 16) == port and state == "0A":
                    found.append(address)
    return found


def test_studio_serves_the_given_pair_on_localhost_and_cleans_up(pair_files, tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    process = popen_interruptible(
        [sys.executable, "-m", "tweenflow", "studio", *map(str, pair_files), "--port", "0",
         "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stdout.readline()
        match = re.fullmatch(r"tweenflow studio: (http://127\.0\.0\.1:(\d+)/)  \(Ctrl-C to stop\)\n",
                             line)
        assert match, line + process.stderr.read() if process.poll() is not None else line
        url, port = match.group(1), int(match.group(2))
        assert _listening_addresses(port) == ["0100007F"]   # 127.0.0.1 only
        config = httpx.get(url + "api/config", timeout=30).json()
        assert config["session"]["names"] == ["a.png", "b.png"]
        assert (config["session"]["width"], config["session"]["height"]) == (WIDTH, HEIGHT)
        work = [p for p in tmp_path.iterdir() if p.name.startswith("tweenflow-studio-")]
        assert len(work) == 1 and work[0].is_dir()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
    assert process.returncode == 0, process.stderr.read()
    assert not work[0].exists()


def test_studio_errors_are_one_line(pair_files, tmp_path):
    a, b = map(str, pair_files)
    assert one_error_line(run_cli("studio", a, "--no-browser")) == \
        "tweenflow: error: give two frames (A B) or none, not 1"
    missing = str(tmp_path / "missing.png")
    assert one_error_line(run_cli("studio", a, missing, "--no-browser")) == \
        f"tweenflow: error: {missing}: no such file"
    small = str(write_png(tmp_path / "small.png", texture(40, 60)))
    assert one_error_line(run_cli("studio", a, small, "--no-browser")) == \
        f"tweenflow: error: {small} is 60x40 but {a} is 160x96; both inputs must have the same size"
    assert one_error_line(run_cli("studio", "--port", "70000")) == \
        "tweenflow: error: --port 70000 is not a port number (0-65535)"


def test_port_in_use_is_one_line(tmp_path):
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_error_line(run_cli("studio", "--port", str(port), "--no-browser"))
    assert line.startswith(f"tweenflow: error: cannot listen on 127.0.0.1:{port} (")
    assert line.endswith("; choose another port with --port")


def test_an_address_not_of_this_machine_is_one_line_naming_host():
    # It said 'choose another port with --port', which cannot help.
    line = one_error_line(run_cli("studio", "--host", "192.0.2.1", "--port", "0",
                                  "--no-browser"))
    assert line.startswith("tweenflow: error: cannot listen on 192.0.2.1:0 (")
    assert line.endswith("; check --host: it must be an address of this machine")
