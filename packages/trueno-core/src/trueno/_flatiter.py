"""``a.flat``: NumPy's ``flatiter``, a 1-d view of an array's elements in C order."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._tensor import Tensor

if TYPE_CHECKING:
    from ._ndarray import ndarray

__all__ = ["flatiter"]

_NOTHING = object()


class flatiter:
    """``a.flat``: the elements of ``a`` in C order, indexed as a 1-d array; reads give NumPy
    scalars or new arrays, writes go to ``a`` whatever its layout (NumPy's ``flatiter``)."""

    __slots__ = ("base",)

    def __init__(self, base: ndarray) -> None:
        self.base = base

    def __len__(self) -> int:
        return self.base.numel()

    def __iter__(self):
        return iter(self.base.ravel())

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.base.ravel(), dtype=dtype)

    def copy(self) -> ndarray:
        return self.base.flatten()

    def _flat(self):
        """A 1-d view of the base where its layout allows one, else None."""
        b = self.base
        return b._reshape((-1,)) if b.is_contiguous() else None

    def _index(self, key):
        """The base's index (a tuple of integer arrays) of the flat ``key``."""
        if isinstance(key, Tensor):
            key = key._host()
        pos = np.arange(self.base.numel())[key]
        if pos.ndim == 0:
            return tuple(int(i) for i in np.unravel_index(int(pos), self.base.shape))
        from ._creation import asarray
        return tuple(asarray(i.astype(np.int64), device=self.base.device)
                     for i in np.unravel_index(pos, self.base.shape))

    def __getitem__(self, key):
        f = self._flat()
        return f[key] if f is not None else self.base[self._index(key)]

    def __setitem__(self, key, value) -> None:
        value = self._fit(key, value)
        if value is _NOTHING:
            return
        f = self._flat()
        if f is not None:
            f[key] = value
        else:
            self.base[self._index(key)] = value

    def _fit(self, key, value):
        """NumPy's flatiter assignment: a sequence of another length than the selection is
        repeated cyclically or cut (``a.flat = [1, 2]`` fills a with 1, 2, 1, 2, ...)."""
        if isinstance(value, Tensor):
            value = value._host() if value.device != self.base.device else value
        if np.ndim(value) == 0:
            return value
        k = key._host() if isinstance(key, Tensor) else key
        shape = np.empty(self.base.numel(), np.bool_)[k].shape
        n = int(np.prod(shape))
        if isinstance(value, Tensor):
            return value.reshape(shape) if value.numel() == n else self._fit(key, value._host())
        v = np.asarray(value, dtype=self.base.dtype.numpy if self.base.dtype.name != "object"
                       else object).reshape(-1)
        if v.size == 0:
            return _NOTHING  # NumPy: an empty sequence writes nothing
        return (v if v.size == n else np.resize(v, n)).reshape(shape)
