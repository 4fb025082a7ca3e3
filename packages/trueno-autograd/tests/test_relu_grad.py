"""relu's gradient is PyTorch's ``threshold_backward``: the output gradient where the output
is not <= 0 (so a NaN output passes its gradient on), 0 elsewhere, even where the gradient is
inf or NaN. On a CPU float tensor it is computed on the NumPy arrays (one compare, one
``where``); non-contiguous gradients, other dtypes, create_graph and the GPU device take the
trueno-op expression. Each vs PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as tt

SPECIAL = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30]


def _arrays(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    flat_x, flat_g = x.reshape(-1), g.reshape(-1)
    for i, v in enumerate(SPECIAL[:flat_x.size]):
        flat_x[i] = v  # NaN, inf and signed zeros in the input ...
    for i, v in enumerate([np.inf, np.nan, -np.inf][:flat_g.size]):
        flat_g[2 * i + 1 if 2 * i + 1 < flat_g.size else 0] = v  # ... and in the gradient
    return x, g


def _grads(lib, x, g, device=None, transpose_g=False):
    xt = lib.tensor(x)
    gt = lib.tensor(np.ascontiguousarray(g.T) if transpose_g else g)
    if device:
        xt, gt = xt.to(device), gt.to(device)
    if transpose_g:
        gt = gt.t()  # a non-contiguous view with g's values
    xt.requires_grad_(True)
    y = lib.relu(xt)
    y.backward(gt)
    out = xt.grad.to("cpu") if device else xt.grad
    return np.asarray(y.detach().to("cpu") if device else y.detach()), np.asarray(out)


def _same(u, v):
    np.testing.assert_array_equal(u, v)
    # signed zeros too (0 where the output is not positive, as PyTorch's)
    np.testing.assert_array_equal(np.signbit(u), np.signbit(v))


@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (1, 3, 4, 4), (17,), (6, 5), (3, 0), ()])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_grad_matches_torch(shape, dtype):
    x, g = _arrays(shape, dtype)
    wy, wg = _grads(T, x, g)
    gy, gg = _grads(tt, x, g)
    np.testing.assert_array_equal(gy, wy)  # (relu(-0.0)'s sign differs by CPU backend)
    _same(gg, wg)


def test_relu_grad_of_a_nan_output_is_the_gradient():
    # PyTorch: NaN <= 0 is false, so the gradient passes (trueno gave 0 before)
    x = np.array([np.nan, -1.0, 0.0, 2.0, -0.0, np.inf], "float32")
    g = np.array([1.0, np.inf, np.nan, 3.0, 4.0, 5.0], "float32")
    _, got = _grads(tt, x, g)
    np.testing.assert_array_equal(got, [1.0, 0.0, 0.0, 3.0, 0.0, 5.0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_grad_non_contiguous_gradient(dtype):
    x, g = _arrays((6, 7), dtype, seed=1)
    wy, wg = _grads(T, x, g, transpose_g=False)
    _, gg = _grads(tt, x, g, transpose_g=True)
    _same(gg, wg)


def test_relu_grad_non_contiguous_input():
    x, g = _arrays((5, 8), "float32", seed=2)
    res = []
    for lib in (T, tt):
        base = lib.tensor(np.ascontiguousarray(x.T)).requires_grad_(True)
        y = lib.relu(base.t()[:, ::2])
        y.backward(lib.tensor(g[:, ::2].copy()))
        res.append(np.asarray(base.grad))
    _same(res[1], res[0])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_double_backward_matches_torch(dtype):
    # create_graph: the gradient is recorded (differentiable in g); its own gradient is the
    # mask, and relu's second derivative in x is 0
    x, g = _arrays((3, 4, 5), dtype, seed=3)
    g = np.where(np.isfinite(g), g, 1.5).astype(dtype)
    res = []
    for lib in (T, tt):
        xt, gt = lib.tensor(x).requires_grad_(True), lib.tensor(g).requires_grad_(True)
        (gx,) = lib.autograd.grad(lib.relu(xt), xt, gt, create_graph=True)
        (gx * gx).sum().backward()
        res.append([np.asarray(gx.detach()), np.asarray(gt.grad),
                    None if xt.grad is None else np.asarray(xt.grad)])
    _same(res[1][0], res[0][0])
    _same(res[1][1], res[0][1])
    if res[0][2] is None or res[1][2] is None:
        assert all(r is None or not r.any() for r in (res[0][2], res[1][2]))
    else:
        _same(res[1][2], res[0][2])


def test_relu_grad_in_a_chain_matches_torch():
    # relu between two products: the host path's result feeds the next rules
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((8, 6)), rng.standard_normal((6, 6))
    res = []
    for lib in (T, tt):
        xt, wt = lib.tensor(x).requires_grad_(True), lib.tensor(w).requires_grad_(True)
        (lib.relu(xt @ wt) @ wt).sum().backward()
        res.append((np.asarray(xt.grad), np.asarray(wt.grad)))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-12)


def test_relu_grad_on_gpu_matches_torch():
    trueno_gpu = pytest.importorskip("trueno_gpu")
    if not trueno_gpu.is_available():
        pytest.skip("no GPU adapter for trueno-gpu")
    x, g = _arrays((4, 3, 5), "float32", seed=6)
    wy, wg = _grads(T, x, g)
    gy, gg = _grads(tt, x, g, device="gpu")
    np.testing.assert_array_equal(gy, wy)
    _same(gg, wg)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_grad_through_its_decomposition_matches_torch(dtype):
    # primitives-only mode differentiates relu's decomposition, not relu's rule: the
    # decomposition is a where on x <= 0, so x = 0 (and -0) gets 0 as in PyTorch, not the 0.5
    # a maximum(x, 0) tie would give, and a NaN input passes its gradient on
    from trueno._registry import primitives_only

    x, g = _arrays((4, 6), dtype, seed=7)
    x.reshape(-1)[8:12] = [0.0, -0.0, 0.0, 0.0]
    wy, wg = _grads(T, x, g)
    with primitives_only():
        gy, gg = _grads(tt, x, g)
    np.testing.assert_array_equal(gy, wy)
    np.testing.assert_array_equal(gg, wg)
