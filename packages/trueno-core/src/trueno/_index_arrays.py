"""Index arrays and selections of the NumPy surface, computed on the host or built on
``nonzero`` / ``take``: ``argwhere``, ``flatnonzero``, ``compress``, ``extract``, ``choose``,
``select``, and the helpers that only build small integer arrays (``unravel_index``,
``ravel_multi_index``, ``indices``, ``ix_``, ``diag_indices``, ``tril_indices``, ...) or
small matrices (``diag``, ``diagflat``, ``tri``, ``vander``), as creation functions do.
(``_gather_scatter`` holds the gathers and scatters and re-exports these names.)
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dtypes as D
from ._creation import _place, default_class, zeros
from ._errors import ShapeError, TruenoIndexError
from ._indexing import nonzero
from ._surface_ops import as_t
from ._tensor import Tensor
from ._views import broadcast_shapes, normalize_axis

__all__ = [
    "argwhere", "flatnonzero", "compress", "extract", "choose", "select", "unravel_index",
    "ravel_multi_index", "indices", "ix_", "diag_indices", "diag_indices_from",
    "tril_indices", "triu_indices", "tril_indices_from", "triu_indices_from", "diag",
    "diagflat", "tri", "vander",
]


class IndexValueError(TruenoIndexError, ValueError):
    """An index out of range where NumPy raises ValueError (``unravel_index``, ...): both
    ``except IndexError`` and NumPy users' ``except ValueError`` catch it."""


def _finish_out(name, res, out, casting):
    """``res``, or ``res`` written into ``out`` and ``out`` returned, with NumPy's check: for
    ``take``/``compress`` ("safe_from_out") NumPy requires ``out``'s dtype to cast safely to
    the array's (``np.take(int_array, i, out=float_out)`` raises) and then casts unsafely;
    ``choose`` casts unsafely."""
    if out is None:
        return res
    from ._reduction import finish
    if casting == "safe_from_out" and isinstance(out, Tensor) and \
            not D.can_cast(out._dtype, res._dtype, "safe"):
        from ._errors import DTypeError
        raise DTypeError(f"{name}(..., out=): cannot cast out's dtype {out.dtype.name} to the "
                         f"array's dtype {res.dtype.name} by the 'safe' rule (NumPy's check)\n"
                         f"  hint: pass an out of dtype {res.dtype.name}")
    return finish(name, res, out, "unsafe")


def _host_place(like, arr, dtype=None):
    cls = like.__class__ if isinstance(like, Tensor) else default_class()
    device = like._device if isinstance(like, Tensor) else None
    arr = np.asarray(arr)
    if arr.dtype == np.intp:
        arr = arr.astype(np.int64)
    return _place(cls, arr, device, dtype)


def argwhere(a, /):
    """Indices of the non-zero elements, one row per element: shape ``(N, a.ndim)``.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.argwhere(tn.asarray([[0, 1], [2, 0]])).tolist()
    [[0, 1], [1, 0]]
    """
    a = as_t(a)
    return _host_place(a, np.argwhere(a._host()).astype(np.int64))


def flatnonzero(a, /):
    """Indices of the non-zero elements of the flattened array."""
    a = as_t(a)
    return nonzero(a._reshape((-1,)))[0]


def compress(condition, a, axis=None, out=None):
    """Slices of ``a`` along ``axis`` where ``condition`` is true (NumPy's ``compress``)."""
    a = as_t(a)
    c = as_t(condition, a)
    if c.ndim != 1:
        raise ShapeError(f"compress: condition must be a 1-d array, got shape {c.shape}")
    if axis is None:
        a = a._reshape((-1,))
        axis = 0
    ax = normalize_axis(axis, a.ndim)
    if c.shape[0] > a.shape[ax]:
        c = c[:a.shape[ax]] if not c._host()[a.shape[ax]:].any() else c
    idx = nonzero(c)[0]
    from ._gather_scatter import take
    return _finish_out("compress", take(a, idx, axis=ax), out, "safe_from_out")


def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` is true, flattened."""
    arr = as_t(arr)
    c = as_t(condition, arr)
    from ._gather_scatter import take
    return take(arr._reshape((-1,)), nonzero(c._reshape((-1,)))[0])


def choose(a, choices, out=None, mode="raise"):
    """``choices[a[i]][i]`` for every ``i``, with ``a`` and the choices broadcast together."""
    a = as_t(a)
    if a._dtype.kind not in "iu":
        raise TypeError(f"choose: a must hold integers, not {a._dtype.name}")
    cs = [as_t(c, a) for c in choices]
    if not cs:
        raise ValueError("choose: choices must not be empty")
    from ._manipulation import broadcast_arrays, stack
    b = broadcast_arrays(a, *cs)
    idx, cs = b[0], b[1:]
    n = len(cs)
    h = idx._host()
    if mode == "raise":
        if h.size and (h.min() < 0 or h.max() >= n):
            raise ValueError("choose: invalid entry in choice array")
    elif mode == "wrap":
        idx = as_t(h % n, a)
    elif mode == "clip":
        idx = as_t(np.clip(h, 0, n - 1), a)
    stacked = stack(cs)
    from ._gather_scatter import take_along_axis
    res = take_along_axis(stacked, idx._expand_dims(0), axis=0)._reshape(idx.shape)
    return _finish_out("choose", res, out, "unsafe")


def select(condlist, choicelist, default=0):
    """The choice of the first true condition at each position, else ``default``."""
    from ._elementwise import where
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    conds = [as_t(c) for c in condlist]
    for c in conds:
        if c._dtype is not D.bool_:
            raise TypeError(f"select: invalid entry in condlist: should be boolean ndarray, "
                            f"got {c._dtype.name}")
    choices = [as_t(c, conds[0]) for c in choicelist]
    dt = D.result_type(*choices, face=conds[0].__class__._face)
    if isinstance(default, Tensor):
        dt = D.promote(dt, default._dtype)
    out = as_t(default, conds[0], dtype=None)
    out = out.astype(D.weak_scalar_dtype(default, dt, D.float64)
                     if not isinstance(default, Tensor) else dt, copy=False)
    for c, ch in zip(reversed(conds), reversed(choices)):
        out = where(c, ch, out)
    shape = broadcast_shapes(*(c.shape for c in conds), *(c.shape for c in choices))
    if out.shape != shape:
        out = out.expand_to(shape).copy()
    return out


def unravel_index(indices, shape, order="C"):
    """Tuple of coordinate arrays for flat ``indices`` into an array of ``shape``."""
    like = indices if isinstance(indices, Tensor) else None
    h = indices._host() if isinstance(indices, Tensor) else indices
    try:
        out = np.unravel_index(h, shape, order=order)
    except ValueError as exc:
        raise IndexValueError(f"unravel_index: {exc}") from None
    return tuple(_host_place(like, o) for o in out)


def ravel_multi_index(multi_index, dims, mode="raise", order="C"):
    """Flat indices of coordinate arrays ``multi_index`` into an array of shape ``dims``."""
    like = next((m for m in multi_index if isinstance(m, Tensor)), None)
    hs = tuple(m._host() if isinstance(m, Tensor) else np.asarray(m) for m in multi_index)
    try:
        out = np.ravel_multi_index(hs, dims, mode=mode, order=order)
    except ValueError as exc:
        if "invalid entry" in str(exc):
            raise IndexValueError(f"ravel_multi_index: {exc}") from None
        raise ShapeError(f"ravel_multi_index: {exc}") from None
    return _host_place(like, out)


def indices(dimensions, dtype=int, sparse=False):
    """Arrays of the coordinates of a grid of shape ``dimensions``."""
    dt = D.as_dtype(dtype)
    out = np.indices(tuple(dimensions), dtype=dt.numpy, sparse=sparse)
    if sparse:
        return tuple(_host_place(None, o, dt) for o in out)
    return _host_place(None, out, dt)


def ix_(*args):
    """Open mesh of index arrays, for ``a[ix_(rows, cols)]`` (boolean args become indices)."""
    hs = [a._host() if isinstance(a, Tensor) else np.asarray(a) for a in args]
    like = next((a for a in args if isinstance(a, Tensor)), None)
    for h in hs:
        if h.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
    return tuple(_host_place(like, o) for o in np.ix_(*hs))


def diag_indices(n, ndim=2):
    return tuple(_host_place(None, o) for o in np.diag_indices(n, ndim))


def diag_indices_from(arr):
    arr = as_t(arr)
    if arr.ndim < 2 or len(set(arr.shape)) != 1:
        raise ShapeError(f"diag_indices_from: all dimensions of the input must be of equal "
                         f"length, got shape {arr.shape}")
    return diag_indices(arr.shape[0], arr.ndim)


def tril_indices(n, k=0, m=None):
    return tuple(_host_place(None, o) for o in np.tril_indices(n, k, m))


def triu_indices(n, k=0, m=None):
    return tuple(_host_place(None, o) for o in np.triu_indices(n, k, m))


def tril_indices_from(arr, k=0):
    arr = as_t(arr)
    if arr.ndim != 2:
        raise ShapeError(f"tril_indices_from: input array must be 2-d, got shape {arr.shape}")
    return tril_indices(arr.shape[-2], k, arr.shape[-1])


def triu_indices_from(arr, k=0):
    arr = as_t(arr)
    if arr.ndim != 2:
        raise ShapeError(f"triu_indices_from: input array must be 2-d, got shape {arr.shape}")
    return triu_indices(arr.shape[-2], k, arr.shape[-1])


def diag(v, k=0):
    """The k-th diagonal of a 2-D array (a copy), or a 2-D array with ``v`` on it."""
    v = as_t(v)
    k = operator.index(k)
    if v.ndim == 1:
        n = v.shape[0] + abs(k)
        out = zeros((n, n), dtype=v._dtype, device=v._device, cls=v.__class__)
        i = np.arange(v.shape[0])
        out[(i, i + k) if k >= 0 else (i - k, i)] = v
        return out
    if v.ndim == 2:
        return v.diagonal(k).copy()
    raise ShapeError(f"diag: input must be 1-d or 2-d, got shape {v.shape}")


def diagflat(v, k=0):
    """A 2-D array with the flattened ``v`` on the k-th diagonal."""
    return diag(as_t(v)._reshape((-1,)), k)


def tri(N, M=None, k=0, dtype=float, *, like=None):  # noqa: N803  (NumPy's names)
    """Ones at and below the k-th diagonal, zeros elsewhere."""
    dt = D.as_dtype(dtype)
    return _host_place(None, np.tri(N, M, k, dtype=dt.numpy), dt)


def vander(x, N=None, increasing=False):  # noqa: N803
    """Vandermonde matrix: columns are powers of ``x`` (decreasing unless ``increasing``)."""
    x = as_t(x)
    if x.ndim != 1:
        raise ShapeError(f"vander: x must be a one-dimensional array, got shape {x.shape}")
    return _host_place(x, np.vander(x._host(), N, increasing))
