"""batch_norm in training on the GPU in one dispatch forward and one backward
(``_batch_norm``): output, batch mean, biased variance, rstd and the gradients of input,
weight and bias vs PyTorch (torch==2.13.0, float64 on the CPU) for 2-d, 3-d, 4-d and 5-d
inputs, odd sizes, permuted and sliced views, with and without weight and bias, float32 and
float64; one launch each."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

from trueno_gpu import _batch_norm, _runtime

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(17)
SHAPES = [(8, 3), (5, 4, 7), (4, 16, 7, 9), (2, 3, 3, 4, 5), (1, 2, 33, 17), (3, 1, 300)]
TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-11, atol=1e-12)}


def _torch(x, w, b, g, eps):
    """PyTorch's training batch_norm of x (float64): out, mean, biased var, rstd and the
    gradients of x, w and b for the output gradient g."""
    x, g = np.ascontiguousarray(x), np.ascontiguousarray(g)
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tw = None if w is None else torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.batch_norm(tx, None, None, tw, tb, True, 0.1, eps)
    out.backward(torch.tensor(g, dtype=torch.float64))
    axes = (0,) + tuple(range(2, x.ndim))
    mean = tx.detach().mean(axes)
    var = tx.detach().var(axes, unbiased=False)
    gw = (torch.tensor(g, dtype=torch.float64) * (tx.detach() - mean.reshape((1, -1) + (1,) * (
        x.ndim - 2)))).sum(axes) / torch.sqrt(var + eps)
    gb = torch.tensor(g, dtype=torch.float64).sum(axes)
    return ([out.detach().numpy(), mean.numpy(), var.numpy(), (1 / torch.sqrt(var + eps)).numpy()],
            [tx.grad.numpy(), gw.numpy(), gb.numpy()])


def _has(dtype):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype} (float64 needs shader-f64)")


@pytest.mark.parametrize("affine", ["both", "weight", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_kernels_match_torch(shape, dtype, affine):
    _has(dtype)
    eps = 1e-5 if affine != "weight" else 0.1
    x = (RNG.standard_normal(shape) * 3 + 2).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    c = shape[1]
    w = RNG.standard_normal(c).astype(dtype) if affine != "none" else None
    b = RNG.standard_normal(c).astype(dtype) if affine == "both" else None
    want_f, want_b = _torch(x, w, b, g, eps)
    dw = None if w is None else up(w)
    got_f = _batch_norm.batch_norm_training(up(x), dw, None if b is None else up(b), eps=eps)
    for got, want in zip(got_f, want_f, strict=True):
        np.testing.assert_allclose(down(got), want, **TOL[dtype])
    got_b = _batch_norm.batch_norm_backward(up(x), up(g), got_f[1], got_f[3], dw)
    for got, want in zip(got_b, want_b, strict=True):
        np.testing.assert_allclose(down(got), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_kernels_read_views(dtype):
    """An NHWC buffer seen as NCHW, a channel-sliced view and a reversed gradient: read with
    their strides, the results contiguous."""
    _has(dtype)
    base = RNG.standard_normal((3, 5, 6, 8)).astype(dtype)
    x = base.transpose(0, 3, 1, 2)[:, 1:7]  # (3, 6, 5, 6), strided
    gbase = RNG.standard_normal((3, 6, 5, 6)).astype(dtype)
    g = gbase[:, :, ::-1]
    w, b = RNG.standard_normal(6).astype(dtype), RNG.standard_normal(6).astype(dtype)
    want_f, want_b = _torch(x, w, b, g, 1e-5)
    xv = view_of(up(base), base, x)
    gv = view_of(up(gbase), gbase, g)
    got_f = _batch_norm.batch_norm_training(xv, up(w), up(b), eps=1e-5)
    got_b = _batch_norm.batch_norm_backward(xv, gv, got_f[1], got_f[3], up(w))
    assert got_f[0].is_contiguous() and got_b[0].is_contiguous()
    for got, want in zip(list(got_f) + list(got_b), want_f + want_b, strict=True):
        np.testing.assert_allclose(down(got), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("g_layout", ["same", "contiguous"])
def test_batch_norm_kernels_unmerged_spatial_axes(dtype, g_layout):
    """Spatial axes no one stride walks (every other row): the three-axis loop, with the
    gradient laid out the same or contiguous (then x is copied to match)."""
    _has(dtype)
    base = RNG.standard_normal((3, 4, 10, 6)).astype(dtype)
    x = base[:, :, ::2]  # (3, 4, 5, 6), H stride 2 W
    gbase = RNG.standard_normal((3, 4, 10, 6)).astype(dtype)
    g = gbase[:, :, ::2] if g_layout == "same" else np.ascontiguousarray(gbase[:, :, ::2])
    w, b = RNG.standard_normal(4).astype(dtype), RNG.standard_normal(4).astype(dtype)
    want_f, want_b = _torch(x, w, b, g, 1e-5)
    xv = view_of(up(base), base, x)
    gv = view_of(up(gbase), gbase, g) if g_layout == "same" else up(g)
    got_f = _batch_norm.batch_norm_training(xv, up(w), up(b), eps=1e-5)
    got_b = _batch_norm.batch_norm_backward(xv, gv, got_f[1], got_f[3], up(w))
    for got, want in zip(list(got_f) + list(got_b), want_f + want_b, strict=True):
        np.testing.assert_allclose(down(got), want, **TOL[dtype])


def test_batch_norm_kernels_one_launch_each(monkeypatch):
    launches, record = [0], _runtime.Runtime.record

    def counted(rt, *a, **k):
        launches[0] += 1
        return record(rt, *a, **k)

    x, g = up(RNG.standard_normal((4, 8, 5, 5)).astype("float32")), \
        up(RNG.standard_normal((4, 8, 5, 5)).astype("float32"))
    w, b = up(np.ones(8, "float32")), up(np.zeros(8, "float32"))
    monkeypatch.setattr(_runtime.Runtime, "record", counted)
    out, mean, var, rstd = _batch_norm.batch_norm_training(x, w, b, eps=1e-5)
    assert launches[0] == 1
    _batch_norm.batch_norm_backward(x, g, mean, rstd, w)
    assert launches[0] == 2
