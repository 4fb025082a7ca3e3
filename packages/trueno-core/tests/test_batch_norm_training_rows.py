"""batch_norm in training as two row functions (``batch_norm_training`` -> out, mean, biased
var, rstd; ``batch_norm_backward`` -> gx, gw, gb): the decompositions in
``_decompositions_nn`` (primitives, on every backend) and the reference kernels in
``_reference/_nn.py`` vs PyTorch (torch==2.13.0) for 2-d to 5-d inputs, odd sizes, strided
views, with and without weight and bias, float16/float32/float64."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno import _decompositions_nn as DN
from trueno._reference import _nn as R

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(5)
SHAPES = [(8, 3), (5, 4, 7), (4, 6, 7, 9), (2, 3, 3, 4, 5), (3, 1, 40)]
TOL = {"float16": dict(rtol=2e-2, atol=2e-2), "float32": dict(rtol=1e-4, atol=1e-5),
       "float64": dict(rtol=1e-11, atol=1e-12)}


def _want(x, w, b, g, eps):
    """PyTorch in float64: out, mean, biased var, rstd, and the gradients of x, w, b."""
    x64, g64 = (torch.tensor(np.ascontiguousarray(a), dtype=torch.float64) for a in (x, g))
    tx = x64.clone().requires_grad_(True)
    tw = None if w is None else torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.batch_norm(tx, None, None, tw, tb, True, 0.1, eps)
    out.backward(g64)
    axes = (0,) + tuple(range(2, x.ndim))
    mean, var = x64.mean(axes), x64.var(axes, unbiased=False)
    rstd = 1 / torch.sqrt(var + eps)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    gw = (g64 * (x64 - mean.reshape(shape))).sum(axes) * rstd
    return ([out.detach().numpy(), mean.numpy(), var.numpy(), rstd.numpy()],
            [tx.grad.numpy(), gw.numpy(), g64.sum(axes).numpy()])


def _cases():
    for shape in SHAPES:
        for dtype in ("float16", "float32", "float64"):
            for affine in ("both", "weight", "none"):
                yield shape, dtype, affine


@pytest.mark.parametrize(("shape", "dtype", "affine"), list(_cases()), ids=str)
@pytest.mark.parametrize("impl", ["decomposition", "reference"])
def test_batch_norm_rows_match_torch(impl, shape, dtype, affine):
    eps = 1e-5 if affine != "weight" else 0.1
    x = (RNG.standard_normal(shape) * 2 + 1).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    c = shape[1]
    w = RNG.standard_normal(c).astype(dtype) if affine != "none" else None
    b = RNG.standard_normal(c).astype(dtype) if affine == "both" else None
    want_f, want_b = _want(x, w, b, g, eps)
    if impl == "reference":
        fwd = R.batch_norm_training(x, w, b, eps)
        bwd = R.batch_norm_backward(x, g, fwd[1], fwd[3], w)
    else:
        t = (lambda a: None if a is None else tn.asarray(a))  # noqa: E731
        fwd = DN.batch_norm_training(t(x), t(w), t(b), eps=eps)
        bwd = DN.batch_norm_backward(t(x), t(g), fwd[1], fwd[3], t(w))
        fwd, bwd = [np.asarray(a) for a in fwd], [np.asarray(a) for a in bwd]
    for got, want in zip(list(fwd) + list(bwd), want_f + want_b, strict=True):
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got.astype(np.float64), want, **TOL[dtype])


@pytest.mark.parametrize("backend", ["reference", None])
def test_batch_norm_decomposition_reads_views(backend):
    """A permuted, channel-sliced input and a reversed gradient (float64), on the reference
    backend and the default one."""
    base = RNG.standard_normal((3, 5, 6, 8))
    x = base.transpose(0, 3, 1, 2)[:, 1:7]
    g = RNG.standard_normal((3, 6, 5, 6))[:, :, ::-1]
    w, b = RNG.standard_normal(6), RNG.standard_normal(6)
    want_f, want_b = _want(x, w, b, g, 1e-5)
    tx = tn.asarray(base).transpose(0, 3, 1, 2)[:, 1:7]
    tg = tn.asarray(np.ascontiguousarray(g[:, :, ::-1]))[:, :, ::-1]
    ctx = tn.use_backend(backend) if backend else _null()
    with ctx:
        fwd = DN.batch_norm_training(tx, tn.asarray(w), tn.asarray(b), eps=1e-5)
        bwd = DN.batch_norm_backward(tx, tg, fwd[1], fwd[3], tn.asarray(w))
    for got, want in zip(list(fwd) + list(bwd), want_f + want_b, strict=True):
        np.testing.assert_allclose(np.asarray(got), want, **TOL["float64"])


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
