"""The streaming video pipeline: decode -> schedule + infer -> encode, concurrently.

Decoding and encoding run in their own threads, joined to the inference loop by bounded queues
(video/stages.py), so memory holds a few frames whatever the length of the video.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
from tqdm import tqdm

from tweenflow.engines.alpha import checked
from tweenflow.engines.base import Engine, Runtime, create_engine
from tweenflow.errors import InputError, Note, OutputError
from tweenflow.images import IMAGE_SUFFIXES
from tweenflow.video import scenes
from tweenflow.video.audio import SLOWMO_AUDIO_MODES
from tweenflow.video.dedup import (MAX_HELD_RUN, Drawing, distinct_drawings, looks_same,
                                   parse_dedup)
from tweenflow.video.reader import TimedFrame, VideoInfo, check_complete, probe, read_frames
from tweenflow.video.schedule import (Retime, interval_outputs, nominal_rate, output_duration,
                                      output_time_base, retime_from)
from tweenflow.video.encoding import (VIDEO_SUFFIXES, Encoding, check_time_steps,
                                     encoder_settings)
from tweenflow.video.stages import run_threaded
from tweenflow.video.streams import Carrying, left_out_of_folder, open_carried
from tweenflow.video.writer import FolderWriter, VideoWriter

# Frames a segment of a video decodes before its first frame and after its last, so that its
# held-frame runs and pairs are those of a one-piece run (see `render_span`). Scheduling that
# looks further back or ahead must raise this.
SPAN_CONTEXT_FRAMES = MAX_HELD_RUN + 3


@dataclass
class VideoResult:
    """What `convert_video` did. Times in seconds."""

    frames_in: int = 0
    frames_out: int = 0
    interpolated: int = 0           # frames made by the engine (the rest are input frames)
    scene_cuts: int = 0
    duplicates_dropped: int = 0     # held frames (repeats of a drawing) interpolated across
    duration_out: Fraction = Fraction(0)
    input_end: Fraction = Fraction(0)      # end time of the (decoded part of the) input
    last_gap: Fraction | None = None       # between the last two input frames
    audio: str = "none"   # "copied", "re-encoded", "stretched"/"slowed" (slowmo), "dropped", "none"
    notes: list[str] = field(default_factory=list)
    # a segment's run counts only what lies in its span [begin, end) of input times
    span: tuple[Fraction, Fraction | None] | None = field(default=None, repr=False)

    def counts_at(self, time: Fraction) -> bool:
        if self.span is None:
            return True
        begin, end = self.span
        return begin <= time and (end is None or time < end)


def convert_video(input_path: str | os.PathLike, output_path: str | os.PathLike, *,
                  fps: Fraction | str | None = None, multi: int | None = None,
                  slowmo: int | None = None, engine: str | Engine = "auto",
                  scale: float = 1.0, runtime: Runtime | None = None,
                  scene_cut_threshold: float | None = scenes.DEFAULT_SCENE_CUT_THRESHOLD,
                  dedup: str | float | None = "auto",
                  input_fps: Fraction = Fraction(24), max_frames: int | None = None,
                  codec: str | None = None, crf: int | None = None, preset: str | None = None,
                  pix_fmt: str | None = None, lossless: bool = False,
                  overwrite: bool = False, progress: bool = False, stream: int = 0,
                  slowmo_audio: str | None = None) -> VideoResult:
    """Give a video (file or folder of images) more frames; write a video file or PNG folder.

    Exactly one of fps (output frames/s, e.g. Fraction(60000, 1001) or "59.94"), multi (N times
    the frames, same duration) or slowmo (N times the frames at the input rate: N times longer).
    scene_cut_threshold: `scenes.scene_change_score` (PySceneDetect's content score, 0-255) from
    which a pair is a cut and the nearer input frame is repeated instead of morphing; None turns
    detection off.
    dedup: "auto", "off" or a threshold in luma levels (`dedup.held_frame_score`): repeats of a
    frame within it (animation on twos/threes, up to `dedup.MAX_HELD_RUN` repeats) are dropped
    and motion is interpolated across their time; "off" keeps every frame.
    stream: which video stream to convert (0 = the first video stream). The other streams
    (audio, video, subtitles, attachments, chapters, tags) are carried as video/streams.py
    plans: copied for fps/multi; for slowmo the audio is stretched (slowmo_audio "stretch", the
    default: pitch kept), slowed like a tape ("pitch") or dropped ("drop"), subtitles and
    chapters retimed, other video streams dropped. result.notes names what was left out.
    codec (h264, h265, av1, vp9, prores, ffv1), crf, preset, pix_fmt, lossless: the encoding
    (video/encoding.py; None: the default, H.264 CRF 18 preset medium, VP9 in .webm). A 10-bit input
    is encoded in 10 bits (or more) with its colour tags and HDR metadata; alpha is kept where
    the codec can store it (result.notes says what was not kept).
    """
    retime = retime_from(fps, multi, slowmo)
    held_threshold = parse_dedup(dedup)
    scenes.check_scene_cut_threshold(scene_cut_threshold)
    check_slowmo_audio(slowmo_audio, retime)
    check_max_frames(max_frames)
    input_path, output_path = Path(input_path), Path(output_path)
    as_folder = check_output(input_path, output_path, overwrite)
    info = probe(input_path, input_fps, stream)
    if info.exr_layout is not None and not as_folder:
        raise OutputError(f"{output_path}: the input frames are scene-linear EXRs, which a video "
                          f"does not hold; write them to a folder (tweenflow video "
                          f"{input_path.name} -o FOLDER: frames written as .exr)")
    settings = None
    result = VideoResult(notes=info.notes)
    if not as_folder:
        settings, notes = encoder_settings(
            Encoding(codec, crf, preset, pix_fmt, lossless), output_path.suffix.lower(),
            info.high_depth, info.alpha, info.hdr, info.source_codec)
        result.notes += notes + settings.padding_notes(info.width, info.height)
        check_time_steps(output_path.suffix.lower(), nominal_rate(retime, info.rate))
    if isinstance(engine, str):
        engine = create_engine(engine, scale=scale, runtime=runtime)
    engine = checked(engine, info.alpha)

    carrying = None
    if as_folder and not info.is_folder:
        result.audio = "dropped" if info.has_audio else "none"
        result.notes.extend(left_out_of_folder(input_path, info.stream_index))
    elif not as_folder and not info.is_folder:
        carrying = carry_streams(info, output_path, retime, max_frames, slowmo_audio, result)
    writer: Any = None
    bar = tqdm(total=estimate_output_count(info, retime, max_frames), unit="frame",
               desc="tweenflow", disable=not progress, dynamic_ncols=True)
    try:
        if as_folder:
            writer = FolderWriter(output_path, overwrite, info.exr_layout,
                                  info.display_matrix)
        else:
            writer = VideoWriter(output_path, info.width, info.height,
                                 output_time_base(retime, info.time_base),
                                 nominal_rate(retime, info.rate), info.colour, info.rotation,
                                 carrying.carried if carrying else None,
                                 settings=settings, pixel_aspect=info.pixel_aspect,
                                 display_matrix=info.display_matrix)
        run_threaded(lambda: read_frames(info, max_frames),
                      lambda produced: _write_all(produced, writer, bar),
                      lambda decoded: _retime(decoded, retime, engine, scene_cut_threshold,
                                              held_threshold, result, info, max_frames))
        writer.close(result.duration_out)
    except BaseException:
        if writer is not None:
            writer.abort()
        elif carrying is not None:
            carrying.carried.close()
        raise
    finally:
        bar.close()
    result.frames_out = writer.count
    return result


def check_max_frames(max_frames: int | None) -> None:
    """Refuse a max_frames below 2 (one frame has no pair to interpolate)."""
    if max_frames is not None and max_frames < 2:
        raise InputError(f"{{max_frames}} must be at least 2, got {max_frames}",
                         {"max_frames": max_frames})


def check_slowmo_audio(slowmo_audio: str | None, retime: Retime) -> None:
    """Refuse a slowmo_audio mode that is unknown or given without slowmo."""
    if slowmo_audio is not None and slowmo_audio not in SLOWMO_AUDIO_MODES:
        raise InputError(f"{{slowmo_audio=}}: use one of {', '.join(SLOWMO_AUDIO_MODES)}",
                         {"slowmo_audio": slowmo_audio})
    if slowmo_audio is not None and retime.mode != "slowmo":
        raise InputError("{slowmo_audio} only applies with {slowmo}",
                         {"slowmo_audio": slowmo_audio, "slowmo": None})


def carry_streams(info: VideoInfo, output_path: Path, retime: Retime, max_frames: int | None,
                  slowmo_audio: str | None, result: VideoResult) -> Carrying:
    """The input's other streams (audio, subtitles, ...) planned for output_path; what was
    done with the audio and what was left out go into result."""
    slowmo = int(retime.value) if retime.mode == "slowmo" else None
    carrying = open_carried(info.path, info.stream_index, output_path.suffix.lower(),
                            max_frames, slowmo, slowmo_audio or "stretch",
                            (info.rate, nominal_rate(retime, info.rate)))
    result.audio = carrying.audio
    result.notes.extend(carrying.notes)
    if carrying.audio == "stretched" and slowmo_audio is None:
        result.notes.append(Note(f"audio stretched to {slowmo}x its length with its pitch "
                                 f"kept ({{slowmo_audio=}}; 'pitch' lowers it like a slowed "
                                 f"tape, 'drop' leaves it out)", {"slowmo_audio": "stretch"}))
    return carrying


def check_output(input_path: Path, output_path: Path, overwrite: bool) -> bool:
    """Validate the output before any work; True if it is a folder of PNGs."""
    if input_path.exists() and output_path.resolve() == input_path.resolve():
        raise OutputError(f"{output_path}: the output would overwrite the input")
    suffix = output_path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        raise OutputError(f"{output_path}: a video makes many frames; give a video name "
                          f"({', '.join(sorted(VIDEO_SUFFIXES))}) or a folder name")
    as_folder = suffix not in VIDEO_SUFFIXES
    if as_folder and suffix:
        raise OutputError(f"{output_path}: unknown video type {suffix}; use "
                          f"{', '.join(sorted(VIDEO_SUFFIXES))} or a folder name without suffix")
    if not output_path.parent.is_dir():
        raise OutputError(f"{output_path.parent}: no such folder")
    if not os.access(output_path.parent, os.W_OK):
        raise OutputError(f"{output_path}: cannot write: the folder {output_path.parent} is "
                          f"not writable")
    if output_path.exists():
        if not overwrite:
            raise OutputError(f"{output_path} exists; pass {{overwrite=}} to replace it",
                              {"overwrite": True})
        if as_folder != output_path.is_dir():
            raise OutputError(f"{output_path} exists and is not a "
                              f"{'folder' if as_folder else 'file'}")
    return as_folder


def estimate_output_count(info: VideoInfo, retime: Retime, max_frames: int | None
                          ) -> int | None:
    """Output frames a run will make (the progress bar's total); None if it cannot be told."""
    count = info.frame_count
    if max_frames is not None:
        count = min(count, max_frames) if count else max_frames
    if not count:
        return None
    if retime.mode == "fps":     # every k / fps inside the input's span; at least the first
        return math.ceil(count / info.rate * retime.value)
    return count * int(retime.value)


def render_span(decoded: Iterable[TimedFrame], retime: Retime, engine: Engine,
                scene_cut_threshold: float | None, held_threshold: float | None,
                info: VideoInfo, start: Fraction, begin: Fraction, end: Fraction | None,
                result: VideoResult) -> Iterator[tuple[Fraction, np.ndarray]]:
    """The output frames of one segment: those of a one-piece run whose source time lies in
    [begin, end) (end None: to the input's end), with the same times and pixels.

    decoded: the input frames from SPAN_CONTEXT_FRAMES before `begin` (or the first frame) to
    SPAN_CONTEXT_FRAMES after `end` (or the last frame); start: the first input frame's time.
    result counts only frames, pairs and outputs of the span.
    """
    result.span = (begin, end)
    source_end = None if end is None else _source_time(retime, start, end)
    source_begin = _source_time(retime, start, begin)
    for time, rgb in _retime(decoded, retime, engine, scene_cut_threshold, held_threshold,
                             result, info, None, start=start):
        if time >= source_begin and (source_end is None or time < source_end):
            result.frames_out += 1
            yield time, rgb


def _source_time(retime: Retime, start: Fraction, time: Fraction) -> Fraction:
    """The output time at which input time `time` is shown (slow motion stretches time)."""
    return start + (time - start) * retime.value if retime.mode == "slowmo" else time


def _retime(decoded: Iterable[TimedFrame], retime: Retime, engine: Engine,
            scene_cut_threshold: float | None, held_threshold: float | None,
            result: VideoResult, info: VideoInfo, max_frames: int | None,
            start: Fraction | None = None) -> Iterator[tuple[Fraction, np.ndarray]]:
    """The output frames (time, rgb) in order, from the input frames in order. start: the
    time of the input's first frame when `decoded` begins later (a segment)."""
    in_span = result.span is not None
    previous: Drawing | None = None
    last_decoded: list[TimedFrame] = []
    for drawing in distinct_drawings(_counted(decoded, result, last_decoded, info.path),
                                     held_threshold):
        result.duplicates_dropped += sum(result.counts_at(time) for time in drawing.times[1:])
        if previous is None:
            start = drawing.frame.time if start is None else start
        else:
            yield from _interval(retime, start, previous, drawing.frame, engine,
                                 scene_cut_threshold, held_threshold, result)
        previous = drawing
    if previous is None:
        raise InputError(f"{info.path}: has no video frames")
    if result.frames_in < 2 and not in_span:
        raise InputError(f"{info.path}: has only one frame; at least two are needed")
    final = last_decoded[0]
    end = final.time + (final.duration or result.last_gap or 1 / info.rate)
    if not in_span and (max_frames is None or result.frames_in < max_frames):
        check_complete(info, result.frames_in, end)
    result.input_end = end
    grid = previous.times + [end]
    for pts0, pts1 in zip(grid, grid[1:]):
        for output in interval_outputs(retime, start, pts0, pts1):
            if result.counts_at(pts0 + output.t * (pts1 - pts0)):
                yield output.time, previous.frame.rgb
    result.duration_out = output_duration(retime, start, end)


def _interval(retime: Retime, start: Fraction, drawing0: Drawing, frame1: TimedFrame,
              engine: Engine, scene_cut_threshold: float | None, held_threshold: float | None,
              result: VideoResult) -> Iterator[tuple[Fraction, np.ndarray]]:
    """Outputs between two kept frames. The schedule runs on the input's own frame times
    (`drawing0.times`, which include dropped held frames), t on the span between the kept
    frames."""
    frame0 = drawing0.frame
    span = frame1.time - frame0.time
    bounds = drawing0.times + [frame1.time]
    outputs = []          # (output time, t between frame0 and frame1)
    for pts0, pts1 in zip(bounds, bounds[1:]):
        for output in interval_outputs(retime, start, pts0, pts1):
            source_time = pts0 + output.t * (pts1 - pts0)
            if result.counts_at(source_time):      # a segment renders only its own outputs
                outputs.append((output.time, (source_time - frame0.time) / span))
    needs_engine = any(t > 0 for _, t in outputs)
    cut = False
    if needs_engine and scene_cut_threshold is not None:
        cut = scenes.is_scene_cut(frame0.rgb, frame1.rgb, scene_cut_threshold)
        result.scene_cuts += cut and result.counts_at(frame0.time)
    # a still (frames that look the same): copies, so codec noise is never morphed into motion
    still = needs_engine and not cut and looks_same(frame0.rgb, frame1.rgb, held_threshold)
    # All in-betweens of the pair at once: the pair is prepared once, engines may batch t.
    times = [float(t) for _, t in outputs if t > 0] if needs_engine and not (cut or still) \
        else []
    rendered = iter(engine.render_many(engine.prepare(frame0.rgb, frame1.rgb), times)
                    if times else ())
    for time, t in outputs:
        if t == 0 or still:
            yield time, frame0.rgb
        elif cut:   # never morph across a cut: show the nearer input frame
            yield time, frame0.rgb if t < Fraction(1, 2) else frame1.rgb
        else:
            result.interpolated += 1
            yield time, next(rendered)


def _counted(decoded: Iterable[TimedFrame], result: VideoResult,
             last_decoded: list[TimedFrame], path: Path) -> Iterator[TimedFrame]:
    """The decoded frames, counted into `result`; `last_decoded` receives the last one (for
    the end time). InputError (naming `path`) if their times do not increase."""
    previous_time: Fraction | None = None
    for frame in decoded:
        if previous_time is not None and frame.time <= previous_time:
            raise InputError(f"{path}: a frame at {float(frame.time):.3f} s follows one at "
                             f"{float(previous_time):.3f} s; frame times must increase "
                             f"(repeated or backward timestamps)")
        result.frames_in += result.counts_at(frame.time)
        last_decoded[:] = [frame]
        if previous_time is not None:
            result.last_gap = frame.time - previous_time
        previous_time = frame.time
        yield frame


def _write_all(produced: Iterable[tuple[Fraction, np.ndarray]], writer: Any, bar: tqdm) -> None:
    for time, rgb in produced:
        writer.write(time, rgb)
        bar.update(1)
