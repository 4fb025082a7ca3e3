"""2-D max pooling as two row functions (``max_pool2d_forward`` -> values, int64 indices;
``max_pool2d_backward`` -> the input gradient): the decompositions in ``_decompositions_pool``
(primitives only, on every backend) and the reference kernels in ``_reference/_pool.py`` vs
PyTorch (torch==2.13.0, CPU) bit for bit: padding, stride, dilation, ceil_mode, overlapping
windows, ties (the first maximum wins), NaN (the last NaN wins), windows of ``-inf``,
float16/float32/float64 (float16's overlapping gradients sum in float32 and round once)."""

from __future__ import annotations

import numpy as np
import pytest
from decomposition_checks import _prims_only_result, spy_kernels

import trueno as tn
from trueno import _decompositions_pool as DP
from trueno._reference import _pool as R

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(29)
# (shape, kernel, stride, padding, dilation, ceil_mode)
CASES = [((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
         ((2, 3, 9, 7), (3, 3), (2, 2), (1, 1), (1, 1), True),
         ((1, 2, 10, 11), (3, 2), (1, 2), (1, 1), (2, 1), False),
         ((1, 2, 10, 11), (3, 3), (3, 3), (1, 0), (2, 2), True),
         ((3, 1, 5, 6), (2, 3), (1, 1), (1, 1), (1, 1), True),
         ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1), False)]


def _values(shape, dtype, special: bool):
    x = RNG.standard_normal(shape)
    if special:
        x = np.round(x * 2) / 2
        x[..., ::3, 1::2] = np.nan
        x[..., 1::4, ::3] = np.inf
        x[0, 0] = -np.inf
    return x.astype(dtype)


def _torch(x, g, k, s, p, d, cm):
    """PyTorch's values, indices and input gradient (float16 backward in float32, rounded:
    the rows' rule; PyTorch's CPU float16 kernel accumulates in float16)."""
    wide = torch.float32 if x.dtype == np.float16 else None
    tx = torch.tensor(x if wide is None else x.astype(np.float32), requires_grad=True)
    v, i = torch.nn.functional.max_pool2d(tx, k, s, p, d, cm, True)
    v.backward(torch.tensor(g if wide is None else g.astype(np.float32)))
    return (v.detach().numpy().astype(x.dtype), i.numpy(),
            tx.grad.numpy().astype(x.dtype))


@pytest.fixture
def kernels_used(monkeypatch):
    return spy_kernels(monkeypatch)


def _cases():
    for case in CASES:
        for dtype in ("float16", "float32", "float64"):
            for special in (False, True):
                yield case, dtype, special


@pytest.mark.parametrize(("case", "dtype", "special"), list(_cases()), ids=str)
@pytest.mark.parametrize("impl", ["decomposition", "reference"])
def test_max_pool_rows_match_torch(impl, case, dtype, special, kernels_used):
    shape, k, s, p, d, cm = case
    x = _values(shape, dtype, special)
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d)
    out = tuple(DP.out_size(n, *a, cm) for n, a in zip(shape[2:], zip(k, s, p, d)))
    g = RNG.standard_normal(shape[:2] + out).astype(dtype)
    want = _torch(x, g, k, s, p, d, cm)
    if impl == "reference":
        v, i = R.max_pool2d_forward(x, ceil_mode=cm, **kw)
        gx = R.max_pool2d_backward(g, i, input_size=shape[2:], **kw)
    else:
        def fn(a, b):
            v, i = DP.max_pool2d_forward(a, ceil_mode=cm, **kw)
            return v, i, DP.max_pool2d_backward(b, i, input_size=shape[2:], **kw)
        v, i, gx = (np.asarray(t) for t in _prims_only_result(
            fn, (tn.asarray(x), tn.asarray(g)), kernels_used))
    for got, w in zip((v, i, gx), want, strict=True):
        assert got.dtype == w.dtype and got.shape == w.shape
        np.testing.assert_array_equal(got, w)


def test_max_pool_rows_on_views():
    """A transposed input (the decomposition reads views; the reference takes any array)."""
    x = _values((2, 3, 7, 9), np.float64, True)
    xt = np.ascontiguousarray(x.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    kw = dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 1))
    want_v, want_i = R.max_pool2d_forward(x, ceil_mode=True, **kw)
    v, i = DP.max_pool2d_forward(tn.asarray(xt.transpose(0, 1, 3, 2)).permute_dims(
        (0, 1, 3, 2)), ceil_mode=True, **kw)
    np.testing.assert_array_equal(np.asarray(v), want_v)
    np.testing.assert_array_equal(np.asarray(i), want_i)
