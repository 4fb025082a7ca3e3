"""``trueno.ndarray``: the NumPy face's array class (NumPy's method names and semantics)."""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from . import _reduction as Rd
from ._tensor import Tensor

__all__ = ["ndarray"]


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


class ndarray(Tensor):
    """An n-dimensional array with NumPy's semantics (float64 default, ``a.size`` an int,
    ``a.sort()`` in place, ``a.std()`` with ddof=0, strides in bytes)."""

    __slots__ = ()
    _face = "numpy"
    _default_float = D.float64

    # Note: differs from the PyTorch face: size is a property, strides are in bytes.
    @property
    def size(self) -> int:
        return self.numel()

    @property
    def strides(self) -> tuple[int, ...]:
        return tuple(s * self.itemsize for s in self.stride_elements())

    @property
    def base(self):
        return None

    @property
    def flat(self):
        return self.ravel()

    def reshape(self, *shape, order="C", copy=None):
        from ._manipulation import reshape
        return reshape(self, _shape_args(shape), order=order, copy=copy)

    def transpose(self, *axes):
        axes = _shape_args(axes)
        return self.permute_dims(axes if axes else tuple(range(self.ndim))[::-1])

    def flatten(self, order="C"):
        return self.copy()._reshape((-1,))

    def ravel(self, order="C"):
        return self._reshape((-1,))

    def squeeze(self, axis=None):
        return self._squeeze(axis)

    def view(self, dtype=None):
        """``a.view()`` is a new view; ``a.view(dtype)`` reinterprets the bytes (CPU only)."""
        if dtype is None:
            return self._view("reshape", self._data, {"shape": self.shape})
        from ._creation import asarray
        return asarray(self._host().view(D.as_dtype(dtype).numpy))

    def fill(self, value) -> None:
        self[...] = value

    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return Rd.sum(self, axis, dtype, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False):
        return Rd.prod(self, axis, dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return Rd.mean(self, axis, dtype, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return Rd.var(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return Rd.std(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False):
        return Rd.max(self, axis, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False):
        return Rd.min(self, axis, keepdims=keepdims)

    def argmax(self, axis=None, out=None, *, keepdims=False):
        return Rd.argmax(self, axis, keepdims=keepdims)

    def argmin(self, axis=None, out=None, *, keepdims=False):
        return Rd.argmin(self, axis, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        return Rd.any(self, axis, keepdims=keepdims)

    def all(self, axis=None, out=None, keepdims=False):
        return Rd.all(self, axis, keepdims=keepdims)

    def cumsum(self, axis=None, dtype=None, out=None):
        return Rd.cumsum(self, axis, dtype)

    def cumprod(self, axis=None, dtype=None, out=None):
        return Rd.cumprod(self, axis, dtype)

    def clip(self, min=None, max=None):  # noqa: A002
        from ._elementwise import clip
        return clip(self, min, max)

    def round(self, decimals=0, out=None):
        from ._statistics import round as _round
        return _round(self, decimals)

    def sort(self, axis=-1, kind=None, order=None) -> None:
        """Sort in place, as NumPy's ``ndarray.sort`` does (returns None)."""
        from ._sorting import sort
        self[...] = sort(self, axis=axis)

    def argsort(self, axis=-1, kind=None, order=None):
        from ._sorting import argsort
        return argsort(self, axis=axis)

    def nonzero(self):
        from ._indexing import nonzero
        return nonzero(self)

    def repeat(self, repeats, axis=None):
        """NumPy's repeat: each element repeated ``repeats`` times (not PyTorch's tile)."""
        from ._creation import asarray
        x = self
        if axis is None:
            x = self._reshape((-1,))
            axis = 0
        from ._views import normalize_axis
        ax = normalize_axis(axis, x.ndim)
        idx = np.repeat(np.arange(x.shape[ax]), np.asarray(repeats))
        key = (slice(None),) * ax + (asarray(idx, device=x.device),)
        return x[key]

    def dot(self, b):
        from ._linalg_ops import dot
        return dot(self, b)

    # -- NumPy-surface methods (functions in _indexing_ext, _setops, _statistics) --------------
    def take(self, indices, axis=None, out=None, mode="raise"):
        from ._indexing_ext import take
        return take(self, indices, axis=axis, mode=mode)

    def put(self, indices, values, mode="raise") -> None:
        from ._indexing_ext import put
        put(self, indices, values, mode)

    def compress(self, condition, axis=None, out=None):
        from ._indexing_ext import compress
        return compress(condition, self, axis)

    def choose(self, choices, out=None, mode="raise"):
        from ._indexing_ext import choose
        return choose(self, choices, mode=mode)

    def searchsorted(self, v, side="left", sorter=None):
        from ._setops import searchsorted
        return searchsorted(self, v, side=side, sorter=sorter)

    def partition(self, kth, axis=-1, kind="introselect", order=None) -> None:
        """Partition in place, as NumPy's ``ndarray.partition`` does (returns None)."""
        from ._setops import partition
        self[...] = partition(self, kth, axis)

    def argpartition(self, kth, axis=-1, kind="introselect", order=None):
        from ._setops import argpartition
        return argpartition(self, kth, axis)

    def ptp(self, axis=None, out=None, keepdims=False):
        from ._statistics import ptp
        return ptp(self, axis, keepdims=keepdims)

    def trace(self, offset=0, axis1=0, axis2=1, dtype=None, out=None):
        from . import _reduction as Rd
        return Rd.sum(self.diagonal(offset, axis1, axis2), axis=-1, dtype=dtype)

    def tobytes(self) -> bytes:
        return self._host().tobytes()

    def tofile(self, fid, sep="", format="%s") -> None:  # noqa: A002
        from ._io import tofile
        tofile(self, fid, sep, format)
