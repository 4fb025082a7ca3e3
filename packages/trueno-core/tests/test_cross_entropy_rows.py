"""cross_entropy with class indices as two row functions (``cross_entropy_forward`` -> loss,
lse, denom; ``cross_entropy_backward`` -> the logits' gradient): the decompositions in
``_decompositions_nn`` (primitives, on every backend) and the reference kernels in
``_reference/_nn.py`` vs PyTorch (torch==2.13.0): (C,), (N, C) and (N, C, d1, d2) logits,
class weights, ignore_index, every reduction, float16/float32/float64, and out-of-range
targets raising IndexError."""

from __future__ import annotations

import numpy as np
import pytest

import trueno as tn
from trueno import _decompositions_nn as DN
from trueno._reference import _nn as R

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(8)
TOL = {"float16": dict(rtol=2e-2, atol=2e-2), "float32": dict(rtol=1e-5, atol=1e-6),
       "float64": dict(rtol=1e-12, atol=1e-13)}
# logits shape, target shape (classes on axis 1, or axis 0 for (C,))
SHAPES = [((7,), ()), ((6, 5), (6,)), ((4, 3, 2, 5), (4, 2, 5)), ((1, 11), (1,))]


def _inputs(shape, tshape, dtype, weighted, ignore):
    c = shape[1] if len(shape) > 1 else shape[0]
    x = (RNG.standard_normal(shape) * 3).astype(dtype)
    t = RNG.integers(0, c, tshape).astype(np.int64)
    if ignore and t.ndim:
        t.flat[::3] = -100
    w = RNG.random(c).astype(dtype) + 0.5 if weighted else None
    g = RNG.standard_normal(tshape).astype(dtype)
    return x, t, w, g


def _want(x, t, w, g, reduction):
    tx = torch.tensor(x.astype(np.float64), requires_grad=True)
    tw = None if w is None else torch.tensor(w.astype(np.float64))
    loss = torch.nn.functional.cross_entropy(tx, torch.tensor(t), tw, reduction=reduction)
    gt = torch.tensor(g.astype(np.float64)) if reduction == "none" else torch.tensor(1.5)
    loss.backward(gt)
    cdim = 1 if x.ndim > 1 else 0
    lse = torch.logsumexp(torch.tensor(x.astype(np.float64)), cdim)
    return loss.detach().numpy(), lse.numpy(), tx.grad.numpy(), gt.numpy()


def _cases():
    for shape, tshape in SHAPES:
        for dtype in ("float16", "float32", "float64"):
            for reduction in ("mean", "sum", "none"):
                for weighted in (False, True):
                    yield shape, tshape, dtype, reduction, weighted


# (1, 11) with its one target ignored: a mean over no target is 0 / 0 = nan, as PyTorch's
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:divide by zero encountered:RuntimeWarning")
@pytest.mark.parametrize(("shape", "tshape", "dtype", "reduction", "weighted"), list(_cases()),
                         ids=str)
@pytest.mark.parametrize("impl", ["decomposition", "reference"])
def test_cross_entropy_rows_match_torch(impl, shape, tshape, dtype, reduction, weighted):
    x, t, w, g = _inputs(shape, tshape, dtype, weighted, ignore=True)
    loss_w, lse_w, gx_w, g_used = _want(x, t, w, g, reduction)
    kw = {"ignore_index": -100, "reduction": reduction}
    gin = g_used.astype(dtype)
    if impl == "reference":
        loss, lse, denom = R.cross_entropy_forward(x, t, w, **kw)
        gx = R.cross_entropy_backward(x, t, w, lse, gin, denom, **kw)
    else:
        a = (lambda v: None if v is None else tn.asarray(v))  # noqa: E731
        loss, lse, denom = DN.cross_entropy_forward(a(x), a(t), a(w), **kw)
        gx = DN.cross_entropy_backward(a(x), a(t), a(w), lse, a(gin), denom, **kw)
        loss, lse, gx = (np.asarray(v) for v in (loss, lse, gx))
    for got, want in ((loss, loss_w), (lse, lse_w), (gx, gx_w)):
        assert np.asarray(got).dtype == np.dtype(dtype)
        np.testing.assert_allclose(np.asarray(got, np.float64), want, **TOL[dtype])


@pytest.mark.parametrize("impl", ["decomposition", "reference"])
@pytest.mark.parametrize("bad", [5, -1])
def test_cross_entropy_rows_target_out_of_range(impl, bad):
    x = RNG.standard_normal((3, 5))
    t = np.array([1, bad, 0])
    with pytest.raises(IndexError):
        if impl == "reference":
            R.cross_entropy_forward(x, t)
        else:
            DN.cross_entropy_forward(tn.asarray(x), tn.asarray(t))
