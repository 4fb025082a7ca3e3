"""conv2d vs core's reference kernel: stride, padding, dilation, groups, bias, views."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, np_dtype, up, view_of

RNG = np.random.default_rng(9)
CASES = [  # x shape, weight shape, stride, padding, dilation, groups
    ((1, 1, 5, 5), (1, 1, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    ((2, 3, 9, 8), (4, 3, 3, 3), (2, 1), (1, 2), (1, 1), 1),
    ((2, 4, 10, 10), (6, 2, 3, 2), (1, 2), (2, 1), (2, 1), 2),
    ((1, 4, 7, 7), (4, 1, 3, 3), (1, 1), (1, 1), (1, 1), 4),
    ((1, 3, 16, 16), (8, 3, 7, 7), (2, 2), (3, 3), (1, 1), 1),
]


def reference(*args, **kw):
    from trueno._reference._linalg import conv2d

    return conv2d(*args, **kw)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in KERNELS["conv2d"]])
def test_conv2d(dtype):
    dt = np_dtype(dtype)
    for xs, ws, stride, pad, dil, groups in CASES:
        x = RNG.standard_normal(xs).astype(np.float32).astype(dt)
        w = RNG.standard_normal(ws).astype(np.float32).astype(dt)
        b = RNG.standard_normal(ws[0]).astype(np.float32).astype(dt)
        x64, w64, b64 = (a.astype(np.float64) for a in (x, w, b))
        for bias in (None, b):
            got = down(KERNELS["conv2d"][dtype](up(x), up(w), None if bias is None else up(b),
                                                stride, pad, dil, groups))
            want = reference(x64, w64, None if bias is None else b64, stride, pad, dil,
                             groups)
            k = ws[1] * ws[2] * ws[3]
            r = {"float16": 4e-3, "bfloat16": 4e-2}.get(dtype, 1e-5) * k ** 0.5
            assert_close(got, want, dtype, rtol=r, atol=r)
    # an NHWC buffer viewed as NCHW (a permuted, non-contiguous input)
    base = RNG.standard_normal((2, 6, 6, 3)).astype(np.float32).astype(dt)
    view = base.transpose(0, 3, 1, 2)
    w = RNG.standard_normal((2, 3, 3, 3)).astype(np.float32).astype(dt)
    got = down(KERNELS["conv2d"][dtype](view_of(up(base), base, view), up(w), None))
    want = reference(view.astype(np.float64), w.astype(np.float64))
    r = {"float16": 2e-2, "bfloat16": 2e-1}.get(dtype, 1e-4)
    assert_close(got, want, dtype, rtol=r, atol=r)
