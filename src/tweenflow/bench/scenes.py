"""`python -m tweenflow.bench scenes`: scene-cut detectors scored on labelled cuts (issue 17).

Detectors, each on every frame of a clip in order:
- histogram: the test tweenflow used before issue 17 (Bhattacharyya distance of HSV histograms
  of 128 px thumbnails > 0.5), pair by pair;
- content pairs: what the pipeline uses now (`video.scenes.is_scene_cut`: PySceneDetect's
  ContentDetector score of each pair >= 27, no minimum scene length);
- PySceneDetect's ContentDetector and AdaptiveDetector run as its SceneManager runs them, with
  their defaults (minimum scene length 15 frames; adaptive looks 2 frames ahead).

Material (frames at their own size unless said):
- the four sample videos whole. Labels, found by looking at the frames: the NASA sample has a
  dissolve over frames 127-149 (dark gantry shot -> lit mirror and worker) and a hard cut at
  frame 202 (back to a dark shot); the other three are single shots.
- fast motion without cuts: the three single-shot samples at every 4th frame, and the eight
  17-frame large-motion clips of ../shared/data/multi_gap.
- edits made here, two 30-frame shots of similar colour joined at frame 30, shrunk to 480x270
  and re-encoded with x264 at CRF 23: jump cuts inside one video, cuts to the mirrored shot (the
  same colours), punch-ins (a 1.5x zoom of the same shot), and the two sample videos whose
  colours are closest (dog -> juggle).

A hard cut counts as found when a detector reports it within one frame; a dissolve when a
detector reports anything inside it. Every other report is a false cut.
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import av
import cv2
import numpy as np

from tweenflow.bench.clips import encode_h264
from tweenflow.images import read_image
from tweenflow.video.scenes import (DEFAULT_SCENE_CUT_THRESHOLD, _shrunk_bgr,
                                    scene_change_score)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
VIDEOS = DATA / "videos"
SAMPLES = {"bedroom": "bedroom_540p_30fps_bt601.mp4", "dog": "dog_720p_29.97fps_aac.mp4",
           "juggle": "juggle_720p_24fps.mp4", "nasa": "nasa_2video_aac_subtitles.mp4"}
EDIT_SIZE = (480, 270)
SHOT = 30                    # frames per shot in the edits
HISTOGRAM_THRESHOLD = 0.5    # the old test's default


@dataclass
class Clip:
    """A clip (frames() decodes it anew each call) and its labels: hard cuts (index of a new
    shot's first frame) and dissolves (first and last index of the transition)."""

    name: str
    frames: Callable[[], Iterator[np.ndarray]]
    cuts: list[int] = field(default_factory=list)
    dissolves: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Tally:
    cuts_found: int = 0
    cuts: int = 0
    dissolves_found: int = 0
    dissolves: int = 0
    false: int = 0


def decode(path: Path, step: int = 1, size: tuple[int, int] | None = None
           ) -> Iterator[np.ndarray]:
    """Every `step`-th RGB frame of a video, optionally resized."""
    with av.open(str(path)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % step == 0:
                rgb = frame.to_ndarray(format="rgb24")
                yield rgb if size is None else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def mirrored(frame: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(frame[:, ::-1])


def zoomed(frame: np.ndarray, factor: float = 1.5) -> np.ndarray:
    height, width = frame.shape[:2]
    crop_w, crop_h = round(width / factor), round(height / factor)
    left, top = (width - crop_w) // 2, (height - crop_h) // 2
    return cv2.resize(frame[top:top + crop_h, left:left + crop_w], (width, height),
                      interpolation=cv2.INTER_LINEAR)


def labelled_clips(workdir: Path) -> list[Clip]:
    def whole(name: str, step: int = 1) -> Callable[[], Iterator[np.ndarray]]:
        return lambda: decode(VIDEOS / SAMPLES[name], step)

    clips = [Clip("nasa (whole)", whole("nasa"), cuts=[202], dissolves=[(127, 149)])]
    clips += [Clip(f"{name} (whole)", whole(name)) for name in ("bedroom", "dog", "juggle")]
    clips += [Clip(f"{name} every 4th frame", whole(name, 4))
              for name in ("bedroom", "dog", "juggle")]
    for folder in sorted(path for path in (DATA / "multi_gap").iterdir() if path.is_dir()):
        images = sorted(folder.glob("*.png"))
        clips.append(Clip(f"multi_gap {folder.name}",
                          lambda images=images: (read_image(path) for path in images)))

    small = {name: list(decode(VIDEOS / file, size=EDIT_SIZE)) for name, file in SAMPLES.items()}

    def shot(name: str, first: int, change: Callable[[np.ndarray], np.ndarray] | None = None
             ) -> list[np.ndarray]:
        frames = small[name][first:first + SHOT]
        return [change(frame) for frame in frames] if change else frames

    edits = [
        ("jump cut: juggle 0 -> 150", shot("juggle", 0), shot("juggle", 150)),
        ("jump cut: dog 0 -> 200", shot("dog", 0), shot("dog", 200)),
        ("jump cut: bedroom 0 -> 120", shot("bedroom", 0), shot("bedroom", 120)),
        ("jump cut: nasa 0 -> 250", shot("nasa", 0), shot("nasa", 250)),
        ("mirrored: bedroom 30 -> 60", shot("bedroom", 30), shot("bedroom", 60, mirrored)),
        ("mirrored: dog 30 -> 60", shot("dog", 30), shot("dog", 60, mirrored)),
        ("punch-in: juggle 30 -> 60", shot("juggle", 30), shot("juggle", 60, zoomed)),
        ("punch-in: nasa 210 -> 240", shot("nasa", 210), shot("nasa", 240, zoomed)),
        ("closest colours: dog -> juggle", shot("dog", 100), shot("juggle", 100)),
    ]
    for index, (name, first, second) in enumerate(edits):
        path = encode_h264(workdir / f"edit{index}.mp4", first + second, preset="fast")
        clips.append(Clip(name, lambda path=path: decode(path), cuts=[SHOT]))
    return clips


def histogram_score(frame0: np.ndarray, frame1: np.ndarray) -> float:
    """The test tweenflow used before: Bhattacharyya distance of the hue/saturation/value
    histograms of 128 px wide thumbnails, in [0, 1]."""
    histograms = []
    for frame in (frame0, frame1):
        height, width = frame.shape[:2]
        thumb = cv2.resize(frame, (128, max(1, round(128 * height / width))),
                           interpolation=cv2.INTER_AREA)
        hsv = cv2.cvtColor(thumb, cv2.COLOR_RGB2HSV)
        histogram = cv2.calcHist([hsv], [0, 1, 2], None, [16, 8, 8], [0, 180, 0, 256, 0, 256])
        histograms.append(cv2.normalize(histogram, None).flatten())
    return float(cv2.compareHist(histograms[0], histograms[1], cv2.HISTCMP_BHATTACHARYYA))


def pair_scores(frames: Iterable[np.ndarray]) -> tuple[list[float], list[float]]:
    """(histogram, content) score of each consecutive pair; index i - 1 is the pair (i-1, i)."""
    histogram, content = [], []
    previous = None
    for frame in frames:
        if previous is not None:
            histogram.append(histogram_score(previous, frame))
            content.append(scene_change_score(previous, frame))
        previous = frame
    return histogram, content


def scenedetect_cuts(frames: Iterable[np.ndarray], detector) -> list[int]:
    """Frames through a PySceneDetect detector as its SceneManager feeds them (shrunk, BGR)."""
    from scenedetect import FrameTimecode

    reports = []
    timecode = None
    for index, frame in enumerate(frames):
        timecode = FrameTimecode(index, fps=30.0)
        reports += detector.process_frame(timecode, _shrunk_bgr(frame))
    if timecode is not None:
        reports += detector.post_process(timecode)
    return sorted({report.frame_num for report in reports})


def tally(clip: Clip, reports: list[int]) -> Tally:
    result = Tally(cuts=len(clip.cuts), dissolves=len(clip.dissolves))
    explained = set()
    for cut in clip.cuts:
        near = [report for report in reports if abs(report - cut) <= 1]
        result.cuts_found += bool(near)
        explained.update(near)
    for first, last in clip.dissolves:
        inside = [report for report in reports if first <= report <= last + 1]
        result.dissolves_found += bool(inside)
        explained.update(inside)
    result.false = len(set(reports) - explained)
    return result


def _labelled(clip: Clip, index: int) -> bool:
    """Pair (index - 1, index) is a labelled cut or inside a labelled dissolve."""
    return index in clip.cuts or any(first <= index <= last + 1
                                     for first, last in clip.dissolves)


def pair_cost(repeats: int = 5) -> None:
    """Median time per pair of 720p frames (juggle sample) of the old and the new test,
    interleaved in one run."""
    import time

    from tweenflow.video.scenes import is_scene_cut

    frames = []
    for frame in decode(VIDEOS / SAMPLES["juggle"]):
        frames.append(frame)
        if len(frames) == 21:
            break
    tests = {"histogram": lambda a, b: histogram_score(a, b) > HISTOGRAM_THRESHOLD,
             "content (is_scene_cut)": lambda a, b: is_scene_cut(a, b, 27.0)}
    times: dict[str, list[float]] = {name: [] for name in tests}
    for _ in range(repeats):
        for frame0, frame1 in zip(frames, frames[1:]):
            for name, test in tests.items():
                start = time.perf_counter()
                test(frame0, frame1)
                times[name].append(time.perf_counter() - start)
    print("\n" + ", ".join(f"{name}: {np.median(values) * 1000:.2f} ms"
                           for name, values in times.items()) + " per 720p pair (median)")


def _scores_cell(at_cuts: list[float], elsewhere: float, form: str) -> str:
    return f"{', '.join(form.format(score) for score in at_cuts) or '-'} / {form.format(elsewhere)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tweenflow.bench scenes",
                                     description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not VIDEOS.is_dir():
        print(f"sample videos not found at {VIDEOS}")
        return 1
    import scenedetect
    from scenedetect import AdaptiveDetector, ContentDetector

    print(f"# scenedetect {scenedetect.__version__}, OpenCV {cv2.__version__}")
    names = [f"histogram > {HISTOGRAM_THRESHOLD:g} (before)",
             f"content pairs >= {DEFAULT_SCENE_CUT_THRESHOLD:g} (now)",
             "scenedetect content", "scenedetect adaptive"]
    totals = {name: Tally() for name in names}
    print("| clip | frames | labels | " + " | ".join(names)
          + " | content score at cut / max elsewhere | histogram score at cut / max elsewhere |")
    print("| --- | --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- |")
    with tempfile.TemporaryDirectory() as workdir:
        for clip in labelled_clips(Path(workdir)):
            histogram, content = pair_scores(clip.frames())
            reports = {
                names[0]: [i + 1 for i, score in enumerate(histogram)
                           if score > HISTOGRAM_THRESHOLD],
                names[1]: [i + 1 for i, score in enumerate(content)
                           if score >= DEFAULT_SCENE_CUT_THRESHOLD],
                names[2]: scenedetect_cuts(clip.frames(), ContentDetector()),
                names[3]: scenedetect_cuts(clip.frames(), AdaptiveDetector()),
            }
            for name, found in reports.items():
                result, total = tally(clip, found), totals[name]
                for key in ("cuts_found", "cuts", "dissolves_found", "dissolves", "false"):
                    setattr(total, key, getattr(total, key) + getattr(result, key))
            labels = [f"cut {cut}" for cut in clip.cuts] + \
                [f"dissolve {first}-{last}" for first, last in clip.dissolves]
            unlabelled = [index for index in range(1, len(content) + 1)
                          if not _labelled(clip, index)]
            content_cell = _scores_cell([content[i - 1] for i in clip.cuts],
                                        max(content[i - 1] for i in unlabelled), "{:.1f}")
            histogram_cell = _scores_cell([histogram[i - 1] for i in clip.cuts],
                                          max(histogram[i - 1] for i in unlabelled), "{:.2f}")
            found_cells = [", ".join(map(str, found)) or "-" for found in reports.values()]
            print(f"| {clip.name} | {len(content) + 1} | {', '.join(labels) or 'none'} | "
                  f"{' | '.join(found_cells)} | {content_cell} | {histogram_cell} |", flush=True)
    print()
    print("| detector | hard cuts found | dissolves found | false cuts |")
    print("| --- | --- | --- | --- |")
    for name, total in totals.items():
        print(f"| {name} | {total.cuts_found} / {total.cuts} | "
              f"{total.dissolves_found} / {total.dissolves} | {total.false} |")
    pair_cost()
    return 0
