"""Adapters, devices, pipelines and command batching (memory and transfers: ``_transfers``;
host-side copies: ``_host_copy``; device-side index checks: ``_index_checks``).

One ``Runtime`` per GPU index. Kernels are recorded into one command encoder and submitted
together at a sync point (``to_numpy``, ``synchronize``), when a batch grows large, or on a
discrete GPU every ``submit_every`` dispatches (so the GPU runs the start of a training step
while Python records the rest), never one submission per op. Kernel metadata (shapes,
strides, offsets, scalar operands) of a batch goes into one "arena" storage buffer, written
with a single ``queue.write_buffer`` just before the batch is submitted; each dispatch binds
its slice of it. Pipelines and bind-group layouts are cached per key (op, dtypes, layout
kind). A pending lazy chain of float32 elementwise ops
(``_lazy``) is recorded before anything else enters the batch (``_record``, ``record_new``,
``encoder``, ``_flush``), so commands keep their eager order.

Thread safety: a runtime's encoder, compute pass, metadata arena, queue, bind-group cache and
buffer pool are shared by every thread, so each method that touches them holds the runtime's
``lock`` (an RLock, shared with its pool) for its whole duration: a dispatch, an upload, a
download (record the copy, submit, wait, map, copy out, unmap) and a synchronisation are each
atomic. An op's dispatches may interleave with another thread's; that is safe because every
command goes through the one encoder and queue in recording order, the order the pool's
reuse-after-free argument relies on (``_pool``). Buffers freed by the garbage collector (on any
thread, at any point) return to the pool without the lock.
"""

from __future__ import annotations

import os
import threading

import wgpu
from wgpu.backends.wgpu_native._api import libf as _libf
from wgpu.backends.wgpu_native._ffi import ffi as _ffi
from wgpu.backends.wgpu_native._ffi import lib as _lib

from . import _adapters as _ad
from ._adapters import (
    _adapters,
    _init_lock,
    _unavailable,
    adapter_features,
    adapters_seen,
    device_count,
    is_available,
    wanted_features,
    when_adapters_known,
)
from ._host_copy import PAR_THREADS, host_array, par_copy
from ._index_checks import IndexChecks
from ._pool import BufferPool
from ._record import _STRUCTS as _STRUCTS  # (for _lazy)
from ._record import META_BYTES, Recording, meta_struct, use_c_record
from ._transfers import Transfers, _Encoder

__all__ = ["Runtime", "get_runtime", "meta_struct", "device_count", "adapters_seen",
           "is_available", "wanted_features", "adapter_features", "when_adapters_known",
           "PAR_THREADS", "par_copy", "host_array"]

_WANTED_LIMITS = (
    "max-storage-buffer-binding-size",
    "max-buffer-size",
    "max-compute-workgroup-storage-size",
    "max-storage-buffers-per-shader-stage",
    "max-compute-invocations-per-workgroup",
    "max-compute-workgroup-size-x",
)


class Runtime(Recording, Transfers):
    """One wgpu device: its buffer pool, pipeline cache and the batch being recorded
    (recording a dispatch: ``Recording``; allocation, uploads and downloads: ``Transfers``).

    ``lock`` guards all of it (see the module docstring); a caller that uses ``encoder()``
    or the pool's staging buffers directly holds it."""

    ARENA_BYTES = 1 << 18
    META_BYTES = META_BYTES  # the metadata slice one dispatch sees (``_record``)
    MAX_BATCH = 512  # dispatches per submission
    BIND_GROUPS = 4096  # cached bind groups; past that the cache is emptied
    # Submit early once a batch moves this many bytes (~0.6 ms of H100 work): a submission
    # costs ~100-150 us of CPU, so only batches several times longer than that are cut.
    # (A ramp starting at 96 MB after each wait measured worse: 16M add 2348 vs 2564 GB/s.)
    EAGER_COST = 1536 << 20
    # Overlap: submit once this many dispatches are recorded (0: only at a sync, MAX_BATCH or
    # EAGER_COST), so a discrete GPU runs the start of a step while Python records the rest;
    # "lo-hi": from lo pending dispatches on, submit when the GPU is idle (checked every
    # IDLE_STEP dispatches), at hi whatever it does. Each submission costs host time (~60 us
    # on an H100, ~300 us on lavapipe, whose "GPU" is this CPU, where it stays off). H100 at
    # a152c15 (tools/bench/sweep_overlap.py), total ms per step for k = 0 / 8 / 16: mlp SGD
    # 2.00 / 1.71 / 1.65, mlp Adam 2.71 / 2.48 / 1.79, cnn SGD 4.59 / 2.95 / 3.12, cnn Adam
    # 4.80 / 3.25 / 3.38. ``TRUENO_GPU_SUBMIT_EVERY`` or ``runtime.submit_every`` sets it.
    SUBMIT_EVERY = 16
    # ... but only once the batch costs this much (else after 16 more, at most 64 in all):
    # 16 dispatches of a training step cost 7-13 MB (MLP) and ~40 MB (CNN), 16 adds of 1K
    # float32 0.2 MB, whose GPU time is well under a submission's host time
    SUBMIT_MIN_COST = 2 << 20
    IDLE_STEP = 4

    def __init__(self, adapter, index: int) -> None:
        self.index = index
        self.adapter = adapter
        self.info = dict(adapter.info)
        alimits = adapter.limits
        features = list(wanted_features(adapter))
        limits = {k: alimits[k] for k in _WANTED_LIMITS if k in alimits}
        self.device = adapter.request_device_sync(required_features=features,
                                                  required_limits=limits)
        self.queue = self.device.queue
        self.features = frozenset(self.device.features)
        self.has_f16 = "shader-f16" in self.features
        self.has_subgroup = "subgroup" in self.features
        self.limits = dict(self.device.limits)
        cap = min(self.limits["max-storage-buffer-binding-size"], self.limits["max-buffer-size"])
        self.max_binding = cap // 4 * 4
        self.workgroup_storage = self.limits["max-compute-workgroup-storage-size"]
        self.align = max(256, self.limits.get("min-storage-buffer-offset-alignment", 256))
        self.lock = threading.RLock()
        self.pool = BufferPool(self.device, index, self.lock, self._quiesce)
        self._kernels: dict = {}
        self._layouts: dict = {}
        self._encoder = None
        self._pass = None  # the open compute pass of the batch, if any
        self._bind_groups: dict = {}  # (layout, *buffers) -> bind group, kept across batches
        self._count = 0
        self._arena = bytearray()
        self._meta_offsets: dict = {}  # metadata bytes -> arena offset, this batch
        self._pending = 0  # cost recorded since the last submission
        self._last_pipe = self._last_bg = self._last_off = None
        self._chain = None  # the pending lazy chain (``_lazy``), emitted before anything else
        # the buffer of the last eager result a lazy chain may start from (``_lazy``): a
        # reference to the buffer, not its storage, so the storage's death returns the buffer
        # to the pool at once; a buffer handed out again only makes an op on its new owner
        # start a chain, which is safe (the chain is the same computation)
        self._head = None
        self._c_off = _ffi.new("uint32_t[1]")
        self._queue = self.queue._internal
        self._copies = _Encoder()
        self._encoder_desc = _ffi.new("WGPUCommandEncoderDescriptor *")
        self._pass_desc = _ffi.new("WGPUComputePassDescriptor *")
        self._cb_desc = _ffi.new("WGPUCommandBufferDescriptor *")
        self._cb_array = _ffi.new("WGPUCommandBuffer[1]")
        self._arena_buf = self.device.create_buffer(
            size=self.ARENA_BYTES + self.META_BYTES,
            usage=wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_DST)
        self.index_checks = IndexChecks(self.device)  # bounds found on the device
        self.dispatches = 0  # total, for tests and benchmarks
        self.submissions = 0
        self._submit_at = self._submit_lo = self._submit_hi = self._submit_cap = self.MAX_BATCH
        default = 0 if self.info.get("adapter_type") == "CPU" else self.SUBMIT_EVERY
        self.submit_every = os.environ.get("TRUENO_GPU_SUBMIT_EVERY", "").strip() or default
        # early submission waits while the batch's cost (bytes, flops / 12) is under this
        # (0: never waits; see ``_submit_point``); ``TRUENO_GPU_SUBMIT_MIN_BYTES``
        self.submit_min_cost = int(os.environ.get("TRUENO_GPU_SUBMIT_MIN_BYTES", "").strip()
                                   or (0 if default == 0 else self.SUBMIT_MIN_COST))
        use_c_record(self)  # record_new in C where _crecord was built (``_record``)

    @property
    def submit_every(self) -> int | tuple[int, int]:
        """Dispatches recorded before the batch is submitted without a sync: k (0: off), or
        (lo, hi): from lo on when the GPU is idle, at hi in any case; at most ``MAX_BATCH``.
        The order of the commands, and so every result, is the same for any value: only when
        the GPU starts on them changes. Set it to an int, a pair or a string "k" / "lo-hi"."""
        return self._submit_every

    @submit_every.setter
    def submit_every(self, k) -> None:
        lo, hi = _submit_policy(k)
        self._submit_every = lo if lo == hi else (lo, hi)
        top = self.MAX_BATCH
        self._submit_lo = min(lo, top) if lo else top
        self._submit_hi = min(hi, top) if hi else top
        self._submit_cap = min(4 * self._submit_lo, top)
        self._submit_at = self._submit_lo

    def _gpu_idle(self) -> bool:
        """Whether every submitted batch is done (a non-blocking poll; lock held)."""
        return bool(_lib.wgpuDevicePoll(self.device._internal, False, _ffi.NULL))

    @property
    def name(self) -> str:
        return f"gpu:{self.index} ({self.info.get('device', '?')}, {self.info.get('backend_type')})"

    # -- pipelines -----------------------------------------------------------------------------
    def _layout(self, writable: tuple[bool, ...]):
        layout = self._layouts.get(writable)
        if layout is None:
            ro = wgpu.BufferBindingType.read_only_storage
            rw = wgpu.BufferBindingType.storage
            entries = [{"binding": 0, "visibility": wgpu.ShaderStage.COMPUTE,
                        "buffer": {"type": ro, "has_dynamic_offset": True}}]
            entries += [{"binding": i + 1, "visibility": wgpu.ShaderStage.COMPUTE,
                         "buffer": {"type": rw if w else ro}} for i, w in enumerate(writable)]
            bgl = self.device.create_bind_group_layout(entries=entries)
            layout = (bgl, self.device.create_pipeline_layout(bind_group_layouts=[bgl]))
            self._layouts[writable] = layout
        return layout

    def kernel(self, key, make_source, writable: tuple[bool, ...]):
        """The cached compute pipeline for ``key``; ``make_source()`` runs on a miss only."""
        k = self._kernels.get(key)
        if k is None:
            with self.lock:
                k = self._kernels.get(key) or self._new_kernel(key, make_source, writable)
        return k

    def _new_kernel(self, key, make_source, writable: tuple[bool, ...]):
        """Compile and cache the pipeline for ``key`` (lock held)."""
        source = make_source()
        bgl, pl = self._layout(tuple(writable))
        try:
            module = self.device.create_shader_module(code=source)
            pipe = self.device.create_compute_pipeline(
                layout=pl, compute={"module": module, "entry_point": "main"})
        except Exception as e:  # pragma: no cover - a codegen bug; show the source
            numbered = "\n".join(f"{i + 1:4d} {line}"
                                 for i, line in enumerate(source.splitlines()))
            raise RuntimeError(f"gpu: WGSL for {key!r} failed:\n{e}\n{numbered}") from e
        k = (pipe, bgl)
        self._kernels[key] = k
        return k

    # -- recording and submission --------------------------------------------------------------
    # The batch's encoder and compute pass are raw wgpu-native handles: wgpu-py's wrappers
    # (create_command_encoder, begin_compute_pass, finish, write_buffer, submit) cost ~100 us
    # of CPU per batch on lavapipe's host in struct and object bookkeeping, several times the
    # calls themselves. Batch-level calls go through wgpu-py's error-capturing ``libf`` (an
    # encoding error still raises at finish); per-dispatch calls are plain ``_lib`` calls.
    def encoder(self) -> _Encoder:
        """The batch's command encoder, with no compute pass open (for copies and fills);
        the caller holds ``lock`` while it records into it."""
        if self._chain is not None:
            self._chain.emit()
        if self._pass is not None:
            self._end_pass()
        if self._encoder is None:
            self._encoder = _libf.wgpuDeviceCreateCommandEncoder(self.device._internal,
                                                                 self._encoder_desc)
            self._copies.handle = self._encoder
        return self._copies

    def _compute_pass(self):
        if self._pass is None:
            if self._encoder is None:
                self.encoder()
            self._pass = _lib.wgpuCommandEncoderBeginComputePass(self._encoder, self._pass_desc)
            self._last_pipe = self._last_bg = self._last_off = None
        return self._pass

    def _end_pass(self) -> None:
        p, self._pass = self._pass, None
        _lib.wgpuComputePassEncoderEnd(p)
        _lib.wgpuComputePassEncoderRelease(p)

    def emit_chain(self) -> None:
        """Record the pending lazy chain (``_lazy``), if any, without submitting: its live
        results then hold their buffers (memory statistics count them)."""
        if self._chain is not None:
            with self.lock:
                if self._chain is not None:
                    self._chain.emit()

    def flush(self) -> None:
        """Submit the recorded batch (one submission) without waiting for it."""
        if self._encoder is None and self._chain is None:
            return
        with self.lock:
            self._flush()

    def _flush(self) -> None:
        if self._chain is not None:
            self._chain.emit()
        enc = self._encoder
        if enc is None:  # another thread submitted it meanwhile
            return
        if self._pass is not None:
            self._end_pass()
        arena = self._arena
        if arena:
            _libf.wgpuQueueWriteBuffer(self._queue, self._arena_buf._internal, 0,
                                       _ffi.from_buffer(arena), len(arena))
        self._encoder = self._copies.handle = None
        self._count = 0
        self._submit_at = self._submit_lo
        self._arena = bytearray()
        self._meta_offsets = {}
        self._pending = 0
        try:
            cb = _libf.wgpuCommandEncoderFinish(enc, self._cb_desc)  # raises encoding errors
        finally:
            _lib.wgpuCommandEncoderRelease(enc)
        self._cb_array[0] = cb
        try:
            _libf.wgpuQueueSubmit(self._queue, 1, self._cb_array)
        finally:
            _lib.wgpuCommandBufferRelease(cb)
        self.submissions += 1

    def wait_idle(self) -> None:
        """Block until the GPU finished every submitted batch.

        A blocking ``wgpuDevicePoll`` on this thread: ``on_submitted_work_done_sync()`` goes
        through wgpu-py's poll thread and a threading.Event (two thread hand-offs, hundreds of
        microseconds per sync on a fast GPU)."""
        poll = getattr(self.device, "_poll", None)
        with self.lock:
            if poll is None:  # pragma: no cover - another wgpu backend
                self.queue.on_submitted_work_done_sync()
            else:
                poll(True)

    def synchronize(self) -> None:
        """Submit the batch and wait until the GPU finished all submitted work; raise the
        error of an index a checked kernel found out of range since the last sync
        (``_index_checks``)."""
        with self.lock:
            checks = self.index_checks
            if checks.pending:
                checks.record_read(self.encoder())
            self.flush()
            self.wait_idle()
            self.pool.uploads_idle()
            err = checks.collect(self)
        if err is not None:
            raise err


def _submit_policy(k) -> tuple[int, int]:
    """``submit_every``'s value as (lo, hi): an int k is (k, k), a pair or "lo-hi" a range."""
    text = k
    if isinstance(k, str):
        parts = k.strip().split("-")
        try:
            k = tuple(int(x) for x in parts) if len(parts) == 2 else int(k)
        except ValueError:
            k = None
    if isinstance(k, int) and not isinstance(k, bool):
        k = (k, k)
    if not (isinstance(k, tuple) and len(k) == 2 and all(isinstance(x, int) for x in k)
            and 0 <= k[0] <= k[1] and (k[0] > 0 or k[1] == 0)):
        raise ValueError(f"gpu: submit_every (TRUENO_GPU_SUBMIT_EVERY) must be k >= 0 "
                         f"(0: off) or lo-hi with 0 < lo <= hi, got {text!r}")
    return k


def get_runtime(index: int = 0) -> Runtime:
    rt = _ad._state.get("runtimes", {}).get(index)
    if rt is None:
        with _init_lock:  # one Runtime per index, however many threads start it at once
            rts = _ad._state.setdefault("runtimes", {})
            rt = rts.get(index)
            if rt is None:
                adapters = _adapters()
                if not 0 <= index < len(adapters):
                    raise _unavailable(index)
                rt = rts[index] = Runtime(adapters[index], index)
    return rt


def live_runtimes() -> list[Runtime]:
    return list(_ad._state.get("runtimes", {}).values())
