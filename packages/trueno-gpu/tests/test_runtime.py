"""Runtime behaviour: batching, the buffer pool, errors, and the plugin through trueno."""

from __future__ import annotations

import gc

import numpy as np
import pytest
from conftest import API, KERNELS, down, up

import trueno_gpu
from trueno_gpu import _adapters, _lazy, _runtime


def test_batching_one_submission_per_sync():
    rt = trueno_gpu.get_runtime(0)
    trueno_gpu.synchronize()
    saved, rt.submit_every = rt.submit_every, 0  # early submission off (the default on a GPU)
    try:
        before = rt.submissions
        x = up(np.ones(1000, np.float32))
        for _ in range(100):
            x = KERNELS["add"]["float32"](x, np.float32(1))
        assert rt.submissions == before  # nothing submitted yet: all recorded
        np.testing.assert_array_equal(down(x), np.full(1000, 101, np.float32))
        assert rt.submissions == before + 1
    finally:
        rt.submit_every = saved


def test_large_batches_are_split():
    rt = trueno_gpu.get_runtime(0)
    trueno_gpu.synchronize()
    before = rt.submissions
    x, one = up(np.zeros(10, np.float32)), up(np.ones(10, np.float32))
    saved, _lazy.ENABLED["on"] = _lazy.ENABLED["on"], False  # one dispatch each
    try:
        for _ in range(rt.MAX_BATCH + 10):
            x = KERNELS["add"]["float32"](x, one)
    finally:
        _lazy.ENABLED["on"] = saved
    assert rt.submissions >= before + 1
    assert down(x)[0] == rt.MAX_BATCH + 10


def test_pool_reuses_and_frees():
    trueno_gpu.synchronize()
    gc.collect()
    base = trueno_gpu.memory_allocated()
    x = up(np.zeros(1 << 18, np.float32))  # 1 MiB
    assert trueno_gpu.memory_allocated() == base + (1 << 20)
    del x
    gc.collect()
    assert trueno_gpu.memory_allocated() == base
    reserved = trueno_gpu.memory_reserved()
    y = API.empty((1 << 18,), np.dtype(np.float32), 0)
    assert trueno_gpu.memory_reserved() == reserved  # same size class: reused, not created
    del y
    gc.collect()
    trueno_gpu.empty_cache()
    assert trueno_gpu.memory_reserved() < reserved


def test_pool_hands_out_free_buffers_in_a_fixed_order():
    # whatever order a step's buffers are freed in, the next step gets them back in the same
    # order, so its bind groups (keyed by buffers) hit the runtime's cache
    trueno_gpu.synchronize()
    gc.collect()
    n = 3 << 17  # a size class of its own in this file (2 MiB)
    xs = [API.empty((n,), np.dtype(np.float32), 0) for _ in range(4)]
    first = None
    for order in ([0, 1, 2, 3], [3, 1, 0, 2], [2, 3, 1, 0]):
        for i in order:
            xs[i] = None
        gc.collect()
        xs = [API.empty((n,), np.dtype(np.float32), 0) for _ in range(4)]
        got = [id(x.storage.buffer) for x in xs]
        assert first is None or got == first, order
        first = got
    del xs
    gc.collect()


def test_sync_and_info():
    API.synchronize(0)
    info = trueno_gpu.adapter_info()
    assert "float32" in info["dtypes"] and info["max_storage_binding"] > 0
    assert API.device_count() >= 1
    a = up(np.arange(3, dtype=np.float32))
    assert API.index_of(a) == 0


def test_binding_limit_error():
    rt = trueno_gpu.get_runtime(0)
    with pytest.raises(trueno_gpu.GpuLimitError, match="at most"):
        rt.alloc(rt.max_binding + 4)


def test_missing_adapter_message(monkeypatch):
    monkeypatch.setattr(_adapters, "_state", {"adapters": [], "seen": []})
    assert not trueno_gpu.is_available()
    with pytest.raises(trueno_gpu.GpuUnavailableError) as err:
        API.from_numpy(np.zeros(3, np.float32), 0)
    msg = str(err.value)
    assert "mesa-vulkan-drivers libvulkan1" in msg and "adapters wgpu saw" in msg
    assert isinstance(err.value, RuntimeError)


def test_through_trueno():
    tn = pytest.importorskip("trueno")
    from trueno._registry import load_plugins

    reg = load_plugins()
    if "gpu" not in reg.devices:  # not pip-installed: register the plugin by hand
        from trueno_gpu import plugin

        plugin.trueno_register_backends(reg)
    h = np.arange(12, dtype=np.float32).reshape(3, 4)
    a = tn.asarray(h, device="gpu")
    assert str(a.device) == "gpu:0"
    np.testing.assert_allclose(np.asarray((a.T * 2 + 1).to_device("cpu")), h.T * 2 + 1)
    np.testing.assert_allclose(np.asarray(tn.sum(a, axis=1).to_device("cpu")), h.sum(1))
    np.testing.assert_allclose(np.asarray((a @ a.T).to_device("cpu")), h @ h.T)
    a[1:3] = 7
    h[1:3] = 7
    a += 1
    h += 1
    np.testing.assert_allclose(np.asarray(a.to_device("cpu")), h)


def test_out_of_memory_retries_after_emptying_the_cache(monkeypatch):
    rt = trueno_gpu.get_runtime(0)
    real = rt.pool.alloc
    calls = []

    def flaky(nbytes):
        calls.append(nbytes)
        if len(calls) == 1:
            raise MemoryError("simulated")
        return real(nbytes)

    monkeypatch.setattr(rt.pool, "alloc", flaky)
    x = API.empty((10,), np.dtype(np.float32), 0)
    assert len(calls) == 2 and x.storage.nbytes == 40

    def broken(nbytes):
        raise MemoryError("simulated")

    monkeypatch.setattr(rt.pool, "alloc", broken)
    with pytest.raises(trueno_gpu.GpuLimitError, match="out of memory"):
        API.empty((10,), np.dtype(np.float32), 0)


def test_more_than_65535_workgroups():
    """Jobs past WebGPU's 65,535 workgroups per dimension use a 2-D grid."""
    n = 4200  # a transposed (strided) view of 17.6M elements: one thread per element
    base = np.arange(n * n, dtype=np.float32).reshape(n, n)
    d = up(base)
    from trueno._strided import StridedArray

    t = StridedArray(d.storage, 0, (n, n), (1, n), np.dtype(np.float32))
    got = down(KERNELS["add"]["float32"](t, np.float32(1)))
    for i, j in ((0, 0), (17, 4199), (4199, 3), (n - 1, n - 1), (2100, 2100)):
        assert got[i, j] == base[j, i] + 1
    x = np.random.default_rng(0).random((70000, 20), dtype=np.float32)  # 70,000 workgroups
    np.testing.assert_allclose(down(KERNELS["sum"]["float32"](up(x), (1,), False)),
                               x.sum(1), rtol=1e-5)


def test_runtime_is_created_once_by_racing_threads(monkeypatch):
    """Threads that need gpu:0 at the same moment share one Runtime (one wgpu device)."""
    import threading
    import time

    made = []

    class SlowRuntime:
        def __init__(self, adapter, index):
            made.append(index)
            time.sleep(0.05)  # creating a device takes a while: the other threads arrive

    monkeypatch.setattr(_adapters, "_state", {"adapters": ["fake"], "seen": ["fake"]})
    monkeypatch.setattr(_runtime, "Runtime", SlowRuntime)
    got = []
    threads = [threading.Thread(target=lambda: got.append(_runtime.get_runtime(0)))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert made == [0] and len(got) == 6 and all(r is got[0] for r in got)


def test_download_waits_while_another_thread_records():
    """A download (submit, wait, map) never runs while another thread holds the runtime's
    lock in the middle of recording (a compute pass open): it runs after, and both threads
    see their own results."""
    import threading

    rt = trueno_gpu.get_runtime(0)
    h = np.arange(1000, dtype=np.float32)
    x = up(h)
    trueno_gpu.synchronize()
    seen = []
    reader = threading.Thread(target=lambda: seen.append(down(x)))
    with rt.lock:
        y = KERNELS["multiply"]["float32"](x, np.float32(3))  # leaves the compute pass open
        reader.start()
        reader.join(0.2)
        assert reader.is_alive() and not seen  # blocked on the lock, not downloading
        y = KERNELS["add"]["float32"](y, np.float32(1))
    reader.join()
    np.testing.assert_array_equal(seen[0], h)
    np.testing.assert_array_equal(down(y), h * 3 + 1)


def test_pool_empty_cache_submits_recorded_work_first():
    """The pool's empty_cache destroys a freed buffer only after the recorded kernel that
    reads it was submitted and finished (on its own, without a synchronize before it)."""
    rt = trueno_gpu.get_runtime(0)
    h = np.arange(4096, dtype=np.float32)
    x = up(h)
    y = KERNELS["multiply"]["float32"](x, np.float32(2))  # recorded, not submitted
    del x
    gc.collect()  # x's buffer is free now; the recorded kernel still reads it
    rt.pool.empty_cache()
    np.testing.assert_array_equal(down(y), h * 2)
