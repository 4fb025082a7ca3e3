"""Thread safety of the GPU backend (issue 12): public ops called from several threads at once
give NumPy's results, never a validation error, a wrong value or an aborted interpreter.

Every test starts its threads together (a barrier) and shortens the interpreter's switch
interval so that threads are preempted in the middle of recording an op.
"""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest

import trueno_gpu

tn = pytest.importorskip("trueno")

THREADS = 4


# the plugin registered by hand where trueno-gpu is not pip-installed (conftest)
pytestmark = pytest.mark.usefixtures("gpu_registered")

@pytest.fixture(autouse=True)
def _preempt_often():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def run_threads(target, n: int = THREADS, extra=()) -> list[str]:
    """Run ``target(tid)`` on ``n`` threads (and each of ``extra`` on its own thread), all
    released together; return every failure as a line (exceptions included)."""
    errors: list[str] = []
    barrier = threading.Barrier(n + len(extra))

    def wrap(fn, *args):
        try:
            barrier.wait()
            fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors.append(f"{type(e).__name__}: {str(e)[:300]}")

    threads = [threading.Thread(target=wrap, args=(target, t)) for t in range(n)]
    threads += [threading.Thread(target=wrap, args=(fn,)) for fn in extra]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def gpu(x):
    return tn.asarray(x, device="gpu")


def host(t):
    return np.asarray(t.to_device("cpu"))


def test_sum_of_a_product_from_four_threads():
    """The issue's reproduction: float(tn.sum(tn.asarray(a, device="gpu") * 2))."""

    def work(tid):
        a = np.random.default_rng(tid).random(1000, dtype=np.float32)
        want = float((a * 2).sum(dtype=np.float64))
        for i in range(40):
            got = float(tn.sum(gpu(a) * 2))
            assert abs(got - want) <= 1e-4 * want, f"thread {tid} iteration {i}: {got} != {want}"

    assert run_threads(work) == []


def test_mixed_ops_from_several_threads():
    """Uploads and downloads of different sizes, elementwise ops, sums, max, matmul and
    to_numpy, each compared with NumPy."""

    def work(tid):
        rng = np.random.default_rng(100 + tid)
        for i in range(12):
            n = int(rng.integers(1, 5000)) if i % 3 else int(rng.integers(1, 9))
            a = rng.random(n, dtype=np.float32)
            b = rng.random(n, dtype=np.float32)
            c = gpu(a) + gpu(b) * 3
            np.testing.assert_allclose(host(c), a + b * 3, rtol=1e-6)
            np.testing.assert_allclose(float(tn.sum(c)), (a + b * 3).sum(dtype=np.float64),
                                       rtol=1e-5)
            m = rng.random((33, 17), dtype=np.float32)
            k = rng.random((17, 9), dtype=np.float32)
            gm = gpu(m)
            np.testing.assert_allclose(host(gm @ gpu(k)), m @ k, rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(host(tn.max(gm, axis=0)), m.max(0))
            np.testing.assert_array_equal(host(gm.T), m.T)  # a strided download
            q = rng.integers(-50, 50, size=(7, n % 11 + 1)).astype(np.int32)
            np.testing.assert_array_equal(host(tn.sum(gpu(q), axis=1)), q.sum(1))

    assert run_threads(work) == []


def test_empty_cache_and_synchronize_from_other_threads():
    """empty_cache and synchronize while other threads record and download: no buffer in a
    recorded batch is destroyed, no staging buffer is handed out twice."""
    stop = threading.Event()

    def work(tid):
        try:
            rng = np.random.default_rng(200 + tid)
            for _ in range(25):
                a = rng.random(int(rng.integers(1, 3000)), dtype=np.float32)
                b = gpu(a)
                y = (b - 1) * b
                del b  # its buffer returns to the pool while y's kernel is only recorded
                np.testing.assert_allclose(host(y), (a - 1) * a, rtol=1e-6, atol=1e-7)
        finally:
            stop.set()

    def janitor():
        while not stop.is_set():
            trueno_gpu.empty_cache()
            trueno_gpu.synchronize()
            trueno_gpu.memory_allocated()

    assert run_threads(work, n=3, extra=(janitor, janitor)) == []


def test_pool_accounting_after_threads():
    """Buffers freed on several threads (and by the garbage collector at any point) are
    counted back exactly once."""
    trueno_gpu.synchronize()
    gc.collect()
    base = trueno_gpu.memory_allocated()

    def work(tid):
        a = np.arange(100 + tid, dtype=np.float32)
        for _ in range(30):
            x = gpu(a)
            y = x * 2 + x
            assert float(tn.sum(y)) == float((a * 3).sum())
            del x, y

    assert run_threads(work) == []
    gc.collect()
    assert trueno_gpu.memory_allocated() == base
