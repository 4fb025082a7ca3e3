"""The runtime records batches through raw wgpu-native handles (issue 18: host cost per op):
no wgpu-py wrapper call on the recording path (encoder, compute pass, bind groups, copies,
fills, finish, arena write, submit), results unchanged, an encoding error still raised, and
the bind-group cache released and refilled without changing results."""

from __future__ import annotations

import numpy as np
import pytest
import wgpu
from wgpu.backends.wgpu_native import _api as wapi

from trueno_gpu import GpuDeviceAPI, get_runtime, kernels_table

API = GpuDeviceAPI()
K = kernels_table()


def _work(n: int) -> list[np.ndarray]:
    """Elementwise ops, a reduction, a matmul, uploads, a copy, a fill and downloads, on
    fresh buffers of ``n`` elements (new bind groups), with two syncs in between."""
    rng = np.random.default_rng(n)
    h = rng.standard_normal((n, 8)).astype(np.float32)
    a = API.from_numpy(h, 0)
    b = API.from_numpy(h[::-1].copy(), 0)
    s = K["add"]["float32"](a, b)
    e = K["exp"]["float32"](s)
    API.synchronize(0)
    m = K["matmul"]["float32"](e, API.from_numpy(np.ones((8, 3), np.float32), 0))
    r = K["sum"]["float32"](m, (0,), False)
    z = API.empty((n, 8), "float32", 0)
    get_runtime(0).fill_zero(z.storage.buffer, 4 * n * 8)  # a fill
    zeros = API.to_numpy(z)
    K["copy_"]["float32"](z, e)
    return [API.to_numpy(x) for x in (s, e, m, r, z)] + [zeros]


def _want(n: int) -> list[np.ndarray]:
    rng = np.random.default_rng(n)
    h = rng.standard_normal((n, 8)).astype(np.float32)
    s = h + h[::-1]
    e = np.exp(s)
    m = e @ np.ones((8, 3), np.float32)
    return [s, e, m, m.sum(0), e, np.zeros_like(e)]


def _check(got, want) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=2e-5, atol=1e-5)


def test_no_wgpu_py_wrapper_on_the_recording_path(monkeypatch):
    _check(_work(5), _want(5))  # pipelines compiled, pool warm

    def refuse(name):
        def fn(*a, **k):
            raise AssertionError(f"wgpu-py's {name} was called")
        return fn

    for cls, name in [(wapi.GPUDevice, "create_bind_group"),
                      (wapi.GPUDevice, "create_command_encoder"),
                      (wapi.GPUCommandEncoder, "begin_compute_pass"),
                      (wapi.GPUCommandEncoder, "copy_buffer_to_buffer"),
                      (wapi.GPUCommandEncoder, "clear_buffer"),
                      (wapi.GPUCommandEncoder, "finish"),
                      (wapi.GPUQueue, "write_buffer"),
                      (wapi.GPUQueue, "submit")]:
        monkeypatch.setattr(cls, name, refuse(name))
    for n in (7, 33, 100):  # new sizes: new buffers, new bind groups
        _check(_work(n), _want(n))


def test_an_encoding_error_still_raises_and_the_runtime_goes_on():
    rt = get_runtime(0)
    a = API.from_numpy(np.arange(4, dtype=np.float32), 0)
    b = API.from_numpy(np.zeros(4, np.float32), 0)
    with rt.lock:
        rt.encoder().copy_buffer_to_buffer(a.storage.buffer, 0, b.storage.buffer, 0,
                                           a.storage.buffer.size + 4096)  # past the end
        with pytest.raises(wgpu.GPUError):
            rt.flush()
    _check(_work(9), _want(9))


def test_bind_group_cache_overflow_releases_and_refills(monkeypatch):
    rt = get_runtime(0)
    monkeypatch.setattr(type(rt), "BIND_GROUPS", 3)
    rt.forget_buffers()  # earlier tests' bind groups would make every lookup below a hit
    for n in (11, 12, 13, 11):
        _check(_work(n), _want(n))
    assert len(rt._bind_groups) <= 4
    rt.forget_buffers()
    assert not rt._bind_groups
    _check(_work(14), _want(14))
