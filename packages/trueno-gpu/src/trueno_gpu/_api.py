"""The device API object core talks to (``trueno.DeviceAPI``), plus the data-movement kernels
built on the elementwise template: ``copy_``, ``astype``, ``contiguous``, ``where``, ``clip``.
Where a complex dtype is involved they hand over to ``_complex``.
"""

from __future__ import annotations

import math

import numpy as np
from trueno.backend import StridedArray, contiguous_strides

from . import _complex
from ._codegen import check_dtype, convert, new_array
from ._dtypes import ALL_DTYPES, COMPLEX_DTYPES, dtype_info
from ._elementwise import ZERO, launch, rt_of
from ._runtime import device_count, get_runtime

__all__ = ["GpuDeviceAPI", "supported_dtypes", "copy_", "astype", "contiguous", "where", "clip",
           "full"]


def supported_dtypes(rt) -> frozenset[str]:
    """The dtypes ``rt``'s adapter can hold (f16 / f64 / 64-bit ints / complex128 need their
    features)."""
    return frozenset(d for d in ALL_DTYPES + COMPLEX_DTYPES
                     if dtype_info(d).feature is None or dtype_info(d).feature in rt.features)


# -- data movement -----------------------------------------------------------------------------
def _same_buffer(a, b) -> bool:
    return isinstance(b, StridedArray) and a.storage.buffer is b.storage.buffer


def copy_(dst: StridedArray, src):
    """Write ``src`` (broadcastable, same dtype, or a scalar) into the view ``dst`` in place."""
    if dst.dtype.kind == "c" or isinstance(src, StridedArray) and src.dtype.kind == "c":
        return _complex.copy_(dst, src)
    rt = rt_of(dst)
    if _same_buffer(dst, src):
        src = contiguous(src)  # overlapping views: read everything before writing
    if isinstance(src, StridedArray) and src.dtype != dst.dtype:  # core casts; be lenient
        expr = convert(dtype_info(src.dtype), dtype_info(dst.dtype))
        launch(("astype", dst.dtype.name), expr, [src], dst, rt)
    else:
        op = src if isinstance(src, StridedArray) else (src, dst.dtype)
        launch("copy", "x0", [op], dst, rt)
    dst.storage.version += 1
    return dst


def astype(x: StridedArray, dtype):
    rt = rt_of(x)
    dtype = np.dtype(dtype)
    if dtype.kind == "c" or x.dtype.kind == "c":
        return _complex.astype(x, dtype)
    src = dtype_info(x.dtype)
    dst = check_dtype(rt, dtype, "astype")
    out = new_array(rt, x.shape, dtype)
    return launch(("astype", dst.name), convert(src, dst), [x], out, rt)


def contiguous(x: StridedArray):
    rt = rt_of(x)
    out = new_array(rt, x.shape, x.dtype)
    return launch("copy", "x0", [x], out, rt)


def full(rt, shape, value, dtype):
    if np.dtype(dtype).kind == "c":
        return _complex.full(rt, shape, value, np.dtype(dtype))
    out = new_array(rt, shape, dtype)
    return launch("copy", "x0", [(value, dtype)], out, rt)


def where(cond, x, y):
    arrays = [a for a in (cond, x, y) if isinstance(a, StridedArray)]
    rt = rt_of(arrays[0])
    vals = [a for a in (x, y) if isinstance(a, StridedArray)]
    dtype = vals[0].dtype if vals else np.asarray(x).dtype
    if np.dtype(dtype).kind == "c" or isinstance(cond, StridedArray) and cond.dtype.kind == "c":
        return _complex.where(cond, x, y)
    dt = dtype_info(dtype)
    cond_dtype = cond.dtype if isinstance(cond, StridedArray) else np.dtype(bool)
    cdt = dtype_info(cond_dtype)
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    out = new_array(rt, shape, dtype)
    ops = [cond if isinstance(cond, StridedArray) else (cond, cond_dtype),
           x if isinstance(x, StridedArray) else (x, dtype),
           y if isinstance(y, StridedArray) else (y, dtype)]
    expr = f"select(x2, x1, !(x0 == {ZERO[cdt.tkey]}))"  # NaN is true (see convert)
    return launch(("where", cdt.name, dt.name), expr, ops, out, rt)


def clip(x, min=None, max=None):  # noqa: A002 - NumPy's argument names
    rt = rt_of(x)
    dt = dtype_info(x.dtype)
    ops = [x]
    expr = "x0"
    lo, hi = {"f": ("tn_max", "tn_min"), "d": ("tn_max64", "tn_min64")}.get(dt.tkey,
                                                                          ("max", "min"))
    for bound, fn in ((min, lo), (max, hi)):
        if bound is None:
            continue
        ops.append(bound if isinstance(bound, StridedArray) else (bound, x.dtype))
        expr = f"{fn}({expr}, x{len(ops) - 1})"
    arrays = [a for a in ops if isinstance(a, StridedArray)]
    out = new_array(rt, np.broadcast_shapes(*(a.shape for a in arrays)), x.dtype)
    key = ("clip", min is not None, max is not None)
    return launch(key, expr, ops, out, rt)


# -- the device API ----------------------------------------------------------------------------
class GpuDeviceAPI:
    """``trueno.DeviceAPI`` for WebGPU adapters. Creating it never touches the GPU; the first
    call that needs an adapter finds one, or raises GpuUnavailableError saying what is missing.
    """

    type = "gpu"

    def device_count(self) -> int:
        return device_count()

    def from_numpy(self, arr: np.ndarray, index: int = 0) -> StridedArray:
        """Upload ``arr`` through a mapped staging buffer (recorded in the current batch)."""
        rt = get_runtime(index)
        arr = np.asarray(arr)
        dt = check_dtype(rt, arr.dtype, "from_numpy")
        host = np.ascontiguousarray(arr, dtype=dt.host)
        storage = rt.alloc(host.nbytes)
        rt.upload(storage, host.reshape(-1).view(np.uint8).data)
        return StridedArray(storage, 0, arr.shape, contiguous_strides(arr.shape), arr.dtype)

    def to_numpy(self, a: StridedArray) -> np.ndarray:
        """Flush pending work and download a C-contiguous copy of the view ``a``."""
        rt = rt_of(a)
        dt = dtype_info(a.dtype)
        n = math.prod(a.shape)
        if n == 0:
            return np.empty(a.shape, a.dtype)
        if not (a.is_contiguous() and (a.offset * dt.itemsize) % 4 == 0):
            a = contiguous(a)
        nbytes = (n * dt.itemsize + 3) // 4 * 4
        host = rt.download(a.storage.buffer, a.offset * dt.itemsize, nbytes, dt.host, n)
        return host.reshape(a.shape).astype(a.dtype, copy=False)

    def empty(self, shape, dtype, index: int = 0) -> StridedArray:
        rt = get_runtime(index)
        check_dtype(rt, dtype, "empty")
        return new_array(rt, shape, np.dtype(dtype))

    def full(self, shape, value, dtype, index: int = 0) -> StridedArray:
        rt = get_runtime(index)
        check_dtype(rt, dtype, "full")
        return full(rt, tuple(shape), value, np.dtype(dtype))

    def dtypes(self, index: int = 0) -> frozenset[str]:
        return supported_dtypes(get_runtime(index))

    def synchronize(self, index: int = 0) -> None:
        get_runtime(index).synchronize()

    def index_of(self, a: StridedArray) -> int:
        return a.storage.device_index

    def __repr__(self) -> str:
        return "GpuDeviceAPI(type='gpu')"
