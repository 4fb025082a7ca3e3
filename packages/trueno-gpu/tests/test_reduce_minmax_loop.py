"""max/min of the fast reductions (``_fast_reduce``), whose load loops take the plain WGSL
max/min and note NaN in a running unsigned max of the shifted bits (checked once after the
loop): NaN at the first, last, middle and tail elements of rows and columns on either side of
every plan boundary (one thread / a workgroup / split rows, vec4 / scalar loads, the
unrolled loop and its remainder), NaN with the sign bit set or a payload, rows of only -inf
or +inf, keepdims, float16, integers (the generic kernel, exact), and the loops' shape: no
select per element (the old form ran at a third of sum's bandwidth on the H100)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import DTYPES, KERNELS, down, up

from trueno_gpu import _fast_reduce, get_runtime
from trueno_gpu._dtypes import dtype_info
from trueno_gpu._reduce import _new_plan

RNG = np.random.default_rng(1810)
NEG_NAN = np.array([0xFFC00000], np.uint32).view(np.float32)[0]  # sign bit set
PAY_NAN = np.array([0x7F800001], np.uint32).view(np.float32)[0]  # smallest payload
# row lengths around every boundary: vec4 or scalar loads, threads per row (4 loads each),
# one pass / split rows (16K), the split's unrolled loop and its remainder
ROW_LENGTHS = [1, 3, 4, 5, 15, 16, 17, 1023, 1024, 1028, 4097, 16384, 16385, 16388, 70001,
               (1 << 18) + 4]


def _rows_with_nan(R: int) -> np.ndarray:
    """Rows of length R: NaN at the first / last / middle / last-but-one / a random element
    (one per row), a NaN with the sign bit set, one with a payload, no NaN, only -inf, only
    +inf, +-inf and a NaN."""
    pos = [0, R - 1, R // 2, max(R - 2, 0), int(RNG.integers(R))]
    x = RNG.uniform(-3, 3, (len(pos) + 7, R)).astype(np.float32)
    for i, p in enumerate(pos):
        x[i, p] = np.nan
    k = len(pos)
    x[k, R // 3] = NEG_NAN
    x[k + 1, (2 * R) // 3] = PAY_NAN
    x[k + 3] = -np.inf
    x[k + 4] = np.inf
    x[k + 5, 0] = np.inf
    x[k + 5, R - 1] = -np.inf
    x[k + 6, :] = -np.inf
    x[k + 6, R - 1 - R // 4] = NEG_NAN
    return x


def _same(got, want):
    g = np.asarray(down(got))
    assert g.shape == want.shape and g.dtype == want.dtype
    np.testing.assert_array_equal(g, want)  # NaN equals NaN here, -0.0 equals 0.0


@pytest.mark.parametrize("op", ("max", "min"))
def test_rows_nan_every_position(op):
    """One row per NaN position, every row length class; each row's result vs NumPy."""
    for R in ROW_LENGTHS:
        x = _rows_with_nan(R)
        _same(KERNELS[op]["float32"](up(x), (1,), False), getattr(np, op)(x, axis=1))


@pytest.mark.parametrize("op", ("max", "min"))
def test_full_nan_positions(op):
    """Full reductions (one output, split over many workgroups): NaN first / last / middle /
    in the unrolled loop's remainder of a split row, and none."""
    # (1 << 20) + 4: 260 workgroups; vectors 62465 .. 66559 take the remainder loop
    for n, extra in ((5, 1), (16385, 16000), (16388, 9), (1 << 20, 77),
                     ((1 << 20) + 4, 4 * 62466 + 1), ((1 << 20) + 3, 1000)):
        base = RNG.uniform(-3, 3, n).astype(np.float32)
        want = getattr(np, op)(base)
        _same(KERNELS[op]["float32"](up(base), (0,), False), np.asarray(want))
        for p in (0, n - 1, n // 2, extra):
            x = base.copy()
            x[p] = NEG_NAN if p == extra else np.nan
            got = np.asarray(down(KERNELS[op]["float32"](up(x), (0,), False)))
            assert np.isnan(got), (op, n, p, got)


@pytest.mark.parametrize("op", ("max", "min"))
def test_columns_nan_every_position(op):
    """Column reductions (one pass, chunks of rows, split blocks of columns): each column's
    NaN at a different row; columns of only -inf / +inf; the NaN stays in its column."""
    for R, C in ((3, 8), (32, 130), (33, 5), (100, 64), (1000, 130), (4097, 12), (20001, 4)):
        x = RNG.uniform(-3, 3, (R, C)).astype(np.float32)
        for c in range(2, C, 2):  # odd columns keep their numbers
            x[(c * 7919) % R, c] = np.nan if c % 4 else NEG_NAN
        x[:, 1] = -np.inf
        x[:, C - 1] = np.inf
        x[R - 1, 0] = np.nan
        _same(KERNELS[op]["float32"](up(x), (0,), False), getattr(np, op)(x, axis=0))


@pytest.mark.parametrize("op", ("max", "min"))
def test_keepdims_3d_and_float16(op):
    x = RNG.uniform(-3, 3, (6, 70, 44)).astype(np.float32)
    x[2, 5, 7] = np.nan
    x[5, 69, 43] = np.nan
    for axis in ((0,), (1,), (2,), (0, 1, 2), (1, 2)):
        _same(KERNELS[op]["float32"](up(x), axis, True), getattr(np, op)(x, axis=axis,
                                                                         keepdims=True))
    if "float16" in DTYPES:
        h = RNG.uniform(-3, 3, (5, 4100)).astype(np.float16)
        h[1, 0] = np.nan
        h[2, 4099] = np.nan
        h[3] = -np.inf
        for axis in ((0,), (1,), (0, 1)):
            _same(KERNELS[op]["float16"](up(h), axis, False), getattr(np, op)(h, axis=axis))


@pytest.mark.parametrize("op", ("max", "min"))
def test_int_minmax_exact(op):
    """Integers take the generic kernel: exact, extremes included."""
    x = RNG.integers(-2 ** 31, 2 ** 31 - 1, (7, 20001), dtype=np.int64).astype(np.int32)
    x[3, 20000] = 2 ** 31 - 1
    x[4, 0] = -2 ** 31
    for axis in ((0,), (1,), (0, 1)):
        _same(KERNELS[op]["int32"](up(x), axis, False), getattr(np, op)(x, axis=axis))


def _loops(source: str) -> list[str]:
    """The bodies of the shader's load loops (``for (`` over X; not the partials' loops)."""
    bodies, lines = [], source.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*for \(; ", line):
            depth, body = 0, []
            for inner in lines[i:]:
                body.append(inner)
                depth += inner.count("{") - inner.count("}")
                if depth == 0:
                    break
            bodies.append("\n".join(body))
    return bodies


@pytest.mark.parametrize("op", ("max", "min"))
def test_loops_do_sums_work(op):
    """Every load loop of max/min (rows, split rows, columns, split columns, vec4 and
    scalar): per element one max/min and the NaN bits, no select and no NaN test (the
    exact combine runs once per accumulator after the loop)."""
    rt = get_runtime(0)
    x = up(np.zeros(4, np.float32))  # views of any size: only their layout is planned
    sources = []
    dt = dtype_info("float32")
    for shape, axis in [((1 << 24,), (0,)), ((1 << 20,), (0,)), (((1 << 20) + 3,), (0,)),
                        ((512, 1024), (1,)), ((4096, 4096), (0,)), ((30, 4096), (0,)),
                        ((4097, 6), (0,))]:
        sa = x.view(0, shape, tuple(int(np.prod(shape[d + 1:])) for d in range(len(shape))))
        _, kc, ks, rc, rs, _, n_out, R = _new_plan(sa, axis, False)
        passes = _fast_reduce._plan(rt, op, sa, dt, dt, kc, ks, rc, rs, n_out, R)
        sources += [(p[0][0], p[7], p[1]()) for p in passes]
    kinds = set()
    for kind, V, src in sources:
        loops = _loops(src)
        assert loops, src
        for body in loops:
            assert "select(" not in body and "cmb(" not in body and "isn" not in body, body
            assert f"{op}(a0, v0)" in body and "nb = max(nb, " in body, body
        kinds.add((kind, V))
    assert {"fastrow", "fastcol", "fastcolsplit"} <= {k for k, _ in kinds}, kinds
    assert {1, 4} <= {v for _, v in kinds}, kinds


@pytest.mark.parametrize("op", ("sum", "mean", "max", "min"))
def test_row_loop_unrolled_8(op, monkeypatch):
    """The row loop with 8 accumulators (``_UNROLL``, with ``_LOADS`` knobs that
    tools/bench/stress_reduce.py sweeps): full and split rows, vec4 and scalar, its
    remainder loop, NaN for max/min."""
    rt = get_runtime(0)
    monkeypatch.setattr(_fast_reduce, "_UNROLL", 8)
    monkeypatch.setattr(_fast_reduce, "_LOADS", 16)  # 16 loads a thread: two trips of 8
    monkeypatch.setattr(_fast_reduce, "_PLANS", {})
    import trueno_gpu._reduce as red

    monkeypatch.setattr(red, "_CALLS", {})
    for shape, axis in [(((1 << 20) + 4,), (0,)), (((1 << 20) + 3,), (0,)), ((16388,), (0,)),
                        ((3, 70001), (1,)), ((5, 4100), (1,)), ((7, 33), (1,))]:
        x = RNG.uniform(-1, 2, shape).astype(np.float32)
        if op in ("max", "min"):
            x.reshape(-1)[[0, x.size // 2 + 1]] = [np.nan, NEG_NAN]
            x.reshape(-1)[x.size - 1] = -np.inf if op == "max" else np.inf
        got = np.asarray(down(KERNELS[op]["float32"](up(x), axis, False)))
        want = getattr(np, op)(x.astype(np.float64), axis=axis)
        if op in ("max", "min"):
            np.testing.assert_array_equal(got, want.astype(np.float32))
        else:
            scale = np.sum(np.abs(x.astype(np.float64)), axis=axis)
            scale = scale / (x.size // got.size) if op == "mean" else scale
            assert np.all(np.abs(got - want) <= 2e-6 * scale), (shape, axis)
    assert any(k[0] == "fastrow" and k[-1] == 8 and k[-2] for k in rt._kernels
               if isinstance(k, tuple) and k), "no split row kernel with 8 accumulators"
