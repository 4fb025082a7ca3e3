"""Optimizers and gradient clipping on the GPU device (lavapipe in CI) give the CPU's values.

Skipped only when trueno-gpu finds no adapter."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.optim as optim
import trueno.torch as torch

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)

_rng = np.random.default_rng(4)
W0 = _rng.standard_normal((5, 3)).astype("float32")
X = _rng.standard_normal((6, 5)).astype("float32")


def _train(dev: str, name: str, kwargs: dict) -> tuple[np.ndarray, dict]:
    w = torch.tensor(W0).to(dev).requires_grad_(True)
    x = torch.tensor(X).to(dev)
    opt = getattr(optim, name)([w], **kwargs)
    for _ in range(5):
        opt.zero_grad()
        y = x @ w
        ((y * y).mean() + (w * w * w * w).sum()).backward()
        optim.clip_grad_norm_([w], 5.0)
        opt.step()
    state = {k: np.asarray(v.to("cpu")) for k, v in opt.state[w].items()
             if isinstance(v, torch.Tensor)}
    assert str(w.device) == str(torch.tensor(0.0).to(dev).device)
    return np.asarray(w.detach().to("cpu")), state


@pytest.mark.parametrize(("name", "kwargs"), [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
])
def test_optimizer_on_gpu_matches_cpu(name: str, kwargs: dict) -> None:
    cpu_w, cpu_state = _train("cpu", name, kwargs)
    gpu_w, gpu_state = _train("gpu", name, kwargs)
    np.testing.assert_allclose(gpu_w, cpu_w, rtol=1e-5, atol=1e-6)
    assert sorted(gpu_state) == sorted(cpu_state)
    for k in cpu_state:
        np.testing.assert_allclose(gpu_state[k], cpu_state[k], rtol=1e-4, atol=1e-6)
