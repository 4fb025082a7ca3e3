"""A "toy" device whose storage is a ``bytearray``: proof that core assumes no NumPy storage.

Kernels are plain Python loops over the strided views core hands them; only ``from_numpy`` /
``to_numpy`` (the host transfers) touch NumPy, as a real device's upload/download would.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

import trueno
from trueno.backend import DeviceAPI, StridedArray, contiguous_strides

_FMT = {"float64": "d", "float32": "f", "int64": "q", "int32": "i", "bool": "?"}


class ToyStorage:
    """Bytes on the toy device and the struct format of its elements."""

    def __init__(self, nbytes: int, fmt: str) -> None:
        self.buf = bytearray(nbytes)
        self.fmt = fmt

    def mv(self):
        return memoryview(self.buf).cast(self.fmt)


def _indices(shape):
    return itertools.product(*(range(n) for n in shape))


def _read(a: StridedArray):
    """Values of a strided view in row-major order (a Python list)."""
    mv = a.storage.mv()
    out = []
    for idx in _indices(a.shape):
        out.append(mv[a.offset + sum(i * s for i, s in zip(idx, a.strides))])
    return out


def _new(shape, dtype, values=None) -> StridedArray:
    dt = np.dtype(dtype)
    st = ToyStorage(max(math.prod(shape), 1) * dt.itemsize, _FMT[dt.name])
    strides = contiguous_strides(tuple(shape))
    a = StridedArray(st, 0, shape, strides, dt)
    if values is not None:
        mv = st.mv()
        for i, v in enumerate(values):
            mv[i] = v
    return a


def _bcast_read(a, shape):
    """Values of ``a`` broadcast to ``shape`` (zero strides for the broadcast axes)."""
    if not isinstance(a, StridedArray):
        return [a.item() if hasattr(a, "item") else a] * math.prod(shape)
    nd = len(shape)
    strides = [0] * nd
    for i, (n, s) in enumerate(zip(a.shape, a.strides), nd - a.ndim):
        strides[i] = s if n == shape[i] else 0
    return _read(StridedArray(a.storage, a.offset, shape, strides, a.dtype))


def _shape_of(*xs):
    return trueno.broadcast_shapes(*(x.shape for x in xs if isinstance(x, StridedArray)))


def _binary(fn):
    def kernel(x, y):
        shape = _shape_of(x, y)
        dt = x.dtype if isinstance(x, StridedArray) else y.dtype
        vals = [fn(a, b) for a, b in zip(_bcast_read(x, shape), _bcast_read(y, shape))]
        return _new(shape, dt, vals)
    return kernel


def negative(x):
    return _new(x.shape, x.dtype, [-v for v in _read(x)])


def sum_(x, axis, keepdims, dtype=None):
    """Sum over the axes in ``axis`` (a sorted tuple), with a plain Python loop."""
    kept = [d for d in range(x.ndim) if d not in axis]
    out_shape = tuple(x.shape[d] for d in kept)
    acc: dict = {}
    for idx, v in zip(_indices(x.shape), _read(x)):
        key = tuple(idx[d] for d in kept)
        acc[key] = acc.get(key, 0) + v
    vals = [acc.get(k, 0) for k in _indices(out_shape)]
    shape = tuple(1 if d in axis else n for d, n in enumerate(x.shape)) if keepdims \
        else out_shape
    dt = np.dtype(dtype) if dtype is not None else x.dtype
    return _new(shape, dt, vals)


def copy_(dst, src):
    vals = _bcast_read(src, dst.shape)
    mv = dst.storage.mv()
    for idx, v in zip(_indices(dst.shape), vals):
        mv[dst.offset + sum(i * s for i, s in zip(idx, dst.strides))] = v
    return dst


def astype(x, dtype):
    dt = np.dtype(dtype)
    conv = float if dt.kind == "f" else (bool if dt.kind == "b" else int)
    return _new(x.shape, dt, [conv(v) for v in _read(x)])


def contiguous(x):
    return _new(x.shape, x.dtype, _read(x))


class ToyAPI(DeviceAPI):
    type = "toy"

    def device_count(self) -> int:
        return 1

    def from_numpy(self, arr, index):
        if arr.dtype.name not in _FMT:
            raise trueno.DeviceError(f"toy device: dtype {arr.dtype} is not supported")
        return _new(arr.shape, arr.dtype, arr.ravel().tolist())

    def to_numpy(self, a):
        return np.array(_read(a), dtype=a.dtype).reshape(a.shape)

    def empty(self, shape, dtype, index):
        return _new(tuple(shape), dtype)

    def dtypes(self, index):
        return frozenset(_FMT)


DTYPES = ("float64", "float32", "int64", "int32")


@trueno.hookimpl
def trueno_register_backends(registry):
    registry.add_device(ToyAPI())
    kernels = {
        "add": _binary(lambda a, b: a + b),
        "subtract": _binary(lambda a, b: a - b),
        "multiply": _binary(lambda a, b: a * b),
        "negative": negative,
        "sum": sum_,
        "copy_": copy_,
        "astype": astype,
        "contiguous": contiguous,
    }
    registry.add_backend("toy", devices=("toy",), priority=10,
                         kernels={k: {d: f for d in DTYPES} for k, f in kernels.items()})
