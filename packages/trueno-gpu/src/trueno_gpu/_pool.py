"""Caching allocator: storage buffers by size class, reused when their tensor is collected.

Like PyTorch's CUDA caching allocator, freed buffers go back to a free list of their size
class instead of to the driver. Reuse is safe without waiting for the GPU: commands run in
queue order, so a kernel recorded after a buffer was freed runs after every earlier user.
Mapped staging buffers (uploads and downloads) are pooled the same way; an upload staging
buffer is reused only after a synchronisation proves the GPU is done with it.
"""

from __future__ import annotations

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

    def __init__(self, device, device_index: int) -> None:
        self.device = device
        self.device_index = device_index
        self._free: dict[int, list] = {}
        self._upload_free: dict[int, list] = {}
        self._upload_busy: list = []  # used since the last synchronisation
        self._download_free: dict[int, list] = {}
        self.allocated = 0  # bytes (size classes) held by live tensors
        self.reserved = 0  # bytes held by the pool, live or free
        self.closed = False

    # -- storage -------------------------------------------------------------------------------
    def alloc(self, nbytes: int) -> GpuStorage:
        cls = size_class(nbytes)
        free = self._free.get(cls)
        if free:
            buf = free.pop()
        else:
            buf = self.device.create_buffer(size=cls, usage=_STORAGE_USAGE)
            self.reserved += cls
        self.allocated += cls
        return GpuStorage(buf, nbytes, self.device_index, self)

    def release(self, buffer) -> None:
        if self.closed:
            return
        cls = buffer.size
        self.allocated -= cls
        self._free.setdefault(cls, []).append(buffer)

    # -- staging -------------------------------------------------------------------------------
    def upload_buffer(self, nbytes: int):
        """A MAP_WRITE buffer, already mapped, of at least ``nbytes``."""
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
        """Called after the GPU finished all submitted work: upload buffers may be reused."""
        for buf in self._upload_busy:
            self._upload_free.setdefault(buf.size, []).append(buf)
        self._upload_busy.clear()

    def download_buffer(self, nbytes: int):
        cls = size_class(nbytes)
        free = self._download_free.get(cls)
        if free:
            return free.pop()
        return self.device.create_buffer(size=cls, usage=_DOWNLOAD_USAGE)

    def download_done(self, buf) -> None:
        self._download_free.setdefault(buf.size, []).append(buf)

    def empty_cache(self) -> None:
        """Give every free buffer back to the driver (call only after a synchronisation)."""
        for lists in (self._free, self._upload_free, self._download_free):
            for bufs in lists.values():
                for buf in bufs:
                    if lists is self._free:
                        self.reserved -= buf.size
                    buf.destroy()
            lists.clear()
