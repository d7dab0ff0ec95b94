"""`tweenflow doctor`: a few lines on what this machine runs, for bug reports."""
import json
import os
import subprocess
import sys

from tests.conftest import run_cli
from tweenflow import doctor, selfcheck


def test_doctor_names_the_machine_versions_paths_verdicts_and_codecs():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    lines = text.strip().splitlines()
    assert len(lines) <= 12
    assert f"CPU: {selfcheck.cpu_model()}" in text and "has:" in text and "lacks:" in text
    assert "torch 2.13.0" in text and f"oneDNN {selfcheck.onednn_version()}" in text
    assert "libx264" in text
    rife4 = next(line for line in lines if line.startswith("rife4:"))
    assert "runs the fp32 fast path" in rife4 or "runs bf16 on the fast path" in rife4, rife4
    assert "passed" in rife4 and "dB" in rife4
    assert any(line.startswith("classical:") for line in lines)


def test_openexr_version_or_what_to_install(monkeypatch):
    import OpenEXR
    assert doctor.openexr_version() == f"OpenEXR {OpenEXR.__version__}"
    assert doctor.openexr_version() in " ".join(doctor.machine_lines())
    monkeypatch.setitem(sys.modules, "OpenEXR", None)
    assert doctor.openexr_version() == ("OpenEXR not installed (.exr frames: pip install "
                                        "'tweenflow[exr]')")


def test_doctor_without_weights_downloads_nothing(tmp_path):
    env = {**os.environ, "TWEENFLOW_CACHE_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "tweenflow", "doctor"], capture_output=True,
                            text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "rife4: weights rife-4.25 not downloaded (`tweenflow fetch-weights`)" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_forgetting_verdicts_keeps_other_machines(tmp_path):
    store = tmp_path / "selfcheck.json"
    machine = selfcheck.fingerprint_id(selfcheck.machine_fingerprint())
    store.write_text(json.dumps({machine: {"verdicts": {}}, "other": {"verdicts": {}}}))
    doctor.forget_machine_verdicts(store)
    assert list(json.loads(store.read_text())) == ["other"]
