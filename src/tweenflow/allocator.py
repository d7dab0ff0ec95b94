"""glibc malloc settings for the two ways tweenflow runs: batch work and a long-lived server.

Frames, flows and feature maps are megabytes each and are allocated and freed many times per
frame. What glibc does with such blocks decides both speed and memory, in opposite directions,
so each entry point picks one. Both are no-ops where the C library is not glibc.
"""
from __future__ import annotations

import ctypes
import sys

# mallopt parameter numbers in glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
_LARGE = 2 ** 31 - 1   # mallopt takes an int


def _mallopt(*settings: tuple[int, int]) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:   # not glibc (e.g. musl): nothing to tune
        return False
    return all(libc.mallopt(parameter, value) == 1 for parameter, value in settings)


def keep_freed_memory() -> bool:
    """Batch work (interpolate, video, benchmarks): freed blocks stay in the heap for reuse.

    By default every block above glibc's mmap threshold gets a fresh mapping that is returned
    on free, so each new full-resolution tensor page-faults its memory in again: on 2 cores
    that first touch is a large part of the time of a 720p frame (tweenflow.bench speed). With
    no mmap and no trimming, the process keeps its peak memory and reuses it. Returns whether
    the settings took effect.
    """
    return _mallopt((M_MMAP_THRESHOLD, _LARGE), (M_TRIM_THRESHOLD, _LARGE))


def release_freed_memory_promptly() -> bool:
    """A long-running server (the studio): every block >= 1 MB gets its own mapping.

    By default glibc raises its mmap threshold after the first large free, so later frames come
    from the heap and the freed space stays in the process: a server's memory then grows by
    tens of MB over a few dozen renders. A fixed threshold returns it at once.
    """
    return _mallopt((M_MMAP_THRESHOLD, 1 << 20))
