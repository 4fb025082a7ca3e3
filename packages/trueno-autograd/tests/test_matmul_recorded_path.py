"""A recorded 2-d matmul (an operand needs grad; one class, dtype and device) goes to the
dispatcher directly: values, gradients and node vs PyTorch 2.13, no graph under no_grad, and
what the general path decides (shape errors, promotion, autocast) is unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as tt
from trueno import ShapeError

RNG = np.random.default_rng(31)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_grads_and_node_vs_torch(dtype):
    x = RNG.standard_normal((5, 7)).astype(dtype)
    w = RNG.standard_normal((3, 7)).astype(dtype)
    g = RNG.standard_normal((5, 3)).astype(dtype)
    out = []
    for lib in (tt, T):
        xt = lib.tensor(x, requires_grad=True)
        wt = lib.tensor(w, requires_grad=True)
        y = lib.matmul(xt, wt.t())
        y.backward(lib.tensor(g))
        out.append((y, xt.grad, wt.grad))
    tol = 1e-5 if dtype == "float32" else 1e-12
    for a, b in zip(*out):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)
    assert out[0][0].grad_fn.name() == out[1][0].grad_fn.name() == "MmBackward0"


def test_no_graph_under_no_grad():
    x = tt.tensor(RNG.standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    w = tt.tensor(RNG.standard_normal((6, 2)).astype(np.float32))
    with tt.no_grad():
        y = x @ w
    assert not y.requires_grad and y.grad_fn is None
    np.testing.assert_allclose(y.numpy(), x.detach().numpy() @ w.numpy(), rtol=1e-5,
                               atol=1e-5)


def test_general_path_decisions_unchanged():
    x = tt.tensor(RNG.standard_normal((4, 6)).astype(np.float32), requires_grad=True)
    with pytest.raises(ShapeError):
        x @ tt.ones((5, 2))
    y = x @ tt.ones((6, 2), dtype=tt.float64)  # promotion, as torch refuses: trueno's rule
    assert y.dtype == (x.detach() @ tt.ones((6, 2), dtype=tt.float64)).dtype
    with tt.autocast("cpu", dtype=tt.bfloat16):
        z = x @ tt.ones((6, 2))
    with T.autocast("cpu", dtype=T.bfloat16):
        tz = T.tensor(x.detach().numpy(), requires_grad=True) @ T.ones((6, 2))
    assert str(z.dtype) == str(tz.dtype) == "torch.bfloat16"
