"""``F.cross_entropy`` of class indices on a CPU float tensor computes on the NumPy arrays
(``_functional_loss._host_cross_entropy``): loss and input gradient vs PyTorch 2.13 for (N, C),
(C,), (1, C) and (N, C, d1, d2) inputs, strided inputs, class weights, ignored targets
(an ignore_index that is a class too), every target ignored, -inf and NaN logits and a
zero weight sum, as PyTorch's; out-of-range targets raise as before."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as torch
from trueno_nn import _functional_loss as FL

F = torch.nn.functional
TF = T.nn.functional

SHAPES = [((8, 5), (8,)), ((5,), ()), ((1, 5), (1,)), ((3, 5, 2, 4), (3, 2, 4))]


def _both(x, t, g=None, strided=False, **kw):
    """(loss, input gradient) from trueno and from PyTorch."""
    res = []
    for lib, fn in ((torch, F.cross_entropy), (T, TF.cross_entropy)):
        if strided:  # a transposed view with x's values
            xt = lib.tensor(np.ascontiguousarray(x.T)).requires_grad_(True)
            xv = xt.t()
        else:
            xt = xv = lib.tensor(x).requires_grad_(True)
        kw2 = {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()}
        loss = fn(xv, lib.tensor(t), **kw2)
        loss.backward(lib.tensor(np.ones(loss.shape, x.dtype) if g is None else g))
        grad = np.asarray(xt.grad)
        res.append((np.asarray(loss.detach()), grad.T if strided else grad))
    return res


def _check(res, tol):
    (loss, grad), (wl, wg) = res
    assert loss.shape == wl.shape and loss.dtype == wl.dtype
    np.testing.assert_allclose(loss, wl, rtol=tol, atol=tol, equal_nan=True)
    np.testing.assert_allclose(grad, wg, rtol=tol, atol=tol, equal_nan=True)


@pytest.mark.parametrize(("shape", "tshape"), SHAPES, ids=["nc", "c", "1c", "ncd"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True], ids=["", "weight"])
@pytest.mark.parametrize("ignore_index", [-100, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_host_cross_entropy_matches_torch(shape, tshape, reduction, weighted, ignore_index,
                                          dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    t = np.asarray(rng.integers(0, 5, tshape))
    if t.ndim:
        t.flat[0] = ignore_index
    kw = {"reduction": reduction, "ignore_index": ignore_index}
    if weighted:
        kw["weight"] = rng.uniform(0.5, 2.0, 5).astype(dtype)
    loss_shape = tshape if reduction == "none" else ()
    g = rng.standard_normal(loss_shape).astype(dtype)
    _check(_both(x, t, g, **kw), 1e-5 if dtype == "float32" else 1e-12)


def test_host_cross_entropy_strided_input():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 4))
    t = rng.integers(0, 4, 6)
    _check(_both(x, t, strided=True, weight=rng.uniform(0.5, 2, 4)), 1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_host_cross_entropy_all_ignored(reduction):
    # mean: 0 / 0 is NaN, the gradient 0 (PyTorch skips ignored targets)
    x = np.random.default_rng(3).standard_normal((4, 3)).astype("float32")
    t = np.full(4, -100)
    res = _both(x, t, reduction=reduction)
    _check(res, 1e-6)
    assert not res[0][1].any()


def test_host_cross_entropy_special_logits():
    # an ignored target whose class-0 logit is -inf (loss 0, not 0 * inf), a NaN logit and
    # an inf logit in other rows
    x = np.random.default_rng(4).standard_normal((5, 3))
    x[0, 0] = -np.inf
    x[1, 2] = np.nan
    x[2, 1] = np.inf
    t = np.array([-100, 0, 1, 2, 0])
    for reduction in ("none", "sum", "mean"):
        _check(_both(x, t, reduction=reduction), 1e-12)


def test_host_cross_entropy_zero_weight_sum():
    # weights summing to 0 over the targets: PyTorch's NaN/inf pattern in the gradient
    x = np.zeros((4, 3))
    t = np.array([0, 1, 2, -100])
    _check(_both(x, t, weight=np.array([1.0, -1.0, 0.0])), 1e-12)


def test_host_cross_entropy_target_out_of_range_raises():
    x = torch.tensor(np.zeros((3, 4), "float32")).requires_grad_(True)
    for bad in (4, -1):
        with pytest.raises(IndexError):
            F.cross_entropy(x, torch.tensor(np.array([0, bad, 1])))


def test_host_path_is_taken_for_cpu_floats(monkeypatch):
    calls = []
    real = FL._host_cross_entropy
    monkeypatch.setattr(FL, "_host_cross_entropy",
                        lambda *a: calls.append(1) or real(*a))
    x = torch.tensor(np.zeros((3, 4))).requires_grad_(True)
    F.cross_entropy(x, torch.tensor(np.array([0, 3, 1]))).backward()
    assert calls == [1]
    np.testing.assert_allclose(np.asarray(x.grad)[0], [-0.25, 1 / 12, 1 / 12, 1 / 12])
