"""The fast paths on the CPUs this suite is not run on: every kernel family this machine can
execute, by capping oneDNN's and ATen's instruction sets in subprocesses (the caps only take
effect at start-up). A level the host lacks is skipped, saying so; the terminal summary lists
what each run covered (tests/conftest.py)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tweenflow.selfcheck import cpu_flags

REPO = Path(__file__).resolve().parents[2]
AVX512 = {"avx512f", "avx512bw", "avx512vl", "avx512dq"}
# (ONEDNN_MAX_CPU_ISA, ATEN_CPU_CAPABILITY, CPU flags it needs)
ISA_LEVELS = [
    ("AVX2", "avx2", {"avx2", "fma"}),
    ("AVX512_CORE", "avx512", AVX512),
    ("AVX512_CORE_BF16", "avx512", AVX512 | {"avx512_bf16"}),
    ("AVX512_CORE_AMX", "avx512", AVX512 | {"avx512_bf16", "amx_tile", "amx_bf16"}),
]
MIN_PSNR = 45.0
COVERED: list[str] = []     # lines for the terminal summary


def kernels(verbose_output: str) -> list[str]:
    """oneDNN implementations that ran (e.g. brg_conv_fwd:avx2), from ONEDNN_VERBOSE=1."""
    names = set()
    for line in verbose_output.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose") and len(fields) > 6 and fields[3] == "exec":
            names.add(f"{fields[5]} {fields[6]}")
    return sorted(names)


@pytest.mark.parametrize("isa, aten, needs", ISA_LEVELS, ids=[level[0] for level in ISA_LEVELS])
def test_fast_paths_agree_with_eager_fp32_under_an_isa_cap(isa, aten, needs):
    missing = needs - set(cpu_flags())
    if missing:
        COVERED.append(f"{isa}: skipped, this CPU lacks {', '.join(sorted(missing))}")
        pytest.skip(f"this CPU has no {isa} ({', '.join(sorted(missing))} missing)")
    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": isa, "ATEN_CPU_CAPABILITY": aten,
           "ONEDNN_VERBOSE": "1",
           # this checkout's tests and sources, whichever tweenflow the venv has installed
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")])}
    result = subprocess.run([sys.executable, "-m", "tests.engines.isa_probe"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.rsplit("RESULT ", 1)[1])
    ran = kernels(result.stdout)
    # the cap took effect: nothing above it ran
    assert report["capability"].lower() == aten
    if isa == "AVX2":
        assert ran and not [name for name in ran if "avx512" in name or "amx" in name], ran
    if isa != "AVX512_CORE_AMX":
        assert not [name for name in ran if "amx" in name], ran
    bad = [f"{r['engine']} {r['precision']} {r['case']}: {r['psnr']:.1f} dB"
           for r in report["results"] if r["psnr"] < MIN_PSNR]
    worst = min(r["psnr"] for r in report["results"])
    convolutions = sorted({name.split()[1] for name in ran if name.startswith("convolution")})
    COVERED.append(f"{isa}: {len(report['results'])} cases, worst {worst:.1f} dB; "
                   f"ATen {report['capability']}; oneDNN convolutions: "
                   f"{', '.join(convolutions) or 'none'}")
    assert not bad, bad
