"""matmul's weight gradient off the CPU: for x @ W.T (a linear layer) W's gradient arrives
contiguous through the transpose's backward (no copy into .grad), vs PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as tt

gpu = pytest.importorskip("trueno_gpu")
pytestmark = pytest.mark.skipif(not gpu.is_available(), reason="no GPU adapter for trueno-gpu")


@pytest.mark.parametrize("shape", [(2, 784, 256), (5, 3, 4), (1, 6, 1), (4, 1, 3)])
def test_linear_weight_grad_contiguous_vs_torch(shape):
    b, n_in, n_out = shape
    rng = np.random.default_rng(8)
    x, w, g = (rng.standard_normal(s).astype(np.float32)
               for s in ((b, n_in), (n_out, n_in), (b, n_out)))
    got = []
    for lib, dev in ((tt, "gpu"), (T, "cpu")):
        xt = lib.tensor(x).to(dev).requires_grad_(True)
        wt = lib.tensor(w).to(dev).requires_grad_(True)
        for _ in range(2):  # the second backward adds into .grad in place
            (xt @ wt.t()).backward(lib.tensor(g).to(dev))
        got.append((xt.grad, wt.grad))
    (gx, gw), (tx, tw) = got
    assert gw.is_contiguous()
    np.testing.assert_allclose(gw.cpu().numpy(), tw.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gx.cpu().numpy(), tx.numpy(), rtol=1e-5, atol=1e-5)


def test_mlp_step_copies_no_weight_gradient():
    """Three linear layers: the leaves' first gradients are taken as they come (no copy)."""
    import trueno._tensor as TT

    model = tt.nn.Sequential(tt.nn.Linear(12, 8), tt.nn.ReLU(), tt.nn.Linear(8, 4)).to("gpu")
    x = tt.tensor(np.random.default_rng(9).standard_normal((3, 12)).astype(np.float32))
    x = x.to("gpu")
    copies = []
    orig = TT.Tensor.copy

    def copy(self, *a, **k):
        copies.append(tuple(self.shape))
        return orig(self, *a, **k)

    TT.Tensor.copy = copy
    try:
        model(x).sum().backward()
    finally:
        TT.Tensor.copy = orig
    assert copies == []
    assert all(p.grad.is_contiguous() for p in model.parameters())
