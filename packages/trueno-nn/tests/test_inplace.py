"""``inplace=True`` activations and dropout: the input is overwritten and returned, with
PyTorch 2.13's values, gradients and autograd errors (a leaf that requires grad; a tensor
saved for backward that is overwritten)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn as TN
import torch.nn.functional as TF
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("relu", {}),
    ("relu6", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("selu", {}),
    ("celu", {"alpha": 2.0}),
    ("silu", {}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("hardsigmoid", {}),
    ("hardswish", {}),
    ("mish", {}),
    ("threshold", {"threshold": 0.5, "value": -2.0}),
]
IDS = [c[0] for c in CASES]


def _x(dtype):
    x = np.random.default_rng(0).uniform(-4, 8, (3, 5)).astype(dtype)
    return x + (np.abs(x - np.round(x)) < 1e-3) * 0.01  # keep away from the kinks


def _version(t):
    v = t._version
    return v if isinstance(v, int) else v[0]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_overwrites_and_returns_the_input_with_pytorchs_gradient(case, dtype):
    name, kw = case
    x = _x(dtype)
    a, b = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a * 1.5, b * 1.5  # non-leaf: in-place is allowed
    va = _version(ya)
    ra = getattr(F, name)(ya, inplace=True, **kw)
    rb = getattr(TF, name)(yb, inplace=True, **kw)
    assert ra is ya and rb is yb
    assert _version(ya) > va
    close(ya, yb, dtype)
    close(ya, TF.__dict__[name](T.tensor(x) * 1.5, **kw), dtype)
    g = np.linspace(-1, 1, x.size).reshape(x.shape).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    scale = 1e5 if name == "hardsigmoid" and dtype == "float64" else 1.0  # PyTorch's 1/6
    close(a.grad, b.grad, dtype, 10 * scale)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_autograd_errors_where_pytorch_raises(case):
    name, kw = case
    x = _x("float32")
    for lib, fn in ((torch, getattr(F, name)), (T, getattr(TF, name))):
        leaf = lib.tensor(x).requires_grad_()
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            fn(leaf, inplace=True, **kw)
        assert np.array_equal(np.asarray(leaf.detach()), x)  # left unchanged
        saved = lib.exp(leaf * 0.1)  # exp saves its result for backward
        fn(saved, inplace=True, **kw)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            saved.sum().backward()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_without_autograd(case):
    name, kw = case
    x = _x("float64")
    a = torch.tensor(x)
    assert getattr(F, name)(a, inplace=True, **kw) is a
    close(a, getattr(TF, name)(T.tensor(x), **kw), "float64")
    w = torch.tensor(x).requires_grad_()
    with torch.no_grad():
        c = w * 1.0
        getattr(F, name)(c, inplace=True, **kw)
    close(c, getattr(TF, name)(T.tensor(x), **kw), "float64")


def test_underscore_functions():
    x = _x("float64")
    for name, kw in (("relu_", {}), ("elu_", {"alpha": 0.5}), ("celu_", {"alpha": 1.5}),
                     ("selu_", {}), ("leaky_relu_", {"negative_slope": 0.3}),
                     ("hardtanh_", {"min_val": 0.0, "max_val": 3.0}),
                     ("threshold_", {"threshold": 1.0, "value": 0.0})):
        a, b = torch.tensor(x), T.tensor(x)
        assert getattr(F, name)(a, **kw) is a
        getattr(TF, name)(b, **kw)
        close(a, b, "float64")


MODULES = [("ReLU", {}), ("ReLU6", {}), ("SiLU", {}), ("SELU", {}), ("Hardsigmoid", {}),
           ("Hardswish", {}), ("Mish", {}), ("LeakyReLU", {"negative_slope": 0.1}),
           ("ELU", {"alpha": 0.5}), ("CELU", {"alpha": 1.5}),
           ("Hardtanh", {"min_val": -2.0, "max_val": 2.5})]


@pytest.mark.parametrize("case", MODULES, ids=[m[0] for m in MODULES])
def test_modules_with_inplace_true(case, dtype):
    name, kw = case
    x = _x(dtype)
    ours, ref = getattr(nn, name)(inplace=True, **kw), getattr(TN, name)(inplace=True, **kw)
    assert repr(ours) == repr(ref)
    a, b = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a * 2, b * 2
    assert ours(ya) is ya
    ref(yb)
    close(ya, yb, dtype)
    ya.sum().backward()
    yb.sum().backward()
    close(a.grad, b.grad, dtype, 1e5 if name == "Hardsigmoid" and dtype == "float64" else 10)
    # inplace=False leaves the input alone
    c = torch.tensor(x)
    assert getattr(nn, name)(**kw)(c) is not c
    assert np.array_equal(np.asarray(c), x)


def test_dropout_inplace_draws_pytorchs_mask(dtype):
    x = _x(dtype)
    torch.manual_seed(5)
    T.manual_seed(5)
    a, b = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a + 0, b + 0
    assert F.dropout(ya, 0.3, inplace=True) is ya
    TF.dropout(yb, 0.3, inplace=True)
    close(ya, yb, dtype)
    ya.sum().backward()
    yb.sum().backward()
    close(a.grad, b.grad, dtype)
    d = nn.Dropout(0.5, inplace=True)
    c = torch.tensor(x)
    assert d(c) is c
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.dropout(torch.tensor(x).requires_grad_(), 0.5, inplace=True)
    assert F.dropout(c, 0.5, training=False, inplace=True) is c
