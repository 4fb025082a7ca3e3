"""sort and argsort (Array API signatures; NumPy's ``kind`` is checked as NumPy checks it and
every sort here is stable, which each of NumPy's kinds allows)."""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from ._creation import asarray
from ._errors import DTypeError, TruenoError
from ._optable import OPS
from ._tensor import Tensor
from ._views import normalize_axis


def check_sort_kind(name, kind) -> None:
    """NumPy's check of a sort's ``kind``: None or a name starting with q, m, h or s
    ('quicksort', 'mergesort', 'heapsort', 'stable'; NumPy reads the first letter, any case).
    Every kind gives the same (stable) result here, which each of NumPy's kinds allows."""
    if kind is None:
        return
    if isinstance(kind, bytes):
        kind = kind.decode("latin-1")
    if not isinstance(kind, str):
        raise DTypeError(f"{name}: kind must be a str or None, not {type(kind).__name__}\n"
                         f"  hint: kind='stable'")
    if not kind or kind[0].lower() not in "qmhs":
        raise ArgumentError(f"{name}: kind must be one of 'quicksort', 'mergesort', 'heapsort', "
                            f"'stable' or None (got {kind!r})\n  hint: kind='stable'")

__all__ = ["sort", "argsort"]


class ArgumentError(TruenoError, ValueError):
    """An argument value NumPy refuses with ValueError (a sort ``kind`` it does not know)."""


def _complex_order(x, axis, descending):
    """NumPy's order of complex values (by real part, then imaginary part), stable: the
    argsort of ``x`` along ``axis`` (the NumPy face sorts complex arrays; PyTorch does not)."""
    from ._setops import lexsort
    re, im = x.real, x.imag
    if descending:
        re, im = -re, -im
    return lexsort([im, re], axis=axis)


def _is_numpy_complex(x) -> bool:
    return isinstance(x, Tensor) and x._dtype.kind == "c" and x._face == "numpy"


def _prep(name, x, axis):
    x = x if isinstance(x, Tensor) else asarray(x)
    if _is_numpy_complex(x):
        if axis is None:
            x = x._reshape((-1,))
            axis = -1
        if x.ndim == 0:
            x = x._reshape((1,))
        return x, normalize_axis(axis, x.ndim)
    row = OPS[name]
    if x._dtype not in row.accepts:
        X.check_accepts(row, x._dtype)
    if axis is None:
        x = x._reshape((-1,))
        axis = -1
    if x.ndim == 0:
        x = x._reshape((1,))
    return x, normalize_axis(axis, x.ndim)


def _by_fields(name, x, axis, order):
    """NumPy's sort of a structured array by its fields ``order`` (a name or a list)."""
    x = x if isinstance(x, Tensor) else asarray(x)
    if x._dtype.numpy.names is None:
        raise ArgumentError(f"{name}: cannot specify order when the array has no fields "
                            f"(order={order!r}, dtype {x.dtype})\n  hint: leave order=None")
    h = x._host()
    fn = np.sort if name == "sort" else np.argsort
    return asarray(fn(h, axis=axis, kind="stable", order=order), cls=x.__class__)


def sort(x, /, *, axis=-1, descending=False, stable=True, kind=None, dim=None, order=None):
    check_sort_kind("sort", kind)
    if order is not None:
        return _by_fields("sort", x, axis, order)
    if getattr(x, "ndim", None) == 0 and (axis if dim is None else dim) is not None:
        normalize_axis(axis if dim is None else dim, 0)  # NumPy: a 0-d array has no axis -1
    x, ax = _prep("sort", x, axis if dim is None else dim)
    if _is_numpy_complex(x):
        from ._gather_scatter import take_along_axis
        return take_along_axis(x, _complex_order(x, ax, descending), axis=ax)
    return X.run(OPS["sort"], (x,), (x._data,),
                 {"axis": ax, "descending": bool(descending), "stable": True}, x.__class__,
                 x._device, x._dtype)


def argsort(x, /, *, axis=-1, descending=False, stable=True, kind=None, dim=None, order=None):
    check_sort_kind("argsort", kind)
    if order is not None:
        return _by_fields("argsort", x, axis, order)
    x, ax = _prep("argsort", x, axis if dim is None else dim)
    if _is_numpy_complex(x):
        return _complex_order(x, ax, descending)
    return X.run(OPS["argsort"], (x,), (x._data,),
                 {"axis": ax, "descending": bool(descending), "stable": True}, x.__class__,
                 x._device, x._dtype)
