"""Fused softmax / log_softmax / layer_norm / gelu vs NumPy, on views and every float dtype."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import FLOATS, KERNELS, assert_close, down, layouts, np_dtype, up, view_of

RNG = np.random.default_rng(3)


def sample(dtype, shape, scale=3.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32).astype(np_dtype(dtype))


def rtol(dtype):
    return {"float16": 3e-3, "bfloat16": 3e-2}.get(dtype, 2e-5)


def np_softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_log_softmax(dtype):
    results = []
    for shape, axis in [((), 0), ((7,), 0), ((3, 5), 1), ((3, 5), 0), ((2, 3, 300), -1),
                        ((2, 1000, 3), 1), ((0, 4), 1), ((20000,), 0), ((2, 17000), 1)]:
        x = sample(dtype, shape)
        for _, xv, dx in layouts(x):
            for op in ("softmax", "log_softmax"):
                results.append((op, xv, axis, KERNELS[op][dtype](dx, axis)))
    for op, xv, axis, got in results:
        x64 = xv.astype(np.float64)
        ax = axis if xv.ndim else None
        want = np_softmax(x64, ax)
        if op == "log_softmax":
            want = x64 - np.max(x64, axis=ax, keepdims=True) - \
                np.log(np.sum(np.exp(x64 - np.max(x64, axis=ax, keepdims=True)), axis=ax,
                              keepdims=True))
        assert_close(down(got), want, dtype, rtol=rtol(dtype), atol=rtol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_layer_norm(dtype):
    results = []
    for shape, k in [((4, 8), 1), ((2, 3, 5), 2), ((3, 700), 1), ((5,), 1), ((2, 3), 0)]:
        x = sample(dtype, shape)
        nshape = shape[len(shape) - k:]
        w = sample(dtype, nshape, 1.0)
        b = sample(dtype, nshape, 1.0)
        for _, xv, dx in layouts(x):
            for use_w, use_b in ((False, False), (True, True), (True, False)):
                got = KERNELS["layer_norm"][dtype](dx, k, up(w) if use_w else None,
                                                   up(b) if use_b else None, 1e-5)
                results.append((xv, k, w if use_w else None, b if use_b else None, got))
    for xv, k, w, b, got in results:
        x64 = xv.astype(np.float64)
        axes = tuple(range(xv.ndim - k, xv.ndim))
        mu = x64.mean(axis=axes, keepdims=True)
        var = ((x64 - mu) ** 2).mean(axis=axes, keepdims=True)
        want = (x64 - mu) / np.sqrt(var + 1e-5)
        if w is not None:
            want = want * w.astype(np.float64)
        if b is not None:
            want = want + b.astype(np.float64)
        r = rtol(dtype) * 10
        assert_close(down(got), want, dtype, rtol=r, atol=r)


@pytest.mark.parametrize("dtype", FLOATS)
def test_gelu(dtype):
    x = sample(dtype, (3, 50))
    erf = np.vectorize(math.erf)
    x64 = x.astype(np.float64)
    exact = 0.5 * x64 * (1 + erf(x64 / math.sqrt(2)))
    c = math.sqrt(2 / math.pi)
    approx = 0.5 * x64 * (1 + np.tanh(c * (x64 + 0.044715 * x64 ** 3)))
    for _, xv, dx in layouts(x):
        xv64 = xv.astype(np.float64)
        ex = 0.5 * xv64 * (1 + erf(xv64 / math.sqrt(2)))
        assert_close(down(KERNELS["gelu"][dtype](dx)), ex, dtype, rtol=rtol(dtype) * 10,
                     atol=rtol(dtype) * 10)
    assert_close(down(KERNELS["gelu"][dtype](up(x), approximate="tanh")), approx, dtype,
                 rtol=rtol(dtype) * 10, atol=rtol(dtype) * 10)
    assert exact.shape == approx.shape


def test_rows_without_subgroups(monkeypatch):
    import trueno_gpu

    monkeypatch.setattr(trueno_gpu.get_runtime(0), "has_subgroup", False)
    x = sample("float32", (3, 300))
    assert_close(down(KERNELS["softmax"]["float32"](up(x), 1)),
                 np_softmax(x.astype(np.float64), 1), "float32", rtol=1e-5, atol=1e-6)
    got = down(KERNELS["layer_norm"]["float32"](up(x), 1, None, None, 1e-5))
    mu = x.mean(1, keepdims=True)
    want = (x - mu) / np.sqrt(((x - mu) ** 2).mean(1, keepdims=True) + 1e-5)
    assert_close(got, want, "float32", rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape,nd", [((1, 6_000_000), 1), ((3, 200, 100), 2)])
def test_layer_norm_few_long_rows(shape, nd):
    """Few long rows go through the chunked reductions: rows of 6M elements were wrong on
    lavapipe (its loop limiter stops a shader's loops after 65,535 iterations). One such row
    keeps that size; the (3, 200, 100) case covers several rows on the same path."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    w = rng.standard_normal(shape[-nd:]).astype(np.float32)
    b = rng.standard_normal(shape[-nd:]).astype(np.float32)
    axes = tuple(range(len(shape) - nd, len(shape)))
    x64 = x.astype(np.float64)
    want = (x64 - x64.mean(axes, keepdims=True)) / np.sqrt(x64.var(axes, keepdims=True) + 1e-5)
    got = down(KERNELS["layer_norm"]["float32"](up(x), nd))
    assert_close(got, want, "float32", rtol=1e-5, atol=2e-6)
    got = down(KERNELS["layer_norm"]["float32"](up(x), nd, up(w), up(b)))
    assert_close(got, want * w + b, "float32", rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kind", ["softmax", "log_softmax"])
def test_fast_softmax_rows_of_a_view_at_an_offset(kind):
    """The one-pass row kernel reads a view at its offset and writes the new result from 0
    (it wrote at the input's offset: softmax of x[2:] was off by up to 0.03)."""
    x = sample("float32", (10, 516))
    want = np_softmax(x[2:], -1)
    want = np.log(want) if kind == "log_softmax" else want
    view = view_of(up(x), x, x[2:])
    assert view.offset == 2 * 516
    got = KERNELS[kind]["float32"](view, -1)
    np.testing.assert_allclose(down(got), want, rtol=2e-5, atol=1e-6)
