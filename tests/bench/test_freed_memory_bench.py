"""The freed-memory benchmark: one tiny run in its own processes, kept and not."""
import sys

import pytest

from tests.conftest import SHARED_DATA
from tweenflow.bench import freed_memory

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")


def test_a_kept_run_faults_less_per_frame_than_a_default_one(capsys):
    default = freed_memory.measure("classical", "320x240", False, 2, SHARED_DATA)
    kept = freed_memory.measure("classical", "320x240", True, 2, SHARED_DATA)
    for run in (default, kept):
        assert run["seconds"] > 0 and run["peak_mib"] > 50
    # a 320x240 classical frame frees and re-allocates a few MB of arrays
    assert kept["faults"] < default["faults"] / 4


def test_the_table_has_a_row_per_engine_and_size(capsys):
    assert freed_memory.main(["--engines", "classical", "--sizes", "160x120", "--rounds", "1",
                              "--frames", "1", "--data", str(SHARED_DATA)]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| classical")]
    assert len(rows) == 1 and "160x120" in rows[0]
