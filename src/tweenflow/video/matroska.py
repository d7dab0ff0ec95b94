"""Whether a Matroska/WebM file is cut short: an element runs past the end of the file.

A recording stopped by a crash, a full disk or a pulled cable (no Cues, no Duration, its last
Cluster cut inside a block), or a partial copy. FFmpeg reads such a file up to its last complete
block and says so only in its log; this walks the file's EBML structure (element IDs and sizes,
no payload) to tell. Clusters of unknown size (live muxers) are walked block by block.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

EBML_HEADER, SEGMENT, CLUSTER = 0x1A45DFA3, 0x18538067, 0x1F43B675
# The Segment's children other than Cluster (SeekHead, Info, Tracks, Cues, Attachments,
# Chapters, Tags): one of them, or the next Cluster, ends a Cluster of unknown size.
_LEVEL_1 = {0x114D9B74, 0x1549A966, 0x1654AE6B, CLUSTER, 0x1C53BB6B, 0x1941A469, 0x1043A770,
            0x1254C367}
_LONGEST_HEADER = 12          # a 4-byte ID and an 8-byte size


@dataclass(frozen=True)
class _Element:
    id: int
    start: int                # where its data starts (byte offset)
    size: int | None          # None: unknown (streamed)

    @property
    def end(self) -> int | None:
        return None if self.size is None else self.start + self.size


def _vint(data: bytes, keep_marker: bool) -> tuple[int, int] | None:
    """(value, length) of the EBML variable-length number at the start of data; None if data
    ends before it does or it is not one. An ID keeps its length marker, a size does not."""
    if not data or data[0] == 0:
        return None
    length = 9 - data[0].bit_length()
    if len(data) < length:
        return None
    value = int.from_bytes(data[:length], "big")
    return (value if keep_marker else value & ((1 << 7 * length) - 1)), length


def _element(file: BinaryIO, position: int) -> _Element | None:
    """The element whose header starts at `position`; None if the file ends inside it."""
    file.seek(position)
    data = file.read(_LONGEST_HEADER)
    element_id = _vint(data, keep_marker=True)
    size = element_id and _vint(data[element_id[1]:], keep_marker=False)
    if not element_id or not size:
        return None
    length = element_id[1] + size[1]
    unknown = size[0] == (1 << 7 * size[1]) - 1
    return _Element(element_id[0], position + length, None if unknown else size[0])


def cut_short(path: Path) -> bool:
    """True if the Matroska/WebM file at `path` ends inside an element (its header or data).
    False for a complete file, and for anything that is not Matroska."""
    with open(path, "rb") as file:
        file_end = os.fstat(file.fileno()).st_size
        header = _element(file, 0)
        if header is None or header.id != EBML_HEADER or header.end is None:
            return False
        segment = _element(file, header.end)
        if segment is None or segment.id != SEGMENT:
            return segment is None and header.end < file_end
        if segment.end is not None and segment.end > file_end:
            return True
        return _runs_past(file, segment.start, min(segment.end or file_end, file_end))


def _runs_past(file: BinaryIO, position: int, end: int) -> bool:
    """True if an element from `position` on (children of one parent, up to `end`) runs past
    `end`; a child of unknown size is walked child by child until a level-1 element."""
    while position < end:
        element = _element(file, position)
        if element is None:
            return True
        if element.size is not None:
            if element.end > end:
                return True
            position = element.end
            continue
        position = element.start      # a streamed Cluster: its blocks, to the next level-1 one
        while position < end:
            child = _element(file, position)
            if child is None:
                return True
            if child.id in _LEVEL_1:
                break
            if child.end is None:     # streamed inside a Cluster: no way to walk on
                return False
            if child.end > end:
                return True
            position = child.end
    return False
