"""``inplace=True`` activations on the GPU device (lavapipe in CI): the input is overwritten
and returned, with the CPU's values and gradients. Skipped only when trueno-gpu finds no
adapter."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.nn.functional as F
import trueno.torch as torch

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)


def _run(dev):
    x = np.random.default_rng(0).uniform(-3, 3, (4, 6)).astype("float32")
    a = torch.tensor(x, device=dev).requires_grad_()
    y = a * 2
    out = F.elu(F.relu6(F.leaky_relu(y, 0.1, inplace=True), inplace=True), 0.5, inplace=True)
    assert out is y
    (y * y).sum().backward()
    return np.asarray(y.detach().to("cpu")), np.asarray(a.grad.to("cpu"))


def test_inplace_chain_on_gpu_matches_cpu():
    (want, gwant), (got, ggot) = _run("cpu"), _run("gpu")
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ggot, gwant, rtol=1e-5, atol=1e-6)
