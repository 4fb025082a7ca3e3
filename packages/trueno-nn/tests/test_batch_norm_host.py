"""batch_norm in training on a CPU float32/float64 tensor computes on the NumPy arrays
(``_functional_batch_norm._host_forward``/``_host_backward``, the running statistics moved in
place): values, running mean/var, gradients of input, weight and bias vs PyTorch 2.13 for
(N, C), (N, C, L), (N, C, H, W) and 5-d inputs, N=1, strided inputs and gradients, NaN/inf,
the modules' momentum=None (cumulative average), track_running_stats=False and eval mode,
and second derivatives through a chain."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.torch as torch
from trueno_nn import _functional_batch_norm as FB

SHAPES = [(6, 3), (4, 3, 7), (1, 3, 5, 4), (5, 4, 3, 2), (3, 2, 2, 3, 2)]


def _arrays(shape, dtype, seed=1, offset=3.0):
    rng = np.random.default_rng(seed)
    c = shape[1]
    x = (rng.standard_normal(shape) * 2 + offset).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    w = rng.standard_normal(c).astype(dtype)
    b = rng.standard_normal(c).astype(dtype)
    rm, rv = rng.standard_normal(c).astype(dtype), (rng.random(c) + 0.5).astype(dtype)
    return x, g, w, b, rm, rv


def _functional(lib, arrays, affine, strided=False, momentum=0.3):
    """out, running mean/var, and the gradients (x, then weight/bias where given)."""
    x, g, w, b, rm, rv = arrays
    if strided:  # x and g as views with the shape of x: transposed storage, every other row
        def view(a):
            wide = np.repeat(a, 2, axis=0)  # (2N, ...): rows 0, 2, 4 ... are a's
            base = lib.tensor(np.ascontiguousarray(np.swapaxes(wide, 0, -1)))
            return base.transpose(0, -1)[::2]
        xs, gs = view(x), view(g)
        xs = xs.detach().requires_grad_(True) if lib is T else xs.requires_grad_(True)
    else:
        xs, gs = lib.tensor(x).requires_grad_(True), lib.tensor(g)
    ws = lib.tensor(w).requires_grad_(True) if affine in ("weight", "both") else None
    bs = lib.tensor(b).requires_grad_(True) if affine in ("bias", "both") else None
    m, v = lib.tensor(rm), lib.tensor(rv)
    fn = T.nn.functional.batch_norm if lib is T else torch.nn.functional.batch_norm
    y = fn(xs, m, v, ws, bs, True, momentum, 1e-4)
    (y * gs).sum().backward()
    return [y, m, v, xs.grad] + [p.grad for p in (ws, bs) if p is not None]


@pytest.mark.parametrize("shape", SHAPES, ids=[str(len(s)) + "d" + str(s[0]) for s in SHAPES])
@pytest.mark.parametrize("affine", ["both", "weight", "bias", "none"])
def test_host_batch_norm_matches_torch(shape, affine, dtype):
    arrays = _arrays(shape, dtype)
    want = _functional(T, arrays, affine)
    got = _functional(torch, arrays, affine)
    assert len(got) == len(want)
    for u, v in zip(got, want):
        close(u, v, dtype, 100)


@pytest.mark.parametrize("shape", [(4, 3, 5, 2), (6, 3)])
def test_host_batch_norm_strided_input_and_gradient(shape, dtype):
    arrays = _arrays(shape, dtype, seed=2)
    want = _functional(T, arrays, "both")
    got = _functional(torch, arrays, "both", strided=True)
    for u, v in zip(got, want):
        close(u, v, dtype, 100)


def test_host_batch_norm_large_offset_float32():
    # a mean 1000 times the spread: the centred values keep their precision
    arrays = _arrays((8, 4, 6, 6), "float32", seed=3, offset=2000.0)
    want = _functional(T, arrays, "both")
    got = _functional(torch, arrays, "both")
    for u, v in zip(got, want):
        close(u, v, "float32", 100)


def test_host_batch_norm_nan_and_inf_propagate_as_torch():
    x, g, w, b, rm, rv = _arrays((4, 3, 2, 3), "float32", seed=4)
    x[1, 0, 1, 1] = np.nan  # channel 0: NaN statistics
    x[2, 1, 0, 2] = np.inf  # channel 1: inf mean, NaN variance
    g[0, 2, 0, 0] = np.inf  # channel 2: an inf gradient
    res = [_functional(lib, (x, g, w, b, rm, rv), "both") for lib in (T, torch)]
    for u, v in zip(res[1], res[0]):
        np.testing.assert_allclose(np.asarray(u.detach()), v.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, equal_nan=True)


def test_host_batch_norm_weight_gradient_alone(dtype):
    # x does not require grad: only the weight's and the bias's gradients
    x, g, w, b, _, _ = _arrays((5, 3, 4), dtype, seed=5)
    res = []
    for lib in (T, torch):
        fn = T.nn.functional.batch_norm if lib is T else torch.nn.functional.batch_norm
        ws, bs = lib.tensor(w).requires_grad_(True), lib.tensor(b).requires_grad_(True)
        y = fn(lib.tensor(x), None, None, ws, bs, True, 0.1, 1e-5)
        (y * lib.tensor(g)).sum().backward()
        res.append((ws.grad, bs.grad))
    close(res[1][0], res[0][0], dtype, 100)
    close(res[1][1], res[0][1], dtype, 100)


@pytest.mark.parametrize(("cls", "shape"), [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)),
                                            ("BatchNorm2d", (3, 3, 4, 2)),
                                            ("BatchNorm3d", (2, 3, 2, 3, 2))])
@pytest.mark.parametrize("kwargs", [{"momentum": None}, {"track_running_stats": False},
                                    {"momentum": 0.25, "affine": False}],
                         ids=["cumulative", "untracked", "no-affine"])
def test_host_batch_norm_modules_match_torch(cls, shape, kwargs, dtype):
    # three training steps and an eval step: outputs, gradients and buffers
    rng = np.random.default_rng(6)
    a = getattr(T.nn, cls)(shape[1], **kwargs).to(getattr(T, dtype))
    b = getattr(torch.nn, cls)(shape[1], **kwargs).to(getattr(torch, dtype))
    if a.weight is not None:
        wv = rng.standard_normal(shape[1]).astype(dtype)
        with T.no_grad():
            a.weight.copy_(T.tensor(wv))
        with torch.no_grad():
            b.weight.copy_(torch.tensor(wv))
    for training in (True, True, True, False):
        a.train(training)
        b.train(training)
        x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
        xa, xb = T.tensor(x).requires_grad_(), torch.tensor(x).requires_grad_()
        ya, yb = a(xa), b(xb)
        (ya * ya).sum().backward()
        (yb * yb).sum().backward()
        close(yb, ya, dtype, 100)
        close(xb.grad, xa.grad, dtype, 1000)
        for pa, pb in zip(a.parameters(), b.parameters()):
            close(pb.grad, pa.grad, dtype, 1000)
        for ba, bb in zip(a.buffers(), b.buffers()):
            if ba.is_floating_point():
                close(bb, ba, dtype, 100)
            else:
                assert int(bb) == int(ba)


def test_host_batch_norm_double_backward_through_a_chain(dtype):
    # relu(batch_norm(x)) * g: first derivatives with create_graph, then the gradient of
    # their squares (the node differentiates its recorded chain)
    x, g, w, b, _, _ = _arrays((4, 3, 3, 2), dtype, seed=7, offset=0.5)
    res = []
    for lib in (T, torch):
        fn = T.nn.functional.batch_norm if lib is T else torch.nn.functional.batch_norm
        xs = lib.tensor(x).requires_grad_(True)
        ws, bs = lib.tensor(w).requires_grad_(True), lib.tensor(b).requires_grad_(True)
        y = lib.relu(fn(xs, None, None, ws, bs, True, 0.1, 1e-5))
        grads = lib.autograd.grad((y * lib.tensor(g)).sum(), [xs, ws, bs], create_graph=True)
        (sum((gr * gr).sum() for gr in grads)).backward()
        res.append([*grads, xs.grad, ws.grad])
    for u, v in zip(res[1], res[0]):
        close(u, v, dtype, 1000)


def test_host_path_is_taken_for_cpu_floats(monkeypatch):
    calls = []
    for name in ("_host_forward", "_host_backward"):
        fn = getattr(FB, name)
        monkeypatch.setattr(FB, name, lambda *a, _fn=fn, _n=name: calls.append(_n) or _fn(*a))
    x = torch.tensor(np.arange(24.0).reshape(2, 3, 4)).requires_grad_(True)
    FB.batch_norm(x, None, None, None, None, True).sum().backward()
    assert calls == ["_host_forward", "_host_backward"]
    calls.clear()  # float16: the trueno-op path
    x = torch.tensor(np.arange(24.0).reshape(2, 3, 4).astype("float16")).requires_grad_(True)
    FB.batch_norm(x, None, None, None, None, True).sum().backward()
    assert calls == []


def test_host_batch_norm_float32_is_as_precise_as_torchs():
    # 131072 values per channel with a mean 4 times the spread: each float32 result is within
    # 10 times PyTorch's float32 error (and 1e-7 of the largest value) of float64's (with
    # trueno-simd about 1x; the reference backend's NumPy mean accumulates in float32, 6x
    # for the weight's gradient)
    rng = np.random.default_rng(8)
    x = (rng.standard_normal((32, 2, 64, 64)) + 4).astype("float32")
    g = (rng.standard_normal(x.shape) + 1).astype("float32")
    w, b = np.array([1.5, -0.5], "float32"), np.array([0.25, 2.0], "float32")
    f32 = (x, g, w, b, np.zeros(2, "float32"), np.ones(2, "float32"))
    want = _functional(T, tuple(a.astype("float64") for a in f32), "both")
    ref32 = _functional(T, f32, "both")
    got = _functional(torch, f32, "both")
    for u, t, v in zip(got, ref32, want):
        u, t, v = (np.asarray(a.detach(), "float64") for a in (u, t, v))
        assert np.abs(u - v).max() <= 10 * np.abs(t - v).max() + 1e-7 * np.abs(v).max()
