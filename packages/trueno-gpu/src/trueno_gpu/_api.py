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


_CASTS: dict = {}  # (source dtype, target dtype, device index) -> astype's launch parts


def astype(x: StridedArray, dtype):
    idx = x.storage.device_index
    c = _CASTS.get((x.dtype, dtype, idx))
    if c is None:
        rt = get_runtime(idx)
        npd = np.dtype(dtype)
        if npd.kind == "c" or x.dtype.kind == "c":
            return _complex.astype(x, npd)
        dst = check_dtype(rt, npd, "astype")
        c = (rt, npd, ("astype", dst.name), convert(dtype_info(x.dtype), dst))
        _CASTS[(x.dtype, dtype, idx)] = c
    rt, npd, key, expr = c
    return launch(key, expr, [x], new_array(rt, x.shape, npd), rt)


def contiguous(x: StridedArray):
    rt = get_runtime(x.storage.device_index)
    return launch("copy", "x0", [x], new_array(rt, x.shape, x.dtype), rt)


def full(rt, shape, value, dtype):
    if np.dtype(dtype).kind == "c":
        return _complex.full(rt, shape, value, np.dtype(dtype))
    out = new_array(rt, shape, dtype)
    return launch("copy", "x0", [(value, dtype)], out, rt)


_WHERES: dict = {}  # (cond, x, y dtypes; None for a scalar) -> (key, expr, dtype, cond dtype)


def where(cond, x, y):
    sa = StridedArray
    if x.__class__ is sa or y.__class__ is sa:  # the dtypes of the arrays decide everything
        sig = (cond.dtype if isinstance(cond, sa) else None,
               x.dtype if isinstance(x, sa) else None, y.dtype if isinstance(y, sa) else None)
        p = _WHERES.get(sig)
        if p is None:
            p = _where_plan(cond, x, y)
            if p is None:
                return _complex.where(cond, x, y)
            _WHERES[sig] = p
    else:
        p = _where_plan(cond, x, y)
        if p is None:
            return _complex.where(cond, x, y)
    key, expr, dtype, cond_dtype = p
    ops = [cond if isinstance(cond, sa) else (cond, cond_dtype),
           x if isinstance(x, sa) else (x, dtype),
           y if isinstance(y, sa) else (y, dtype)]
    first = shape = None
    for a in ops:
        if a.__class__ is not tuple:
            if first is None:
                first, shape = a, a.shape
            elif a.shape != shape:
                shape = np.broadcast_shapes(shape, a.shape)
    rt = get_runtime(first.storage.device_index)
    return launch(key, expr, ops, new_array(rt, shape, dtype), rt)


def _where_plan(cond, x, y):
    """``where``'s (launch key, expression, result dtype, condition dtype), or None for
    complex operands (``_complex.where``)."""
    vals = [a for a in (x, y) if isinstance(a, StridedArray)]
    dtype = vals[0].dtype if vals else np.asarray(x).dtype
    if np.dtype(dtype).kind == "c" or isinstance(cond, StridedArray) and cond.dtype.kind == "c":
        return None
    dt = dtype_info(dtype)
    cond_dtype = cond.dtype if isinstance(cond, StridedArray) else np.dtype(bool)
    cdt = dtype_info(cond_dtype)
    expr = f"select(x2, x1, !(x0 == {ZERO[cdt.tkey]}))"  # NaN is true (see convert)
    return ("where", cdt.name, dt.name), expr, dtype, cond_dtype


_CLIPS: dict = {}  # (dtype, bound kinds) -> (launch key, expression)


def clip(x, min=None, max=None):  # noqa: A002 - NumPy's argument names
    sa = StridedArray
    kinds = (None if min is None else min.__class__ is sa,
             None if max is None else max.__class__ is sa)
    p = _CLIPS.get((x.dtype, kinds))
    if p is None:
        dt = dtype_info(x.dtype)
        expr = "x0"
        lo, hi = {"f": ("tn_max", "tn_min"), "d": ("tn_max64", "tn_min64")}.get(dt.tkey,
                                                                              ("max", "min"))
        k = 0
        for bound, fn in ((min, lo), (max, hi)):
            if bound is not None:
                k += 1
                expr = f"{fn}({expr}, x{k})"
        p = _CLIPS[(x.dtype, kinds)] = (("clip", min is not None, max is not None), expr)
    key, expr = p
    ops = [x]
    shape = x.shape
    for bound in (min, max):
        if bound.__class__ is sa:
            ops.append(bound)
            if bound.shape != shape:
                shape = np.broadcast_shapes(shape, bound.shape)
        elif bound is not None:
            ops.append((bound, x.dtype))
    rt = get_runtime(x.storage.device_index)
    return launch(key, expr, ops, new_array(rt, shape, x.dtype), rt)


class GpuDeviceAPI:
    """``trueno.DeviceAPI`` for WebGPU adapters. Creating it never touches the GPU; the first
    call that needs an adapter finds one, or raises GpuUnavailableError saying what is missing.
    """

    type = "gpu"
    # gather / take_along_axis check their index on the device and raise at the next sync
    # (``_index_checks``): core never reads the index back to check it
    checks_indices = True

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
        dt = check_dtype(rt, dtype, "empty")
        # through Runtime.alloc, not new_array's free-list pop: an allocation the driver
        # refuses empties the cache and retries once
        shape = tuple(int(n) for n in shape)
        storage = rt.alloc(math.prod(shape) * dt.itemsize)
        return StridedArray(storage, 0, shape, contiguous_strides(shape), np.dtype(dtype))

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
