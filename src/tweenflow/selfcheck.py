"""The run-time self-check: fast numeric paths against the fp32 reference, once per machine.

A fast path (bf16 matrix maths, the channels-last pyramid path) runs other kernels on other
CPUs, and one that is right on one CPU was found drawing black frames on another (README,
"Known platform issues"). So before an engine first uses a fast path on a machine, it renders
a few small synthetic pairs with it and with the plain fp32 reference, sized to reach the edge
cases (one-pixel-wide coarse levels at 64 px, odd sizes, batched times). A path that disagrees
beyond what rounding explains is turned off, and the next candidate (down to the reference
itself) is checked in turn; one line on stderr says what was turned off. This does not rely
on knowing any bug: it compares whole frames, not just NaN or overflow.

Verdicts are kept per machine (CPU model and flags, torch, oneDNN, OpenCV and tweenflow
versions, ISA caps set in the environment) in `selfcheck.json` in the cache directory, so after
the first run a check costs a file read.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np

from tweenflow.outputs import discard, publish, temp_file_for

# Agreement needed with the reference, on uint8 frames. Measured on AVX2 and AVX-512 BF16 CPUs:
# the fast fp32 and bf16 paths give 53-62 dB and at most 6 levels on these pairs (BENCHMARKS.md,
# "Every CPU"); the AMX fault gave 12.5 dB. The margins leave room for other correct kernels.
MIN_PSNR = 40.0
MAX_ERROR = 24
# (height, width): the smallest frame, 64 px wide and tall (coarsest level one pixel across),
# odd sizes on either side, long thin frames, and an ordinary small frame.
CHECK_SIZES = ((8, 8), (48, 64), (64, 48), (33, 65), (65, 33), (64, 200), (200, 64), (96, 160))
CHECK_TIMES = (0.25, 0.75)     # with render_many (batched); t = 0.5 also alone with render
# What the checks cover, part of each verdict's key: a verdict made by an older set of checks
# is checked again. 2: the last pair also as premultiplied RGBA (engines that carry alpha).
CHECK_SET = 2
# Environment variables that change which kernels run (part of the machine's identity).
KERNEL_ENVIRONMENT = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY",
                      "ONEDNN_DEFAULT_FPMATH_MODE", "DNNL_DEFAULT_FPMATH_MODE")
VERDICT_FILE = "selfcheck.json"


@dataclass(frozen=True)
class Agreement:
    """How a candidate path's frames compare with the reference's, worst case over the check
    pairs and times: PSNR (dB) and largest pixel difference (levels 0-255)."""

    psnr: float
    max_error: int
    worst_size: str          # "WxH" of the pair with the lowest PSNR

    @property
    def passed(self) -> bool:
        return self.psnr >= MIN_PSNR and self.max_error <= MAX_ERROR


def check_pairs() -> list[tuple[np.ndarray, np.ndarray]]:
    """Synthetic pairs for CHECK_SIZES: a smooth colour texture moved by (3, -2) px, with a
    brighter square moving the other way (an occlusion), uint8 (H, W, 3) RGB."""
    rng = np.random.default_rng(2026)
    pairs = []
    for height, width in CHECK_SIZES:
        margin = 8
        noise = rng.random((height + 2 * margin, width + 2 * margin, 3)).astype(np.float32)
        scene = cv2.GaussianBlur(noise, (0, 0), 2.0)
        scene = (scene - scene.min()) / max(float(scene.max() - scene.min()), 1e-6)
        frames = []
        for step in (0, 1):
            view = scene[margin + 2 * step:margin + 2 * step + height,
                         margin - 3 * step:margin - 3 * step + width].copy()
            side = max(2, min(height, width) // 4)
            top, left = height // 3 + step, width // 3 + 2 * step
            view[top:top + side, left:left + side] = 0.2 + 0.6 * view[top:top + side,
                                                                       left:left + side]
            frames.append((view * 255).round().astype(np.uint8))
        pairs.append((frames[0], frames[1]))
    return pairs


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def with_alpha(frame: np.ndarray) -> np.ndarray:
    """A check frame as premultiplied RGBA uint8: alpha from its own green channel (so it moves
    with the texture), in [1/4, 1]."""
    alpha = 0.25 + 0.75 * frame[..., 1:2].astype(np.float32) / 255
    rgba = np.concatenate([frame.astype(np.float32) * alpha, alpha * 255], axis=2)
    return np.rint(rgba).astype(np.uint8)


def check_frames(engine) -> list[list[np.ndarray]]:
    """An engine's frames for every check pair: t = 0.5 alone (`render`), then CHECK_TIMES in
    one call (`render_many`, which batches); for an engine that carries alpha, the last pair
    once more as premultiplied RGBA (`with_alpha`)."""
    pairs = check_pairs()
    if getattr(engine, "carries_alpha", False):
        pairs.append((with_alpha(pairs[-1][0]), with_alpha(pairs[-1][1])))
    frames = []
    for frame0, frame1 in pairs:
        state = engine.prepare(frame0, frame1)
        frames.append([engine.render(state, 0.5)] + engine.render_many(state, list(CHECK_TIMES)))
    return frames


def compare(candidate: list[list[np.ndarray]], reference: list[list[np.ndarray]]) -> Agreement:
    """The worst agreement between two engines' `check_frames`."""
    worst_psnr, worst_size, max_error = 100.0, "", 0
    for got_frames, want_frames in zip(candidate, reference):
        for got, want in zip(got_frames, want_frames):
            psnr = _psnr(got, want)
            max_error = max(max_error, int(np.abs(got.astype(np.int16) - want).max()))
            if psnr < worst_psnr or not worst_size:
                worst_psnr, worst_size = psnr, f"{got.shape[1]}x{got.shape[0]}"
    return Agreement(round(worst_psnr, 2), max_error, worst_size)


def measure(candidate, reference) -> Agreement:
    """How `candidate`'s frames agree with `reference`'s on the check pairs."""
    return compare(check_frames(candidate), check_frames(reference))


def _cpu_info() -> tuple[str, list[str]]:
    """(model name, flags) of the first CPU in /proc/cpuinfo (elsewhere: platform's name)."""
    model, flags = "", []
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and not model:
                    model = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = value.split()
                if model and flags:
                    break
    except OSError:
        pass
    return model or platform.processor() or platform.machine(), flags


def cpu_model() -> str:
    return _cpu_info()[0]


def cpu_flags() -> list[str]:
    return _cpu_info()[1]


def onednn_version() -> str:
    import torch
    found = re.search(r"MKL-DNN v([\w.]+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def machine_fingerprint() -> dict[str, str]:
    """What decides which kernels run, as strings."""
    import torch

    from tweenflow import __version__
    model, flags = _cpu_info()
    fingerprint = {
        "cpu": model,
        "cpu_flags": hashlib.sha256(" ".join(sorted(flags)).encode()).hexdigest()[:16],
        "machine": platform.machine(),
        "torch": torch.__version__,
        "onednn": onednn_version(),
        "aten_capability": torch.backends.cpu.get_cpu_capability(),
        "opencv": cv2.__version__,
        "tweenflow": __version__,
    }
    for name in KERNEL_ENVIRONMENT:
        fingerprint[f"env {name}"] = os.environ.get(name, "")
    return fingerprint


def fingerprint_id(fingerprint: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:16]


def verdict_path() -> Path:
    from tweenflow.weights import cache_dir
    return cache_dir() / VERDICT_FILE


def load_verdicts(path: Path) -> dict:
    """The verdict file's contents ({} when missing or unreadable: checks just run again)."""
    try:
        with open(path, encoding="utf-8") as source:
            data = json.load(source)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_verdict(path: Path, machine: str, fingerprint: dict[str, str], key: str,
                 agreement: Agreement) -> None:
    """Add one verdict (read-modify-replace; if another process wins a race, a check reruns
    once). A cache that cannot be written is not an error."""
    data = load_verdicts(path)
    entry = data.setdefault(machine, {"fingerprint": fingerprint, "verdicts": {}})
    entry["verdicts"][key] = {**asdict(agreement), "passed": agreement.passed,
                              "checked": datetime.datetime.now(datetime.timezone.utc)
                              .isoformat(timespec="seconds")}
    temp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp_name = temp_file_for(path)
        with open(temp_name, "w", encoding="utf-8") as sink:
            json.dump(data, sink, indent=1, sort_keys=True)
        publish(temp_name, path)
        temp_name = None
    except Exception:   # noqa: BLE001 - the verdict just is not kept; the check reruns
        pass
    finally:
        discard(temp_name)


def cached_verdict(path: Path, machine: str, key: str) -> Agreement | None:
    entry = load_verdicts(path).get(machine, {}).get("verdicts", {}).get(key)
    try:
        return Agreement(float(entry["psnr"]), int(entry["max_error"]), str(entry["worst_size"]))
    except (TypeError, KeyError, ValueError):
        return None


@dataclass(frozen=True)
class Decision:
    """The path chosen for a subject, what was measured, and the line said about it."""

    path: str
    agreements: dict[str, Agreement]   # per candidate checked (from the cache or now)
    fresh: bool                         # some candidate was measured in this call
    message: str | None                 # the one line when something was turned off


# Decisions already made in this process (subject -> Decision): engines built again in one
# process (fusion's members, the studio's engine list) neither re-read the file nor repeat
# the line.
_DECIDED: dict[tuple[str, tuple[str, ...], str], Decision] = {}


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def choose(subject: str, candidates: Sequence[str], measure_path: Callable[[str], Agreement],
           labels: dict[str, str], notify: Callable[[str], None] | None = _stderr,
           store: Path | None = None) -> Decision:
    """The first of `candidates` (fastest first; the last is the reference, never checked)
    whose agreement with the reference passes. Verdicts come from `store` (default
    `verdict_path()`) when this machine has them, else `measure_path(candidate)` runs and the
    verdict is stored. labels: how to name each path in the one-line message."""
    store = store or verdict_path()
    memo_key = (subject, tuple(candidates), str(store))
    if memo_key in _DECIDED:
        return _DECIDED[memo_key]
    fingerprint = machine_fingerprint()
    machine = fingerprint_id(fingerprint)
    agreements: dict[str, Agreement] = {}
    fresh = False
    chosen = candidates[-1]
    for candidate in candidates[:-1]:
        key = f"{subject} {candidate} (checks {CHECK_SET})"
        agreement = cached_verdict(store, machine, key)
        if agreement is None:
            agreement = measure_path(candidate)
            save_verdict(store, machine, fingerprint, key, agreement)
            fresh = True
        agreements[candidate] = agreement
        if agreement.passed:
            chosen = candidate
            break
    message = None
    failed = [candidate for candidate, agreement in agreements.items() if not agreement.passed]
    if failed:
        first = agreements[failed[0]]
        message = (f"tweenflow: {subject}: {labels[failed[0]]} disagrees with the fp32 "
                   f"reference on this machine ({first.psnr:.1f} dB, up to {first.max_error} "
                   f"levels off, on a {first.worst_size} check pair); turned off "
                   f"{' and '.join(labels[c] for c in failed)}, using {labels[chosen]} "
                   f"(`tweenflow doctor` shows the checks)")
        if notify is not None:
            notify(message)
    decision = Decision(chosen, agreements, fresh, message)
    _DECIDED[memo_key] = decision
    return decision


def forget_decisions() -> None:
    """Clear this process's memo of decisions (the file's verdicts stay)."""
    _DECIDED.clear()
