"""Downloads (``Transfers._download``): every dtype and size class comes back with NumPy's
values through both host-copy paths (one ``memmove`` for small downloads, ``par_copy`` over
threads for large ones), with the blocking wait and with the bounded spin of non-blocking
polls (``TRUENO_GPU_DOWNLOAD_SPIN_US``, or the adapter's default when unset), also from two
threads at once; bad settings raise. Uploads through the C-API map of reused staging buffers
(``TRUENO_GPU_UPLOAD_MAP``) and the old wgpu-py path, alternated on the same buffers.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import API, CDTYPES, DTYPES, down, np_dtype, up, view_of

import trueno_gpu
from trueno_gpu import _host_copy, _transfers
from trueno_gpu._errors import GpuValueError


@pytest.fixture
def settings():
    """The module's download settings, restored after the test (upload ones too)."""
    old, old_up = dict(_transfers.DOWNLOAD), dict(_transfers.UPLOAD)
    yield _transfers.DOWNLOAD
    _transfers.DOWNLOAD.update(old)
    _transfers.UPLOAD.update(old_up)


def _values(dtype: np.dtype, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.kind == "b":
        return rng.random(n) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    if dtype.kind == "c":
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dtype)
    return rng.standard_normal(n).astype(dtype)


@pytest.mark.parametrize("copy", ["memmove", "numpy"])
@pytest.mark.parametrize("name", DTYPES + CDTYPES)
def test_download_every_dtype_and_size(settings, name, copy):
    """One element (a scalar readback), an odd count (a padded tail for 1- and 2-byte
    dtypes), 1025 elements, and a view at an odd element offset."""
    settings["memmove"] = copy == "memmove"
    dt = np_dtype(name)
    for n in (1, 3, 1025):
        x = _values(dt, n, seed=n)
        got = down(up(x))
        assert got.dtype == dt and got.shape == x.shape
        np.testing.assert_array_equal(got.view(np.uint8), x.view(np.uint8))
    base = _values(dt, 40)
    v = base[5:26]  # an offset view: to_numpy copies it to a contiguous buffer first
    got = down(view_of(up(base), base, v))
    np.testing.assert_array_equal(got.view(np.uint8), np.ascontiguousarray(v).view(np.uint8))


@pytest.mark.parametrize("copy", ["memmove", "numpy"])
def test_large_download_over_threads(settings, monkeypatch, copy):
    """The large path (page-touching threads, then ``par_copy`` in parts), entered with the
    size thresholds lowered so a 96 KiB download takes it; the small path skipped for it."""
    settings["memmove"] = copy == "memmove"
    monkeypatch.setattr(_transfers, "_PAR_MIN", 16 << 10)
    monkeypatch.setattr(_host_copy, "_PAR_MIN", 16 << 10)
    monkeypatch.setattr(_host_copy, "_PAR_CHUNK", 8 << 10)
    monkeypatch.setattr(_host_copy, "PAR_THREADS", [4])
    monkeypatch.setattr(_host_copy.os, "cpu_count", lambda: 4)
    x = np.random.default_rng(1).standard_normal(24 << 8).astype(np.float32)  # 96 KiB
    assert x.nbytes >= _transfers._PAR_MIN
    np.testing.assert_array_equal(down(up(x)), x)
    y = np.arange(1001, dtype=np.int32)  # still under the lowered threshold: small path
    np.testing.assert_array_equal(down(up(y)), y)


class _CountingPolls:
    """Stands in for ``_transfers._libf``: counts blocking and non-blocking device polls."""

    def __init__(self, libf):
        self._libf = libf
        self.polls = {True: 0, False: 0}

    def wgpuDevicePoll(self, dev, wait, index):  # noqa: N802 - the C API's name
        self.polls[bool(wait)] += 1
        return self._libf.wgpuDevicePoll(dev, wait, index)

    def __getattr__(self, name):
        return getattr(self._libf, name)


@pytest.mark.parametrize("spin_us", [0, 10**7])
def test_spin_polls_without_blocking(settings, monkeypatch, spin_us):
    """spin 0: blocking polls only (the old wait); a bound of 10 s: a small download is
    mapped by non-blocking polls alone, long before the bound, with the right values."""
    settings["spin_us"] = spin_us
    counting = _CountingPolls(_transfers._libf)
    monkeypatch.setattr(_transfers, "_libf", counting)
    x = np.arange(7, dtype=np.float32) * 0.5
    a = up(x)
    trueno_gpu.get_runtime(0).synchronize()
    counting.polls.update({True: 0, False: 0})
    np.testing.assert_array_equal(down(a), x)
    if spin_us:
        assert counting.polls[True] == 0 and counting.polls[False] >= 1
    else:
        assert counting.polls[False] == 0 and counting.polls[True] >= 1


@pytest.mark.parametrize("adapter_type", ["CPU", "DiscreteGPU"])
def test_unset_spin_is_the_adapters_default(settings, monkeypatch, adapter_type):
    """TRUENO_GPU_DOWNLOAD_SPIN_US unset: software adapters wait with blocking polls only,
    hardware ones spin for up to ``HW_SPIN_US`` first (here 10 s, so no blocking poll)."""
    settings["spin_us"] = None
    monkeypatch.setattr(_transfers, "HW_SPIN_US", 10**7)
    rt = trueno_gpu.get_runtime(0)
    monkeypatch.setitem(rt.info, "adapter_type", adapter_type)
    counting = _CountingPolls(_transfers._libf)
    monkeypatch.setattr(_transfers, "_libf", counting)
    x = np.arange(5, dtype=np.int16) - 2
    a = up(x)
    rt.synchronize()
    counting.polls.update({True: 0, False: 0})
    np.testing.assert_array_equal(down(a), x)
    if adapter_type == "CPU":
        assert counting.polls[False] == 0 and counting.polls[True] >= 1
    else:
        assert counting.polls[True] == 0 and counting.polls[False] >= 1


def test_spin_bound_falls_back_to_blocking(settings, monkeypatch):
    """A bound of 1 µs runs out before the GPU is done (the clock is made to jump): the wait
    goes on with blocking polls and the values are right."""
    settings["spin_us"] = 1
    counting = _CountingPolls(_transfers._libf)
    monkeypatch.setattr(_transfers, "_libf", counting)
    ticks = iter(range(0, 10**12, 10**6))  # every reading 1 ms after the last
    monkeypatch.setattr(_transfers, "_now_ns", lambda: next(ticks))
    x = np.arange(300, dtype=np.int32) - 7
    np.testing.assert_array_equal(down(up(x)), x)
    assert counting.polls[True] >= 1


@pytest.mark.parametrize("spin_us", [0, 500])
def test_downloads_from_two_threads(settings, spin_us):
    """Two threads each upload, compute and download their own arrays in a loop (scalars and
    4 KiB), with and without the spin: every value is NumPy's."""
    settings["spin_us"] = spin_us
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def work(tid: int) -> None:
        try:
            barrier.wait()
            for i in range(12):
                x = np.arange(1024, dtype=np.float32) + (tid * 100 + i)
                a = up(x)
                s = API.to_numpy(API.full((1,), float(tid * 1000 + i), "float32"))
                np.testing.assert_array_equal(down(a), x)
                assert s[0] == tid * 1000 + i
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(f"thread {tid}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("spin,copy,needle", [
    ("-5", "", "TRUENO_GPU_DOWNLOAD_SPIN_US"),
    ("1.5", "", "TRUENO_GPU_DOWNLOAD_SPIN_US"),
    ("fast", "", "TRUENO_GPU_DOWNLOAD_SPIN_US"),
    ("", "memcpy", "TRUENO_GPU_DOWNLOAD_COPY"),
])
def test_bad_download_settings_raise(spin, copy, needle):
    with pytest.raises(GpuValueError, match=needle):
        _transfers._download_settings(spin, copy)


def test_download_settings_values():
    assert _transfers._download_settings("", "") == {"spin_us": None, "memmove": True}
    assert _transfers._download_settings("0", "memmove") == {"spin_us": 0, "memmove": True}
    assert _transfers._download_settings(" 250 ", "numpy") == {"spin_us": 250, "memmove": False}


@pytest.mark.parametrize("spin_us", [0, 10**6])
def test_read_idle_reads_an_idle_stage_twice(settings, spin_us):
    """``_read_idle`` (how index checks read their flags): the bytes a finished copy put into
    a MAP_READ buffer, read twice in a row (it unmaps after each read)."""
    import wgpu

    settings["spin_us"] = spin_us
    rt = trueno_gpu.get_runtime(0)
    x = (np.arange(64, dtype=np.uint64) * 2654435761).astype(np.uint32)
    stage = rt.device.create_buffer(size=256, usage=wgpu.BufferUsage.MAP_READ
                                    | wgpu.BufferUsage.COPY_DST)
    for k in (3, 11):
        y = x * np.uint32(k)
        src = up(y)
        rt.copy(src.storage.buffer, 0, stage, 0, 256)
        rt.synchronize()
        with rt.lock:
            got = np.frombuffer(rt._read_idle(stage, 256), np.uint32)
        np.testing.assert_array_equal(got, y)
    stage.destroy()


@pytest.mark.parametrize("name", ["int8", "float16", "float32", "complex128"])
def test_uploads_alternating_both_map_paths(settings, name):
    """Each upload after a sync reuses a staging buffer; alternating the C-API path and the
    old wgpu-py one on the same buffers (each leaves wgpu-py's map state as the other
    expects) gives NumPy's values for 1, 3 and 1025 elements."""
    if name not in DTYPES + CDTYPES:
        pytest.skip(f"{name} is not supported on this adapter")
    dt = np_dtype(name)
    rt = trueno_gpu.get_runtime(0)
    for i, path in enumerate(["capi", "wgpu", "capi", "wgpu", "capi"]):
        _transfers.UPLOAD["capi"] = path == "capi"
        for n in (1, 3, 1025):
            x = _values(dt, n, seed=10 * i + n)
            a = up(x)
            rt.synchronize()  # the staging buffer is idle: the next upload reuses it
            got = down(a)
            np.testing.assert_array_equal(got.view(np.uint8), x.view(np.uint8))


@pytest.mark.parametrize("path", ["capi", "wgpu"])
def test_large_upload_over_threads(settings, monkeypatch, path):
    """The large upload path (``par_copy`` into the mapped range), both map paths, with the
    size thresholds lowered, twice (a new staging buffer, then the reused one)."""
    _transfers.UPLOAD["capi"] = path == "capi"
    monkeypatch.setattr(_transfers, "_PAR_MIN", 16 << 10)
    monkeypatch.setattr(_host_copy, "_PAR_MIN", 16 << 10)
    monkeypatch.setattr(_host_copy, "_PAR_CHUNK", 8 << 10)
    monkeypatch.setattr(_host_copy, "PAR_THREADS", [4])
    monkeypatch.setattr(_host_copy.os, "cpu_count", lambda: 4)
    rt = trueno_gpu.get_runtime(0)
    for seed in (2, 3):
        x = np.random.default_rng(seed).standard_normal(24 << 8 | 1).astype(np.float32)
        a = up(x)
        rt.synchronize()
        np.testing.assert_array_equal(down(a), x)


def test_reused_upload_stage_is_mapped_without_waiting_for_the_gpu(settings, monkeypatch):
    """After a sync, an upload maps its (idle, reused) staging buffer with non-blocking polls
    only: no blocking poll, which would wait for every submitted batch."""
    _transfers.UPLOAD["capi"] = True
    rt = trueno_gpu.get_runtime(0)
    x = np.arange(100, dtype=np.float32)
    up(x)
    rt.synchronize()
    counting = _CountingPolls(_transfers._libf)
    monkeypatch.setattr(_transfers, "_libf", counting)
    a = up(x * 2)
    assert counting.polls[True] == 0 and counting.polls[False] >= 1
    monkeypatch.undo()
    np.testing.assert_array_equal(down(a), x * 2)


def test_bad_upload_setting_raises():
    assert _transfers._upload_settings("") == {"capi": True}
    assert _transfers._upload_settings("wgpu") == {"capi": False}
    with pytest.raises(GpuValueError, match="TRUENO_GPU_UPLOAD_MAP"):
        _transfers._upload_settings("py")
