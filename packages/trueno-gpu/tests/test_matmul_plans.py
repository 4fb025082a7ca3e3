"""A 2-D matmul keeps the plan of its launch per operand layout (shapes, strides, offsets,
dtypes, device, fast-kernel knobs): a repeated product records it directly. Each planned call
vs NumPy, on new data every time, and layouts that differ only in strides or offset."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, down, up

from trueno_gpu import _matmul

RNG = np.random.default_rng(23)
MM = KERNELS["matmul"]["float32"]


def _close(got, want):
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


def test_repeated_product_new_data(monkeypatch):
    a = RNG.standard_normal((5, 36)).astype(np.float32)
    b = RNG.standard_normal((36, 12)).astype(np.float32)
    da, db = up(a), up(b)
    _close(down(MM(da, db)), a @ b)
    key = ((5, 36), (36, 12), (36, 1), (12, 1), 0, 0, da.dtype, db.dtype,
           da.storage.device_index, _matmul._FAST["on"], _matmul._FAST["cfg"],
           _matmul._FAST["half"])
    assert key in _matmul._PLANS

    def unplanned(*args):
        raise AssertionError("a planned product took the planning path")

    monkeypatch.setattr(_matmul, "_matmul", unplanned)
    for _ in range(3):  # new data, the same layouts: the plan alone
        a = RNG.standard_normal((5, 36)).astype(np.float32)
        b = RNG.standard_normal((36, 12)).astype(np.float32)
        _close(down(MM(up(a), up(b))), a @ b)


def test_strides_and_offsets_are_part_of_the_plan():
    a = RNG.standard_normal((8, 16)).astype(np.float32)
    w = RNG.standard_normal((12, 16)).astype(np.float32)
    big = RNG.standard_normal((3, 8, 16)).astype(np.float32)
    da, dw, dbig = up(a), up(w), up(big)
    for _ in range(2):  # the first call plans, the second runs the plan
        _close(down(MM(da, _t(dw))), a @ w.T)  # x @ W.T: W's transposed view
        wt = up(np.ascontiguousarray(w.T))
        _close(down(MM(_t(wt), _t(da))), w @ a.T)  # (12, 16) @ (16, 8), both views
        _close(down(MM(dw, _t(da))), w @ a.T)  # the same shapes, other strides
        _close(down(MM(dw, up(np.ascontiguousarray(a.T)))), w @ a.T)  # contiguous
        for k in range(3):  # one shape and strides, three offsets
            view = dbig.__class__(dbig.storage, k * 128, (8, 16), (16, 1), dbig.dtype)
            _close(down(MM(view, _t(dw))), big[k] @ w.T)


def _t(d):
    """The transposed view of a 2-d contiguous device array."""
    r, c = d.shape
    return d.__class__(d.storage, d.offset, (c, r), (1, c), d.dtype)


@pytest.mark.parametrize("on", [False, True])
def test_fast_kernel_knob_is_part_of_the_plan(monkeypatch, on):
    a = RNG.standard_normal((16, 32)).astype(np.float32)
    b = RNG.standard_normal((32, 16)).astype(np.float32)
    _close(down(MM(up(a), up(b))), a @ b)
    monkeypatch.setitem(_matmul._FAST, "on", on)
    _close(down(MM(up(a), up(b))), a @ b)
    keys = [k for k in _matmul._PLANS if k[0] == (16, 32) and k[1] == (32, 16)]
    assert {k[-3] for k in keys} >= {on}
