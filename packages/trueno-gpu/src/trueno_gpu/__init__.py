"""trueno-gpu: the WebGPU backend of trueno (wgpu, WGSL compute shaders).

Importing this package never touches the GPU. ``is_available()`` looks for an adapter;
everything else finds one on first use or raises ``GpuUnavailableError`` naming what is
missing (on Linux without a GPU: ``apt-get install mesa-vulkan-drivers libvulkan1``).

Examples
--------
>>> import trueno_gpu
>>> isinstance(trueno_gpu.is_available(), bool)
True
"""

from __future__ import annotations

from ._api import GpuDeviceAPI, supported_dtypes
from ._errors import GpuDtypeError, GpuLimitError, GpuUnavailableError
from ._kernels import kernels_table
from ._runtime import adapters_seen, device_count, get_runtime, is_available, live_runtimes

__version__ = "0.1.0"
__all__ = [
    "GpuDeviceAPI",
    "GpuDtypeError",
    "GpuLimitError",
    "GpuUnavailableError",
    "adapter_info",
    "adapters_seen",
    "device_count",
    "empty_cache",
    "is_available",
    "kernels_table",
    "memory_allocated",
    "memory_reserved",
    "synchronize",
]


def synchronize(index: int | None = None) -> None:
    """Submit recorded work and wait for the GPU (all started devices when ``index`` is None)."""
    for rt in live_runtimes() if index is None else [get_runtime(index)]:
        rt.synchronize()


def memory_allocated(index: int = 0) -> int:
    """Bytes of GPU buffers held by live tensors on ``gpu:index`` (pool size classes); a
    pending lazy chain is recorded first, so its live results count."""
    rts = [rt for rt in live_runtimes() if rt.index == index]
    if rts:
        rts[0].emit_chain()
    return rts[0].pool.allocated if rts else 0


def memory_reserved(index: int = 0) -> int:
    """Bytes of GPU buffers the pool holds on ``gpu:index``, in use or cached (a pending
    lazy chain recorded first, as for ``memory_allocated``)."""
    rts = [rt for rt in live_runtimes() if rt.index == index]
    if rts:
        rts[0].emit_chain()
    return rts[0].pool.reserved if rts else 0


def empty_cache(index: int | None = None) -> None:
    """Synchronise, then give the pool's free buffers back to the driver."""
    for rt in live_runtimes() if index is None else [get_runtime(index)]:
        rt.synchronize()
        rt.forget_buffers()
        rt.pool.empty_cache()


def adapter_info(index: int = 0) -> dict:
    """The adapter behind ``gpu:index``: wgpu's info plus the features and limits we use."""
    rt = get_runtime(index)
    info = dict(rt.info)
    info.update(features=sorted(rt.features), dtypes=sorted(supported_dtypes(rt)),
                max_storage_binding=rt.max_binding, workgroup_storage=rt.workgroup_storage)
    return info
