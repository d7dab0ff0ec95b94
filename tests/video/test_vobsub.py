"""VobSub control-sequence delays (video/vobsub.py) on a hand-made SPU that FFmpeg decodes."""
from fractions import Fraction

from tests.video.rich_media import dvd_subtitle_packet
from tweenflow.video.vobsub import retime_spu


def delays(spu: bytes) -> list[int]:
    offset, found = int.from_bytes(spu[2:4], "big"), []
    while True:
        found.append(int.from_bytes(spu[offset:offset + 2], "big"))
        following = int.from_bytes(spu[offset + 2:offset + 4], "big")
        if following == offset:
            return found
        offset = following


def test_delays_scale_by_the_factor_and_stop_at_the_cut():
    spu = dvd_subtitle_packet(Fraction(1, 5))            # hidden after 18 ticks (0.2 s)
    assert delays(spu) == [0, 18]
    assert delays(retime_spu(spu, 3)) == [0, 54]
    assert delays(retime_spu(spu, 3, longest=Fraction(1, 2))) == [0, 43]   # floor(0.5 / tick)
    assert len(retime_spu(spu, 3)) == len(spu) and retime_spu(spu, 1) == spu


def test_a_packet_that_does_not_parse_is_left_alone():
    assert retime_spu(b"\x00\x02", 2) == b"\x00\x02"
    looping = b"\x00\x08\x00\x04\x00\x05\x00\x04"        # a sequence pointing to itself
    assert retime_spu(looping, 2) == b"\x00\x08\x00\x04\x00\x0a\x00\x04"
