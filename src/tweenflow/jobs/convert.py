"""convert_video on segments: plan, run the missing segments (here or on Ray), mux them once.

The frames of a segmented run are those of a one-piece run: same count, same times, same
pixels before encoding. Finished segments wait in a work folder beside the output, so running
the same command again after an interruption only makes the missing ones; the output appears
when complete and the work folder then goes.
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

from tqdm import tqdm

from tweenflow.engines.base import Engine, Runtime, engine_options
from tweenflow.errors import ClusterError, InputError, TweenflowError
from tweenflow.jobs.local import LocalRunner
from tweenflow.jobs.manifest import WorkFolder, fingerprint_of, same_input
from tweenflow.jobs.plan import DEFAULT_SEGMENT_SECONDS, Segment, plan_segments
from tweenflow.jobs.segment import EngineSpec, OutputStream, SegmentOutput, SegmentTask
from tweenflow.video import pipeline, scenes
from tweenflow.video.dedup import parse_dedup
from tweenflow.video.packets import FrameIndex, av_packet, index_frames, read_window
from tweenflow.video.pipeline import SPAN_CONTEXT_FRAMES, VideoResult
from tweenflow.video.reader import VideoInfo, check_complete, probe
from tweenflow.video.schedule import Retime, nominal_rate, output_time_base, retime_from
from tweenflow.video.encoding import (VIDEO_SUFFIXES, Encoding, check_time_steps,
                                     encoder_settings)
from tweenflow.video.streams import CarriedStreams
from tweenflow.video.writer import VideoWriter


@dataclass
class JobResult(VideoResult):
    """A VideoResult plus how the segments went."""

    segments: int = 0
    segments_reused: int = 0              # finished by an earlier, interrupted run
    segments_by_worker: dict[str, int] = field(default_factory=dict)
    segments_retried: int = 0             # given to another worker after one failed
    # peak resident memory (bytes) of each process that ran segments in this run, keyed
    # "WORKER pid PID" (WORKER: a Ray node id, or "local" for this process)
    peak_rss_by_process: dict[str, int] = field(default_factory=dict)
    # where the time went (s): "open" (starting or reaching the runner), "read" (this process
    # reading the segments' packets), "mux" (joining them), "total"; and, for each segment run
    # now, its SegmentOutput's timings with its number and process
    timings: dict[str, float] = field(default_factory=dict)
    segment_timings: list[dict[str, Any]] = field(default_factory=list)


def convert_video(input_path: str | os.PathLike, output_path: str | os.PathLike, *,
                  fps: Fraction | str | None = None, multi: int | None = None,
                  slowmo: int | None = None, engine: str | Engine = "auto",
                  scale: float = 1.0, runtime: Runtime | None = None,
                  flow_preset: str | None = None, large_motion: str | None = None,
                  scene_cut_threshold: float | None = scenes.DEFAULT_SCENE_CUT_THRESHOLD,
                  dedup: str | float | None = "auto", input_fps: Fraction = Fraction(24),
                  max_frames: int | None = None, codec: str | None = None,
                  crf: int | None = None,
                  preset: str | None = None, pix_fmt: str | None = None,
                  lossless: bool = False, overwrite: bool = False,
                  progress: bool | Any = False, stream: int = 0,
                  slowmo_audio: str | None = None, ray: bool | str | None = None,
                  segment_seconds: Fraction | float = DEFAULT_SEGMENT_SECONDS,
                  runner: Any = None) -> VideoResult:
    """Give a video more frames (see `tweenflow.video.pipeline.convert_video` for the options).

    A video file to a video file runs in segments of about `segment_seconds` and resumes an
    interrupted run on the same output. ray: None/False runs the segments in this process;
    True uses RAY_ADDRESS or a Ray started for this run; a string is a Ray address ("auto",
    "HOST:PORT", "ray://HOST:10001"). Image folders (in or out) run in one piece here.
    flow_preset: the classical engine's DIS preset (with engine="classical").
    large_motion: what far-apart pairs go to with engine="auto" ("fusion", the default, or
    "placement").
    progress: True for a bar, or an object with update(n) (e.g. a shared tqdm).
    runner: an open runner to reuse (convert_many shares one across files).
    """
    started = time.perf_counter()
    retime = retime_from(fps, multi, slowmo)
    input_path, output_path = Path(input_path), Path(output_path)
    spec = _engine_spec(engine, scale, runtime, flow_preset, large_motion)
    if ray and spec.runtime.threads is None:     # one thread per worker: workers fill the CPUs
        spec = dataclasses.replace(spec, runtime=dataclasses.replace(spec.runtime, threads=1))
    encoding = Encoding(codec, crf, preset, pix_fmt, lossless)
    one_piece_options = dict(scene_cut_threshold=scene_cut_threshold, dedup=dedup,
                             input_fps=input_fps, max_frames=max_frames, codec=codec, crf=crf,
                             preset=preset, pix_fmt=pix_fmt, lossless=lossless,
                             overwrite=overwrite, stream=stream, slowmo_audio=slowmo_audio)
    segmentable = input_path.is_file() and output_path.suffix.lower() in VIDEO_SUFFIXES
    if not segmentable:
        return _one_piece(input_path, output_path, retime, engine, spec, ray, progress,
                          "image folders are", **one_piece_options)
    if ray and isinstance(engine, Engine):
        raise InputError("with Ray, give the engine by name (each worker builds its own)")
    held_threshold = _check_run_options(retime, max_frames, slowmo_audio, dedup,
                                        scene_cut_threshold)
    # 0.4 as a float is not exactly 0.4: take the decimal it shows
    segment_seconds = Fraction(str(segment_seconds) if isinstance(segment_seconds, float)
                               else segment_seconds)
    pipeline.check_output(input_path, output_path, overwrite)
    info = probe(input_path, input_fps, stream)
    result = JobResult(timings={"open": 0.0, "read": 0.0, "mux": 0.0})
    settings, notes = encoder_settings(encoding, output_path.suffix.lower(), info.high_depth,
                                       info.alpha, info.hdr, info.source_codec)
    if info.alpha_in_side_data or (settings.has_alpha and settings.codec.name == "vp9"):
        # VP9 keeps its alpha in packet side data, which a segment's plain packets cannot
        # carry (PyAV makes no side data from bytes)
        return _one_piece(input_path, output_path, retime, engine, spec, ray, progress,
                          "VP9 videos with alpha are", **one_piece_options)
    result.notes += info.notes + notes + settings.padding_notes(info.width, info.height)
    check_time_steps(output_path.suffix.lower(), nominal_rate(retime, info.rate))
    index = index_frames(info)
    times = _checked_times(info, index, max_frames)
    keyframes = [pts * index.time_base for pts in index.keyframes]
    plan = plan_segments(times, keyframes, segment_seconds, SPAN_CONTEXT_FRAMES)
    result.segments = len(plan)
    output = OutputStream(output_time_base(retime, info.time_base),
                          nominal_rate(retime, info.rate), settings)
    # the retime by its option's name ({"multi": 2}): a change then reads "--multi changed"
    options = {retime.mode: retime.value, "engine": spec.name,
               "scale": scale, "tile": spec.runtime.tile, "flow_preset": flow_preset,
               "large_motion": large_motion,
               "scene_threshold": scene_cut_threshold, "dedup": held_threshold,
               "max_frames": max_frames, "stream": stream, "codec": settings.codec.name, "crf": crf,
               "preset": preset, "pix_fmt": pix_fmt, "lossless": lossless,
               "segment_seconds": segment_seconds, "threads": _threads_used(spec),
               "precision": spec.runtime.precision, "fast": spec.runtime.fast,
               "tile_overlap": spec.runtime.tile_overlap}
    from tweenflow import __version__
    job = _Job(info, index, times, plan, retime, scene_cut_threshold, held_threshold, output,
               spec)
    fingerprint = fingerprint_of(input_path, options, plan, __version__)
    own_runner = runner is None
    if own_runner:
        # an unreachable cluster fails before any work
        opening = time.perf_counter()
        runner = open_runner(ray, engine, spec.runtime.threads)
        result.timings["open"] = time.perf_counter() - opening
    try:
        _run_segments(job, output_path, overwrite, fingerprint, runner, progress, max_frames,
                      slowmo_audio, result)
    finally:
        if own_runner:
            runner.close()
    result.timings["total"] = time.perf_counter() - started
    return result


@dataclass
class _Job:
    """One video's segmented conversion, planned: what every segment's task is made of."""

    info: VideoInfo
    index: FrameIndex
    times: list[Fraction]
    plan: list[Segment]
    retime: Retime
    scene_cut_threshold: float | None
    held_threshold: float | None
    output: OutputStream
    engine: EngineSpec

    def task(self, segment: Segment) -> SegmentTask:
        """The segment's task, with its packets read from the input now."""
        begin, end = self.index.packets_for(segment.window_first, segment.window_last)
        window = read_window(self.info, self.index, begin, end)
        return SegmentTask(self.info, segment, len(self.plan), self.times[0], window,
                           (self.times[segment.window_first], self.times[segment.window_last]),
                           segment.window_last - segment.window_first + 1, self.retime,
                           self.scene_cut_threshold, self.held_threshold, self.output,
                           self.engine)


def _run_segments(job: _Job, output_path: Path, overwrite: bool, fingerprint: dict[str, Any],
                  runner: Any, progress: Any, max_frames: int | None,
                  slowmo_audio: str | None, result: JobResult) -> JobResult:
    """The segments not finished yet, then the output from all of them."""
    info, plan = job.info, job.plan
    with WorkFolder(output_path) as work:
        # again, now that this run holds the output: another may have finished it meanwhile
        pipeline.check_output(info.path, output_path, overwrite)
        finished, message = work.begin(fingerprint)
        if message:
            result.notes.append(message)
        result.segments_reused = len(finished)
        pending = [segment for segment in plan if segment.number not in finished]

        def make_task(segment: Segment) -> Callable[[], SegmentTask]:
            def read() -> SegmentTask:
                reading = time.perf_counter()
                task = job.task(segment)
                result.timings["read"] += time.perf_counter() - reading
                return task
            return read

        bar = _progress_bar(progress, _estimate(job.times, job.retime, info), finished)
        per_frame = isinstance(runner, LocalRunner)
        try:
            for done in runner.run([make_task(segment) for segment in pending],
                                   on_frame=(lambda: bar.update(1)) if per_frame else None):
                work.store(done)
                done.packets = []        # on disk now; memory stays flat in the video's length
                if not per_frame:
                    bar.update(done.frames_out)
                finished[done.number] = done
                result.segments_by_worker[done.worker] = \
                    result.segments_by_worker.get(done.worker, 0) + 1
                process = f"{done.worker} pid {done.pid}"
                result.peak_rss_by_process[process] = max(
                    done.peak_rss, result.peak_rss_by_process.get(process, 0))
                result.segment_timings.append(
                    {"number": done.number, "process": process, "setup": done.setup_seconds,
                     "seconds": done.seconds, "cpu": done.cpu_seconds,
                     "round_trip": done.round_trip_seconds, "frames_out": done.frames_out})
        finally:
            result.segments_retried = getattr(runner, "retried", 0)
            if bar is not progress:
                bar.close()
        if not same_input(fingerprint, info.path):
            # segments read their packets when they start: later ones would be of the new file
            raise InputError(f"{info.path}: changed while it was converted (written over or "
                             f"removed); run the command again once it is complete")
        _sum_counts(result, [finished[segment.number] for segment in plan])
        carrying = pipeline.carry_streams(info, output_path, job.retime, max_frames,
                                          slowmo_audio, result)
        muxing = time.perf_counter()
        _mux(work, plan, finished, output_path, info, job.output, carrying.carried)
        result.timings["mux"] = time.perf_counter() - muxing
        work.finish()
    return result


def check_options(*, fps: Fraction | str | None = None, multi: int | None = None,
                  slowmo: int | None = None, engine: str | Engine = "auto", scale: float = 1.0,
                  runtime: Runtime | None = None, flow_preset: str | None = None,
                  large_motion: str | None = None, dedup: str | float | None = "auto",
                  scene_cut_threshold: float | None = scenes.DEFAULT_SCENE_CUT_THRESHOLD,
                  max_frames: int | None = None, slowmo_audio: str | None = None,
                  **file_options: Any) -> None:
    """The checks of convert_video's options that do not depend on the file (InputError for
    the first that fails), so a batch can refuse bad options once, before any file."""
    retime = retime_from(fps, multi, slowmo)
    _engine_spec(engine, scale, runtime, flow_preset, large_motion)
    _check_run_options(retime, max_frames, slowmo_audio, dedup, scene_cut_threshold)


def _check_run_options(retime: Retime, max_frames: int | None, slowmo_audio: str | None,
                       dedup: str | float | None, scene_cut_threshold: float | None
                       ) -> float | None:
    """The checks of the options that say how a run goes (InputError for the first that
    fails, in this order); the held-frame threshold `dedup` means."""
    pipeline.check_max_frames(max_frames)
    pipeline.check_slowmo_audio(slowmo_audio, retime)
    held_threshold = parse_dedup(dedup)
    scenes.check_scene_cut_threshold(scene_cut_threshold)
    return held_threshold


def _engine_spec(engine: str | Engine, scale: float, runtime: Runtime | None,
                 flow_preset: str | None, large_motion: str | None = None) -> EngineSpec:
    runtime = runtime or Runtime()
    if isinstance(engine, Engine):
        return EngineSpec(engine_identity(engine), scale, runtime)
    options = tuple(engine_options(engine, flow_preset, large_motion).items())
    return EngineSpec(engine, scale, runtime, options)


def engine_identity(engine: Engine) -> str:
    """An engine object as the manifest names it: its class and its plain settings, with the
    engines it is made of (e.g. 'RifeEngine(name='rife4', recursion='auto', resample_once=True,
    ...)'), so that a resumed run given another engine, or the same class set up otherwise,
    starts over instead of joining segments that look different."""
    def described(value: Any) -> str | None:
        if isinstance(value, Engine):
            return engine_identity(value)
        if value is None or isinstance(value, (str, int, float, bool)):
            return repr(value)
        if isinstance(value, (list, tuple)) and all(isinstance(v, Engine) for v in value):
            return "[" + ", ".join(engine_identity(v) for v in value) + "]"
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return repr(value)       # e.g. a Runtime, an Augmentation
        return None                  # models, caches, self-check results: not settings
    settings = [f"{key}={text}" for key, value in sorted(vars(engine).items())
                if not key.startswith("_") and (text := described(value)) is not None]
    return f"{type(engine).__name__}({', '.join(settings)})"


def _threads_used(spec: EngineSpec) -> int:
    """The engine's CPU threads. They change pixels: torch splits some sums by thread, so rife4
    at 2 threads differs from 1 by up to 2 levels on ~0.1% of values (classical does not, but
    one rule for all engines): a resume with other threads starts over."""
    if spec.runtime.threads:
        return spec.runtime.threads
    import torch        # only then: a --ray driver never needs torch (~180 MB)
    return torch.get_num_threads()


def _one_piece(input_path: Path, output_path: Path, retime: Retime, engine: str | Engine,
               spec: EngineSpec, ray: Any, progress: Any, what: str, **options: Any
               ) -> VideoResult:
    """Image folders in or out, VP9 alpha: the one-piece pipeline, in this process. what:
    the inputs that need it, for the note with --ray (\"image folders are\")."""
    if isinstance(engine, str) and spec.options:    # else the pipeline builds it after its checks
        engine = spec.create()
    value: Any = retime.value
    kwargs = {retime.mode: value if retime.mode == "fps" else int(value)}
    result = pipeline.convert_video(input_path, output_path, engine=engine,
                                    progress=progress is True, **options, **kwargs)
    if ray:
        result.notes.append(f"{what} converted in one piece on this machine (not on Ray)")
    if not (progress is None or isinstance(progress, bool)):
        progress.update(result.frames_out)
    return result


def _checked_times(info: VideoInfo, index: FrameIndex, max_frames: int | None
                   ) -> list[Fraction]:
    times = index.times
    for earlier, later in zip(times, times[1:]):
        if later == earlier:
            raise InputError(f"{info.path}: two frames have the time {float(later):.3f} s; "
                             f"frame times must increase (repeated timestamps)")
    if times and (max_frames is None or len(times) < max_frames):
        last_end = times[-1] + 1 / info.rate
        check_complete(info, len(times), last_end if index.end is None
                       else max(last_end, index.end * index.time_base))
    times = times[:max_frames]
    if len(times) < 2:
        raise InputError(f"{info.path}: has only one frame; at least two are needed")
    return times


def open_runner(ray: bool | str | None, engine: str | Engine, threads: int | None = None
                ) -> Any:
    """The in-process runner, or a connection to Ray (workers of `threads` CPUs each)."""
    if not ray:
        return LocalRunner(engine if isinstance(engine, Engine) else None)
    try:
        from tweenflow.jobs.ray_runner import RayRunner   # ray is an optional dependency
    except ImportError:
        raise ClusterError("{ray} needs Ray on this machine and every node: "
                           "pip install 'tweenflow[cluster]'", {"ray": ray}) from None
    return RayRunner(None if ray is True else ray, cpus_per_worker=threads or 1)


def _progress_bar(progress: Any, total: int | None, finished: dict[int, SegmentOutput]) -> Any:
    if not (progress is None or isinstance(progress, bool)):
        bar = progress
    else:
        bar = tqdm(total=total, unit="frame", desc="tweenflow", disable=not progress,
                   dynamic_ncols=True)
    done = sum(output.frames_out for output in finished.values())
    if done:
        bar.update(done)
    return bar


def _estimate(times: list[Fraction], retime: Retime, info: VideoInfo) -> int:
    if retime.mode == "fps":
        return round(len(times) / info.rate * retime.value)
    return len(times) * int(retime.value)


def _sum_counts(result: JobResult, outputs: list[SegmentOutput]) -> None:
    for output in outputs:
        result.frames_in += output.frames_in
        result.frames_out += output.frames_out
        result.interpolated += output.interpolated
        result.scene_cuts += output.scene_cuts
        result.duplicates_dropped += output.duplicates_dropped
    result.input_end = outputs[-1].input_end
    result.duration_out = outputs[-1].duration_out


def _mux(work: WorkFolder, plan: list[Segment], finished: dict[int, SegmentOutput],
         output_path: Path, info: VideoInfo, output: OutputStream,
         carried: CarriedStreams) -> None:
    """The segments' packets, in order, into the output, with the input's other streams."""
    headers = {finished[segment.number].extradata for segment in plan}
    if len(headers) != 1:
        carried.close()
        raise TweenflowError(f"{output_path}: the segments were encoded with different "
                             f"settings (another x264 build on some node?); cannot join them; "
                             f"remove {work.path} to start over")
    # written inside the work folder: if this process is killed, the half-made file goes with
    # the folder when the rerun finishes
    writer = VideoWriter(output_path, info.width, info.height, output.time_base, output.rate,
                         info.colour, info.rotation, carried, settings=output.settings,
                         pixel_aspect=info.pixel_aspect, temp_folder=work.path,
                         display_matrix=info.display_matrix)
    try:
        last_dts = None
        for segment in plan:
            time_base = finished[segment.number].time_base
            for item in work.packets(segment.number):
                packet = av_packet(item, time_base)
                # each segment's encoder starts its decode times a little before its first
                # frame; keep them increasing across the joins
                if packet.dts is not None and last_dts is not None \
                        and packet.dts * time_base <= last_dts:
                    packet.dts = math.floor(last_dts / time_base) + 1
                if packet.dts is not None:
                    last_dts = packet.dts * time_base
                writer.write_packet(packet)
            if writer.extradata not in headers:
                raise TweenflowError(f"{output_path}: the segments were encoded with other "
                                     f"settings than this machine's x264; cannot join them; "
                                     f"remove {work.path} to start over")
        # the last frame shown until the output's end (a 0.1 s clip at --fps 2: 0.1 s, not 0.5)
        writer.close(finished[plan[-1].number].duration_out)
    except BaseException:
        writer.abort()
        raise
