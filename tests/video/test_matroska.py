"""video/matroska.py: a Matroska file cut short is told from a complete one by its structure."""
from pathlib import Path

import pytest

from tests.video.conftest import live_recording, moving_frames, packet_spans, write_video
from tweenflow.video.matroska import CLUSTER, _element, cut_short


def cut_copy(source: Path, length: int, name: str = "cut.mkv") -> Path:
    target = source.with_name(name)
    target.write_bytes(source.read_bytes()[:length])
    return target


def streamed_clusters(source: Path) -> Path:
    """The file with every Cluster's size made 'unknown' (as live muxers write them)."""
    data = bytearray(source.read_bytes())
    with open(source, "rb") as file:
        segment = _element(file, _element(file, 0).end)
        position = segment.start
        while position < len(data):
            element = _element(file, position)
            if element.id == CLUSTER:
                length = element.start - position - 4            # a 4-byte ID, then the size
                data[position + 4:element.start] = ((1 << 7 * length) - 1
                                                    | 1 << 8 * length - length).to_bytes(length, "big")
            position = element.end
    target = source.with_name("streamed.mkv")
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("streamed", [False, True])
def test_a_recording_cut_inside_any_block_is_cut_short(tmp_path, streamed):
    source = live_recording(tmp_path / "live.mkv", frames=20)
    if streamed:
        source = streamed_clusters(source)
    assert not cut_short(source)
    spans = packet_spans(source)
    assert len([kind for kind, _, _ in spans if kind == "video"]) == 20   # FFmpeg reads it all
    for kind, begin, end in spans[::3]:
        for length in (begin + 1, (begin + end) // 2, end - 1):     # inside the block
            assert cut_short(cut_copy(source, length)), (kind, begin, end, length)


def test_complete_files_and_other_formats_are_not_cut_short(tmp_path):
    frames = moving_frames(6)
    assert not cut_short(write_video(tmp_path / "seekable.mkv", frames, audio=True))
    assert not cut_short(write_video(tmp_path / "clip.mp4", frames))
    assert cut_short(cut_copy(tmp_path / "seekable.mkv", 
                              (tmp_path / "seekable.mkv").stat().st_size * 2 // 3))
    empty = tmp_path / "empty.mkv"
    empty.write_bytes(b"")
    assert not cut_short(empty)
