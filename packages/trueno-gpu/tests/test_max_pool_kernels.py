"""2-D max pooling on the GPU in one dispatch forward and one backward (``_max_pool``):
values, indices and the input gradient equal PyTorch's (torch==2.13.0, CPU) bit for bit, for
padding, stride, dilation, ceil_mode, overlapping windows, NaN (the last NaN of a window
wins), ties (the first maximum wins), windows of ``-inf``, and strided views; one launch
each."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, IDX, down, layouts, up

from trueno_gpu import _max_pool, _runtime

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(23)
# (shape, kernel, stride, padding, dilation, ceil_mode)
CASES = [((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
         ((2, 3, 9, 7), (3, 3), (2, 2), (1, 1), (1, 1), True),
         ((1, 2, 10, 11), (3, 2), (1, 2), (1, 1), (2, 1), False),
         ((1, 2, 10, 11), (3, 3), (3, 3), (1, 0), (2, 2), True),
         ((3, 1, 5, 6), (2, 3), (1, 1), (1, 1), (1, 1), True),
         ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1), False),
         ((2, 4, 17, 33), (4, 5), (3, 2), (2, 2), (1, 1), True)]


def _values(shape, dtype, special: bool):
    x = RNG.standard_normal(shape)
    if special:  # ties, NaNs, infinities, a channel of -inf
        x = np.round(x * 2) / 2
        x[..., ::3, 1::2] = np.nan
        x[..., 1::4, ::3] = np.inf
        x[0, 0] = -np.inf
    return x.astype(dtype)


def _torch(x, g, k, s, p, d, cm):
    tx = torch.tensor(x, requires_grad=True)
    v, i = torch.nn.functional.max_pool2d(tx, k, s, p, d, cm, True)
    v.backward(torch.tensor(g))
    return v.detach().numpy(), i.numpy(), tx.grad.numpy()


def _has(dtype):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype} (float64 needs shader-f64)")


@pytest.mark.parametrize("special", [False, True], ids=["normal", "special"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_max_pool_kernels_match_torch(case, dtype, special):
    _has(dtype)
    shape, k, s, p, d, cm = case
    x = _values(shape, dtype, special)
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d)
    oh, ow = _max_pool._out_size(shape[2], k[0], s[0], p[0], d[0], cm), \
        _max_pool._out_size(shape[3], k[1], s[1], p[1], d[1], cm)
    g = RNG.standard_normal(shape[:2] + (oh, ow)).astype(dtype)
    want_v, want_i, want_g = _torch(x, g, k, s, p, d, cm)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    v, i = _max_pool.max_pool2d_forward(up(x), ceil_mode=cm, **kw)
    gx = _max_pool.max_pool2d_backward(up(g), i, input_size=shape[2:], **kw)
    assert rt.dispatches - d0 == 2
    np.testing.assert_array_equal(down(v), want_v)
    assert down(i).dtype == IDX
    np.testing.assert_array_equal(down(i), want_i)
    np.testing.assert_array_equal(down(gx), want_g)  # same sums in the same order


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_pool_kernels_read_views(dtype):
    """Transposed and negative-stride views of the input and the gradient, indices handed in
    as a view too."""
    _has(dtype)
    k, s, p, d = (3, 2), (2, 1), (1, 1), (1, 2)
    kw = dict(kernel_size=k, stride=s, padding=p, dilation=d)
    x = _values((2, 3, 9, 10), dtype, True)
    for (_, xv, dx), (_, gv, dg) in zip(layouts(x), layouts(
            RNG.standard_normal((2, 3, 5, 10)).astype(dtype)), strict=True):
        want_v, want_i, want_g = _torch(np.ascontiguousarray(xv), np.ascontiguousarray(gv),
                                        k, s, p, d, False)
        v, i = _max_pool.max_pool2d_forward(dx, ceil_mode=False, **kw)
        np.testing.assert_array_equal(down(v), want_v)
        np.testing.assert_array_equal(down(i), want_i)
        iv = layouts(down(i))[1][2]  # the indices as a transposed view
        gx = _max_pool.max_pool2d_backward(dg, iv, input_size=(9, 10), **kw)
        np.testing.assert_array_equal(down(gx), want_g)


def test_max_pool_kernels_empty_batch():
    v, i = _max_pool.max_pool2d_forward(up(np.zeros((0, 3, 4, 4), np.float32)),
                                        kernel_size=(2, 2), stride=(2, 2), padding=(0, 0),
                                        dilation=(1, 1))
    assert down(v).shape == down(i).shape == (0, 3, 2, 2)
    gx = _max_pool.max_pool2d_backward(v, i, input_size=(4, 4), kernel_size=(2, 2),
                                       stride=(2, 2), padding=(0, 0), dilation=(1, 1))
    assert down(gx).shape == (0, 3, 4, 4)
