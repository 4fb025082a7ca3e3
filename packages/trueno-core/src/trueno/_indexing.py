"""Advanced indexing (integer arrays, boolean masks) for get and set, and nonzero.

Basic indexing (ints, slices, None, Ellipsis) is a view and lives in ``_views``; an index with
arrays in it copies, as in NumPy.
"""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._errors import TruenoIndexError
from ._optable import OPS
from ._tensor import Tensor

__all__ = ["getitem_advanced", "setitem_advanced", "nonzero"]


def _host_key(t, key):
    """The index with tensors and lists turned into NumPy arrays, checked for dtype."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if k._device is not t._device:
                X.check_device("index", t, k)
            if k._dtype.kind not in "biu":
                raise TruenoIndexError(f"arrays used as indices must be of integer (or boolean) "
                                       f"type, not {k._dtype.name}")
            k = k._host()
        elif isinstance(k, list):
            k = np.asarray(k)
            if k.dtype.kind not in "biu" and k.size:
                raise TruenoIndexError("lists used as indices must hold integers or booleans")
            if k.size == 0:
                k = k.astype(np.intp)
        out.append(k)
    return tuple(out)


def getitem_advanced(t, key):
    hk = _host_key(t, key)
    try:
        return X.run(OPS["index"], (t,), (t._data,), {"key": hk}, t.__class__, t._device,
                     t._dtype)
    except IndexError as exc:
        if isinstance(exc, TruenoIndexError):
            raise
        raise TruenoIndexError(str(exc)) from None


def setitem_advanced(t, key, value, accumulate=False):
    hk = _host_key(t, key)
    if not isinstance(value, Tensor):
        from ._creation import asarray
        value = asarray(value, dtype=t._dtype, device=t._device, cls=t.__class__)
    ag = X.STATE.autograd
    track = ag is not None and (t._ag is not None or value._ag is not None) and \
        X.MODES.grad_enabled
    if track:
        ag.check_inplace(t)  # a leaf that requires grad (or a view of one) raises here
    data = t._data
    if data.__class__ is np.ndarray and not data.flags.writeable and \
            not t._writable("setitem"):
        from ._flags import ReadOnlyArrayError
        raise ReadOnlyArrayError("assignment destination is read-only (index assignment "
                                 "into an array whose flags.writeable is False)\n  hint: "
                                 "write into a copy: b = a.copy(); b[idx] = v")
    src = X.cast_data(value, t._dtype)
    try:
        X.kernel(OPS["index_put"], t._device, t._dtype)(t._data, hk, src, accumulate)
    except IndexError as exc:
        raise TruenoIndexError(str(exc)) from None
    except ValueError as exc:
        from ._errors import ShapeError
        raise ShapeError(str(exc)) from None
    t._version[0] += 1
    if track:
        ag.setitem(t, key, value, accumulate=accumulate)


def nonzero(x, /):
    """Indices of the non-zero elements, one int64 array per axis (NumPy and Array API)."""
    from ._creation import asarray
    x = x if isinstance(x, Tensor) else asarray(x)
    if x.ndim == 0:
        raise ValueError("nonzero is not allowed on 0-d arrays; use atleast_1d(x) first")
    idx = np.nonzero(x._host())
    return tuple(X.wrap(x.__class__, i.astype(np.int64), X.CPU, dtype=D.int64).to_device(
        x._device) for i in idx)
