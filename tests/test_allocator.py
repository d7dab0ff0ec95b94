"""The glibc malloc settings: batch work keeps freed memory for reuse, the studio returns it."""
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")

PROBE = """
import numpy as np
from tweenflow import allocator
def rss_mib():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')) / 1024
{setting}
before = rss_mib()
block = np.ones(64 * 2**20 // 8)      # 64 MiB, touched
del block
print(rss_mib() - before)
"""


def rss_growth_after_a_freed_block(setting: str) -> float:
    code = PROBE.format(setting=setting)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return float(result.stdout.strip())


def test_batch_setting_keeps_a_freed_block_and_the_default_returns_it():
    assert rss_growth_after_a_freed_block("assert allocator.keep_freed_memory()") > 60
    assert rss_growth_after_a_freed_block("") < 4
    assert rss_growth_after_a_freed_block(
        "assert allocator.release_freed_memory_promptly()") < 4
