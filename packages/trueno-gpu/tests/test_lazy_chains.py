"""Lazy float32 scalar chains (``_lazy``, issue 18): planned add / subtract / multiply of a
contiguous float32 array and a scalar are fused into one dispatch per chain (its first op
runs eagerly: the chain starts from that result), emitted before anything else reaches the
runtime. Every result is compared bit for bit with eager execution (fusion off) and with
NumPy's float32 arithmetic (the same IEEE operations). Tensor-with-tensor and unary nodes:
test_lazy_fusion.py."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from conftest import API, KERNELS, down, up, view_of
from trueno._optable import OPS

import trueno_gpu
from trueno_gpu import _lazy
from trueno_gpu._runtime import get_runtime

RNG = np.random.default_rng(1818)
ADD, SUB, MUL = (KERNELS[op]["float32"] for op in ("add", "subtract", "multiply"))
NP = {op: getattr(np, OPS[op].numpy_name) for op in ("add", "subtract", "multiply")}


@pytest.fixture(autouse=True)
def lazy():
    """Every test here runs with fusion on (``TRUENO_GPU_LAZY=0`` turns the default off)."""
    old = _lazy.ENABLED["on"]
    _lazy.ENABLED["on"] = True
    try:
        yield
    finally:
        trueno_gpu.synchronize()
        _lazy.ENABLED["on"] = old


@pytest.fixture
def eager(lazy):
    """Run the body with fusion off (every op its own dispatch)."""
    _lazy.ENABLED["on"] = False
    yield


def _steps(n, seed=0):
    """``n`` chain steps: (op, scalar, scalar first)."""
    g = np.random.default_rng(seed)
    ops = ("add", "subtract", "multiply")
    return [(ops[g.integers(3)], np.float32(g.uniform(0.5, 1.5)), bool(g.integers(2)))
            for _ in range(n)]


def _run_dev(x, steps):
    k = {"add": ADD, "subtract": SUB, "multiply": MUL}
    for op, s, first in steps:
        x = k[op](s, x) if first else k[op](x, s)
    return x


def _run_np(h, steps):
    for op, s, first in steps:
        h = NP[op](s, h) if first else NP[op](h, s)
    return h


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint32)


@pytest.mark.parametrize("n", [1, 2, 3, 31, 32, 33, 100])
def test_chain_equals_eager_and_numpy_bit_for_bit(n):
    h = RNG.standard_normal(1000).astype(np.float32)
    steps = _steps(n, seed=n)
    want = _run_np(h, steps)
    x = up(h)
    _run_dev(x, steps)  # plans every layout (a first call runs eagerly)
    rt = get_runtime(0)
    trueno_gpu.synchronize()
    before = rt.dispatches
    got = down(_run_dev(x, steps))
    fused = rt.dispatches - before
    np.testing.assert_array_equal(_bits(got), _bits(want))
    assert fused <= -(-n // _lazy.ENABLED["max"]) + 1, fused  # (+1: the download's copy)
    _lazy.ENABLED["on"] = False
    try:
        np.testing.assert_array_equal(_bits(down(_run_dev(x, steps))), _bits(want))
    finally:
        _lazy.ENABLED["on"] = True


def test_no_contraction_across_steps():
    """(x * a) + b and (x * a) - b and b - (x * a) round twice, as NumPy and eager kernels do;
    an fma would round once (inputs chosen so the two differ for most elements)."""
    x = RNG.uniform(1, 2, 4096).astype(np.float32)
    a, b = np.float32(1.0000001), np.float32(-1.0)
    fma = (x.astype(np.float64) * a + b).astype(np.float32)
    for tail in (("add", b, False), ("subtract", b, True), ("subtract", b, False)):
        steps = [("multiply", a, False), tail, ("multiply", np.float32(3.0), False)]
        want = _run_np(x, steps)
        dx = up(x)
        _run_dev(dx, steps)
        got = down(_run_dev(dx, steps))
        np.testing.assert_array_equal(_bits(got), _bits(want))
    assert (x * a + b != fma).sum() > 100  # the test can tell an fma from two roundings


def _subnormal_anywhere(h, steps):
    """Positions where the input or a step's float32 result (NumPy's) is subnormal: a driver
    may flush those (NVIDIA's does, in eager and fused kernels alike)."""
    tiny = np.finfo(np.float32).tiny
    hit = (h != 0) & (np.abs(h) < tiny)
    for op, s, first in steps:
        hit |= (s != 0) & (abs(s) < tiny)
        with np.errstate(all="ignore"):
            h = NP[op](s, h) if first else NP[op](h, s)
        hit |= (h != 0) & (np.abs(h) < tiny)
    return hit


def test_special_values_keep_their_bits():
    """Signed zeros, infinities, NaN, subnormals and the largest floats: the fused chain gives
    eager execution's bits everywhere, and NumPy's wherever no value on the way is subnormal
    (a driver may flush subnormals, fused or not)."""
    h = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-40, 3.4e38, -3.4e38, 1.0],
                 np.float32)
    h = np.resize(h, 64)
    for steps in ([("multiply", np.float32(-0.0), False), ("add", np.float32(0.0), False)],
                  [("multiply", np.float32(10.0), False), ("subtract", np.float32(np.inf), True)],
                  [("add", np.float32(1e-45), False), ("multiply", np.float32(0.5), False)]):
        with np.errstate(all="ignore"):
            want = _run_np(h, steps)
        x = up(h)
        _run_dev(x, steps)
        got = down(_run_dev(x, steps))
        _lazy.ENABLED["on"] = False
        try:
            eager = down(_run_dev(up(h), steps))
        finally:
            _lazy.ENABLED["on"] = True
        np.testing.assert_array_equal(np.isnan(got), np.isnan(eager))
        np.testing.assert_array_equal(_bits(got)[~np.isnan(eager)],
                                      _bits(eager)[~np.isnan(eager)])
        ok = ~np.isnan(want) & ~_subnormal_anywhere(h, steps)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(_bits(got)[ok], _bits(want)[ok])


def test_intermediates_read_early_and_kept_alive():
    h = RNG.standard_normal(300).astype(np.float32)
    x = up(h)
    steps = _steps(40, seed=7)
    _run_dev(x, steps)
    # every intermediate alive: all are stored (more than one dispatch's bindings)
    outs, z, w = [], x, h
    k = {"add": ADD, "subtract": SUB, "multiply": MUL}
    for op, s, first in steps:
        z = k[op](s, z) if first else k[op](z, s)
        w = NP[op](s, w) if first else NP[op](w, s)
        outs.append((z, w))
    for z, w in outs:
        np.testing.assert_array_equal(_bits(down(z)), _bits(w))
    # a result read in the middle of a chain, then the chain goes on from it
    z1 = MUL(x, np.float32(2.0))
    z2 = ADD(z1, np.float32(1.0))
    np.testing.assert_array_equal(down(z1), h * np.float32(2.0))
    z3 = MUL(z2, np.float32(3.0))
    z4 = SUB(z1, np.float32(0.5))  # from an emitted intermediate
    np.testing.assert_array_equal(down(z3), (h * np.float32(2.0) + np.float32(1.0)) *
                                  np.float32(3.0))
    np.testing.assert_array_equal(down(z4), h * np.float32(2.0) - np.float32(0.5))


def test_views_of_pending_results():
    h = RNG.standard_normal(64).astype(np.float32)
    x = up(h)
    for _ in range(2):
        z = ADD(MUL(x, np.float32(3.0)), np.float32(1.0))
        w = h * np.float32(3.0) + np.float32(1.0)
        tail = view_of(z, w, w[8:])  # an offset view: not the chain's tail, emits it
        np.testing.assert_array_equal(down(MUL(tail, np.float32(2.0))), w[8:] * np.float32(2))
        half = view_of(z, w, w[:32])  # same storage and offset, fewer elements
        np.testing.assert_array_equal(down(ADD(half, np.float32(2.0))), w[:32] + np.float32(2))
        z = ADD(MUL(x, np.float32(3.0)), np.float32(1.0))
        r = view_of(z, w, w.reshape(8, 8))  # a contiguous reshape of the tail extends it
        np.testing.assert_array_equal(down(SUB(r, np.float32(4.0))),
                                      w.reshape(8, 8) - np.float32(4.0))
        z = ADD(MUL(x, np.float32(3.0)), np.float32(1.0))
        s = view_of(z, w, w[::2])  # strided: the general kernel reads the emitted buffer
        np.testing.assert_array_equal(down(MUL(s, np.float32(5.0))), w[::2] * np.float32(5.0))
        np.testing.assert_array_equal(down(ADD(z, z)), w + w)  # both operands the tail


def test_source_written_in_place_after_the_chain_started():
    """A pending chain reads its source before any later write to it (the write is recorded
    after the chain is emitted)."""
    from trueno_gpu import _api

    h = RNG.standard_normal(256).astype(np.float32)
    for _ in range(2):
        x = up(h)
        z = MUL(ADD(x, np.float32(1.0)), np.float32(2.0))
        _api.copy_(x, np.float32(0.0))  # x[...] = 0
        y = ADD(x, np.float32(5.0))
        np.testing.assert_array_equal(down(z), (h + np.float32(1.0)) * np.float32(2.0))
        np.testing.assert_array_equal(down(y), np.full(256, 5, np.float32))
        np.testing.assert_array_equal(down(x), np.zeros(256, np.float32))


def test_tensor_api_in_place_autograd_and_promotion():
    import trueno
    import trueno.torch as T

    h = RNG.standard_normal((16, 8)).astype(np.float32)
    for _ in range(2):
        a = trueno.asarray(h).to_device("gpu")
        b = (a * 2.0 + 1.0) * 0.5 - 3.0
        a += 1.0  # in place after the chain started
        np.testing.assert_array_equal(
            np.asarray(b.to_device("cpu")),
            ((h * np.float32(2) + np.float32(1)) * np.float32(0.5)) - np.float32(3))
        np.testing.assert_array_equal(np.asarray(a.to_device("cpu")), h + np.float32(1))
        d = a * 2.0 + np.float64(1.5)  # a NumPy float64 scalar promotes (NumPy 2): eager
        want = (h + np.float32(1)) * np.float32(2) + np.float64(1.5)
        assert want.dtype == np.float64 and d.dtype == trueno.float64
        np.testing.assert_array_equal(np.asarray(d.to_device("cpu")), want)
        i = trueno.asarray(h.astype(np.int32)).to_device("gpu")  # int32: eager
        np.testing.assert_array_equal(np.asarray((i * 3 + 1).to_device("cpu")),
                                      h.astype(np.int32) * 3 + 1)
    x = T.tensor(h).to("gpu").requires_grad_()
    y = ((x * 2.0 + 1.0) * x - 0.5).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.to("cpu").numpy(), 4 * h + 1, rtol=1e-6)


def test_freed_results_run_and_memory_returns():
    rt = get_runtime(0)
    x = up(np.ones(4096, np.float32))
    ADD(MUL(x, np.float32(2.0)), np.float32(1.0))
    trueno_gpu.synchronize()
    gc.collect()
    base = trueno_gpu.memory_allocated()
    before = rt.dispatches
    for _ in range(5):
        z = x
        for _ in range(10):
            z = ADD(MUL(z, np.float32(2.0)), np.float32(1.0))
        del z  # every result freed while the chain is pending
    trueno_gpu.synchronize()
    assert rt.dispatches > before  # the chains still ran (as eager kernels would)
    gc.collect()
    assert trueno_gpu.memory_allocated() == base
    kept = [ADD(x, np.float32(float(i))) for i in range(3)]  # three chains of one step
    got = [down(k) for k in kept]
    for i, g in enumerate(got):
        np.testing.assert_array_equal(g, np.full(4096, 1 + i, np.float32))


def test_sync_emits_pending_chain():
    rt = get_runtime(0)
    x = up(np.ones(128, np.float32))
    MUL(x, np.float32(3.0))  # plans the layout (a first call runs eagerly)
    z = ADD(x, np.float32(1.0))
    z = ADD(x, np.float32(1.0))
    trueno_gpu.synchronize()
    before = rt.dispatches
    z = MUL(z, np.float32(3.0))
    assert rt._chain is not None
    trueno_gpu.synchronize()
    assert rt._chain is None and rt.dispatches == before + 1
    np.testing.assert_array_equal(down(z), np.full(128, 6, np.float32))


def test_other_kernels_and_copies_see_emitted_results():
    h = RNG.standard_normal((32, 32)).astype(np.float32)
    x = up(h)
    w = (h + np.float32(1)) * np.float32(2)
    for _ in range(2):
        z = MUL(ADD(x, np.float32(1.0)), np.float32(2.0))
        np.testing.assert_allclose(down(KERNELS["sum"]["float32"](z, (0, 1), False)),
                                   w.sum(dtype=np.float64), rtol=1e-5)
        z = MUL(ADD(x, np.float32(1.0)), np.float32(2.0))
        np.testing.assert_array_equal(down(KERNELS["exp"]["float32"](z)),
                                      down(KERNELS["exp"]["float32"](up(w))))
        z = MUL(ADD(x, np.float32(1.0)), np.float32(2.0))
        np.testing.assert_allclose(down(KERNELS["matmul"]["float32"](z, x)), w @ h,
                                   rtol=1e-4, atol=1e-4)
        z = MUL(ADD(x, np.float32(1.0)), np.float32(2.0))
        np.testing.assert_array_equal(down(API.from_numpy(down(z), 0)), w)


def test_layout_dtype_and_shape_changes_between_chains():
    """Plans of other shapes, dtypes and strides between chain steps: each value right."""
    for shape in ((7,), (4, 5), (1000,), (2, 3, 4)):
        for dtype in ("float32", "float64", "float16", "int32"):
            if dtype not in API.dtypes(0):
                continue
            h = RNG.integers(-4, 4, shape).astype(dtype)
            x = up(h)
            for _ in range(2):
                z = KERNELS["multiply"][dtype](KERNELS["add"][dtype](x, h.dtype.type(2)),
                                               h.dtype.type(3))
                np.testing.assert_array_equal(down(z), (h + h.dtype.type(2)) * h.dtype.type(3))
        base = RNG.standard_normal((6, 5)).astype(np.float32)
        tv = view_of(up(base), base, base.T)  # transposed: eager
        for _ in range(2):
            np.testing.assert_array_equal(down(ADD(MUL(tv, np.float32(2)), np.float32(1))),
                                          base.T * np.float32(2) + np.float32(1))


def test_chains_from_threads():
    h = RNG.standard_normal(512).astype(np.float32)
    x = up(h)
    steps = _steps(50, seed=3)
    want = _bits(_run_np(h, steps))
    _run_dev(x, steps)
    errors = []

    def work():
        try:
            for _ in range(3):
                got = down(_run_dev(x, steps))
                if not np.array_equal(_bits(got), want):
                    errors.append("mismatch")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_eager_switch_gives_the_same_bits(eager):
    h = RNG.standard_normal(333).astype(np.float32)
    steps = _steps(20, seed=9)
    x = up(h)
    rt = get_runtime(0)
    before = rt.dispatches
    got = down(_run_dev(x, steps))
    assert rt.dispatches - before >= 20  # one dispatch per op
    np.testing.assert_array_equal(_bits(got), _bits(_run_np(h, steps)))


# -- the planned path's runtime work: Runtime.record_new and the scalar words kept per object --
def test_same_scalar_object_across_dtypes_and_orders():
    """A planned kernel keeps the last scalar's metadata words with the scalar object and the
    dtype they were made for: the same Python float on float32 and float64 arrays, and -0.0
    after 0.0 (equal, not identical), each gives its own dtype's value."""
    s = 0.1
    for dtype in [d for d in ("float32", "float64", "float32") if d in API.dtypes(0)]:
        h = RNG.standard_normal(64).astype(dtype)
        x = up(h)
        for _ in range(2):
            for k, f in (("add", np.add), ("multiply", np.multiply)):
                np.testing.assert_array_equal(down(KERNELS[k][dtype](x, s)), f(h, h.dtype.type(s)))
                np.testing.assert_array_equal(down(KERNELS[k][dtype](s, x)), f(h.dtype.type(s), h))
    h = np.ones(16, np.float32)
    x = up(h)
    for _ in range(2):
        for z in (0.0, -0.0):
            got = down(MUL(x, z))
            np.testing.assert_array_equal(np.signbit(got), np.signbit(h * np.float32(z)))


def test_new_results_never_alias_live_ones():
    """Results taken from the pool while others live (and some freed in between, in and out of
    a batch): every live result keeps its own buffer and value."""
    h = RNG.standard_normal(1024).astype(np.float32)
    g = RNG.standard_normal(1024).astype(np.float32)
    x, y = up(h), up(g)
    live = {}
    for i in range(120):
        r = KERNELS["add"]["float32"](x, y) if i % 2 else KERNELS["subtract"]["float32"](x, y)
        live[i] = r
        if i % 3 == 0 and i - 3 in live:
            del live[i - 3]
        if i % 50 == 0:
            trueno_gpu.synchronize()
    bufs = [r.storage.buffer for r in live.values()]
    assert len({id(b) for b in bufs}) == len(bufs)
    for i, r in live.items():
        np.testing.assert_array_equal(down(r), h + g if i % 2 else h - g)


def test_record_new_without_a_free_buffer():
    """A planned call whose size class has no free buffer allocates one (Runtime.alloc)."""
    rt = get_runtime(0)
    h = RNG.standard_normal(3000).astype(np.float32)
    x = up(h)
    KERNELS["exp"]["float32"](x)  # plans the layout
    trueno_gpu.empty_cache()  # no free buffers at all
    before = rt.pool.reserved
    z = KERNELS["exp"]["float32"](x)
    assert rt.pool.reserved > before
    np.testing.assert_array_equal(down(z), down(KERNELS["exp"]["float32"](up(h))))
