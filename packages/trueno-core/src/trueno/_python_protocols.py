"""Mixin of ``Tensor``: the Python and NumPy protocols (``__array__``, DLPack, ``len``/``iter``,
conversions to Python scalars, ``repr``/``str``/``format``, pickling), shared by both faces."""

from __future__ import annotations

import operator

import numpy as np

from ._device import CPU
from ._errors import DeviceError

__all__ = ["PythonProtocols"]


class PythonProtocols:
    """What makes a tensor behave as a Python/NumPy object; reads ``Tensor``'s slots."""

    __slots__ = ()

    def __array__(self, dtype=None, copy=None):
        if self._device is not CPU:
            raise DeviceError(f"can't convert a '{self._device}' tensor to NumPy implicitly; "
                              "use .cpu() or .numpy() first (transfers are explicit)")
        a = self._data
        if dtype is not None:
            if copy is False and np.dtype(dtype) != a.dtype:
                raise ValueError(f"__array__(dtype={np.dtype(dtype)}, copy=False): a "
                                 f"{self._dtype.name} array cannot be viewed as "
                                 f"{np.dtype(dtype)} without a copy\n  hint: pass copy=None")
            a = a.astype(dtype, copy=False)
        if copy:
            a = a.copy()
        return a

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array: zero-copy on CPU, a download on other devices."""
        if self._ag is not None and not force and self._face == "torch":
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        return self._host()

    def tolist(self):
        return self._host().tolist()

    def item(self, *args):
        if args:
            return self._host().item(*args)
        if self.numel() != 1:
            raise ValueError(f"item(): only a tensor with one element can be converted to a "
                             f"Python scalar; this one has {self.numel()} (shape {self.shape})")
        return self._host().item()

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if self._device is not CPU:
            raise DeviceError(f"__dlpack__: '{self._device}' tensors export through .cpu()")
        kw = {} if max_version is None else {"max_version": max_version}
        return self._data.__dlpack__(stream=stream, copy=copy, **kw)

    def __dlpack_device__(self):
        return (1, 0)

    def __array_namespace__(self, *, api_version=None):
        import trueno
        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}")
        return trueno

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def _scalar(self, kind):
        if self.ndim and self._face == "numpy" and kind in ("float", "int", "complex"):
            raise TypeError(f"only 0-dimensional arrays can be converted to Python scalars "
                            f"({kind}); this one has shape {self.shape}")  # as NumPy 2
        if self.numel() != 1:
            raise ValueError(f"only arrays with one element can be converted to Python scalars "
                             f"({kind}); this one has shape {self.shape}")
        return self._host().reshape(()).item()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ValueError(f"the truth value of an array with more than one element is "
                             f"ambiguous (shape {self.shape})\n  hint: use a.any() or a.all()")
        return bool(self._scalar("bool"))

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self._dtype.kind not in "iu" or self.ndim:
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._scalar("index"))

    __hash__ = None  # mutable containers are unhashable, as NumPy arrays are

    def __round__(self, ndigits=None):
        """``round(a[i, j])`` as for the NumPy scalar NumPy's indexing gives: a Python int
        without ``ndigits``, else a 0-d array of the same dtype (0-d real arrays, NumPy face)."""
        if self.ndim or self._face != "numpy" or self._dtype.kind not in "iuf":
            raise TypeError(f"type {type(self).__name__} doesn't define __round__ method"
                            + ("" if self.ndim else f" for dtype {self._dtype.name}"))
        if ndigits is None:
            return round(self.item())
        from ._statistics import round as _round
        return _round(self, decimals=operator.index(ndigits))

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __repr__(self) -> str:
        from ._format import tensor_repr
        return tensor_repr(self)

    def __str__(self) -> str:
        from ._format import tensor_str
        return tensor_str(self)

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return str(self) if not spec else format(str(self), spec)

    def __reduce__(self):
        return (_rebuild, (self.__class__, self._host().copy(), str(self._device)))


def _rebuild(cls, arr, device):
    from ._creation import asarray
    return asarray(arr, device=device, cls=cls)
