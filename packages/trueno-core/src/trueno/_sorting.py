"""sort and argsort (Array API signatures; NumPy's ``kind`` is accepted and ignored:
every sort here is stable)."""

from __future__ import annotations

from . import _dispatch as X
from ._creation import asarray
from ._optable import OPS
from ._tensor import Tensor
from ._views import normalize_axis

__all__ = ["sort", "argsort"]


def _prep(name, x, axis):
    x = x if isinstance(x, Tensor) else asarray(x)
    row = OPS[name]
    if x._dtype not in row.accepts:
        X.check_accepts(row, x._dtype)
    if axis is None:
        x = x._reshape((-1,))
        axis = -1
    if x.ndim == 0:
        x = x._reshape((1,))
    return x, normalize_axis(axis, x.ndim)


def sort(x, /, *, axis=-1, descending=False, stable=True, kind=None, dim=None):
    if getattr(x, "ndim", None) == 0 and (axis if dim is None else dim) is not None:
        normalize_axis(axis if dim is None else dim, 0)  # NumPy: a 0-d array has no axis -1
    x, ax = _prep("sort", x, axis if dim is None else dim)
    return X.run(OPS["sort"], (x,), (x._data,),
                 {"axis": ax, "descending": bool(descending), "stable": True}, x.__class__,
                 x._device, x._dtype)


def argsort(x, /, *, axis=-1, descending=False, stable=True, kind=None, dim=None):
    x, ax = _prep("argsort", x, axis if dim is None else dim)
    return X.run(OPS["argsort"], (x,), (x._data,),
                 {"axis": ax, "descending": bool(descending), "stable": True}, x.__class__,
                 x._device, x._dtype)
