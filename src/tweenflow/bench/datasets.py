"""The evaluation sets in ../shared/data as (frame0, frame1, [(t, ground truth), ...]) items."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from tweenflow.images import read_image

DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
SETS = ("middlebury_other", "ucf101_dvf", "multi_gap4", "multi_gap8", "multi_gap16")
# Not in SETS (no published reference): full-size 720p triplets, for speed/quality trade-offs
# at the size the speed targets are set at.
VIDEO720_FILES = ("dog_720p_29.97fps_aac.mp4", "juggle_720p_24fps.mp4")
VIDEO720_STEP = 12   # a triplet (k, k + 1, k + 2) starts at every 12th frame: 24 + 21 = 45


@dataclass
class Item:
    name: str                              # e.g. "Urban2" or "dog/0-8"
    frame0: np.ndarray
    frame1: np.ndarray
    targets: list[tuple[float, np.ndarray]]  # (t, ground-truth frame)


def items(set_name: str, data_dir: Path = DEFAULT_DATA, limit: int | None = None
          ) -> Iterator[Item]:
    """Items of one set, following the protocol in shared/data/README.md."""
    count = 0
    for item in _items(set_name, Path(data_dir)):
        if limit is not None and count >= limit:
            return
        count += 1
        yield item


def _items(set_name: str, data_dir: Path) -> Iterator[Item]:
    if set_name == "middlebury_other":
        for folder in sorted((data_dir / "middlebury_other").iterdir()):
            yield Item(folder.name, read_image(folder / "frame10.png"),
                       read_image(folder / "frame11.png"),
                       [(0.5, read_image(folder / "frame10i11.png"))])
    elif set_name == "ucf101_dvf":
        folders = sorted((data_dir / "ucf101_dvf").iterdir(), key=lambda p: int(p.name))
        for folder in folders:
            yield Item(folder.name, read_image(folder / "frame0.png"),
                       read_image(folder / "frame1.png"), [(0.5, read_image(folder / "gt.png"))])
    elif set_name.startswith("multi_gap"):
        gap = int(set_name[len("multi_gap"):])
        for clip in sorted((data_dir / "multi_gap").iterdir()):
            frames = [read_image(clip / f"{index:05d}.png") for index in range(17)]
            for start in range(0, 17 - gap, gap):
                yield Item(f"{clip.name}/{start}-{start + gap}", frames[start], frames[start + gap],
                           [(k / gap, frames[start + k]) for k in range(1, gap)])
    elif set_name == "video720":
        yield from _video_triplets(data_dir)
    else:
        raise ValueError(f"unknown set {set_name!r}; known: {', '.join(SETS)}, video720")


def _video_triplets(data_dir: Path) -> Iterator[Item]:
    """video720: in each 720p sample video, frames k and k + 2 for every k that is a multiple
    of VIDEO720_STEP; the frame between them is the ground truth at t = 0.5."""
    from tweenflow.video.reader import probe, read_frames
    for name in VIDEO720_FILES:
        triplet = []
        for index, frame in enumerate(read_frames(probe(data_dir / "videos" / name))):
            if index % VIDEO720_STEP < 3:
                triplet.append(frame.rgb)
            if len(triplet) == 3:
                yield Item(f"{name.split('_')[0]}/{index - 2}", triplet[0], triplet[2],
                           [(0.5, triplet[1])])
                triplet = []
