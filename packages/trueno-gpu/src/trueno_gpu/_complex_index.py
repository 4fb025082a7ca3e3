"""Gathers and scatters of complex arrays through ``_indexing``'s real kernels.

The real template cannot hold a complex element (its gather writes a scalar zero for
out-of-range indices, its scatters use scalar atomics), so a complex array is handed over as
its float view: ``shape + (2,)`` with doubled strides, the index array gaining a broadcast
trailing axis of 2 (stride 0), and ``index``'s host offsets ``2 * k + (0, 1)``. Adds then run
per part (float compare-exchange loops: complex64 only, as WGSL has no 64-bit atomics); a
complex multiply is not per part, so scatter(reduce="multiply") is refused.
"""

from __future__ import annotations

import numpy as np
from trueno.backend import StridedArray

from . import _indexing as ix
from ._codegen import bcast_strides, new_array
from ._complex import complex_view, contiguous, copy_, full, real_view
from ._dtypes import dtype_info, real_dtype
from ._elementwise import rt_of
from ._errors import GpuDtypeError

__all__ = ["take", "take_along_axis", "gather", "scatter", "scatter_add", "index",
           "index_put", "make_kernels"]


def _pair(idx: StridedArray) -> StridedArray:
    """``idx`` with a trailing broadcast axis of 2 (both parts read the same index)."""
    return StridedArray(idx.storage, idx.offset, idx.shape + (2,), idx.strides + (0,),
                        idx.dtype)


def _src(value, x: StridedArray) -> StridedArray:
    if not isinstance(value, StridedArray):
        return full(rt_of(x), (), value, x.dtype)
    return value if value.dtype == x.dtype else copy_(new_array(rt_of(x), value.shape,
                                                                x.dtype), value)


def take(x: StridedArray, indices, axis=None, mode="raise") -> StridedArray:
    """``np.take`` of complex ``x`` (an out-of-range index reads 0, as the real kernel)."""
    if axis is None or x.ndim == 0:
        x = x if x.is_contiguous() else contiguous(x)
        x = x.view(x.offset, (x.size,), (1,))
        axis = 0
    return complex_view(ix.take(real_view(x), indices, axis % x.ndim, mode), x.dtype)


def take_along_axis(x: StridedArray, indices, axis: int) -> StridedArray:
    """``np.take_along_axis`` of complex ``x`` (bounds checked on the device, as the real
    kernel: the float view keeps ``x``'s axes and sizes)."""
    rt = rt_of(x)
    idx = _pair(ix._index_array(rt, indices))
    return complex_view(ix.take_along_axis(real_view(x), idx, axis % x.ndim, checked=True),
                        x.dtype)


def gather(x: StridedArray, axis: int, index, negative_ok: bool = True) -> StridedArray:
    """``torch.gather`` of complex ``x`` (bounds checked on the device)."""
    rt = rt_of(x)
    idx = _pair(ix._index_array(rt, index))
    return complex_view(ix.gather(real_view(x), axis % x.ndim, idx, checked=True,
                                  negative_ok=negative_ok), x.dtype)


def scatter(x: StridedArray, axis: int, index, src, reduce=None) -> StridedArray:
    """``torch.scatter`` of complex ``x``: ``src`` written or added (not multiplied)."""
    rt = rt_of(x)
    if reduce in ("multiply", "prod"):
        raise GpuDtypeError(f"gpu: scatter(reduce={reduce!r}) on {x.dtype}: a complex product "
                            f"is not per part\n  hint: compute on the CPU")
    idx = _pair(ix._index_array(rt, index))
    out = ix.scatter(real_view(x), axis % x.ndim, idx, real_view(_src(src, x)), reduce)
    return complex_view(out, x.dtype)


def scatter_add(x: StridedArray, axis: int, index, src: StridedArray) -> StridedArray:
    """``torch.scatter_add`` of complex64 ``x``."""
    return scatter(x, axis, index, src, "add")


def _pair_offsets(x: StridedArray, key) -> np.ndarray:
    offs = ix._offsets(x, key)
    return offs[..., None] * 2 + np.arange(2)


def _flat_real(x: StridedArray) -> StridedArray:
    rd = real_dtype(dtype_info(x.dtype)).host
    return StridedArray(x.storage, 0, (1 << 30,), (1,), rd)


def index(x: StridedArray, key, check=None) -> StridedArray:
    """``x[key]`` (core's advanced indexing) of complex ``x`` (index arrays on the device in
    ``key`` are read back: ``_indexing.host_key``; ``check`` is then done by that read)."""
    rt = rt_of(x)
    key = ix.host_key(key, x, check)
    offs = _pair_offsets(x, key)
    idx = ix._index_array(rt, offs)
    out = new_array(rt, offs.shape, real_dtype(dtype_info(x.dtype)).host)
    ix._launch("gather", offs.shape, out, out.strides, _flat_real(x), (0,) * offs.ndim, idx,
               idx.strides, 1 << 30, 1)
    return complex_view(out, x.dtype)


def index_put(x: StridedArray, key, value, accumulate=False) -> StridedArray:
    """``x[key] = value`` (``+=`` with ``accumulate``) of complex ``x``, in place."""
    if not accumulate:
        return ix.index_put(x, key, value)
    rt = rt_of(x)
    key = ix.host_key(key, x)
    offs = ix._offsets(x, key)
    value = _src(value, x)
    if value.storage.buffer is x.storage.buffer:
        value = contiguous(value)
    if value.ndim > offs.ndim or np.broadcast_shapes(value.shape, offs.shape) != offs.shape:
        raise ValueError(f"shape mismatch: value array of shape {value.shape} could not be "
                         f"broadcast to indexing result of shape {offs.shape}")
    vs = bcast_strides(value, offs.shape)
    vf = StridedArray(value.storage, 2 * value.offset, offs.shape + (2,),
                      tuple(2 * s for s in vs) + (1,), real_dtype(dtype_info(x.dtype)).host)
    pairs = offs[..., None] * 2 + np.arange(2)
    idx = ix._index_array(rt, pairs)
    ix._launch("add", pairs.shape, _flat_real(x), (0,) * pairs.ndim, vf, vf.strides, idx,
               idx.strides, 1 << 30, 1)
    x.storage.version += 1
    return x


def make_kernels() -> dict:
    """op name -> {complex dtype name: kernel}; accumulating scatters for complex64 only."""
    both = ("complex64", "complex128")
    table = {op: dict.fromkeys(both, fn) for op, fn in (
        ("take", take), ("take_along_axis", take_along_axis), ("gather", gather),
        ("scatter", scatter), ("index", index), ("index_put", index_put))}
    table["scatter_add"] = {"complex64": scatter_add}
    return table
