"""Recording a dispatch into a runtime's batch (mixed into ``Runtime``): the metadata arena
slice, the cached bind group, the raw wgpu-native calls, the counters and the submission
points; and the choice of the C accelerator of ``record_new`` and ``record`` (``_crecord``).

``record_new`` (a planned elementwise or matmul call: a new result's buffer and its dispatch
under one hold of the lock) is the per-op path of small ops, ``record`` that of most other
launches. Where ``trueno_gpu._crecord`` was built, each runtime gets a C ``Recorder`` as its
``record_new`` and another as its ``record`` (``use_c_record``): they do the common case (no
pending lazy chain, a free buffer of the size class, the metadata in or fitting the arena,
the bind group cached, a pass open) in C and hand every other call to the Python methods
below, which they shadow as instance attributes (a method replaced on the class, as tests
that count launches do, gets every call). ``TRUENO_PURE_PYTHON=1`` keeps the Python methods
(as trueno-core's ``_cindex``). Both update the same state: a change to ``record_new``,
``record`` or ``_record`` is a change to ``_crecord.c``.
"""

from __future__ import annotations

import bisect
import struct
import warnings

from wgpu.backends.wgpu_native._ffi import ffi as _ffi
from wgpu.backends.wgpu_native._ffi import lib as _lib

from ._cext import crecord as _crecord
from ._errors import GpuLimitError
from ._transfers import _Storage

__all__ = ["Recording", "meta_struct", "use_c_record", "c_record_on", "planned_in_c"]

META_BYTES = 512  # the metadata slice one dispatch sees (128 words; under 256: tn_opq64)
_MAX_GROUPS = 65535  # WebGPU's guaranteed workgroups per dimension
_WHOLE_SIZE = _lib.WGPU_WHOLE_SIZE
_STRUCTS: dict = {}  # metadata length -> struct.Struct packing that many u32 words
_new = object.__new__
# a dispatch's raw calls, looked up once (a probe may wrap them: the C path then stands aside)
_set_pipeline, _set_bind_group, _dispatch_workgroups = (
    _lib.wgpuComputePassEncoderSetPipeline, _lib.wgpuComputePassEncoderSetBindGroup,
    _lib.wgpuComputePassEncoderDispatchWorkgroups)
_RAW_CALLS = (_set_pipeline, _set_bind_group, _dispatch_workgroups)


def meta_struct(words: int) -> struct.Struct:
    """The cached ``struct.Struct`` packing ``words`` uint32 metadata words."""
    st = _STRUCTS.get(words)
    if st is None:
        if 4 * words > META_BYTES:
            raise GpuLimitError(f"gpu: kernel metadata of {4 * words} bytes (too many axes)")
        st = _STRUCTS[words] = struct.Struct(f"<{words}I")
    return st


class Recording:
    """The record path of ``Runtime`` (its state is made in ``Runtime.__init__``; every method
    but ``record``/``record_new``/``forget_buffers`` runs with ``lock`` held)."""

    def _bind_group(self, bgl, buffers):
        """Bind groups are cached per (layout, buffers), across batches: pooled buffers
        recur (a training step reuses last step's buffers), and the metadata slice moves
        through a dynamic offset. Pool buffers are destroyed only by ``empty_cache``, which
        calls ``forget_buffers`` first. (Creating them was ~30% of a GPU MLP step's CPU time.)

        A miss creates the bind group with one raw wgpu-native call: wgpu-py's
        ``create_bind_group`` cost ~100 us of CPU per call on lavapipe's host (its structs,
        weak references and object bookkeeping), ~10x the call itself, and a CNN step whose
        buffers the garbage collector frees in a varying order misses ~60 times a step. The
        cache holds the raw handles and releases them when it drops them. A refused call
        (a NULL handle) is retried through wgpu-py, which raises wgpu's error."""
        key = (bgl, *buffers)
        bg = self._bind_groups.get(key)
        if bg is None:
            if len(self._bind_groups) > self.BIND_GROUPS:
                self._release_bind_groups()
            n = len(buffers) + 1
            entries = _ffi.new("WGPUBindGroupEntry[]", n)
            e = entries[0]
            e.buffer = self._arena_buf._internal
            e.size = self.META_BYTES
            for i, b in enumerate(buffers, 1):
                e = entries[i]
                e.binding = i
                e.buffer = b._internal
                e.size = _WHOLE_SIZE
            desc = _ffi.new("WGPUBindGroupDescriptor *")
            desc.layout = bgl._internal
            desc.entryCount = n
            desc.entries = entries
            bg = _lib.wgpuDeviceCreateBindGroup(self.device._internal, desc)
            if bg == _ffi.NULL:  # pragma: no cover - let wgpu-py raise the validation error
                self._checked_bind_group(bgl, buffers)
            self._bind_groups[key] = bg
        return bg

    def _checked_bind_group(self, bgl, buffers):  # pragma: no cover - a bug: raises
        entries = [{"binding": 0, "resource": {"buffer": self._arena_buf, "offset": 0,
                                                "size": self.META_BYTES}}]
        entries += [{"binding": i + 1, "resource": {"buffer": b, "offset": 0, "size": b.size}}
                    for i, b in enumerate(buffers)]
        self.device.create_bind_group(layout=bgl, entries=entries)
        raise GpuLimitError(f"gpu: wgpu-native refused a bind group of {len(buffers)} buffers")

    def _release_bind_groups(self) -> None:
        """Drop the cached bind groups (lock held). A pass that has one set keeps its own
        reference (wgpu-core counts them), so this is safe mid-batch."""
        groups, self._bind_groups = self._bind_groups, {}
        for bg in groups.values():
            _lib.wgpuBindGroupRelease(bg)

    def forget_buffers(self) -> None:
        """Drop cached bind groups (before buffers are destroyed)."""
        with self.lock:
            self._release_bind_groups()

    def dispatch(self, kernel, meta, buffers, groups, cost: int = 0) -> None:
        """Record one dispatch of ``kernel`` = (pipeline, layout).

        ``meta``: uint32 words (binding 0). ``buffers``: wgpu buffers for bindings 1.. .
        ``groups``: a total number of workgroups (laid out over x and y; shaders recover the
        linear id as ``wg.y * nwg.x + wg.x``) or an explicit (x, y, z). ``cost``: roughly the
        bytes the kernel moves (flops / 12 for matmul); see ``EAGER_COST``.
        """
        st = _STRUCTS.get(len(meta))
        if st is None:
            st = meta_struct(len(meta))
        grid = self.grid(groups) if groups.__class__ is int else tuple(groups)
        if grid is not None and min(grid) > 0:
            self.record(kernel, st.pack(*meta), buffers, grid, cost)

    def grid(self, groups: int) -> tuple[int, int, int] | None:
        """A total of ``groups`` workgroups as an (x, y, 1) grid (y > 1 past WebGPU's 65,535
        per dimension); None for none."""
        if groups <= 0:
            return None
        if groups <= _MAX_GROUPS:
            return (groups, 1, 1)
        gx = _MAX_GROUPS
        grid = (gx, -(-groups // gx), 1)
        if grid[1] > _MAX_GROUPS:
            raise GpuLimitError(f"gpu: too many workgroups ({gx * grid[1]}) on {self.name}")
        return grid

    def record(self, kernel, data: bytes, buffers, grid: tuple[int, int, int],
               cost: int = 0) -> None:
        """``dispatch`` with its metadata already packed (``meta_struct``) and its grid
        computed (``grid``, every count > 0): the whole per-op work of a planned launch."""
        with self.lock:  # the one acquisition of a dispatch (a cached pipeline needs none)
            self._record(kernel, data, buffers, grid, cost)

    def record_new(self, cls: int, nbytes: int, kernel, data: bytes, inputs: tuple,
                   grid: tuple[int, int, int], cost: int = 0):
        """``record`` of a kernel writing a new result (binding 1) from ``inputs`` (bindings
        2..): its storage (``nbytes``, size class ``cls``) taken and the dispatch recorded in one
        hold of the lock (acquire/release: ~0.1 us less than ``with``). Returns the storage.
        (A planned elementwise call's runtime work: ``_collect`` and ``_record`` inlined.)
        Where ``_crecord`` was built, a runtime's ``record_new`` (and ``record``) is its C
        ``Recorder``, which does the common case itself and calls this method for the rest
        (``use_c_record``): a change here or in ``_record`` is a change there."""
        lock = self.lock
        lock.acquire()
        try:
            if self._chain is not None:
                self._chain.emit()
            pool = self.pool
            released = pool._released
            if released:  # (``BufferPool._collect``: each free list in its fixed order, by id)
                lists = pool._free
                while released:
                    b = released.popleft()
                    c = b._size
                    pool._allocated -= c
                    if b._internal is None:  # finalized by the cycle collector (``_collect``)
                        pool.reserved -= c
                    else:
                        free = lists.get(c)
                        if free is None:
                            lists[c] = [b]
                        elif not free or id(b) > id(free[-1]):
                            free.append(b)
                        else:
                            bisect.insort(free, b, key=id)
            free = pool._free.get(cls)
            if free:
                buf = free.pop()
                pool._allocated += cls
                st = _new(_Storage)
                st.buffer, st.nbytes, st.device_index = buf, nbytes, self.index
                st.version, st.pool = 0, pool
            else:
                st = self.alloc(nbytes)
                buf = st.buffer
            # (``_record``, from here on: a change there is a change here)
            off = self._meta_offsets.get(data)
            if off is None:
                arena = self._arena
                off = -len(arena) % self.align + len(arena)
                if off + self.META_BYTES > self.ARENA_BYTES:
                    self._flush()
                    arena = self._arena
                    off = 0
                arena.extend(bytes(off - len(arena)))
                arena.extend(data)
                self._meta_offsets[data] = off
            pipe, bgl = kernel
            key = (bgl, buf) + inputs
            bind_group = self._bind_groups.get(key)
            if bind_group is None:
                bind_group = self._bind_group(bgl, key[1:])
            h = self._pass or self._compute_pass()
            if pipe is not self._last_pipe:
                _set_pipeline(h, pipe._internal)
                self._last_pipe = pipe
            if bind_group is not self._last_bg or off != self._last_off:
                self._c_off[0] = off
                _set_bind_group(h, 0, bind_group, 1, self._c_off)
                self._last_bg = bind_group
                self._last_off = off
            _dispatch_workgroups(h, *grid)
            self._count = count = self._count + 1
            self.dispatches += 1
            self._pending = pending = self._pending + cost
            if count >= self._submit_at:
                self._submit_point()
            elif pending >= self.EAGER_COST:
                self._flush()
        finally:
            lock.release()
        return st

    def _record(self, kernel, data: bytes, buffers, grid: tuple[int, int, int],
                cost: int) -> None:
        """``record``'s work (lock held); a pending lazy chain is recorded first."""
        if self._chain is not None:
            self._chain.emit()
        # Equal metadata (a chain of same-shaped ops) shares one slice of the arena.
        off = self._meta_offsets.get(data)
        if off is None:
            off = -len(self._arena) % self.align + len(self._arena)
            if off + self.META_BYTES > self.ARENA_BYTES:
                self._flush()
                off = 0
            self._arena.extend(bytes(off - len(self._arena)))
            self._arena.extend(data)
            self._meta_offsets[data] = off
        pipe, bgl = kernel
        bind_group = self._bind_groups.get((bgl, *buffers))
        if bind_group is None:
            bind_group = self._bind_group(bgl, buffers)
        # Raw wgpu-native calls (wgpu-py's wrappers cost microseconds each in error-capture
        # bookkeeping; encoding errors still surface at finish()), skipping state that is
        # already set in this pass.
        h = self._pass or self._compute_pass()
        if pipe is not self._last_pipe:
            _set_pipeline(h, pipe._internal)
            self._last_pipe = pipe
        if bind_group is not self._last_bg or off != self._last_off:
            self._c_off[0] = off
            _set_bind_group(h, 0, bind_group, 1, self._c_off)
            self._last_bg = bind_group
            self._last_off = off
        _dispatch_workgroups(h, *grid)
        self._count += 1
        self.dispatches += 1
        self._pending += cost
        if self._count >= self._submit_at:  # MAX_BATCH, or submit_every (overlap)
            self._submit_point()
        elif self._pending >= self.EAGER_COST:
            # Big kernels: submit now so the GPU starts while Python records the next ones
            # (a sync point still waits for everything; small ops stay in one batch).
            self._flush()

    def _submit_point(self) -> None:
        """``_submit_at`` dispatches are recorded (lock held): submit them, or look again
        later: after ``submit_every``'s lo more while they cost under ``submit_min_cost``
        (up to 4 lo: small kernels would keep the GPU busy for less than the submission
        costs), after ``IDLE_STEP`` more while the GPU is busy (below hi)."""
        c = self._count
        if self._pending < self.submit_min_cost and c < self._submit_cap:
            self._submit_at = min(c + self._submit_lo, self._submit_cap)
        elif c >= self._submit_hi or self._gpu_idle():
            self._flush()
        else:
            self._submit_at = min(c + self.IDLE_STEP, self._submit_hi)



def _probes() -> tuple:
    """cffi pointer objects with their addresses: ``Recorder`` checks it reads them right."""
    return tuple((_ffi.cast("WGPUBindGroup", v), v) for v in (0x12345678, 0x7FFE_DCBA_9870))


def use_c_record(rt, on: bool = True) -> bool:
    """Give runtime ``rt`` the C ``record_new`` and ``record`` (``on``) or its Python methods;
    returns whether the C path is on (False where ``_crecord`` was not built or is turned off).
    The planned elementwise kernels' C case (``planned_in_c``) follows ``record_new``."""
    rt.__dict__.pop("record_new", None)
    rt.__dict__.pop("record", None)
    if not on or _crecord is None:
        return False
    from ._pool import GpuStorage

    slots = tuple(GpuStorage.__dict__[n] for n in ("buffer", "nbytes", "device_index",
                                                   "version")) + (_Storage.__dict__["pool"],)
    ptrs = tuple(int(_ffi.cast("uintptr_t", f)) for f in _RAW_CALLS)
    try:
        new, old = (_crecord.Recorder(rt, getattr(type(rt), name), globals(), _RAW_CALLS,
                                      _Storage, slots, ptrs, _probes(), mode)
                    for mode, name in enumerate(("record_new", "record")))
    except Exception as e:  # pragma: no cover - a cffi or CPython whose objects differ
        warnings.warn(f"trueno_gpu: record_new and record stay in Python ({e})", RuntimeWarning,
                      stacklevel=2)
        return False
    rt.record_new, rt.record = new, old
    return True


def c_record_on(rt) -> bool:
    """Whether ``rt.record_new`` is the C accelerator."""
    return _crecord is not None and isinstance(rt.__dict__.get("record_new"), _crecord.Recorder)


def planned_in_c(fn, tag, arity: int, plans: dict, lazy_flags: dict, words, scalars: tuple):
    """A planned elementwise kernel: its closure ``fn`` (``_elementwise.planned_kernel``) as a
    C ``Planned`` that does the common case itself (arrays, or an array and a scalar of
    ``scalars``, float or int), where built; the closure's ``tag``, ``arity``, plan table,
    ``_lazy.ENABLED`` and scalar conversion ``words``; else ``fn``. The C case runs only on
    a runtime whose ``record_new`` is C (``use_c_record``)."""
    if _crecord is None:
        return fn
    from trueno.backend import StridedArray

    from ._lazy import LazyStorage
    from ._pool import GpuStorage

    sa = tuple(StridedArray.__dict__[n] for n in ("storage", "offset", "shape", "strides",
                                                  "dtype"))
    st = tuple(GpuStorage.__dict__[n] for n in ("buffer", "device_index"))
    return _crecord.Planned(fn, tag, arity, plans, StridedArray, sa, LazyStorage, GpuStorage, st,
                            lazy_flags, words, scalars)
