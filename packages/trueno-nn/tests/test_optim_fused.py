"""SGD, Adam and AdamW update each parameter with one fused op-table row (``sgd_update``,
``adam_update``: one kernel call per parameter and step, in place), with PyTorch's results;
parameters the rows do not take (a 0-d tensor lr for Adam) keep the chain of ops."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.optim as optim
import trueno.torch as torch
from trueno._registry import primitives_only
from trueno_nn.optim import _fused

CASES = [("SGD", dict(lr=0.05)),
         ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
         ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
         ("Adam", dict(lr=0.01, weight_decay=0.05, amsgrad=True)),
         ("Adam", dict(lr=0.01, maximize=True)),
         ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True))]
STEPS = 5


def _data(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((5, 4)), rng.standard_normal(4)], \
        [[rng.standard_normal((5, 4)), rng.standard_normal(4)] for _ in range(STEPS)]


def _run_torch(name, kw, dtype):
    p0, grads = _data()
    ps = [T.tensor(a, dtype=getattr(T, dtype), requires_grad=True) for a in p0]
    opt = getattr(T.optim, name)(ps, foreach=False, **kw)
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = T.tensor(g, dtype=p.dtype)
        opt.step()
    return [p.detach().numpy() for p in ps]


def _run_trueno(name, kw, dtype):
    p0, grads = _data()
    ps = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in p0]
    opt = getattr(optim, name)(ps, **kw)
    versions = []
    for gs in grads:
        for p, g in zip(ps, gs):
            p.grad = torch.tensor(g, dtype=p.dtype)
        before = [p._version[0] for p in ps]
        opt.step()
        versions.append(all(p._version[0] > v for p, v in zip(ps, before)))
    assert all(versions), "an in-place update bumps the parameter's version counter"
    return [p.detach().numpy() for p in ps]


@pytest.fixture
def calls(monkeypatch):
    """The rows run through ``fused_step`` (name per call): its direct kernel calls, and the
    dispatcher's runs where the device has no kernel."""
    seen: list[str] = []
    real_run, real_kernel = _fused.run, _fused.kernel

    def spy_run(row, *args):
        seen.append(row.name)
        return real_run(row, *args)

    def spy_kernel(row, *args):
        k = real_kernel(row, *args)

        def call(*a, **kw):
            seen.append(row.name)
            return k(*a, **kw)
        return call
    monkeypatch.setattr(_fused, "run", spy_run)
    monkeypatch.setattr(_fused, "kernel", spy_kernel)
    return seen


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{kw}" for n, kw in CASES])
def test_one_fused_row_per_parameter_and_step(name, kw, dtype, calls):
    got = _run_trueno(name, kw, dtype)
    row = "sgd_update" if name == "SGD" else "adam_update"
    assert calls == [row] * (2 * STEPS)
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-13, atol=1e-15)
    for g, w in zip(got, _run_torch(name, kw, dtype)):
        np.testing.assert_allclose(g, w, **tol)


@pytest.mark.parametrize("name,kw", CASES[1:4], ids=[f"{n}-{kw}" for n, kw in CASES[1:4]])
def test_decomposition_path_gives_the_same_steps(name, kw):
    """A device with only the primitives runs the rows' decompositions: same results."""
    with primitives_only():
        got = _run_trueno(name, kw, "float64")
    for g, w in zip(got, _run_torch(name, kw, "float64")):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-15)


def test_tensor_lr_keeps_the_chain(calls):
    """PyTorch computes lr / bias_correction1 in float32 for a 0-d tensor lr: Adam keeps its
    chain of ops there (same values as PyTorch), SGD reads the number."""
    got = _run_trueno("Adam", dict(lr=torch.tensor(0.01)), "float64")
    assert calls == []
    want = _run_torch("Adam", dict(lr=T.tensor(0.01)), "float64")
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-13)


def test_strided_parameter_keeps_the_chain(calls):
    """A parameter that is a strided view is updated through the chain, correctly."""
    base = torch.tensor(np.arange(12.0).reshape(3, 4))
    p = base.T  # not contiguous
    p.requires_grad_(True)
    p.grad = torch.ones_like(p)
    optim.SGD([p], lr=0.5, momentum=0.9).step()
    assert calls == []
    np.testing.assert_allclose(base.numpy(), np.arange(12.0).reshape(3, 4) - 0.5)
