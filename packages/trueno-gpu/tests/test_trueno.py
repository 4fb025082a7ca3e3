"""End to end through trueno's public API: the same calls on "cpu" and "gpu" tensors agree.

This checks the calling conventions between core's dispatcher and these kernels (parameter
names, dtypes, views) rather than the numerics, which the other modules cover.
"""

from __future__ import annotations

import numpy as np
import pytest

tn = pytest.importorskip("trueno")


# the plugin registered by hand where trueno-gpu is not pip-installed (conftest)
pytestmark = pytest.mark.usefixtures("gpu_registered")

RNG = np.random.default_rng(7)
A = RNG.uniform(-2, 2, (4, 6)).astype(np.float32)
B = RNG.uniform(0.5, 2, (6,)).astype(np.float32)
IA = RNG.integers(-5, 5, (4, 6)).astype(np.int32)

CASES = {
    "add": lambda m, a, b, i: a + b,
    "rsub_scalar": lambda m, a, b, i: 2.5 - a,
    "mul_view": lambda m, a, b, i: a.T[::-1] * 3,
    "div": lambda m, a, b, i: a / b,
    "pow": lambda m, a, b, i: b ** 2.0,
    "floordiv_int": lambda m, a, b, i: i // 3,
    "mod_int": lambda m, a, b, i: i % 4,
    "neg_abs": lambda m, a, b, i: -abs(a),
    "exp_log": lambda m, a, b, i: m.log(m.exp(a[1:3])),
    "tanh": lambda m, a, b, i: m.tanh(a),
    "compare": lambda m, a, b, i: a > b,
    "logical": lambda m, a, b, i: m.logical_and(a > 0, i > 0),
    "where": lambda m, a, b, i: m.where(a > 0, a, b),
    "clip": lambda m, a, b, i: m.clip(a, -1.0, 1.0),
    "astype": lambda m, a, b, i: a.astype(m.int32),
    "bitwise": lambda m, a, b, i: (i & 3) | (i << 1),
    "sum_axis": lambda m, a, b, i: m.sum(a, axis=1),
    "sum_keep": lambda m, a, b, i: m.sum(a.T, axis=0, keepdims=True),
    "mean": lambda m, a, b, i: m.mean(a),
    "var_ddof": lambda m, a, b, i: m.var(a, axis=0, ddof=1),
    "std": lambda m, a, b, i: m.std(a),
    "max_min": lambda m, a, b, i: m.max(a, axis=0) - m.min(a, axis=0),
    "any_all": lambda m, a, b, i: m.logical_xor(m.any(a > 1, axis=1), m.all(a > -3, axis=1)),
    "prod": lambda m, a, b, i: m.prod(b),
    "logsumexp": lambda m, a, b, i: m.logsumexp(a, axis=1),
    "cumsum": lambda m, a, b, i: m.cumsum(a, axis=1),
    "cumprod": lambda m, a, b, i: m.cumprod(b),
    "sort": lambda m, a, b, i: m.sort(a, axis=0),
    "matmul": lambda m, a, b, i: a @ a.T,
    "matmul_vec": lambda m, a, b, i: a @ b,
    "getitem_basic": lambda m, a, b, i: a[1:, ::2] + 0,
    "getitem_adv": lambda m, a, b, i: a[np.array([0, 3]), 1:],
    "getitem_mask": lambda m, a, b, i: a[a > 0.5],
    "concat": lambda m, a, b, i: m.concat([a, a[:1]], axis=0),
    "isclose": lambda m, a, b, i: m.isclose(a, a + 1e-9),
    "around": lambda m, a, b, i: m.round(a, 1),
}


def _run(case, device):
    a = tn.asarray(A, device=device)
    b = tn.asarray(B, device=device)
    i = tn.asarray(IA, device=device)
    out = CASES[case](tn, a, b, i)
    return np.asarray(out.to_device("cpu"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_on_gpu(case):
    want = _run(case, "cpu")
    got = _run(case, "gpu")
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_setitem_and_inplace_on_views():
    for device in ("cpu", "gpu"):
        a = tn.asarray(A.copy(), device=device)
        a[1:3, ::2] = 7.0
        a[:, -1] = tn.asarray(np.arange(4, dtype=np.float32), device=device)
        a[np.array([0, 2]), 0] = -1.0
        v = a.T
        v += 1
        if device == "cpu":
            want = np.asarray(a)
        else:
            np.testing.assert_allclose(np.asarray(a.to_device("cpu")), want)


def test_integer_sum_and_64_bit_dtypes():
    import trueno_gpu

    wide = "int64" in trueno_gpu.GpuDeviceAPI().dtypes(0)
    want = np.asarray(tn.sum(tn.asarray(IA), axis=0))
    got = np.asarray(tn.sum(tn.asarray(IA, device="gpu"), axis=0).to_device("cpu"))
    # Note: without shader-int64 the GPU narrows the requested int64 result to int32.
    assert got.dtype == (np.int64 if wide else np.int32)
    np.testing.assert_array_equal(got, want)
    if wide:  # NumPy's default dtypes work on the GPU: float64 arithmetic, int64 indices
        h = np.arange(6.0).reshape(2, 3)
        a = tn.asarray(h, device="gpu")
        np.testing.assert_array_equal(np.asarray((a * 2 + 1).sum(axis=0).to_device("cpu")),
                                      (h * 2 + 1).sum(axis=0))
        idx = tn.asarray(np.array([2, 0]), device="gpu")
        np.testing.assert_array_equal(np.asarray(tn.take(a, idx, axis=1).to_device("cpu")),
                                      np.take(h, [2, 0], axis=1))


def test_argmax_and_argsort_values():
    for case in ("argmax", "argsort"):
        f = (lambda m, a: m.argmax(a, axis=1)) if case == "argmax" else \
            (lambda m, a: m.argsort(a, axis=0))
        want = np.asarray(f(tn, tn.asarray(A)))
        got = np.asarray(f(tn, tn.asarray(A, device="gpu")).to_device("cpu"))
        # Note: without shader-int64 the indices are int32 on the GPU.
        np.testing.assert_array_equal(got, want)


def test_element_indexing_and_iteration_give_numpy_scalars():
    """NumPy face on the GPU: one element is read from the device as a NumPy scalar copy."""
    import trueno as tn

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    g = tn.asarray(x, device="gpu")
    s = g[1, 2]
    assert type(s) is np.float32 and s == x[1, 2]
    g[1, 2] = 100.0
    assert s == 5.0  # a copy, not a view
    row = tn.asarray(x[0], device="gpu")
    items = list(row)
    assert all(type(v) is np.float32 for v in items) and items == list(x[0])
    a = tn.asarray(np.array([1, 2, 3], np.int32), device="gpu")
    a[0], a[2] = a[2], a[0]  # the swap idiom
    np.testing.assert_array_equal(a.to_device("cpu"), [3, 2, 1])
