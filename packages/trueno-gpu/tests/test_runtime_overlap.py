"""Early submission (``Runtime.submit_every``): the batch goes to the GPU every k dispatches
so a discrete GPU overlaps Python's recording; the commands keep their order, so every result
is the one of a single submission at the sync, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import KERNELS, down, up

import trueno_gpu
from trueno_gpu import _runtime

RNG = np.random.default_rng(17)


@pytest.fixture
def rt():
    rt = trueno_gpu.get_runtime(0)
    rt.synchronize()
    saved = rt.submit_every
    yield rt
    rt.submit_every = saved
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


def test_submissions_per_k(rt):
    one = up(np.ones(64, np.float32))
    for k, n in ((4, 12), (5, 12), (0, 12)):
        rt.submit_every = k
        x = up(np.zeros(64, np.float32))
        rt.synchronize()
        before, d0 = rt.submissions, rt.dispatches
        for _ in range(n):  # an array operand: one dispatch each (no lazy chain)
            x = KERNELS["add"]["float32"](x, one)
        assert rt.dispatches - d0 == n
        assert rt.submissions - before == (n // k if k else 0)  # sent without a sync
        np.testing.assert_array_equal(down(x), np.full(64, n, np.float32))
        assert rt.submissions - before == (n // k if k else 0) + 1  # the download's


def test_submit_every_is_checked(rt, monkeypatch):
    with pytest.raises(ValueError, match="submit_every must be >= 0"):
        rt.submit_every = -1
    rt.submit_every = 10 * rt.MAX_BATCH  # capped by MAX_BATCH
    assert rt._submit_at == rt.MAX_BATCH
    monkeypatch.setenv("TRUENO_GPU_SUBMIT_EVERY", "eight")
    with pytest.raises(ValueError, match="TRUENO_GPU_SUBMIT_EVERY must be an integer"):
        _runtime._env_int("TRUENO_GPU_SUBMIT_EVERY", 0)
    monkeypatch.setenv("TRUENO_GPU_SUBMIT_EVERY", " 6 ")
    assert _runtime._env_int("TRUENO_GPU_SUBMIT_EVERY", 0) == 6
    monkeypatch.delenv("TRUENO_GPU_SUBMIT_EVERY")
    assert _runtime._env_int("TRUENO_GPU_SUBMIT_EVERY", 3) == 3
