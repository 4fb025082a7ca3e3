"""Reductions that split an output over several workgroups and finish in the same dispatch
(``_fast_reduce``'s scratch counters: the last workgroup adds the partials): one dispatch per
reduction, values vs NumPy at sizes on either side of every plan boundary (one pass / split,
vec4 / scalar, counters and partials that fit the scratch or fall back to passes), many
reductions in one batch (the counters return to zero), NaN in a partial that is not the
last, the same bits in every run, mean as the sum's kernel plus its division, 3-d axes,
views, keepdims and empty inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import KERNELS, down, up, view_of

from trueno_gpu import _fast_reduce, get_runtime

RNG = np.random.default_rng(1818)
OPS = ("sum", "mean", "max", "min")
# (shape, axis, dispatches): full reductions around the one-pass limit (16K elements) and
# the vec4 / scalar row loads, long rows, column reductions around 32 rows, few and many
# columns, batched columns, and blocks of columns past the scratch's counters (passes)
CASES = [((16384,), (0,), 1), ((16385,), (0,), 1), ((16388,), (0,), 1),
         (((1 << 20) + 1,), (0,), 1), ((1 << 20,), (0,), 1), ((3, 70001), (1,), 1),
         ((2, 65536), (1,), 1), ((2, 65536), (0, 1), 1), ((2, 8192), (1,), 1),
         ((2, 8196), (1,), 1), ((2, 2048), (1,), 1), ((2, 2052), (1,), 1), ((600, 5), (1,), 1),
         ((32, 1024), (0,), 1), ((33, 1024), (0,), 1), ((4097, 8), (0,), 1),
         ((1000, 1024), (0,), 1), ((20001, 3), (0,), 1), ((5000, 1), (0,), 1),
         ((300, 130), (0,), 1), ((6, 700, 20), (1,), 1), ((40, 64, 36), (0,), 1),
         ((2000, 40, 4), (1,), 2)]


def _check(op, x, axis, got, keep=False):
    x64 = x.astype(np.float64)
    want = getattr(np, op)(x64, axis=axis, keepdims=keep)
    g = np.asarray(down(got))
    assert g.shape == want.shape and g.dtype == np.float32
    if op in ("max", "min"):
        np.testing.assert_array_equal(g, want.astype(np.float32))
        return
    scale = np.sum(np.abs(x64), axis=axis, keepdims=keep)
    if op == "mean":
        scale = scale / int(np.prod([x.shape[a] for a in axis]))
    assert np.all(np.abs(g - want) <= 2e-6 * scale + 1e-30), (op, x.shape, axis)


@pytest.mark.parametrize("op", OPS)
def test_split_one_dispatch(op):
    """Each case is one dispatch (two for the blocks past the counters) and matches NumPy."""
    rt = get_runtime(0)
    for shape, axis, n in CASES:
        x = RNG.uniform(-1, 2, shape).astype(np.float32)
        d = up(x)
        before = rt.dispatches
        got = KERNELS[op]["float32"](d, axis, False)
        assert rt.dispatches - before == n, (shape, axis, rt.dispatches - before)
        _check(op, x, axis, got)
    used = {k[0] for k in rt._kernels if isinstance(k, tuple) and k and
            k[0] in ("fastrow", "fastcolsplit") and (k[0] == "fastcolsplit" or k[-1])}
    assert used == {"fastrow", "fastcolsplit"}


@pytest.mark.parametrize("subgroup", [True, False])
def test_split_batch_and_bits(subgroup, monkeypatch):
    """Many split reductions recorded into one batch (each relies on the counters the
    previous one reset), then again: the same bits; with and without subgroups."""
    rt = get_runtime(0)
    if not subgroup:
        monkeypatch.setattr(rt, "has_subgroup", False)
    shapes = [((1 << 18) + 5,), (700, 1028), (9, 30001)]
    xs = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    ds = [up(x) for x in xs]
    runs = []
    for _ in range(2):
        outs = [KERNELS[op]["float32"](d, axis, False)
                for op in OPS for d in ds for axis in ((0,), (-1,))]
        runs.append([np.asarray(down(o)) for o in outs])
    i = 0
    for op in OPS:
        for x in xs:
            for axis in ((0,), (-1,)):
                _check(op, x, (axis[0] % x.ndim,), up(runs[0][i]))
                np.testing.assert_array_equal(runs[1][i], runs[0][i])
                i += 1


@pytest.mark.parametrize("op", ("max", "min"))
def test_split_nan_inf(op):
    """NaN in any chunk wins, in full, row and column splits; +-inf stay."""
    x = RNG.standard_normal((3000, 40)).astype(np.float32)
    x[5, 7] = np.nan  # an early chunk of column 7 and of the full reduction
    x[2999, 13] = np.nan  # the tail of column 13
    x[100, 20] = np.inf
    x[200, 21] = -np.inf
    for axis in ((0,), (0, 1)):
        got = down(KERNELS[op]["float32"](up(x), axis, False))
        np.testing.assert_array_equal(got, getattr(np, op)(x, axis=axis))
    r = RNG.standard_normal((3, 50000)).astype(np.float32)
    r[1, 3] = np.nan
    r[2, 49999] = np.inf
    got = down(KERNELS[op]["float32"](up(r), (1,), False))
    np.testing.assert_array_equal(got, getattr(np, op)(r, axis=1))


def test_split_mean_is_sum_divided():
    """mean = the same kernel as sum, then one float32 division: sum / n within WGSL's
    division accuracy (2.5 ulp: NVIDIA's driver divides through a reciprocal, 1 ulp off the
    correctly rounded quotient on the H100; lavapipe rounds correctly)."""
    for shape, axis in [((1 << 20,), (0,)), ((1000, 1024), (0,)), ((3, 70001), (1,)),
                        ((20001, 3), (0,))]:
        d = up(RNG.uniform(0, 1, shape).astype(np.float32))
        s = np.asarray(down(KERNELS["sum"]["float32"](d, axis, False)))
        m = np.asarray(down(KERNELS["mean"]["float32"](d, axis, False)))
        np.testing.assert_allclose(m, s / np.float32(shape[axis[0]] if len(shape) > 1
                                                     else shape[0]), rtol=3e-7, atol=0)


@pytest.mark.parametrize("op", OPS)
def test_split_axes_views_keepdims(op):
    """3-d axes 0 / 1 / -1 / pairs, keepdims, transposed / sliced / negative-stride views."""
    x = RNG.uniform(-1, 1, (40, 300, 12)).astype(np.float32)
    d = up(x)
    for axis in ((0,), (1,), (2,), (0, 1), (1, 2), (0, 2), (0, 1, 2)):
        for keep in (False, True):
            _check(op, x, axis, KERNELS[op]["float32"](d, axis, keep), keep)
    base = RNG.uniform(-1, 1, (600, 260)).astype(np.float32)
    db = up(base)
    for v in (base[1:, 3:], base[::-1, :], base[:, ::2], base.T, base[10:590, 4:260]):
        for axis in ((0,), (1,), (0, 1)):
            _check(op, v, axis, KERNELS[op]["float32"](view_of(db, base, v), axis, False))


def test_split_small_and_empty():
    """One element, a few, and empty inputs (sum 0, mean NaN; max of nothing is refused by
    core before the kernel, so only sum / mean here)."""
    for shape, axis in [((1,), (0,)), ((2,), (0,)), ((1, 1), (0,)), ((3, 1), (1,))]:
        x = RNG.uniform(-1, 1, shape).astype(np.float32)
        for op in OPS:
            _check(op, x, axis, KERNELS[op]["float32"](up(x), axis, False))
    for shape, axis in [((0,), (0,)), ((0, 5), (0,)), ((5, 0), (0,)), ((5, 0), (1,))]:
        x = np.zeros(shape, np.float32)
        got = np.asarray(down(KERNELS["sum"]["float32"](up(x), axis, False)))
        np.testing.assert_array_equal(got, np.sum(x, axis=axis))
        got = np.asarray(down(KERNELS["mean"]["float32"](up(x), axis, False)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = np.mean(x, axis=axis)
        np.testing.assert_array_equal(got, want)


def test_split_plan_limits():
    """The scratch holds every split plan's counters and partials (no plan exceeds it)."""
    x = up(np.ones((2000, 40, 4), np.float32))
    KERNELS["sum"]["float32"](x, (1,), False)
    for passes in _fast_reduce._PLANS.values():
        for p in passes or ():
            meta, split = p[2], p[9]
            if split and p[0][0] == "fastrow":
                assert meta[0] <= _fast_reduce.CNT and meta[0] * meta[1] <= \
                    _fast_reduce.PART_WORDS
            elif split:
                A, G, NB = meta[0], meta[2], meta[10]
                assert A * NB <= _fast_reduce.CNT
                assert A * NB * G * p[0][3] * p[7] <= _fast_reduce.PART_WORDS


def test_repeated_call_plans():
    """A repeated reduction reuses its call plan: the same layout at every offset modulo 4
    (vec4 and scalar loads), with and without subgroups and the fast kernels, stays right."""
    rt = get_runtime(0)
    base = RNG.uniform(-1, 1, 40 * 1030 + 8).astype(np.float32)
    d = up(base)
    for _ in range(2):
        for off in (0, 1, 2, 3, 4, 5, 8):
            v = base[off:off + 40 * 1028].reshape(40, 1028)
            dv = view_of(d, base, v)
            for op in OPS:
                for axis in ((0,), (1,), (0, 1)):
                    _check(op, v, axis, KERNELS[op]["float32"](dv, axis, False))
    v = base[:40 * 1028].reshape(40, 1028)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rt, "has_subgroup", False)
        mp.setitem(_fast_reduce.ENABLED, "on", False)
        before = rt.dispatches
        _check("sum", v, (0, 1), KERNELS["sum"]["float32"](view_of(d, base, v), (0, 1), False))
        assert rt.dispatches - before == 2  # the generic kernel's two passes


def test_split_from_threads():
    """Split reductions recorded from 4 threads at once (preempted mid-recording) share the
    runtime's counters and partials safely: every result is NumPy's."""
    import sys
    import threading

    xs = [RNG.uniform(-1, 2, s).astype(np.float32)
          for s in (((1 << 17) + 3,), (500, 1028), (5, 20001))]
    ds = [up(x) for x in xs]
    start = threading.Barrier(4)
    errors: list = []

    def work(t):
        try:
            start.wait()
            for i in range(6):
                x, d = xs[(t + i) % 3], ds[(t + i) % 3]
                op = OPS[(t + i) % 4]
                axis = ((0,), (x.ndim - 1,))[i % 2]
                _check(op, x, axis, KERNELS[op]["float32"](d, axis, False))
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors[0]
