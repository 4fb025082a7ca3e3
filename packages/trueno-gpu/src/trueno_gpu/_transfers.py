"""Memory and transfers of a ``Runtime``: allocation from its pool, uploads and downloads
through mapped staging buffers, buffer copies and fills.

``Transfers`` is the part of ``Runtime`` (``_runtime``) that moves bytes; it uses the
runtime's ``lock``, ``pool``, ``encoder()``, ``_flush()`` and ``synchronize()``, and holds the
lock for each whole step (see ``_runtime``'s docstring on thread safety).

A download (``float(t)``, ``to_numpy``) records a copy into a pooled MAP_READ staging buffer,
submits, requests the map and polls the device until the map's callback ran, copies out and
unmaps (phases and their costs: ``tools/bench/probe_readback.py``). Environment variables:

- ``TRUENO_GPU_DOWNLOAD_SPIN_US``: wait for a download with non-blocking device polls for at
  most this many microseconds before falling back to blocking polls (0: blocking polls only,
  the old wait). On the H100 a blocking poll costs ~50 us more than non-blocking ones for the
  same finished copy (probe_readback "pieces": 53.2 vs 3.2 us), so the spin wins on every
  row; it is bounded, so a long pending batch costs at most this much CPU before the blocking
  wait. Unset: ``HW_SPIN_US`` (1000) on hardware adapters, 0 on software ones (lavapipe's
  "GPU" is this CPU: a spin takes a core from it, mm 64 + float(t) 1474 -> 3837 us, and its
  copy is done by the time the submission returns). H100, probe_readback medians, blocking
  -> spin 1000: float(t) 129.5 -> 105.1 us, 4 KiB 133.9 -> 107.7, after a 1K add 223.7 ->
  183.2, after a gather 394.4 -> 333.1, after a 1024^2 matmul 576.6 -> 488.6 (spin 200: 518.9).
- ``TRUENO_GPU_DOWNLOAD_COPY`` (default ``memmove``): downloads under ``_PAR_MIN`` bytes copy
  out of the mapped range with one ``ffi.memmove`` into a new array; ``numpy`` restores the
  old path (``np.frombuffer`` over the mapped range, then ``par_copy``), 13.1 -> 6.7 us per
  scalar download on lavapipe's host (probe_readback, medians).
- ``TRUENO_GPU_UPLOAD_MAP`` (default ``capi``): an upload maps a reused staging buffer through
  the C API with non-blocking polls (the buffer is idle, so nothing waits for the GPU), writes
  with ``ffi.memmove`` and unmaps through the C API; ``wgpu`` restores the old path (the pool
  waits for the GPU, maps through wgpu-py's map_async, ``write_mapped``): a 4 KiB upload 101
  -> 47 us on lavapipe's host.

Index checks (``_index_checks``) read their flags through ``_read_idle``, the same C-API map.
"""

from __future__ import annotations

import itertools
import os
import time

import numpy as np
import wgpu
from wgpu.backends.wgpu_native._api import libf as _libf
from wgpu.backends.wgpu_native._ffi import ffi as _ffi
from wgpu.backends.wgpu_native._ffi import lib as _lib

from ._cext import crecord as _crecord
from ._errors import GpuLimitError, GpuValueError
from ._host_copy import _PAR_MIN, host_array, par_copy
from ._pool import GpuStorage, size_class

__all__ = ["Transfers"]  # (and _Storage, _Encoder for _runtime)

_new = object.__new__
_now_ns = time.perf_counter_ns


def _download_settings(spin: str, copy: str) -> dict:
    """The download settings from the values of ``TRUENO_GPU_DOWNLOAD_SPIN_US`` and
    ``TRUENO_GPU_DOWNLOAD_COPY`` (module docstring); a clear error for a bad value."""
    spin = spin.strip()
    try:
        spin_us = int(spin) if spin else None
    except ValueError:
        spin_us = -1
    if spin_us is not None and spin_us < 0:
        raise GpuValueError(f"gpu: TRUENO_GPU_DOWNLOAD_SPIN_US must be a whole number of "
                            f"microseconds >= 0, got {spin!r}\n  hint: 0 waits with blocking "
                            f"polls only; unset, the adapter's default")
    copy = copy.strip() or "memmove"
    if copy not in ("memmove", "numpy"):
        raise GpuValueError(f"gpu: TRUENO_GPU_DOWNLOAD_COPY must be 'memmove' or 'numpy', "
                            f"got {copy!r}")
    return {"spin_us": spin_us, "memmove": copy == "memmove"}


# the spin bound (us) of a download on hardware adapters when TRUENO_GPU_DOWNLOAD_SPIN_US is
# unset (module docstring)
HW_SPIN_US = 1000
# benchmarks and tests change these in place ("spin_us": None is the adapter's default)
DOWNLOAD = _download_settings(os.environ.get("TRUENO_GPU_DOWNLOAD_SPIN_US", ""),
                              os.environ.get("TRUENO_GPU_DOWNLOAD_COPY", ""))

def _upload_settings(value: str) -> dict:
    """The upload settings from ``TRUENO_GPU_UPLOAD_MAP`` (module docstring)."""
    value = value.strip() or "capi"
    if value not in ("capi", "wgpu"):
        raise GpuValueError(f"gpu: TRUENO_GPU_UPLOAD_MAP must be 'capi' or 'wgpu', got {value!r}")
    return {"capi": value == "capi"}


UPLOAD = _upload_settings(os.environ.get("TRUENO_GPU_UPLOAD_MAP", ""))
_IDLE_SPIN_NS = 2_000_000  # the non-blocking polls' bound for the map of an idle buffer

# Read maps through wgpu-native's C API with one callback made at import: wgpu-py's map_async
# makes a new cffi callback (~28 us here), a promise and a poller token per call, and a
# download of one scalar (a training step's loss) cost 155 us on the H100 against PyTorch
# CUDA's 8 (tools/bench/probe_small_ops.py). The callback runs inside wgpuDevicePoll, on
# whichever thread polls, and records the status under the map's key.
_MAPPED: dict[int, int] = {}
_MAP_KEYS = itertools.count(1)


@_ffi.callback("void(WGPUMapAsyncStatus, WGPUStringView, void *, void *)")
def _map_done(status, _message, key, _userdata2) -> None:
    _MAPPED[int(_ffi.cast("intptr_t", key))] = int(status)


class _Storage(GpuStorage):
    """The storage ``Runtime.alloc_class`` hands out: a GpuStorage whose ``__del__`` returns
    the buffer to the pool as ``BufferPool.release`` does (lock-free, onto the released
    deque), instead of a ``weakref.finalize`` object: one Python frame per freed result
    instead of four (creating the finalizer, calling it, calling release); none where the C
    extension was built (its ``__del__`` is the same in C, ``_crecord``)."""

    __slots__ = ("pool",)

    def __del__(self) -> None:
        pool = self.pool
        if not pool.closed:
            pool._released.append(self.buffer)


if _crecord is not None:  # (the method above in C: a freed small result costs ~0.3 us less)
    _Storage.__del__ = _crecord.storage_finalizer(_Storage)


class _Encoder:
    """What ``Runtime.encoder()`` hands out: copies and fills recorded into the batch's raw
    command encoder (``handle``) through wgpu-py's error-capturing ``libf``, with wgpu-py's
    argument order."""

    __slots__ = ("handle",)

    def __init__(self) -> None:
        self.handle = None

    def copy_buffer_to_buffer(self, source, source_offset: int, destination,
                              destination_offset: int, size: int) -> None:
        _libf.wgpuCommandEncoderCopyBufferToBuffer(self.handle, source._internal,
                                                   int(source_offset), destination._internal,
                                                   int(destination_offset), int(size))

    def clear_buffer(self, buffer, offset: int = 0, size: int | None = None) -> None:
        _libf.wgpuCommandEncoderClearBuffer(self.handle, buffer._internal, int(offset),
                                            _lib.WGPU_WHOLE_SIZE if size is None else int(size))


class Transfers:
    """Allocation, uploads, downloads, copies and fills (mixed into ``Runtime``)."""

    _map_info = None  # the read map's callback info, made on the first download

    def alloc(self, nbytes: int):
        if nbytes > self.max_binding:
            raise GpuLimitError(
                f"gpu: cannot allocate {nbytes} bytes on {self.name}: a storage binding holds "
                f"at most {self.max_binding} bytes on this adapter\n"
                f"  hint: split the tensor, or keep it on the CPU (.to('cpu'))")
        try:
            return self.pool.alloc(nbytes)  # takes the lock
        except Exception:  # out of memory: give cached buffers back and try once more
            with self.lock:
                self.empty_cache()
                try:
                    return self.pool.alloc(nbytes)
                except Exception as e:
                    raise GpuLimitError(
                        f"gpu: out of memory on {self.name} allocating {nbytes} bytes "
                        f"({self.pool.allocated} bytes held by live tensors)\n"
                        f"  hint: free tensors (del x), or move some to the CPU") from e

    def alloc_class(self, cls: int, nbytes: int):
        """``alloc(nbytes)`` for a caller that knows the size class (``size_class(nbytes)``,
        planned once): a free buffer of that class is taken inline, without the pool's frames;
        anything else (a new buffer, out of memory) goes through ``alloc``."""
        pool = self.pool
        with self.lock:
            if pool._released:
                pool._collect()
            free = pool._free.get(cls)
            if not free:
                return self.alloc(nbytes)
            buf = free.pop()
            pool._allocated += cls
        st = _new(_Storage)
        st.buffer, st.nbytes, st.device_index = buf, nbytes, self.index
        st.version, st.pool = 0, pool
        return st

    def empty_cache(self) -> None:
        """Submit, wait, then give the pool's free buffers back to the driver (atomic)."""
        self.pool.empty_cache()  # calls _quiesce under the lock first

    def _quiesce(self) -> None:
        """Before the pool destroys buffers (lock held): submit recorded work, wait for it and
        drop the bind groups, so no batch or cached bind group refers to a destroyed buffer."""
        self.synchronize()
        self.forget_buffers()

    def upload(self, storage, data: bytes | memoryview) -> None:
        """Record a copy of host bytes into ``storage`` through a mapped staging buffer."""
        n = len(data)
        if n == 0:
            return
        padded = (n + 3) // 4 * 4
        with self.lock:
            self._upload(storage, data, n, padded)

    def _upload(self, storage, data, n: int, padded: int) -> None:
        if not UPLOAD["capi"]:
            self._upload_wgpu_py(storage, data, n, padded)
            return
        stage, capi = self._upload_stage(padded)
        handle = stage._internal
        try:
            ptr = _libf.wgpuBufferGetMappedRange(handle, 0, padded)
            if ptr == _ffi.NULL:
                raise RuntimeError("gpu: could not write an upload buffer (no mapped range)")
            if n < _PAR_MIN:
                _ffi.memmove(ptr, _ffi.from_buffer(data), n)
                if padded != n:
                    _ffi.memmove(_ffi.cast("char *", ptr) + n, bytes(padded - n), padded - n)
            else:  # big: copy straight into the mapped range, on several threads
                dst = np.frombuffer(_ffi.buffer(ptr, padded), np.uint8)
                par_copy(dst[:n], np.frombuffer(data, np.uint8))
                dst[n:] = 0
                del dst
        finally:
            if capi:
                _libf.wgpuBufferUnmap(handle)
            else:  # mapped at creation: wgpu-py's unmap keeps its object's state in step
                stage.unmap()
        self.encoder().copy_buffer_to_buffer(stage, 0, storage.buffer, 0, padded)

    def _upload_stage(self, nbytes: int):
        """``pool.upload_buffer(nbytes)`` (lock held) with a reused buffer mapped through the C
        API on this thread instead of wgpu-py's map_async: (buffer, whether it was mapped
        through the C API). A reused buffer is idle (``uploads_idle``), so its map needs no
        wait for the GPU: non-blocking polls resolve it (the old path waited for all
        submitted work first, a sync point inside every upload)."""
        pool = self.pool
        free = pool._upload_free.get(size_class(nbytes))
        if not free:  # a new buffer, mapped at creation (wgpu-py's state: mapped)
            return pool._upload_buffer(nbytes), False
        buf = free.pop()
        self._map_idle(buf._internal, buf._size, _lib.WGPUMapMode_Write)
        pool._upload_busy.append(buf)
        return buf, True

    def _upload_wgpu_py(self, storage, data, n: int, padded: int) -> None:
        """The old upload (``TRUENO_GPU_UPLOAD_MAP=wgpu``): the pool maps reused buffers
        through wgpu-py after waiting for the GPU; writes and unmaps through wgpu-py."""
        stage = self.pool.upload_buffer(padded)
        mapped = getattr(stage, "_experimental_get_mapped_range", None)
        if mapped is None or n < _PAR_MIN:
            if padded != n:
                data = bytes(data) + b"\0" * (padded - n)
            stage.write_mapped(data, 0)
        else:  # big: copy straight into the mapped range, on several threads
            dst = np.frombuffer(mapped(0, padded), np.uint8)
            par_copy(dst[:n], np.frombuffer(data, np.uint8))
            dst[n:] = 0
            del dst
        stage.unmap()
        self.encoder().copy_buffer_to_buffer(stage, 0, storage.buffer, 0, padded)

    def download(self, buffer, byte_offset: int, nbytes: int, dtype, count: int) -> np.ndarray:
        """Flush, then read ``count`` elements of ``dtype`` at ``byte_offset`` back into a new
        host array (one copy, straight out of the mapped staging buffer). Raises the error of
        an index a checked kernel found out of range since the last sync (``_index_checks``)."""
        if nbytes == 0:
            return np.empty(0, dtype)
        # One atomic step: no other thread records, submits or maps between this copy and the
        # unmap, and the upload stages marked idle are exactly those the wait covered.
        with self.lock:
            return self._download(buffer, byte_offset, nbytes, dtype, count)

    def _download(self, buffer, byte_offset: int, nbytes: int, dtype, count: int) -> np.ndarray:
        stage = self.pool.download_buffer(nbytes)
        encoder = self.encoder()
        encoder.copy_buffer_to_buffer(buffer, byte_offset, stage, 0, nbytes)
        checks = self.index_checks
        if checks.pending:  # read the device-side index checks in the same submission
            checks.record_read(encoder)
        self._flush()
        small = nbytes < _PAR_MIN and DOWNLOAD["memmove"]
        if small:
            host = np.empty(count, dtype)
        else:
            host, touching = host_array(count, dtype)
        handle = stage._internal
        self._map_read(handle, nbytes)
        try:
            ptr = _libf.wgpuBufferGetConstMappedRange(handle, 0, nbytes)
            if small:  # one C call instead of four NumPy ones (13.1 -> 6.7 us on lavapipe)
                _ffi.memmove(_ffi.from_buffer(host), ptr, host.nbytes)
            else:
                src = np.frombuffer(_ffi.buffer(ptr, nbytes), dtype=dtype, count=count)
                for f in touching:
                    f.result()
                par_copy(host.view(np.uint8), src.view(np.uint8))
                del src
        finally:
            _libf.wgpuBufferUnmap(handle)
        self.pool.download_done(stage)
        self.pool.uploads_idle()  # the map waited for every earlier submission
        err = checks.collect(self)
        if err is not None:
            raise err
        return host

    def copy(self, src, src_off: int, dst, dst_off: int, nbytes: int) -> None:
        if nbytes:
            with self.lock:
                self.encoder().copy_buffer_to_buffer(src, src_off, dst, dst_off, nbytes)

    def fill_zero(self, buffer, nbytes: int) -> None:
        if nbytes:
            with self.lock:
                self.encoder().clear_buffer(buffer, 0, (nbytes + 3) // 4 * 4)

    def _map_request(self, handle, nbytes: int, mode) -> int:
        """Request the map of ``nbytes`` of ``handle`` (a wgpu-native buffer) through the C API
        (lock held); its callback records the status under the key returned."""
        key = next(_MAP_KEYS)
        info = self._map_info
        if info is None:
            info = self._map_info = _ffi.new("WGPUBufferMapCallbackInfo *")
            info.mode = _lib.WGPUCallbackMode_AllowProcessEvents
            info.callback = _map_done
        info.userdata1 = _ffi.cast("void *", key)
        _libf.wgpuBufferMapAsync(handle, mode, 0, nbytes, info[0])
        return key

    def _map_wait(self, key: int, spin_ns: int) -> None:
        """Poll the device until the map ``key`` resolved: non-blocking polls for at most
        ``spin_ns``, then blocking ones (each waits for the GPU); raise if it failed."""
        dev = self.device._internal
        if spin_ns:
            end = _now_ns() + spin_ns
            poll = _libf.wgpuDevicePoll
            while key not in _MAPPED and _now_ns() < end:
                poll(dev, False, _ffi.NULL)
        while key not in _MAPPED:
            _libf.wgpuDevicePoll(dev, True, _ffi.NULL)
        status = _MAPPED.pop(key)
        if status != _lib.WGPUMapAsyncStatus_Success:
            raise RuntimeError(f"gpu: could not map a staging buffer (status {status})")

    def _map_read(self, handle, nbytes: int) -> None:
        """Map ``nbytes`` of the MAP_READ buffer ``handle`` (a wgpu-native handle; the copy
        into it was just submitted) and wait until it is mapped: one blocking poll waits for
        the GPU, and the map's callback fires within it (lock held). With a spin bound > 0
        (``DOWNLOAD["spin_us"]``, or the adapter's default when None), non-blocking polls
        come first, for at most that long (module docstring). The wgpu-py object keeps its
        unmapped state: the caller unmaps through the same C API before it returns."""
        key = self._map_request(handle, nbytes, _lib.WGPUMapMode_Read)
        spin = DOWNLOAD["spin_us"]
        if spin is None:
            spin = 0 if self.info.get("adapter_type") == "CPU" else HW_SPIN_US
        self._map_wait(key, spin * 1000)

    def _map_idle(self, handle, nbytes: int, mode) -> None:
        """Map a buffer no submitted work uses (lock held): wgpu-core resolves such a map at
        the next poll, so non-blocking polls (up to ``_IDLE_SPIN_NS``, a bound that is not
        reached in practice) instead of a blocking one that would wait for the GPU."""
        self._map_wait(self._map_request(handle, nbytes, mode), _IDLE_SPIN_NS)

    def _read_idle(self, buffer, nbytes: int) -> bytes:
        """The first ``nbytes`` of the MAP_READ ``buffer`` whose copy the caller already waited
        for (lock held): mapped, copied and unmapped through the C API, as a download's stage
        (``_index_checks`` reads its flags this way: wgpu-py's map_async, read_mapped and
        unmap cost ~83 us on lavapipe's host against ~10 here)."""
        handle = buffer._internal
        self._map_idle(handle, nbytes, _lib.WGPUMapMode_Read)
        try:
            ptr = _libf.wgpuBufferGetConstMappedRange(handle, 0, nbytes)
            return bytes(_ffi.buffer(ptr, nbytes))
        finally:
            _libf.wgpuBufferUnmap(handle)

    def map_now(self, buffer, mode, offset: int = 0, size: int | None = None) -> None:
        """``buffer.map_sync`` without the poll-thread round trip: request the map, wait for
        the GPU on this thread (which runs the map callback), then collect the promise."""
        with self.lock:
            self._map_now(buffer, mode, offset, size)

    def _map_now(self, buffer, mode, offset: int, size: int | None) -> None:
        if getattr(self.device, "_poll", None) is None:  # pragma: no cover
            buffer.map_sync(mode, offset, size)
            return
        if mode == wgpu.MapMode.READ:
            # NOTE: wgpu-py submits an empty command buffer before a buffer's first read map
            # (wgpu-native#305: a map before any submission reads zeros); the copy into
            # ``buffer`` was submitted just before this, so skip that extra submission.
            mode = "READ_NOSYNC"
        # Wait for the GPU first, then map the idle buffer. Mapping a buffer the GPU is still
        # writing wakes wgpu-py's poll thread, and on the H100 that map then took ~10 ms
        # whatever the size (a 64 MiB copy itself takes 1.4 ms): tools/bench/probe_transfer.py.
        self.device._poll(True)
        promise = buffer.map_async(mode, offset, size)
        self.device._poll(True)
        promise.sync_wait()

