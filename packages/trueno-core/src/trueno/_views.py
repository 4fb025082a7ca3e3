"""Zero-copy views on device arrays: NumPy views on CPU, metadata algebra on ``StridedArray``.

Every function takes and returns a device array (``np.ndarray`` or ``StridedArray``) and
validates its arguments with the error a NumPy user expects (core's error types).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ._errors import AxisError, ShapeError, TruenoIndexError
from ._strided import StridedArray, reshape_strides

__all__ = ["normalize_axis", "normalize_axes", "infer_shape", "reshape_view", "permute",
           "expand", "basic_index", "is_basic_key", "diagonal", "broadcast_shapes"]


def normalize_axis(axis, ndim: int, name: str = "axis") -> int:
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(axis).__name__}") from None
    if not -ndim <= a < ndim:
        raise AxisError(f"{name} {a} is out of bounds for array of dimension {ndim}"
                        f" (valid: {-ndim}..{ndim - 1})" if ndim else
                        f"{name} {a} is out of bounds for a 0-d array (it has no axes)")
    return a % ndim if ndim else 0


def normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """None -> all axes; int or tuple -> sorted non-negative tuple; repeats are an error."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        out = tuple(sorted(normalize_axis(a, ndim) for a in axis))
        if len(set(out)) != len(out):
            raise ValueError(f"duplicate value in 'axis': {tuple(axis)}")
        return out
    return (normalize_axis(axis, ndim),)


_BCAST_CACHE: dict = {}


def broadcast_shapes(*shapes) -> tuple[int, ...]:
    """The broadcast shape of ``shapes``, or a ``ShapeError`` that names the clashing axis."""
    key = shapes
    r = _BCAST_CACHE.get(key)
    if r is not None:
        return r
    nd = max((len(s) for s in shapes), default=0)
    out = [1] * nd
    for s in shapes:
        for i, n in enumerate(s, nd - len(s)):
            if n != 1:
                if out[i] != 1 and out[i] != n:
                    shown = ", ".join(str(tuple(x)) for x in shapes)
                    raise ShapeError(
                        f"shapes {shown} cannot be broadcast together\n"
                        f"  axis {i - nd} has sizes {out[i]} and {n}\n"
                        f"  rule: aligned from the right, each pair of sizes must be equal or 1\n"
                        f"  hint: reshape one operand so that axis {i - nd} is 1, or index it "
                        f"(e.g. x[..., None]) to add an axis")
                out[i] = n
    r = tuple(out)
    if len(_BCAST_CACHE) < 4096:
        _BCAST_CACHE[key] = r
    return r


def infer_shape(shape, size: int) -> tuple[int, ...]:
    """Resolve one -1 in ``shape`` so that it holds ``size`` elements."""
    shape = tuple(operator.index(n) for n in shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1:
        raise ShapeError(f"can only specify one unknown dimension (-1), got shape {shape}")
    if any(n < -1 for n in shape):
        raise ShapeError(f"negative dimensions are not allowed: {shape}")
    if unknown:
        known = math.prod(n for n in shape if n != -1)
        if known == 0 or size % known:
            raise ShapeError(f"cannot reshape array of size {size} into shape {shape}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    if math.prod(shape) != size:
        raise ShapeError(f"cannot reshape array of size {size} into shape {shape}")
    return shape


def reshape_view(data, shape):
    """A view of ``data`` with ``shape``, or None when the layout needs a copy."""
    if isinstance(data, np.ndarray):
        try:  # NumPy decides in C whether the strides allow a view (same rule as ours)
            return np.reshape(data, shape, copy=False)
        except ValueError:
            return None
    strides = reshape_strides(data.shape, data.strides, shape)
    return None if strides is None else data.view(data.offset, shape, strides)


def permute(data, axes):
    if isinstance(data, np.ndarray):
        return data.transpose(axes)
    return data.view(data.offset, tuple(data.shape[a] for a in axes),
                     tuple(data.strides[a] for a in axes))


def expand(data, shape):
    """Broadcast ``data`` to ``shape`` with zero strides (read-only on CPU, as in NumPy)."""
    if isinstance(data, np.ndarray):
        return np.broadcast_to(data, shape)
    nd = len(shape)
    strides = [0] * nd
    for i, (n, s) in enumerate(zip(data.shape, data.strides), nd - data.ndim):
        strides[i] = s if n == shape[i] else 0
    return data.view(data.offset, shape, strides)


def is_basic_key(key) -> bool:
    if not isinstance(key, tuple):
        key = (key,)
    for k in key:
        if k is None or k is Ellipsis or isinstance(k, slice):
            continue
        if isinstance(k, (bool, np.bool_)):
            return False
        if isinstance(k, (int, np.integer)):
            continue
        return False
    return True


def basic_index(data, key):
    """``data[key]`` for a key of ints, slices, None and Ellipsis: always a view."""
    if isinstance(data, np.ndarray):
        try:
            out = data[key]
            if out.__class__ is not np.ndarray:  # all-integer key: NumPy gives a scalar copy
                out = data[(key if isinstance(key, tuple) else (key,)) + (Ellipsis,)]
            return out
        except IndexError as exc:
            raise TruenoIndexError(str(exc)) from None
    if not isinstance(key, tuple):
        key = (key,)
    n_used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if sum(1 for k in key if k is Ellipsis) > 1:
        raise TruenoIndexError("an index can only have a single ellipsis ('...')")
    if n_used > data.ndim:
        raise TruenoIndexError(f"too many indices for array: array is {data.ndim}-dimensional, "
                               f"but {n_used} were indexed")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (data.ndim - n_used) + key[i + 1:]
    else:
        key = key + (slice(None),) * (data.ndim - n_used)
    offset, shape, strides, dim = data.offset, [], [], 0
    for k in key:
        if k is None:
            shape.append(1)
            strides.append(0)
            continue
        n, s = data.shape[dim], data.strides[dim]
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            length = len(range(start, stop, step))
            if length:
                offset += start * s
            shape.append(length)
            strides.append(s * step)
        else:
            i = operator.index(k)
            if not -n <= i < n:
                raise TruenoIndexError(f"index {i} is out of bounds for axis {dim} with size {n}")
            offset += (i % n) * s
        dim += 1
    return data.view(offset, tuple(shape), tuple(strides))


def diagonal(data, offset: int = 0, axis1: int = 0, axis2: int = 1):
    """The diagonal of two axes as a view, moved to the last axis (as ``numpy.diagonal``)."""
    if isinstance(data, np.ndarray):
        return np.diagonal(data, offset, axis1, axis2)
    a1, a2 = normalize_axis(axis1, data.ndim), normalize_axis(axis2, data.ndim)
    if a1 == a2:
        raise ValueError("axis1 and axis2 cannot be the same")
    n1, n2 = data.shape[a1], data.shape[a2]
    s1, s2 = data.strides[a1], data.strides[a2]
    off = data.offset
    if offset >= 0:
        length = max(0, min(n1, n2 - offset))
        if length:
            off += offset * s2
    else:
        length = max(0, min(n1 + offset, n2))
        if length:
            off -= offset * s1
    keep = [i for i in range(data.ndim) if i not in (a1, a2)]
    shape = tuple(data.shape[i] for i in keep) + (length,)
    strides = tuple(data.strides[i] for i in keep) + (s1 + s2,)
    return data.view(off, shape, strides)


def strided_meta(data) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """``(offset, shape, strides)`` in elements for either kind of device array."""
    if isinstance(data, StridedArray):
        return data.offset, data.shape, data.strides
    item = data.itemsize or 1
    base = data
    while isinstance(base.base, np.ndarray):
        base = base.base
    off = (data.__array_interface__["data"][0] - base.__array_interface__["data"][0]) // item \
        if data.size and base.size else 0
    return off, data.shape, tuple(s // item for s in data.strides)
