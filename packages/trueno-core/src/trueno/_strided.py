"""StridedArray: the device array of every non-CPU device, and view algebra on its metadata.

A CPU tensor wraps a NumPy view; any other device (the GPU, a third-party one) wraps a
``StridedArray`` whose ``storage`` is whatever its backend allocated. Core computes every view
(transpose, slicing, reshape, expand, diagonal, ...) on ``(offset, shape, strides)`` here, so a
backend writes no view code and core never assumes the storage is a NumPy buffer.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["StridedArray", "contiguous_strides", "is_contiguous", "reshape_strides"]


def contiguous_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major strides, in elements, of a contiguous array of ``shape``."""
    strides = []
    step = 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


def is_contiguous(shape: tuple[int, ...], strides: tuple[int, ...]) -> bool:
    """True when ``strides`` walk ``shape`` in row-major order with no gaps."""
    if 0 in shape:
        return True  # an empty array is contiguous whatever its strides (as in NumPy)
    step = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 0:
            return True
        if n != 1 and s != step:
            return False
        step *= n
    return True


def reshape_strides(shape, strides, new_shape) -> tuple[int, ...] | None:
    """Strides that view ``(shape, strides)`` as ``new_shape`` without copying, or None.

    Same algorithm as NumPy's ``_attempt_nocopy_reshape``: walk groups of old and new axes
    whose products match; a group can be merged only if it is contiguous within itself.
    """
    old = [(n, s) for n, s in zip(shape, strides) if n != 1]
    size = math.prod(shape)
    if size == 0 or not old:
        return contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    oi = ni = 0
    o_n, n_n = len(old), len(new_shape)
    while oi < o_n and ni < n_n:
        np_ = new_shape[ni]
        op_ = old[oi][0]
        oj, nj = oi + 1, ni + 1
        while np_ != op_:
            if np_ < op_:
                np_ *= new_shape[nj]
                nj += 1
            else:
                op_ *= old[oj][0]
                oj += 1
        for k in range(oi, oj - 1):
            if old[k][1] != old[k + 1][0] * old[k + 1][1]:
                return None
        new_strides[nj - 1] = old[oj - 1][1]
        for k in range(nj - 1, ni, -1):
            new_strides[k - 1] = new_strides[k] * new_shape[k]
        oi, ni = oj, nj
    # Trailing new axes of length 1 keep any stride; give them a tidy one.
    for k in range(ni, n_n):
        new_strides[k] = 1
    return tuple(new_strides)


class StridedArray:
    """A strided view ``(storage, offset, shape, strides, dtype)`` on a non-CPU device.

    ``strides`` and ``offset`` are in elements; ``dtype`` is a ``numpy.dtype``. Backends read
    these fields to address their buffers; they never subclass this for views.
    """

    __slots__ = ("storage", "offset", "shape", "strides", "dtype")

    def __init__(self, storage, offset: int, shape, strides, dtype) -> None:
        self.storage = storage
        self.offset = int(offset)
        self.shape = tuple(shape)
        self.strides = tuple(strides)
        self.dtype = np.dtype(dtype)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    def is_contiguous(self) -> bool:
        return is_contiguous(self.shape, self.strides)

    def view(self, offset: int, shape, strides) -> StridedArray:
        """Another view of the same storage."""
        return StridedArray(self.storage, offset, shape, strides, self.dtype)

    def __repr__(self) -> str:
        return (f"StridedArray(offset={self.offset}, shape={self.shape}, "
                f"strides={self.strides}, dtype={self.dtype})")
