"""Planned launches of the registered unary and binary kernels (issue 18, launch overhead):
the first call of a layout plans it, later calls reuse the plan with their own buffers,
offsets and scalar values. Every case runs twice (the planning call and the planned one)
against NumPy; plus the frames a planned call enters and the pool's accounting of the
results it frees."""

from __future__ import annotations

import gc
import sys

import numpy as np
import pytest
from conftest import API, DTYPES, KERNELS, down, layouts, up, view_of

import trueno_gpu
from trueno_gpu import _elementwise

RNG = np.random.default_rng(18)


def _twice(op, dtype, args, want):
    """Kernel ``op`` of ``dtype`` on ``args`` twice (planning, then planned), each equal to
    ``want`` bit for bit; the second call must find a plan (no new plan appears)."""
    first = down(KERNELS[op][dtype](*args))
    plans = len(_elementwise._PLANS)
    second = down(KERNELS[op][dtype](*args))
    assert len(_elementwise._PLANS) == plans
    for got in (first, second):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def _planned(name):
    """The plan keys of op ``name`` (``planned_kernel``'s tag)."""
    return [k for k in _elementwise._PLANS if k[0] == ("planned", name)]


@pytest.mark.parametrize("shape", [(1024,), (3, 5), (7, 1, 4), (2, 3, 4, 5), ()])
def test_binary_layouts_twice(shape):
    h = RNG.standard_normal(shape).astype(np.float32)
    g = RNG.standard_normal(shape).astype(np.float32)
    for _, hv, a in layouts(h):
        for _, gv, b in layouts(g):
            _twice("add", "float32", (a, b), hv + gv)
            _twice("multiply", "float32", (a, b), hv * gv)
            _twice("less", "float32", (a, b), hv < gv)
    assert _planned("add") and _planned("less")


def test_broadcast_and_offsets_reuse_one_plan():
    """Operands at other offsets of the same alignment (mod 4) reuse the plan: the
    offsets travel in the metadata of each call."""
    _elementwise._PLANS.clear()
    base = RNG.standard_normal(64).astype(np.float32)
    row = RNG.standard_normal((1, 4)).astype(np.float32)
    a, r = up(base), up(row)
    for off in (0, 4, 8, 20, 1, 5, 3):
        hv = base[off:off + 12].reshape(3, 4)
        view = view_of(a, base, hv)
        _twice("subtract", "float32", (view, r), hv - row)
        _twice("subtract", "float32", (r, view), row - hv)
    # three alignments (offsets 0, 1 and 3 mod 4), each planned in both operand orders
    assert len(_planned("subtract")) == 6


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in ("float32", "float16", "float64",
                                                               "int32", "int64", "uint8")])
def test_scalar_operands_change_between_planned_calls(dtype):
    h = RNG.integers(-9, 9, 64).astype(dtype) if dtype != "uint8" else \
        RNG.integers(0, 9, 64).astype(dtype)
    a = up(h)
    for value in (2, 3, 7, 1):
        s = np.asarray(value, dtype=dtype)[()]
        _twice("multiply", dtype, (a, s), h * s)
        _twice("add", dtype, (s, a), s + h)  # the scalar first
    if dtype in ("float32", "float16"):
        # a Python float past float32's range becomes inf, as in an unplanned launch
        with np.errstate(over="ignore", invalid="ignore"):
            got = down(KERNELS["multiply"][dtype](a, 1e300))
            np.testing.assert_array_equal(got, h * np.asarray(np.inf, dtype))
        got = down(KERNELS["multiply"][dtype](a, -0.0))
        np.testing.assert_array_equal(np.signbit(got), np.signbit(h * np.asarray(-0.0, dtype)))


@pytest.mark.parametrize("name", ["exp", "negative", "sqrt", "isnan", "logical_not"])
def test_unary_twice(name):
    h = RNG.uniform(0.1, 3, (5, 6)).astype(np.float32)
    h[0, 0] = np.nan
    for _, hv, a in layouts(h):
        first = down(KERNELS[name]["float32"](a))
        second = down(KERNELS[name]["float32"](a))
        np.testing.assert_array_equal(first, second)
        want = getattr(np, name)(hv)
        assert first.dtype == want.dtype
        if want.dtype == bool:
            np.testing.assert_array_equal(first, want)
        else:
            np.testing.assert_allclose(first, want, rtol=2e-6, equal_nan=True)


def test_chain_of_planned_ops_matches_numpy():
    h = RNG.uniform(-1, 1, 1000).astype(np.float32)
    g = RNG.uniform(-1, 1, 1000).astype(np.float32)
    x, b = up(h), up(g)
    want = h
    for _ in range(200):
        x = KERNELS["exp"]["float32"](KERNELS["multiply"]["float32"](
            KERNELS["add"]["float32"](x, b), np.float32(0.25)))
        want = np.exp((want + g) * np.float32(0.25))
    np.testing.assert_allclose(down(x), want, rtol=1e-5)


def test_planned_call_enters_few_frames():
    """A planned ``y = a + b`` in a loop enters the kernel, the pool allocation, the
    recording and the release of the previous ``y`` only (it entered ~33 frames: planning,
    dtype lookups and the pool's per call)."""
    a = up(np.ones(1024, np.float32))
    b = up(np.ones(1024, np.float32))
    add = KERNELS["add"]["float32"]
    y = add(a, b)
    y = add(a, b)  # two result buffers alternate, with their bind groups cached
    count = [0]

    def prof(frame, event, arg):
        if event == "call":
            count[0] += 1

    sys.setprofile(prof)
    try:
        y = add(a, b)
    finally:
        sys.setprofile(None)
    assert count[0] <= 8, count[0]
    np.testing.assert_array_equal(down(y), np.full(1024, 2, np.float32))


def test_freed_planned_results_return_to_the_pool():
    trueno_gpu.synchronize()
    gc.collect()
    base = trueno_gpu.memory_allocated()
    a = up(np.ones(1 << 16, np.float32))
    after_a = trueno_gpu.memory_allocated()
    y = KERNELS["add"]["float32"](a, a)
    y = KERNELS["add"]["float32"](a, a)  # the first result freed, the second planned
    assert trueno_gpu.memory_allocated() == after_a + (1 << 18)
    del y
    gc.collect()
    assert trueno_gpu.memory_allocated() == after_a
    reserved = trueno_gpu.memory_reserved()
    z = KERNELS["add"]["float32"](a, a)
    assert trueno_gpu.memory_reserved() == reserved  # reused from the free list, not created
    np.testing.assert_array_equal(down(z), np.full(1 << 16, 2, np.float32))
    del z, a
    gc.collect()
    assert trueno_gpu.memory_allocated() == base
    trueno_gpu.empty_cache()
    # after the cache was emptied (buffers destroyed) plans still work with new buffers
    c = up(np.arange(8, dtype=np.float32))
    np.testing.assert_array_equal(down(KERNELS["add"]["float32"](c, c)),
                                  2 * np.arange(8, dtype=np.float32))


def test_empty_and_mismatched_shapes_are_not_planned():
    e = API.empty((0, 3), np.dtype(np.float32), 0)
    assert down(KERNELS["add"]["float32"](e, e)).shape == (0, 3)
    assert down(KERNELS["add"]["float32"](e, e)).shape == (0, 3)
    x, y = up(np.ones(3, np.float32)), up(np.ones(4, np.float32))
    for _ in range(2):
        with pytest.raises(ValueError):
            KERNELS["add"]["float32"](x, y)


def test_where_clip_astype_reuse_their_plans():
    """``where``, ``clip`` and ``astype`` keep what their dtypes decide per dtype (the
    expression, the launch key); shapes, scalars and bounds still come from each call."""
    from trueno_gpu import _api

    h = RNG.standard_normal((4, 5)).astype(np.float32)
    g = RNG.standard_normal((1, 5)).astype(np.float32)
    c = h > 0
    a, b, cd = up(h), up(g), up(c)
    for _ in range(2):
        np.testing.assert_array_equal(down(_api.where(cd, a, b)), np.where(c, h, g))
        np.testing.assert_array_equal(down(_api.where(cd, a, np.float32(2.5))),
                                      np.where(c, h, np.float32(2.5)))
        np.testing.assert_array_equal(down(_api.where(cd, np.float32(-1), b)),
                                      np.where(c, np.float32(-1), g))
        np.testing.assert_array_equal(down(_api.where(True, a, b)), np.where(True, h, g))
        np.testing.assert_array_equal(down(_api.clip(a, -0.5, 0.5)), np.clip(h, -0.5, 0.5))
        np.testing.assert_array_equal(down(_api.clip(a, None, 0.25)), np.minimum(h, 0.25))
        np.testing.assert_array_equal(down(_api.clip(a, b, None)), np.maximum(h, g))
        np.testing.assert_array_equal(down(_api.clip(b, a, 1.0)), np.clip(g, h, 1.0))
        np.testing.assert_array_equal(down(_api.astype(a, np.int32)),
                                      np.trunc(h).astype(np.int32))
        np.testing.assert_array_equal(down(_api.astype(cd, np.float32)), c.astype(np.float32))
    hi = RNG.integers(-5, 5, (3, 4)).astype(np.int32)
    np.testing.assert_array_equal(down(_api.where(up(hi > 0), up(hi), 7)), np.where(hi > 0, hi, 7))
    np.testing.assert_array_equal(down(_api.clip(up(hi), 0, 3)), np.clip(hi, 0, 3))
    assert any(k[0] == np.dtype(np.float32) for k in _api._CLIPS)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_planned_in_both_forms(approximate):
    from scipy.special import erf

    h = RNG.uniform(-4, 4, (6, 7)).astype(np.float32)
    x = h.astype(np.float64)
    if approximate == "tanh":
        want = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    else:
        want = 0.5 * x * (1 + erf(x / np.sqrt(2)))
    for _, hv, a in layouts(h):
        wv = want if hv is h else None
        first = down(KERNELS["gelu"]["float32"](a, approximate=approximate))
        second = down(KERNELS["gelu"]["float32"](a, approximate=approximate))
        np.testing.assert_array_equal(first, second)
        if wv is not None:
            np.testing.assert_allclose(first, wv, rtol=2e-6, atol=2e-6)
    assert _planned("tn_gelu_tanh" if approximate == "tanh" else "tn_gelu")


def _softmax(h, axis):
    e = np.exp(h - h.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_row_kernels_reuse_their_plans():
    """softmax / log_softmax / layer_norm plan their row layout once; the second call of a
    layout (and one after the vec4 softmax is switched off) still matches NumPy."""
    from trueno_gpu import _fast_softmax, _fused

    h = RNG.standard_normal((6, 8, 12)).astype(np.float32)
    for _, hv, a in layouts(h):
        for axis in (0, 1, 2):
            want = _softmax(hv.astype(np.float64), axis)
            for _ in range(2):
                got = down(KERNELS["softmax"]["float32"](a, axis))
                np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
                got = down(KERNELS["log_softmax"]["float32"](a, axis))
                np.testing.assert_allclose(got, np.log(want), rtol=1e-5, atol=1e-5)
    a = up(h)
    old = dict(_fast_softmax.ENABLED)
    try:
        for on in (True, False, True):
            _fast_softmax.ENABLED["on"] = on
            got = down(KERNELS["softmax"]["float32"](a, -1))
            np.testing.assert_allclose(got, _softmax(h.astype(np.float64), -1), rtol=1e-5,
                                       atol=1e-6)
    finally:
        _fast_softmax.ENABLED.update(old)
    wh = RNG.standard_normal(24).astype(np.float32)
    w = view_of(up(wh), wh, wh[::2])  # a strided weight: copied per call
    b = up(RNG.standard_normal(12).astype(np.float32))
    x64 = h.astype(np.float64)
    mean = x64.mean(-1, keepdims=True)
    norm = (x64 - mean) / np.sqrt(x64.var(-1, keepdims=True) + 1e-5)
    for _, hv, a in layouts(h):
        for eps in (1e-5, 1e-3):
            n = (hv - hv.mean(-1, keepdims=True)) / np.sqrt(hv.var(-1, keepdims=True) + eps)
            for _ in range(2):
                got = down(KERNELS["layer_norm"]["float32"](a, 1, w, b, eps))
                np.testing.assert_allclose(got, n * wh[::2] + down(b), rtol=1e-4, atol=1e-4)
    got = down(KERNELS["layer_norm"]["float32"](up(h), 1, None, None, 1e-5))
    np.testing.assert_allclose(got, norm, rtol=1e-4, atol=1e-4)
    assert any(k[0] == "layer_norm" for k in _fused._ROWS)
