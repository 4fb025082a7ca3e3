"""matmul vs NumPy: odd sizes, batch broadcasting, transposed / negative-stride operands, both
the vec4 and the strided load paths."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, assert_close, down, layouts, np_dtype, up

RNG = np.random.default_rng(2)
SHAPES = [((1, 1), (1, 1)), ((3, 5), (5, 7)), ((64, 64), (64, 64)), ((65, 33), (33, 130)),
          ((8, 16), (16, 12)), ((2, 3, 4), (4, 5)), ((2, 1, 5, 8), (3, 8, 4)),
          ((0, 3), (3, 4)), ((4, 0), (0, 5)), ((130, 70), (70, 67)),
          ((260, 36), (36, 300)), ((2, 257, 9), (9, 256))]


def sample(dtype, shape):
    dt = np_dtype(dtype)
    if dt.kind in "iu":
        return RNG.integers(0, 4, shape).astype(dt)
    return RNG.uniform(-1, 1, shape).astype(np.float32).astype(dt)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d in KERNELS["matmul"]])
def test_matmul(dtype):
    results = []
    for sa, sb in SHAPES:
        a, b = sample(dtype, sa), sample(dtype, sb)
        la, lb = layouts(a), layouts(b)
        for i in range(len(la)):
            for j in range(len(lb)):
                if i != j and (i, j) not in ((0, 1), (1, 0)):
                    continue
                results.append((la[i][1], lb[j][1], KERNELS["matmul"][dtype](la[i][2],
                                                                             lb[j][2])))
    for av, bv, got in results:
        want = np.matmul(av.astype(np.float64), bv.astype(np.float64)) \
            if np_dtype(dtype).kind not in "iu" else np.matmul(av, bv)
        g = down(got)
        assert g.dtype == np_dtype(dtype)
        k = av.shape[-1]
        r = {"float16": 4e-3, "bfloat16": 3e-2}.get(dtype, 1e-5) * max(1, k) ** 0.5
        assert_close(g, want.astype(g.dtype) if g.dtype.kind in "iu" else want, dtype,
                     rtol=r, atol=r)


def test_matmul_vec4_offset_views():
    base = RNG.standard_normal((20, 36)).astype(np.float32)
    from conftest import view_of

    d = up(base)
    a = base[1:, 4:20]  # offset 40: 4-aligned, row stride 36
    b = base[:16, 8:]  # (16, 28), offset 8
    got = KERNELS["matmul"]["float32"](view_of(d, base, a), view_of(d, base, b))
    assert_close(down(got), a @ b, "float32", rtol=1e-5, atol=1e-5)


def test_matmul_large_tiles(monkeypatch):
    """The 128x128 / 8x8 configuration hardware GPUs use, forced on this adapter."""
    from trueno_gpu import _matmul

    monkeypatch.setattr(_matmul, "pick_config", lambda rt, m, n: _matmul.LARGE)
    for sa, sb in [((260, 36), (36, 300)), ((2, 5, 9), (9, 130)), ((129, 64), (64, 128))]:
        a = RNG.uniform(-1, 1, sa).astype(np.float32)
        b = RNG.uniform(-1, 1, sb).astype(np.float32)
        for (_, av, da), (_, bv, db) in zip(layouts(a)[:2], layouts(b)[1::-1]):
            got = down(KERNELS["matmul"]["float32"](da, db))
            assert_close(got, av.astype(np.float64) @ bv, "float32", rtol=1e-4, atol=1e-4)
        if "float16" not in DTYPES:
            continue
        h, hb = a.astype(np.float16), b.astype(np.float16)
        got = down(KERNELS["matmul"]["float16"](up(h), up(hb)))
        want = h.astype(np.float64) @ hb.astype(np.float64)
        assert_close(got, want, "float16", rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("cfg", ["small", "medium", "wide", "large"])
def test_matmul_fast_kernel_transposed_operands(monkeypatch, cfg):
    """``x.T @ g`` and ``g @ W.T`` (a backward pass) take the fast kernel with m- / k-contiguous
    loads, in every tile shape; sizes leave partial tiles along m, n and k."""
    from trueno_gpu import _matmul, _matmul_tiled
    from trueno_gpu._runtime import get_runtime

    monkeypatch.setitem(_matmul._FAST, "cfg", _matmul_tiled.CONFIGS[cfg])
    rt = get_runtime(0)
    m, k, n = 132, 36, 68
    a = RNG.uniform(-1, 1, (m, k)).astype(np.float32)
    b = RNG.uniform(-1, 1, (k, n)).astype(np.float32)
    at, bt = np.ascontiguousarray(a.T), np.ascontiguousarray(b.T)
    ops = {(False, False): (up(a), up(b)), (True, False): (_t(up(at)), up(b)),
           (False, True): (up(a), _t(up(bt))), (True, True): (_t(up(at)), _t(up(bt)))}
    for (ta, tb), (da, db) in ops.items():
        got = down(KERNELS["matmul"]["float32"](da, db))
        assert_close(got, a.astype(np.float64) @ b, "float32", rtol=1e-4, atol=1e-4)
        key = ("matmul_fast", "float32", 0, _matmul_tiled.CONFIGS[cfg], ta, tb)
        assert key in rt._kernels, (ta, tb)
    batch = RNG.uniform(-1, 1, (3, k, m)).astype(np.float32)  # batched, A transposed
    got = down(KERNELS["matmul"]["float32"](_t(up(batch)), up(b)))
    assert_close(got, np.swapaxes(batch, 1, 2).astype(np.float64) @ b, "float32",
                 rtol=1e-4, atol=1e-4)


def _t(sa):
    """The view swapping the last two axes of a StridedArray."""
    sh, st = list(sa.shape), list(sa.strides)
    sh[-2:], st[-2:] = sh[:-3:-1], st[:-3:-1]
    return sa.view(sa.offset, tuple(sh), tuple(st))


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_matmul_long_k(dtype):
    """K past lavapipe's loop limit (65,535 loop iterations per invocation; the k loop broke at
    K ~ 58K) is split into slices whose products are added: exact on small integers, on plain
    and transposed operands."""
    from trueno_gpu import _matmul

    k = 2 * _matmul.SPLIT_K + 3000
    a = RNG.integers(-2, 3, (3, k)).astype(dtype)
    b = RNG.integers(-2, 3, (k, 5)).astype(dtype)
    want = a.astype(np.int64) @ b.astype(np.int64)
    np.testing.assert_array_equal(down(KERNELS["matmul"][dtype](up(a), up(b))), want)
    at = np.ascontiguousarray(a.T)
    got = down(KERNELS["matmul"][dtype](_t(up(at)), up(b)))
    np.testing.assert_array_equal(got, want)
