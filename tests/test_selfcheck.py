"""The self-check: fast paths are compared with the fp32 reference once per machine; one that
disagrees is turned off with one line on stderr, and the verdict is cached."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shifted_pair
from tests.faults import broken_reduced_precision_conv, broken_remap
from tweenflow import selfcheck
from tweenflow.bench.metrics import psnr
from tweenflow.engines import Runtime, create_engine

REPO = Path(__file__).resolve().parents[1]
LABELS = {"fast": "the fast path", "medium": "the medium path", "reference": "the reference"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    """Verdicts in a fresh file, and no decisions remembered from earlier tests."""
    path = tmp_path / "selfcheck.json"
    monkeypatch.setattr(selfcheck, "verdict_path", lambda: path)
    selfcheck.forget_decisions()
    yield path
    selfcheck.forget_decisions()


class Blend:
    """A tiny engine: the linear blend, optionally `offset` levels off."""

    def __init__(self, offset: int = 0):
        self.offset = offset

    def prepare(self, frame0, frame1):
        return frame0.astype(np.int16), frame1.astype(np.int16)

    def render(self, state, t):
        frame = (1 - t) * state[0] + t * state[1] + self.offset
        return np.clip(np.round(frame), 0, 255).astype(np.uint8)

    def render_many(self, state, times):
        return [self.render(state, t) for t in times]


def test_check_pairs_reach_the_edge_cases():
    pairs = selfcheck.check_pairs()
    sizes = [frame0.shape[:2] for frame0, _ in pairs]
    assert sizes == list(selfcheck.CHECK_SIZES)
    assert any(w == 64 for _, w in sizes) and any(h == 64 for h, _ in sizes)
    assert any(h % 2 and w % 2 for h, w in sizes)
    for frame0, frame1 in pairs:
        assert frame0.dtype == np.uint8 and frame0.shape == frame1.shape
        assert not np.array_equal(frame0, frame1)     # something moves
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(pairs, selfcheck.check_pairs()))


def test_measure_scores_agreement_and_disagreement():
    same = selfcheck.measure(Blend(), Blend())
    assert same.psnr == 100.0 and same.max_error == 0 and same.passed
    # a small uniform offset: rounding-sized, passes; 30 levels: fails on the largest error
    assert selfcheck.measure(Blend(1), Blend()).passed
    off = selfcheck.measure(Blend(30), Blend())
    assert not off.passed and off.max_error == 30 and off.psnr < 20


def test_choose_falls_back_says_so_once_and_caches(store):
    measured, said = [], []
    results = {"fast": selfcheck.Agreement(12.5, 200, "64x48"),
               "medium": selfcheck.Agreement(55.0, 4, "65x33")}

    def measure(path):
        measured.append(path)
        return results[path]
    decision = selfcheck.choose("toy", ["fast", "medium", "reference"], measure, LABELS,
                                said.append)
    assert decision.path == "medium" and decision.fresh and measured == ["fast", "medium"]
    assert len(said) == 1 and "\n" not in said[0]
    assert "the fast path disagrees" in said[0] and "12.5 dB" in said[0]
    assert "turned off the fast path, using the medium path" in said[0]
    # the same process: remembered, nothing said again
    assert selfcheck.choose("toy", ["fast", "medium", "reference"], measure, LABELS,
                            said.append) is decision
    assert len(said) == 1
    # a new process (memo cleared): the file answers, nothing is measured, the line is said
    selfcheck.forget_decisions()

    def must_not_measure(path):
        raise AssertionError("measured again although the verdict is cached")
    again = selfcheck.choose("toy", ["fast", "medium", "reference"], must_not_measure, LABELS,
                             said.append)
    assert again.path == "medium" and not again.fresh and len(said) == 2


def test_all_candidates_failing_leaves_the_reference(store):
    said = []
    failing = selfcheck.Agreement(20.0, 90, "8x8")
    decision = selfcheck.choose("toy", ["fast", "medium", "reference"], lambda path: failing,
                                LABELS, said.append)
    assert decision.path == "reference"
    assert "turned off the fast path and the medium path, using the reference" in said[0]


def test_verdicts_are_per_machine_including_isa_caps(monkeypatch):
    plain = selfcheck.fingerprint_id(selfcheck.machine_fingerprint())
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    capped = selfcheck.fingerprint_id(selfcheck.machine_fingerprint())
    assert plain != capped
    fingerprint = selfcheck.machine_fingerprint()
    assert fingerprint["torch"] and fingerprint["onednn"] and fingerprint["cpu"]


def test_an_unwritable_cache_only_means_checking_again(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setattr(selfcheck, "verdict_path", lambda: blocker / "selfcheck.json")
    selfcheck.forget_decisions()
    decision = selfcheck.choose("toy", ["fast", "reference"],
                                lambda path: selfcheck.Agreement(60.0, 1, "8x8"), LABELS)
    selfcheck.forget_decisions()
    assert decision.path == "fast" and not (blocker / "selfcheck.json").exists()


def agreement_with_reference(engine) -> float:
    reference = create_engine("rife4", runtime=Runtime(fast=False), recursion="never")
    frame0, frame1, _ = shifted_pair(64, 96, 4, -2, seed=7)
    times = [0.3, 0.5]
    want = reference.render_many(reference.prepare(frame0, frame1), times)
    got = engine.render_many(engine.prepare(frame0, frame1), times)
    return min(psnr(a, b) for a, b in zip(got, want))


def test_a_broken_bf16_kernel_is_caught_and_bf16_turned_off(store, monkeypatch):
    # Wrong values where no rule routes around them (any stride, outputs up to 4 px wide).
    broken_reduced_precision_conv(monkeypatch, max_width=4)
    said = []
    engine = create_engine("rife4", runtime=Runtime(precision="bf16"), recursion="never",
                           notify=said.append)
    assert engine.path == "fast-fp32"
    assert engine.checks["fast-bf16"].psnr < selfcheck.MIN_PSNR
    assert len(said) == 1 and said[0].startswith("tweenflow: rife4 at scale 1: bf16 on the "
                                                 "fast path disagrees with the fp32 reference")
    assert "turned off bf16 on the fast path, using the fp32 fast path" in said[0]
    assert agreement_with_reference(engine) >= 45


def test_a_broken_fast_path_falls_back_to_the_reference(store, monkeypatch):
    broken_remap(monkeypatch)
    said = []
    engine = create_engine("rife4", runtime=Runtime(precision="fp32"), recursion="never",
                           notify=said.append)
    assert engine.path == "eager-fp32" and not engine.fast
    assert "turned off the fp32 fast path, using the eager fp32 reference path" in said[0]
    assert agreement_with_reference(engine) == 100.0


def test_this_machine_passes_its_own_check(store):
    said = []
    for precision in ("fp32", "bf16"):
        engine = create_engine("rife4", runtime=Runtime(precision=precision), notify=said.append)
        assert engine.path == f"fast-{precision}", engine.checks
        assert engine.checks[engine.path].psnr >= 45
    assert said == []


def test_no_check_for_the_reference_or_when_turned_off(store, monkeypatch):
    monkeypatch.setattr(selfcheck, "measure", lambda *args: pytest.fail("checked"))
    assert create_engine("rife4", runtime=Runtime(fast=False)).path == "eager-fp32"
    assert create_engine("rife4", runtime=Runtime(self_check=False)).checks == {}


FAULTY_CLI = """
import sys
import pytest
from pathlib import Path
from tests.faults import broken_reduced_precision_conv
from tweenflow import selfcheck
from tweenflow.cli import main
patch = pytest.MonkeyPatch()
broken_reduced_precision_conv(patch, max_width=4)
patch.setattr(selfcheck, "verdict_path", lambda: Path(sys.argv[1]))
patch.setattr("tweenflow.engines.rife.use_bf16", lambda precision: True)  # as on AMX: auto = bf16
sys.exit(main(sys.argv[2:]))
"""


def test_the_cli_says_what_was_turned_off_in_one_line(tmp_path):
    from tweenflow import write_image
    frame0, frame1, _ = shifted_pair(48, 64, 3, 1, seed=4)
    write_image(tmp_path / "a.png", frame0)
    write_image(tmp_path / "b.png", frame1)
    args = [str(tmp_path / "verdicts.json"), "interpolate", str(tmp_path / "a.png"),
            str(tmp_path / "b.png"), "-o", str(tmp_path / "mid.png"), "--engine", "rife4"]
    for run in range(2):       # the second run reads the cached verdict
        result = subprocess.run([sys.executable, "-c", FAULTY_CLI, *args, "-y"], cwd=REPO,
                                capture_output=True, text=True, timeout=300,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        assert result.returncode == 0, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 2 and lines[1].startswith("tweenflow: wrote"), result.stderr
        assert "turned off bf16 on the fast path, using the fp32 fast path" in lines[0]
    assert (tmp_path / "verdicts.json").is_file()
