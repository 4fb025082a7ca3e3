"""Checkpoints and safetensors files of GPU tensors (lavapipe in CI): saved from the device,
loaded onto it, and a resumed GPU run gives the uninterrupted run's weights.

Skipped only when trueno-gpu finds no adapter."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
import trueno.torch as torch
from trueno.utils import checkpoint as ck
from trueno.utils import safetensors as st

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

X = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)


def test_safetensors_from_and_to_the_gpu(tmp_path):
    host = np.arange(12, dtype=np.float32).reshape(3, 4)
    g = tn.asarray(host).to_device("gpu")
    st.save_file({"g": g, "gt": g.T}, tmp_path / "g.safetensors")
    back = st.load_file(tmp_path / "g.safetensors", device="gpu")
    assert str(back["g"].device) == str(g.device)
    np.testing.assert_array_equal(np.asarray(back["g"].to_device("cpu")), host)
    np.testing.assert_array_equal(np.asarray(back["gt"].to_device("cpu")), host.T)


def _step(model, opt):
    opt.zero_grad()
    (model(torch.tensor(X).to("gpu")) ** 2).mean().backward()
    opt.step()


def test_resume_on_the_gpu(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2).to("gpu")
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    _step(model, opt)
    ck.save_checkpoint(tmp_path / "c", model=model, optimizer=opt)
    _step(model, opt)
    want = {k: np.asarray(v.to("cpu")) for k, v in model.state_dict().items()}
    model2 = torch.nn.Linear(3, 2).to("gpu")
    opt2 = torch.optim.Adam(model2.parameters(), lr=0.1)
    ck.load_checkpoint(tmp_path / "c", model=model2, optimizer=opt2)
    _step(model2, opt2)
    gpu = str(torch.tensor(0.0).to("gpu").device)
    for k, v in model2.state_dict().items():
        assert str(v.device) == gpu
        np.testing.assert_array_equal(np.asarray(v.to("cpu")), want[k])
