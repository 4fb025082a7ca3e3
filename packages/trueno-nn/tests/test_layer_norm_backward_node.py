"""layer_norm's backward is one call of the ``layer_norm_backward`` row (the fused kernel on
the SIMD backend): gradients of the input, weight and bias vs PyTorch 2.13 for float32 and
float64, with and without the affine parameters, over 1 and 2 trailing dims, for
non-contiguous inputs and for the broadcast gradient of ``out.sum().backward()``."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno
import trueno.torch as torch
from trueno import backend as B

CASES = [((4, 9, 6), (6,), (0, 1, 2)), ((5, 3, 4), (3, 4), (0, 1, 2)),
         ((6, 40, 3), (40, 6), (2, 1, 0)), ((3, 70, 5), (5,), (1, 0, 2))]


def _run(lib, arrays, norm, perm, affine, sum_only):
    """x (a permuted view) through layer_norm, then backward; the gradients."""
    x0 = lib.tensor(arrays[0]).requires_grad_()
    x = x0.permute(*perm)
    w = lib.tensor(arrays[1]).requires_grad_() if affine in ("both", "weight") else None
    b = lib.tensor(arrays[2]).requires_grad_() if affine in ("both", "bias") else None
    y = lib.nn.functional.layer_norm(x, norm, w, b, 1e-5)
    if sum_only:
        y.sum().backward()  # g: ones broadcast over every dim
    else:
        (y * lib.tensor(arrays[3])).sum().backward()
    return [y, x0.grad] + [t.grad for t in (w, b) if t is not None]


@pytest.mark.parametrize("shape,norm,perm", CASES)
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
@pytest.mark.parametrize("sum_only", [False, True])
def test_layer_norm_grads_match_torch(shape, norm, perm, affine, sum_only, dtype):
    rng = np.random.default_rng(7)
    pshape = tuple(shape[p] for p in perm)
    arrays = [(rng.standard_normal(shape) * 2 + 0.5).astype(dtype),
              rng.standard_normal(norm).astype(dtype), rng.standard_normal(norm).astype(dtype),
              rng.standard_normal(pshape).astype(dtype)]
    got = _run(torch, arrays, norm, perm, affine, sum_only)
    want = _run(T, arrays, norm, perm, affine, sum_only)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        close(a, b, dtype, 10)


def test_backward_is_one_call_of_the_row(monkeypatch):
    """The rule runs the layer_norm_backward row once (not var, layer_norm, means and sums)."""
    calls = []
    real = B.run

    def spy(op, *args):
        calls.append(op.name)
        return real(op, *args)
    monkeypatch.setattr(B, "run", spy)
    x = torch.tensor(np.random.default_rng(1).standard_normal((8, 16))).requires_grad_()
    ln = torch.nn.LayerNorm(16, dtype=torch.float64)
    ln(x).sum().backward()
    assert calls == ["layer_norm_backward"]
    xt = T.tensor(np.asarray(x.detach())).requires_grad_()
    lt = T.nn.LayerNorm(16, dtype=T.float64)
    lt(xt).sum().backward()
    close(x.grad, xt.grad, "float64")
    close(ln.weight.grad, lt.weight.grad, "float64")


def test_create_graph_differentiates_the_gradients():
    """With create_graph the gradients are trueno ops again (second order vs PyTorch)."""
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((4, 5)), rng.standard_normal(5)]
    res = []
    for lib in (torch, T):
        x, w = (lib.tensor(a).requires_grad_() for a in arrays)
        y = lib.nn.functional.layer_norm(x, (5,), w, None, 1e-5)
        gx, gw = lib.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        (gx.pow(2).sum() + gw.pow(2).sum()).backward()
        res.append([gx, gw, x.grad, w.grad])
    for a, b in zip(*res):
        close(a, b, "float64", 10)
    assert trueno.OPS["layer_norm_backward"].differentiable is False
