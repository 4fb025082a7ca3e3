"""The plan of full float32 reductions of 256K..4M elements (``_fast_reduce._FULL_RANGE``):
8 loads a thread in one trip of 8 independent loads, one dispatch, and for sum/mean a
fixed-order tree instead of subgroupAdd. The sums are checked bit for bit against a NumPy
float32 emulation of that order (f32 addition is correctly rounded in WGSL and the data has
no subnormals), so they are a function of the shape only: the same with and without
subgroups, on any driver. mean is that sum divided (WGSL division: within 2.5 ulp); max/min
equal NumPy's, with NaN; sizes just outside the range keep the 4 x 4 plan."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, down, up, view_of

from trueno_gpu import _fast_reduce, get_runtime
from trueno_gpu._codegen import WG
from trueno_gpu._dtypes import dtype_info
from trueno_gpu._reduce import _new_plan

RNG = np.random.default_rng(2026)
F32 = dtype_info("float32")
NEG_NAN = np.array([0xFFC00000], np.uint32).view(np.float32)[0]
LO, HI = _fast_reduce._FULL_RANGE


def _passes(d, op):
    _, kc, ks, rc, rs, _, n_out, R = _new_plan(d, (0,), False)
    return _fast_reduce._plan(get_runtime(0), op, d, F32, F32, kc, ks, rc, rs, n_out, R)


def _pairwise(terms: list) -> np.ndarray:
    """The kernels' ``_tree``: neighbours added level by level."""
    while len(terms) > 1:
        terms = [terms[i] + terms[i + 1] if i + 1 < len(terms) else terms[i]
                 for i in range(0, len(terms), 2)]
    return terms[0]


def _lanes_tree(v: np.ndarray) -> np.ndarray:
    """The workgroup tree over the last axis (WG lanes): lane i += lane i + s, s = WG/2 .. 1."""
    v = v.copy()
    s = WG // 2
    while s:
        v[..., :s] = v[..., :s] + v[..., s:2 * s]
        s //= 2
    return v[..., 0]


def emulate_sum(x: np.ndarray, V: int, G: int, U: int) -> np.float32:
    """The row kernel's float32 sum of ``x`` with ``G`` workgroups of WG threads, ``V``-wide
    loads and ``U`` accumulators, in the kernel's order (see ``_row_source``)."""
    X = x.astype(np.float32).reshape(-1, V)
    Rv, st = X.shape[0], G * WG
    acc = np.zeros((U, st, V), np.float32)
    j = np.arange(st)
    while True:  # the unrolled trips
        m = j + (U - 1) * st < Rv
        if not m.any():
            break
        for i in range(U):
            acc[i, m] = acc[i, m] + X[j[m] + i * st]
        j = np.where(m, j + U * st, j)
    while True:  # the remainder loop, into the first accumulator
        m = j < Rv
        if not m.any():
            break
        acc[0, m] = acc[0, m] + X[j[m]]
        j = np.where(m, j + st, j)
    t = _pairwise(list(acc))
    t = (t[:, 0] + t[:, 1]) + (t[:, 2] + t[:, 3]) if V == 4 else t[:, 0]
    parts = _lanes_tree(t.reshape(G, WG))
    tp = np.zeros(WG, np.float32)
    for k in range(0, G, WG):  # the last workgroup's loop over the partials
        n = min(WG, G - k)
        tp[:n] = tp[:n] + parts[k:k + n]
    return _lanes_tree(tp)


@pytest.mark.parametrize("n", [LO, LO + 1, 1 << 20, (1 << 20) + 3, 3 << 20, HI])
def test_full_plan_sum_bits(n, monkeypatch):
    """sum in the range: one dispatch of the 8 x 8 plan, no subgroup operation, the bits of
    the emulated order with and without subgroups; mean is that sum / n."""
    x = RNG.uniform(-1, 2, n).astype(np.float32)
    d = up(x)
    (p,) = _passes(d, "sum")
    key, meta = p[0], p[2]
    V = 4 if n % 4 == 0 else 1
    G = -(-(n // V) // (WG * 8))
    G = -(-G // 4) * 4
    assert key[0] == "fastrow" and key[-1] == 8 and key[-2] and not key[-3], key
    assert key[2] == V and meta[1] == G, (key, meta)
    want = emulate_sum(x, V, G, 8)
    rt = get_runtime(0)
    for sub in (True, False):
        monkeypatch.setattr(rt, "has_subgroup", sub and rt.has_subgroup)
        before = rt.dispatches
        got = np.asarray(down(KERNELS["sum"]["float32"](d, (0,), False)))
        assert rt.dispatches - before == 1
        assert got.tobytes() == np.float32(want).tobytes(), (n, sub, got, want)
        mean = np.asarray(down(KERNELS["mean"]["float32"](d, (0,), False)))
        np.testing.assert_allclose(mean, want / np.float32(n), rtol=4e-7)
    x64 = x.astype(np.float64)
    assert abs(want - x64.sum()) <= 2e-6 * np.abs(x64).sum()


def test_full_plan_offset_view():
    """A 1M view at an odd offset takes scalar loads in the same plan: the emulated bits."""
    n = 1 << 20
    base = RNG.uniform(-1, 2, n + 5).astype(np.float32)
    v = base[3:3 + n]
    dv = view_of(up(base), base, v)
    (p,) = _passes(dv, "sum")
    assert p[0][2] == 1 and p[0][-1] == 8
    got = np.asarray(down(KERNELS["sum"]["float32"](dv, (0,), False)))
    assert got.tobytes() == np.float32(emulate_sum(v, 1, p[2][1], 8)).tobytes()


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("n", [LO, 1 << 20, (1 << 20) + 3])
def test_full_plan_max_min(op, n):
    """max/min in the range (subgroups kept: exact in any order) equal NumPy's, also with
    a NaN (either sign) at a random element."""
    x = RNG.uniform(-1, 2, n).astype(np.float32)
    (p,) = _passes(up(x), op)
    assert p[0][-1] == 8
    for y in (x, x.copy(), x.copy()):
        if y is not x:
            y[int(RNG.integers(n))] = NEG_NAN if y[0] > 0 else np.nan
        got = np.asarray(down(KERNELS[op]["float32"](up(y), (0,), False)))
        np.testing.assert_array_equal(got, getattr(np, op)(y))


@pytest.mark.parametrize("n", [LO - 4, HI + 4])
def test_outside_range_keeps_default_plan(n):
    """Just outside the range: the default 4 loads x unroll 4 plan, NumPy's sum within the
    split tests' tolerance."""
    x = RNG.uniform(-1, 2, n).astype(np.float32)
    d = up(x)
    (p,) = _passes(d, "sum")
    assert p[0][-1] == _fast_reduce._UNROLL == 4
    got = np.asarray(down(KERNELS["sum"]["float32"](d, (0,), False)))
    x64 = x.astype(np.float64)
    assert abs(got - x64.sum()) <= 2e-6 * np.abs(x64).sum()
