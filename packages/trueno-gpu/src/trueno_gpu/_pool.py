"""Caching allocator: storage buffers by size class, reused when their tensor is collected.

Like PyTorch's CUDA caching allocator, freed buffers go back to a free list of their size
class instead of to the driver. Reuse is safe without waiting for the GPU: commands run in
queue order, so a kernel recorded after a buffer was freed runs after every earlier user.
Mapped staging buffers (uploads and downloads) are pooled the same way; an upload staging
buffer is reused only after a synchronisation proves the GPU is done with it.

Threads: every method but ``release`` runs under the owning runtime's lock (passed in), so a
buffer is handed to one caller only. ``release`` runs from garbage collection, on any thread and
at any point (also inside a locked section), so it only appends to a deque (atomic); the next
locked call moves released buffers to the free lists and updates ``allocated``.
"""

from __future__ import annotations

import bisect
import collections
import threading
import weakref

import wgpu

__all__ = ["GpuStorage", "BufferPool", "size_class"]

_STORAGE_USAGE = wgpu.BufferUsage.STORAGE | wgpu.BufferUsage.COPY_SRC | wgpu.BufferUsage.COPY_DST
_UPLOAD_USAGE = wgpu.BufferUsage.MAP_WRITE | wgpu.BufferUsage.COPY_SRC
_DOWNLOAD_USAGE = wgpu.BufferUsage.MAP_READ | wgpu.BufferUsage.COPY_DST


def size_class(nbytes: int) -> int:
    """Round a request up: powers of two to 4 MiB, then multiples of 2 MiB (<= 50% waste)."""
    n = max(int(nbytes), 256)
    if n <= 4 << 20:
        return 1 << (n - 1).bit_length()
    step = 2 << 20
    return (n + step - 1) // step * step


class GpuStorage:
    """One pooled wgpu buffer behind a tensor: ``buffer``, ``nbytes``, ``device_index``.

    The buffer returns to its pool when this object is garbage-collected (weakref.finalize).
    ``version`` counts in-place writes, for autograd's saved-tensor checks.
    """

    __slots__ = ("buffer", "nbytes", "device_index", "version", "__weakref__")

    def __init__(self, buffer, nbytes: int, device_index: int, pool: BufferPool) -> None:
        self.buffer = buffer
        self.nbytes = int(nbytes)
        self.device_index = device_index
        self.version = 0
        weakref.finalize(self, pool.release, buffer)

    def __repr__(self) -> str:
        return f"GpuStorage(gpu:{self.device_index}, nbytes={self.nbytes})"


class BufferPool:
    """Free lists of storage and staging buffers of one wgpu device, keyed by size class."""

    def __init__(self, device, device_index: int, lock=None, quiesce=None) -> None:
        """``lock``: the runtime's RLock (a new one when None). ``quiesce()``: called under it
        before ``empty_cache`` destroys buffers; it submits and waits for recorded work."""
        self.device = device
        self.device_index = device_index
        self.lock = threading.RLock() if lock is None else lock
        self._quiesce = quiesce
        self._free: dict[int, list] = {}
        self._released: collections.deque = collections.deque()  # freed, not yet in _free
        self._upload_free: dict[int, list] = {}
        self._upload_busy: list = []  # used since the last synchronisation
        self._download_free: dict[int, list] = {}
        self._allocated = 0
        self.reserved = 0  # bytes held by the pool, live or free
        self.closed = False

    @property
    def allocated(self) -> int:
        """Bytes (size classes) held by live tensors."""
        with self.lock:
            self._collect()
            return self._allocated

    # -- storage -------------------------------------------------------------------------------
    def _collect(self) -> None:
        """Move released buffers to their free lists (lock held)."""
        released = self._released
        while released:
            buf = released.popleft()
            cls = buf._size  # (the size property is a Python frame)
            self._allocated -= cls
            if buf._internal is None:
                # a storage and its buffer died in one garbage cycle: the cycle collector
                # finalized the wgpu buffer (released its handle) before the storage's
                # __del__ queued it here; it must not be handed out again
                self.reserved -= cls
                continue
            free = self._free.get(cls)
            if free is None:
                self._free[cls] = [buf]
            else:
                # a fixed order (by id) hands the same set of free buffers out in the same
                # order whatever order they were freed in, so a training step's bind groups
                # hit the runtime's cache from the second step on (H100 CNN step: 15-33
                # misses per step -> 0, host 4.08 -> 3.70 ms)
                bisect.insort(free, buf, key=id)

    def alloc(self, nbytes: int) -> GpuStorage:
        cls = size_class(nbytes)
        with self.lock:
            if self._released:
                self._collect()
            free = self._free.get(cls)
            if free:
                buf = free.pop()
            else:
                buf = self.device.create_buffer(size=cls, usage=_STORAGE_USAGE)
                self.reserved += cls
            self._allocated += cls
        return GpuStorage(buf, nbytes, self.device_index, self)

    def release(self, buffer) -> None:
        """The finalizer of a GpuStorage: lock-free (see the module docstring)."""
        if not self.closed:
            self._released.append(buffer)

    # -- staging -------------------------------------------------------------------------------
    def upload_buffer(self, nbytes: int):
        """A MAP_WRITE buffer, already mapped, of at least ``nbytes``. The caller holds the
        lock until the buffer is unmapped and its copy recorded."""
        with self.lock:
            return self._upload_buffer(nbytes)

    def _upload_buffer(self, nbytes: int):
        cls = size_class(nbytes)
        free = self._upload_free.get(cls)
        if free:
            buf = free.pop()
            poll = getattr(self.device, "_poll", None)
            if poll is None:  # pragma: no cover - another wgpu backend
                buf.map_sync(wgpu.MapMode.WRITE)
            else:  # idle since the last synchronisation: map on this thread, no poll thread
                promise = buf.map_async(wgpu.MapMode.WRITE)
                poll(True)
                promise.sync_wait()
        else:
            buf = self.device.create_buffer(size=cls, usage=_UPLOAD_USAGE, mapped_at_creation=True)
        self._upload_busy.append(buf)
        return buf

    def uploads_idle(self) -> None:
        """Called after the GPU finished all submitted work, in the same locked section as the
        submission and the wait: upload buffers may be reused."""
        with self.lock:
            for buf in self._upload_busy:
                self._upload_free.setdefault(buf.size, []).append(buf)
            self._upload_busy.clear()

    def download_buffer(self, nbytes: int):
        """A MAP_READ buffer of at least ``nbytes``, the caller's until ``download_done``."""
        cls = size_class(nbytes)
        with self.lock:
            free = self._download_free.get(cls)
            if free:
                return free.pop()
            return self.device.create_buffer(size=cls, usage=_DOWNLOAD_USAGE)

    def download_done(self, buf) -> None:
        with self.lock:
            self._download_free.setdefault(buf.size, []).append(buf)

    def empty_cache(self) -> None:
        """Give every free buffer back to the driver. Atomic: ``quiesce`` (when given) first
        submits and waits for recorded work, which may use buffers freed since."""
        with self.lock:
            if self._quiesce is not None:
                self._quiesce()
            self._collect()
            for lists in (self._free, self._upload_free, self._download_free):
                for bufs in lists.values():
                    for buf in bufs:
                        if lists is self._free:
                            self.reserved -= buf.size
                        buf.destroy()
                lists.clear()
