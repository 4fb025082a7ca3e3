"""batch_norm with the batch's statistics as one node with the closed-form backward
(``_functional_batch_norm``): values, running statistics and gradients (input, weight, bias;
first and second order) vs PyTorch 2.13, float32/float64, train and eval, affine or not, on
the CPU and on the GPU device (lavapipe in CI)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.torch as torch
from trueno_nn._functional_batch_norm import batch_norm

AFFINE = ["weight", "bias", "both", "none"]


def _inputs(shape, affine, dtype, seed=4, offset=30.0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = (rng.standard_normal(shape) * 0.5 + offset).astype(dtype)
    w = rng.standard_normal(c).astype(dtype) if affine in ("weight", "both") else None
    b = rng.standard_normal(c).astype(dtype) if affine in ("bias", "both") else None
    rm, rv = rng.standard_normal(c).astype(dtype), (rng.random(c) + 0.5).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    return x, w, b, rm, rv, g


def _run(lib, fn, arrays, training, device=None):
    x, w, b, rm, rv, g = arrays

    def put(a, grad):
        if a is None:
            return None
        t = lib.tensor(a)
        t = t.to(device) if device else t
        return t.requires_grad_() if grad else t

    xs, ws, bs = put(x, True), put(w, True), put(b, True)
    m, v = put(rm, False), put(rv, False)
    y = fn(xs, m, v, ws, bs, training, 0.2, 1e-3)
    (y * put(g, False)).sum().backward()
    host = (lambda t: t.to("cpu")) if device else (lambda t: t)
    return [host(t) for t in [y, m, v, xs.grad] + [p.grad for p in (ws, bs) if p is not None]]


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (4, 3, 5, 2)])
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, affine, training, dtype):
    arrays = _inputs(shape, affine, dtype)
    want = _run(T, T.nn.functional.batch_norm, arrays, training)
    got = _run(torch, batch_norm, arrays, training)
    assert len(got) == len(want)
    for u, v in zip(got, want):
        close(u, v, dtype, 100)


def test_batch_norm_training_is_one_node_to_its_inputs():
    # the closed form: the output's node leads straight to x, weight and bias (not through
    # the mean, the centring and the variance)
    x, w, b, rm, rv, _ = _inputs((4, 3, 5), "both", "float64")
    xs, ws, bs = (torch.tensor(a).requires_grad_() for a in (x, w, b))
    y = batch_norm(xs, torch.tensor(rm), torch.tensor(rv), ws, bs, True, 0.1, 1e-5)
    nexts = [f for f, _ in y.grad_fn.next_functions if f is not None]
    assert len(nexts) == 3
    assert {id(f.variable) for f in nexts} == {id(xs), id(ws), id(bs)}


@pytest.mark.parametrize("affine", ["both", "none"])
def test_batch_norm_double_backward_matches_torch(affine, dtype):
    x, w, b, _, _, g = _inputs((5, 3, 4), affine, dtype, seed=6, offset=1.0)
    res = []
    for lib, fn in ((T, T.nn.functional.batch_norm), (torch, batch_norm)):
        xs = lib.tensor(x).requires_grad_()
        ws = None if w is None else lib.tensor(w).requires_grad_()
        bs = None if b is None else lib.tensor(b).requires_grad_()
        y = fn(xs, None, None, ws, bs, True, 0.1, 1e-5)
        params = [p for p in (ws, bs) if p is not None]
        grads = lib.autograd.grad((y * lib.tensor(g)).sum(), [xs] + params,
                                  create_graph=True)
        loss = (grads[0] * grads[0]).sum()
        for gp in grads[1:]:
            loss = loss + (gp * gp).sum()
        loss.backward()
        res.append([y, *grads, xs.grad] + [p.grad for p in params])
    for u, v in zip(res[1], res[0]):
        if v is None:  # the bias's second-order gradient: none in either
            assert u is None
        else:
            close(u, v, dtype, 1000)


def test_batch_norm_module_trains_through_the_node():
    # nn.BatchNorm2d in training records the closed-form node; its running statistics and
    # the gradients over two steps and an eval step match PyTorch's module
    rng = np.random.default_rng(9)
    a, b = T.nn.BatchNorm2d(3, momentum=0.3), torch.nn.BatchNorm2d(3, momentum=0.3)
    with torch.no_grad():
        b.weight.copy_(torch.tensor(rng.standard_normal(3).astype("float32")))
        a.weight.data = T.tensor(b.weight.detach().numpy().copy())
    for training in (True, True, False):
        a.train(training)
        b.train(training)
        x = rng.standard_normal((2, 3, 4, 5)).astype("float32") * 3 + 2
        xa, xb = T.tensor(x).requires_grad_(), torch.tensor(x).requires_grad_()
        ya, yb = a(xa), b(xb)
        if training:
            assert type(yb.grad_fn).__name__ == "_BatchNormTrainBackward"
        (ya * ya).sum().backward()
        (yb * yb).sum().backward()
        close(yb, ya, "float32", 10)
        close(xb.grad, xa.grad, "float32", 100)
        for pa, pb in zip(a.parameters(), b.parameters()):
            close(pb.grad, pa.grad, "float32", 100)
        for ba, bb in zip(a.buffers(), b.buffers()):
            if ba.is_floating_point():
                close(bb, ba, "float32", 10)


def test_batch_norm_on_gpu_matches_torch():
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    for training in (True, False):
        arrays = _inputs((4, 3, 5, 2), "both", "float32", seed=8, offset=2.0)
        want = _run(T, T.nn.functional.batch_norm, arrays, training)
        got = _run(torch, batch_norm, arrays, training, device="gpu")
        for u, v in zip(got, want):
            close(u, v, "float32", 100)


def _node_names(t):
    """The class names of every node in ``t``'s graph."""
    seen, todo, names = set(), [t.grad_fn], []
    while todo:
        f = todo.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        names.append(type(f).__name__)
        todo.extend(n for n, _ in getattr(f, "next_functions", ()))
    return names


@pytest.mark.parametrize("affine", [True, False])
def test_instance_norm_uses_the_node_and_matches_torch(affine, dtype):
    # instance_norm with the input's statistics is the batch-norm node on (1, N*C, L): no
    # mean/var chain in its graph; values, gradients and running stats vs torch, and second
    # order through the repeated affine
    rng = np.random.default_rng(10)
    x = (rng.standard_normal((3, 2, 4, 5)) * 2 + 1).astype(dtype)
    w, b = rng.standard_normal(2).astype(dtype), rng.standard_normal(2).astype(dtype)
    g = rng.standard_normal(x.shape).astype(dtype)
    res = []
    for lib in (T, torch):
        xs = lib.tensor(x).requires_grad_()
        ws, bs = ((lib.tensor(w).requires_grad_(), lib.tensor(b).requires_grad_()) if affine
                  else (None, None))
        rm, rv = lib.zeros(2, dtype=xs.dtype), lib.ones(2, dtype=xs.dtype)
        y = lib.nn.functional.instance_norm(xs, rm, rv, ws, bs, True, 0.3, 1e-5)
        if lib is torch:
            names = _node_names(y)
            assert "_BatchNormTrainBackward" in names
            assert not {"MeanBackward1", "PowBackward0"} & set(names), names
        params = [xs] + ([ws, bs] if affine else [])
        grads = lib.autograd.grad((y * lib.tensor(g)).sum(), params, create_graph=True)
        sum(((gr * gr).sum() for gr in grads), lib.zeros((), dtype=xs.dtype)).backward()
        res.append([y, rm, rv, *grads] + [p.grad for p in params if p.grad is not None])
    assert len(res[0]) == len(res[1])
    for u, v in zip(res[1], res[0]):
        close(u, v, dtype, 1000)


def test_functional_batch_norm_is_the_same_node_as_the_module():
    """F.batch_norm in training records the closed-form node (as BatchNorm2d does), with
    PyTorch's values and gradients (here ``torch`` is trueno's face, ``T`` PyTorch)."""
    x = np.random.default_rng(3).standard_normal((4, 3, 5, 5))
    tx, px = torch.tensor(x, requires_grad=True), T.tensor(x, requires_grad=True)
    trm, prm = torch.zeros(3, dtype=torch.float64), T.zeros(3, dtype=T.float64)
    trv, prv = torch.ones(3, dtype=torch.float64), T.ones(3, dtype=T.float64)
    yt = torch.nn.functional.batch_norm(tx, trm, trv, training=True)
    yp = T.nn.functional.batch_norm(px, prm, prv, training=True)
    assert "BatchNorm" in type(yt.grad_fn).__name__
    (yt * yt).sum().backward()
    (yp * yp).sum().backward()
    np.testing.assert_allclose(yt.detach().numpy(), yp.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(), px.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(trv.numpy(), prv.numpy(), atol=1e-12)
