"""matmul's gradient of a transposed second operand (``x @ W.T``, a linear layer) is computed
in that operand's own layout, as PyTorch's ``mm_mat2_backward``: ``(g.T @ x).T``, so ``W.grad``
arrives contiguous without a copy and is added into in place on the next backward. ``W`` is
saved for its layout only when ``x`` needs no gradient, so changing ``W`` in place before the
backward is an error exactly where PyTorch makes it one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
import trueno.torch as tt


def _tensors(face, dtype, x_grad):
    rng = np.random.default_rng(5)
    xv = rng.standard_normal((16, 7)).astype(dtype)
    wv = rng.standard_normal((4, 7)).astype(dtype)
    mk = tn.asarray if face == "numpy" else tt.tensor
    x, w = mk(xv.copy()), mk(wv.copy()).requires_grad_()
    tx, tw = torch.tensor(xv), torch.tensor(wv, requires_grad=True)
    if x_grad:
        x.requires_grad_()
        tx.requires_grad_()
    return x, w, tx, tw


@pytest.mark.parametrize("face", ["numpy", "torch"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_grad", [False, True])
def test_weight_gradient_of_a_transposed_operand(face, dtype, x_grad):
    x, w, tx, tw = _tensors(face, dtype, x_grad)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for scale in (1.0, 3.0):  # the second backward adds into the first .grad in place
        m = tn if face == "numpy" else tt
        m.tanh((x * scale) @ w.T).sum().backward()
        ((tx * scale) @ tw.T).tanh().sum().backward()
        if scale == 1.0:
            first = w.grad
            assert w.grad.is_contiguous()
        np.testing.assert_allclose(np.asarray(w.grad), tw.grad.numpy(), rtol=rtol, atol=rtol)
        if x_grad:
            np.testing.assert_allclose(np.asarray(x.grad), tx.grad.numpy(), rtol=rtol,
                                       atol=rtol)
    assert w.grad is first


@pytest.mark.parametrize("face", ["numpy", "torch"])
def test_changing_the_weight_in_place_before_backward(face):
    # x needs no gradient: W is not needed for any gradient, so PyTorch allows the change
    x, w, tx, tw = _tensors(face, np.float64, False)
    y, ty = (x @ w.T).sum(), (tx @ tw.T).sum()
    with tn.no_grad():
        w.__imul__(2.0)
    with torch.no_grad():
        tw.mul_(2.0)
    y.backward()
    ty.backward()
    np.testing.assert_allclose(np.asarray(w.grad), tw.grad.numpy(), rtol=1e-12)
    # x needs a gradient: W is, and both libraries refuse the changed W
    x, w, tx, tw = _tensors(face, np.float64, True)
    y, ty = (x @ w.T).sum(), (tx @ tw.T).sum()
    with tn.no_grad():
        w.__imul__(2.0)
    with torch.no_grad():
        tw.mul_(2.0)
    with pytest.raises(RuntimeError):
        ty.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
