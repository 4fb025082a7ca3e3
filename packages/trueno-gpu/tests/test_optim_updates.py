"""The fused optimizer updates (``sgd_update``, ``adam_update``: one WGSL dispatch per
parameter, in place) vs the rows' formulas in NumPy (PyTorch's single-tensor SGD/Adam order)
for every option, float32 and float64 (where the adapter has shader-f64), contiguous arrays,
strided views and views that share one buffer."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, layouts, up, view_of
from trueno._testing_optim import np_adam, np_sgd

FLOATS = [d for d in ("float32", "float64") if d in DTYPES]
SGD_OPTS = [dict(), dict(momentum=0.9), dict(momentum=0.9, init_buffer=True),
            dict(momentum=0.9, dampening=0.25, weight_decay=0.1),
            dict(momentum=0.7, nesterov=True, maximize=True), dict(weight_decay=0.1, maximize=True)]
ADAM_OPTS = [dict(), dict(weight_decay=0.1), dict(weight_decay=0.1, decoupled=True),
             dict(amsgrad=True), dict(maximize=True, amsgrad=True, weight_decay=0.02),
             dict(maximize=True, decoupled=True, weight_decay=0.3, amsgrad=True)]
ADAM = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)


def rt_count() -> int:
    """Dispatches recorded so far on GPU 0."""
    from trueno_gpu._runtime import get_runtime
    return get_runtime(0).dispatches


def _tol(dtype) -> dict:
    # a GPU compiler may contract a * b + c into one rounding (NVIDIA's does): the error is
    # then relative to the operands (O(1) draws), not to a result that cancels to near zero
    return dict(rtol=2e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-14)


def _close(got, want, dtype):
    np.testing.assert_allclose(down(got), want, **_tol(dtype))


def _rand(shape, dtype, rng, lo=-3.0, hi=3.0):
    return rng.uniform(lo, hi, shape).astype(dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", SGD_OPTS, ids=str)
def test_sgd_update(dtype, opts):
    rng = np.random.default_rng(7)
    k = KERNELS["sgd_update"][dtype]
    for shape in [(0,), (1,), (5,), (257,), (3, 67), (70_001,)]:
        p0, g0, b0 = (_rand(shape, dtype, rng) for _ in range(3))
        want = [p0.copy(), g0, b0.copy()]
        np_sgd(*want, lr=0.05, **opts)
        p, g, b = up(p0), up(g0), up(b0)
        out = k(p, g, b if opts.get("momentum") else None, lr=0.05, **opts)
        assert out is p
        _close(p, want[0], dtype)
        _close(b, want[2], dtype)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("opts", ADAM_OPTS, ids=str)
def test_adam_update(dtype, opts):
    rng = np.random.default_rng(8)
    k = KERNELS["adam_update"][dtype]
    for shape in [(0,), (1,), (9,), (255,), (2, 3, 65), (70_001,)]:
        p0, g0, m0 = (_rand(shape, dtype, rng) for _ in range(3))
        v0, x0 = (_rand(shape, dtype, rng, 0.0, 2.0) for _ in range(2))
        for step in (1.0, 9.0):
            want = [p0.copy(), g0, m0.copy(), v0.copy(), x0.copy()]
            np_adam(*want, **ADAM, step=step, **opts)
            p, g, m, v, x = (up(a) for a in (p0, g0, m0, v0, x0))
            k(p, g, m, v, x if opts.get("amsgrad") else None, **ADAM, step=step, **opts)
            for got, w in zip((p, m, v, x), want[:1] + want[2:]):
                _close(got, w, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_one_dispatch_per_update(dtype):
    k = KERNELS["adam_update"][dtype]
    arrays = [up(np.full(1000, 0.5, dtype)) for _ in range(5)]
    before = rt_count()
    k(*arrays, **ADAM, step=1.0, amsgrad=True, weight_decay=0.1)
    assert rt_count() - before == 1


@pytest.mark.parametrize("dtype", FLOATS)
def test_strided_views_and_one_shared_buffer(dtype):
    """Transposed and negative-stride views are updated in place (through copies); a
    parameter and its state as views of one buffer (writable bindings may alias)."""
    rng = np.random.default_rng(9)
    p0, g0, b0 = (_rand((4, 6), dtype, rng) for _ in range(3))
    want = [p0.copy(), g0, b0.copy()]
    np_sgd(*want, lr=0.1, momentum=0.9, weight_decay=0.01)
    for (_, _, p), (_, _, g), (_, _, b) in zip(layouts(p0), layouts(g0), layouts(b0)):
        KERNELS["sgd_update"][dtype](p, g, b, lr=0.1, momentum=0.9, weight_decay=0.01)
        _close(p, want[0], dtype)
        _close(b, want[2], dtype)
    base = np.concatenate([p0.ravel(), b0.ravel(), g0.ravel()])
    dev = up(base)
    p, b, g = (view_of(dev, base, base[i * 24:(i + 1) * 24].reshape(4, 6)) for i in range(3))
    KERNELS["sgd_update"][dtype](p, g, b, lr=0.1, momentum=0.9, weight_decay=0.01)
    got = down(dev)
    for i, w in ((0, want[0]), (1, want[2])):
        np.testing.assert_allclose(got[i * 24:(i + 1) * 24].reshape(4, 6), w, **_tol(dtype))
    np.testing.assert_array_equal(got[48:], g0.ravel())  # the gradient is only read
