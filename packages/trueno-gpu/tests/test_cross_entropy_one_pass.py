"""cross_entropy's one-pass forward (few classes, up to ``_ONE_PASS_ROWS`` rows: one
workgroup, a thread per row) with more rows than threads (each thread takes several, and
sums them in the sum kernel's order) vs PyTorch in float64, every reduction, class weights
and ignored targets; the row and class limits pick the two-pass kernels past them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES
from test_cross_entropy_kernels import _check, _Counts

from trueno_gpu import _cross_entropy as K

RNG = np.random.default_rng(8)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_one_pass_many_rows_per_thread(dtype, reduction):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype} (float64 needs shader-f64)")
    x = (RNG.standard_normal((600, 7)) * 4).astype(dtype)
    t = RNG.integers(0, 7, 600).astype(np.int64)
    t[1::5] = -100
    w = RNG.random(7).astype(dtype) + 0.5
    _check(x, t, w, reduction, dtype)
    _check(x, t, None, reduction, dtype)


@pytest.mark.parametrize(("shape", "forward"), [((K._ONE_PASS_ROWS, 3), 1),
                                               ((K._ONE_PASS_ROWS + 1, 3), 2),
                                               ((5, K._ONE_PASS_CLASSES), 1),
                                               ((5, K._ONE_PASS_CLASSES + 1), 2)])
def test_one_pass_limits(monkeypatch, shape, forward):
    from conftest import up

    x = up(RNG.standard_normal(shape).astype("float32"))
    t = up(RNG.integers(0, shape[1], shape[0]))
    counts = _Counts(monkeypatch)
    K.cross_entropy_forward(x, t, None)
    assert counts.records == forward
