"""`tweenflow doctor`: what this machine will run, in a few lines to paste into a bug report.

CPU features that decide the kernels, library versions, each engine's precision and path with
the self-check's verdict (tweenflow.selfcheck), whether weights are downloaded, and the codecs
PyAV has. Weights are never downloaded here; a self-check that is not cached yet runs now.
"""
from __future__ import annotations

import os
import platform
from typing import Callable

from tweenflow import selfcheck, weights

# CPU flags that change which kernels run (oneDNN / ATen), in the order they matter.
CPU_FEATURES = ("avx2", "fma", "avx_vnni", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16",
                "avx512_fp16", "amx_tile", "amx_bf16", "amx_int8")
RIFE_ENGINES = ("rife4", "rife3")     # the engines with execution paths (tweenflow.engines.rife)
# Encoders tweenflow writes with (video, then audio and subtitles it may re-encode).
ENCODERS = ("libx264", "libx265", "libsvtav1", "libvpx-vp9", "prores_ks", "ffv1", "png", "gif",
            "aac", "mov_text", "srt", "ass")


def machine_lines() -> list[str]:
    import cv2
    import numpy
    import torch

    from tweenflow import __version__
    from tweenflow.engines.rife import use_bf16
    flags = set(selfcheck.cpu_flags())
    has = [name for name in CPU_FEATURES if name in flags]
    lacks = [name for name in CPU_FEATURES if name not in flags]
    caps = [f"{name}={os.environ[name]}" for name in selfcheck.KERNEL_ENVIRONMENT
            if os.environ.get(name)]
    return [
        f"tweenflow {__version__}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}",
        f"CPU: {selfcheck.cpu_model()} ({os.cpu_count()} logical CPUs); has: "
        f"{' '.join(has) or '-'}; lacks: {' '.join(lacks) or '-'}"
        + (f"; caps: {' '.join(caps)}" if caps else ""),
        f"torch {torch.__version__} (ATen kernels {torch.backends.cpu.get_cpu_capability()}, "
        f"oneDNN {selfcheck.onednn_version()}, {torch.get_num_threads()} threads, native bf16: "
        f"{'yes' if use_bf16('auto') else 'no'}), OpenCV {cv2.__version__}, "
        f"NumPy {numpy.__version__}, {openexr_version()}",
    ]


def openexr_version() -> str:
    """"OpenEXR 3.5.3", or what to install for .exr frames (an optional extra)."""
    try:
        import OpenEXR
    except ImportError:
        return "OpenEXR not installed (.exr frames: pip install 'tweenflow[exr]')"
    return f"OpenEXR {OpenEXR.__version__}"


def engine_lines(recheck: bool = False) -> list[str]:
    """Per engine: weights, the execution path it will run and the self-check's verdict.
    recheck: forget this machine's cached verdicts first, so the checks run now."""
    from tweenflow.engines.base import create_engine, engine_infos
    if recheck:
        forget_machine_verdicts()
    lines = []
    for info in engine_infos():
        entries = [weights.REGISTRY[weights_id] for weights_id in info.weights_ids]
        missing = [entry.id for entry in entries if not weights.is_present(entry)]
        if missing:
            lines.append(f"{info.name}: weights {', '.join(missing)} not downloaded "
                         f"(`tweenflow fetch-weights`); path not known until then")
            continue
        if info.name not in RIFE_ENGINES:
            lines.append(f"{info.name}: {info.summary} (no path of its own to check)")
            continue
        said: list[str] = []
        engine = create_engine(info.name, notify=said.append)
        lines.append(f"{info.name}: {describe_path(engine.path, engine.checks)}")
    return lines


def describe_path(path: str, checks: dict[str, selfcheck.Agreement]) -> str:
    from tweenflow.engines.rife import PATH_LABELS
    verdicts = "; ".join(
        f"{PATH_LABELS[candidate]} {'passed' if agreement.passed else 'FAILED'} "
        f"({agreement.psnr:.1f} dB, max {agreement.max_error} levels, worst "
        f"{agreement.worst_size})" for candidate, agreement in checks.items())
    return f"runs {PATH_LABELS[path]}; self-check: {verdicts or 'none needed (reference path)'}"


def forget_machine_verdicts(store=None) -> None:
    """Drop this machine's cached verdicts (other machines' stay)."""
    import json
    store = store or selfcheck.verdict_path()
    data = selfcheck.load_verdicts(store)
    machine = selfcheck.fingerprint_id(selfcheck.machine_fingerprint())
    if data.pop(machine, None) is not None:
        store.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    selfcheck.forget_decisions()


def codec_lines() -> list[str]:
    import av
    available, absent = [], []
    for name in ENCODERS:
        try:
            av.Codec(name, "w")
            available.append(name)
        except Exception:   # noqa: BLE001 - PyAV raises several types for unknown codecs
            absent.append(name)
    return [f"PyAV {av.__version__} (FFmpeg {getattr(av, 'ffmpeg_version_info', '?')}): "
            f"encoders {' '.join(available)}" + (f"; missing {' '.join(absent)}" if absent else "")]


def report(recheck: bool = False, progress: Callable[[str], None] | None = None) -> list[str]:
    """All of the doctor's lines."""
    lines = machine_lines() + codec_lines()
    if progress is not None and recheck:
        progress("tweenflow doctor: running the self-checks (a few seconds per engine)...")
    lines += engine_lines(recheck)
    lines.append(f"cache: {weights.cache_dir()} (self-check verdicts: "
                 f"{selfcheck.verdict_path().name})")
    return lines
