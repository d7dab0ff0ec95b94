"""The cluster benchmark's own measuring tools: pinning nodes to a core, and the CPU time of
the processes it started."""
import os
import subprocess
import sys
import time

import pytest

pytest.importorskip("ray")
from tweenflow.bench.cluster import on_core, ray_processes_cpu  # noqa: E402

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n" \
       "import sys; sys.stdin.read()"


def test_processes_started_on_a_core_stay_there_and_their_cpu_is_counted():
    cores = sorted(os.sched_getaffinity(0))
    before = ray_processes_cpu()
    with on_core(1):
        child = subprocess.Popen([sys.executable, "-c", BURN], stdin=subprocess.PIPE)
    try:
        assert os.sched_getaffinity(0) == set(cores)          # this thread is free again
        assert os.sched_getaffinity(child.pid) == {cores[1 % len(cores)]}
        deadline = time.monotonic() + 60
        while ray_processes_cpu() - before < 0.35:           # it burns 0.4 s, then waits
            assert child.poll() is None and time.monotonic() < deadline
        assert ray_processes_cpu() - before < 2.0
    finally:
        child.communicate(b"", timeout=30)
