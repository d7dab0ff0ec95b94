"""VobSub (DVD bitmap subtitle) packets keep their own display times inside the packet: each
control sequence of the SPU starts `delay` ticks (1024/90000 s) after the packet's time, and the
"stop display" sequence is the one that hides the picture. Retiming a VobSub stream for slow
motion therefore scales these delays too (the packet time and duration are the container's).
"""
from __future__ import annotations

import math
from fractions import Fraction

TICK = Fraction(1024, 90000)      # seconds per SPU delay unit


def retime_spu(data: bytes, factor: int, longest: Fraction | None = None) -> bytes:
    """The SPU with every control sequence delay multiplied by `factor` and, if `longest` (s)
    is given, no later than that. A packet that does not parse is returned unchanged."""
    if len(data) < 4:
        return data
    spu = bytearray(data)
    limit = 0xFFFF if longest is None else min(0xFFFF, math.floor(longest / TICK))
    offset = int.from_bytes(spu[2:4], "big")
    seen = set()
    while offset + 4 <= len(spu) and offset not in seen:
        seen.add(offset)
        delay = int.from_bytes(spu[offset:offset + 2], "big")
        spu[offset:offset + 2] = min(delay * factor, limit).to_bytes(2, "big")
        following = int.from_bytes(spu[offset + 2:offset + 4], "big")
        if following == offset:        # the last sequence points to itself
            break
        offset = following
    return bytes(spu)
