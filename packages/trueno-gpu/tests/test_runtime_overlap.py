"""Early submission (``Runtime.submit_every``): the batch goes to the GPU every k dispatches
so a discrete GPU overlaps Python's recording; the commands keep their order, so every result
is the one of a single submission at the sync, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, down, up

import trueno_gpu
from trueno_gpu import _lazy, _runtime

RNG = np.random.default_rng(17)


@pytest.fixture
def rt():
    """The runtime, with lazy fusion off (every elementwise op its own dispatch, so the
    tests count submissions per dispatch), no minimum cost for an early submission (the
    tests' small kernels would wait on a discrete GPU), both restored after the test."""
    rt = trueno_gpu.get_runtime(0)
    rt.synchronize()
    saved, lazy, min_cost = rt.submit_every, _lazy.ENABLED["on"], rt.submit_min_cost
    _lazy.ENABLED["on"] = False
    rt.submit_min_cost = 0
    yield rt
    rt.submit_every, rt.submit_min_cost = saved, min_cost
    _lazy.ENABLED["on"] = lazy
    rt.synchronize()


def _mlp_like(x, w1, w2, b):
    """A forward and backward-like sequence of dispatches: matmuls, adds, relu, a sum."""
    k = KERNELS
    h = k["matmul"]["float32"](x, w1)
    h = k["add"]["float32"](h, b)
    h = k["maximum"]["float32"](h, up(np.zeros(h.shape, np.float32)))
    y = k["matmul"]["float32"](h, w2)
    g = k["multiply"]["float32"](y, y)
    return down(y), down(g), down(k["matmul"]["float32"](h, k["matmul"]["float32"](w1, w1)))


def test_submit_every_k_dispatches_same_bits(rt):
    x = up(RNG.standard_normal((8, 32)).astype(np.float32))
    w1 = up(RNG.standard_normal((32, 32)).astype(np.float32))
    w2 = up(RNG.standard_normal((32, 16)).astype(np.float32))
    b = up(RNG.standard_normal(32).astype(np.float32))
    rt.submit_every = 0
    want = _mlp_like(x, w1, w2, b)
    for k in (1, 2, 3, 5):
        rt.submit_every = k
        got = _mlp_like(x, w1, w2, b)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    h = np.maximum(down(x) @ down(w1) + down(b), 0)
    np.testing.assert_allclose(want[0], h @ down(w2), rtol=1e-4, atol=1e-4)
    _lazy.ENABLED["on"] = True  # fused elementwise nodes between the matmuls: the same bits
    for k in (0, 1, 3):
        rt.submit_every = k
        for g, w in zip(_mlp_like(x, w1, w2, b), want):
            np.testing.assert_array_equal(g, w)


def test_submissions_per_k(rt):
    one = up(np.ones(64, np.float32))
    for k, n in ((4, 12), (5, 12), (0, 12)):
        rt.submit_every = k
        x = up(np.zeros(64, np.float32))
        rt.synchronize()
        before, d0 = rt.submissions, rt.dispatches
        for _ in range(n):  # one dispatch each (fusion off)
            x = KERNELS["add"]["float32"](x, one)
        assert rt.dispatches - d0 == n
        assert rt.submissions - before == (n // k if k else 0)  # sent without a sync
        np.testing.assert_array_equal(down(x), np.full(64, n, np.float32))
        assert rt.submissions - before == (n // k if k else 0) + 1  # the download's


def test_idle_policy_same_bits(rt):
    """"lo-hi": submitted from lo pending dispatches on when the GPU is idle, at hi always."""
    x = up(RNG.standard_normal((8, 32)).astype(np.float32))
    w1 = up(RNG.standard_normal((32, 32)).astype(np.float32))
    w2 = up(RNG.standard_normal((32, 16)).astype(np.float32))
    b = up(RNG.standard_normal(32).astype(np.float32))
    rt.submit_every = 0
    want = _mlp_like(x, w1, w2, b)
    for k in ((1, 3), (2, 5), "1-2"):
        rt.submit_every = k
        for g, w in zip(_mlp_like(x, w1, w2, b), want):
            np.testing.assert_array_equal(g, w)
    one = up(np.ones(64, np.float32))
    rt.submit_every = "2-5"
    assert rt.submit_every == (2, 5)
    x = up(np.zeros(64, np.float32))
    rt.synchronize()
    before = rt.submissions
    for i in range(20):
        x = KERNELS["add"]["float32"](x, one)
        if i == 1:  # the GPU was idle at the 2nd dispatch
            assert rt.submissions == before + 1
    assert 20 // 5 <= rt.submissions - before <= 20 // 2
    np.testing.assert_array_equal(down(x), np.full(64, 20, np.float32))


def test_submit_min_cost_waits_for_enough_work(rt):
    """``submit_min_cost``: an early submission waits (lo more dispatches at a time, up to
    4 lo) while the batch's cost is under it; results are the same."""
    one = up(np.ones(64, np.float32))
    cost = 64 * 12  # an add of 64 float32: bytes read and written
    try:
        for min_cost, want in ((0, 5), (5 * cost, 2), (1 << 40, 1)):
            rt.submit_every, rt.submit_min_cost = 4, min_cost
            x = up(np.zeros(64, np.float32))
            rt.synchronize()
            before = rt.submissions
            for _ in range(20):
                x = KERNELS["add"]["float32"](x, one)
            # 0: every 4; 5 adds' cost: at 8 and 16 (4 adds cost too little); huge: at 16 (4 lo)
            assert rt.submissions - before == want, min_cost
            np.testing.assert_array_equal(down(x), np.full(64, 20, np.float32))
    finally:
        rt.submit_min_cost = 0


@pytest.mark.parametrize("bad", [-1, "eight", "8-4", "0-4", "1-2-3", (1, 2, 3), 2.5, True])
def test_submit_every_is_checked(rt, bad):
    with pytest.raises(ValueError, match="submit_every .* must be k >= 0"):
        rt.submit_every = bad


def test_submit_every_values(rt):
    for k, want in ((" 6 ", 6), ("4-16", (4, 16)), ((3, 9), (3, 9)), ("0", 0), (7, 7),
                    ("5-5", 5)):
        rt.submit_every = k
        assert rt.submit_every == want
    rt.submit_every = 10 * rt.MAX_BATCH  # capped by MAX_BATCH
    assert rt._submit_at == rt.MAX_BATCH
    assert _runtime._submit_policy("2-8") == (2, 8)


def test_default_policy():
    """Off on a CPU adapter (lavapipe: a submission costs ~300 us of this CPU), else
    ``SUBMIT_EVERY`` once the batch costs ``SUBMIT_MIN_COST``; the environment variables
    override them. (No ``rt`` fixture: it changes them; the other tests restore them.)"""
    import os

    rt = trueno_gpu.get_runtime(0)
    cpu = rt.info.get("adapter_type") == "CPU"
    if not os.environ.get("TRUENO_GPU_SUBMIT_EVERY", "").strip():
        assert rt.submit_every == (0 if cpu else rt.SUBMIT_EVERY)
    if not os.environ.get("TRUENO_GPU_SUBMIT_MIN_BYTES", "").strip():
        assert rt.submit_min_cost == (0 if cpu else rt.SUBMIT_MIN_COST)
