"""Searching, partial sorting, counting and set operations.

``searchsorted``, ``partition``, ``argpartition``, ``topk``, ``unique_all``, ``isin``,
``bincount``, ``digitize`` and ``count_nonzero`` are ops with reference kernels; the set
functions (``intersect1d``, ``union1d``, ...) are compositions of them with ``sort`` and
``concat``. Where NumPy and the Array API disagree (``count_nonzero`` returns an array; the
``unique_*`` functions treat NaNs as distinct), the Array API wins; NumPy's ``unique`` keeps
NumPy's behaviour.
"""

from __future__ import annotations

import operator
from collections import namedtuple

import numpy as np

from . import _dtypes as D
from ._errors import DTypeError, ShapeError
from ._manipulation import concat
from ._sorting import ArgumentError, argsort, sort
from ._surface_ops import as_t, call
from ._tensor import Tensor
from ._views import normalize_axes, normalize_axis

__all__ = [
    "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values", "isin", "in1d",
    "intersect1d", "union1d", "setdiff1d", "setxor1d", "searchsorted", "partition",
    "argpartition", "topk", "count_nonzero", "bincount", "digitize", "lexsort", "sort_complex",
]

UniqueAllResult = namedtuple("UniqueAllResult", ["values", "indices", "inverse_indices",
                                                 "counts"])
UniqueCountsResult = namedtuple("UniqueCountsResult", ["values", "counts"])
UniqueInverseResult = namedtuple("UniqueInverseResult", ["values", "inverse_indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


def _unique4(x, axis=None, equal_nan=True):
    x = as_t(x)
    if axis is not None:
        axis = normalize_axis(axis, x.ndim)
    return call("unique_all", (x,), {"axis": axis, "equal_nan": equal_nan})


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, sorted=True):  # noqa: A002
    """The sorted unique elements of ``ar`` (NumPy's ``unique``), optionally with the first
    indices, the inverse and the counts.

    ``sorted=False`` lets NumPy return the values in any order; they come sorted here, which
    that allows (NumPy 2.4 sorts them too).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.unique(tn.asarray([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    vals, index, inverse, counts = _unique4(ar, axis, equal_nan)
    extra = [r for r, want in ((index, return_index), (inverse, return_inverse),
                               (counts, return_counts)) if want]
    return (vals, *extra) if extra else vals


def unique_all(x, /):
    """Array API: unique values, first indices, inverse (shape of ``x``) and counts."""
    x = as_t(x)
    vals, index, inverse, counts = _unique4(x._reshape((-1,)), None, False)
    return UniqueAllResult(vals, index, inverse._reshape(x.shape), counts)


def unique_counts(x, /):
    r = unique_all(x)
    return UniqueCountsResult(r.values, r.counts)


def unique_inverse(x, /):
    r = unique_all(x)
    return UniqueInverseResult(r.values, r.inverse_indices)


def unique_values(x, /):
    return unique_all(x).values


def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """Elementwise: is each element of ``element`` in ``test_elements``?

    Examples
    --------
    >>> import trueno as tn
    >>> tn.isin(tn.asarray([1, 2, 3]), [2, 5]).tolist()
    [False, True, False]
    """
    e = as_t(element)
    t = as_t(test_elements, e)
    return call("isin", (e, t), {"invert": bool(invert), "assume_unique": bool(assume_unique),
                                 "kind": kind})


def in1d(ar1, ar2, assume_unique=False, invert=False, *, kind=None):
    """``isin`` on the flattened ``ar1`` (removed from NumPy 2.4; kept for old scripts)."""
    return isin(as_t(ar1)._reshape((-1,)), ar2, assume_unique, invert, kind=kind)


def _common(a, b):
    a, b = as_t(a), as_t(b)
    dt = D.result_type(a, b, face=a.__class__._face)
    return a.astype(dt, copy=False), b.astype(dt, copy=False)


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """Sorted values present in both arrays (optionally with their first indices)."""
    a, b = _common(ar1, ar2)
    if return_indices:
        if assume_unique:
            a, b = a._reshape((-1,)), b._reshape((-1,))
            ia = ib = None
        else:
            a, ia = unique(a, return_index=True)
            b, ib = unique(b, return_index=True)
    elif assume_unique:
        a, b = a._reshape((-1,)), b._reshape((-1,))
    else:
        a, b = unique(a), unique(b)
    aux = concat([a, b])
    if return_indices:
        order = argsort(aux)
        aux = aux[order]
    else:
        aux = sort(aux)
    mask = aux[1:] == aux[:-1]
    out = aux[:-1][mask]
    if not return_indices:
        return out
    i1 = order[:-1][mask]
    i2 = order[1:][mask] - a.shape[0]
    if ia is not None:
        i1, i2 = ia[i1], ib[i2]
    return out, i1, i2


def union1d(ar1, ar2):
    """Sorted unique values present in either array."""
    a, b = as_t(ar1), as_t(ar2)
    return unique(concat([a._reshape((-1,)), as_t(b, a)._reshape((-1,))]))


def setdiff1d(ar1, ar2, assume_unique=False):
    """Unique values of ``ar1`` not in ``ar2`` (sorted unless ``assume_unique``)."""
    a = as_t(ar1)
    a = a._reshape((-1,)) if assume_unique else unique(a)
    return a[isin(a, ar2, assume_unique=True, invert=True)]


def setxor1d(ar1, ar2, assume_unique=False):
    """Sorted unique values in exactly one of the arrays."""
    a, b = _common(ar1, ar2)
    if not assume_unique:
        a, b = unique(a), unique(b)
    aux = sort(concat([a._reshape((-1,)), b._reshape((-1,))]))
    if aux.shape[0] == 0:
        return aux
    from ._creation import asarray
    t = asarray([True], device=aux.device, cls=aux.__class__)
    flag = concat([t, aux[1:] != aux[:-1], t])
    return aux[flag[1:] & flag[:-1]]


def searchsorted(a, v, /, side="left", sorter=None):
    """Indices where ``v`` would be inserted into the sorted 1-D ``a`` to keep it sorted.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.searchsorted(tn.asarray([1, 3, 5]), tn.asarray([0, 3, 6])).tolist()
    [0, 1, 3]
    """
    a = as_t(a)
    if a.ndim != 1:
        raise ShapeError(f"searchsorted: a must be 1-D, got shape {a.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', not {side!r}")
    v = as_t(v, a)
    params = {"side": side}
    if sorter is not None:
        s = as_t(sorter, a)
        if s.shape != a.shape:
            raise ShapeError(f"searchsorted: sorter.size must equal a.size ({s.shape} != "
                             f"{a.shape})")
        params["sorter"] = s._host()
    return call("searchsorted", (a, v), params)


def _kth(kth, n):
    ks = np.asarray(kth._host() if isinstance(kth, Tensor) else kth)
    if ks.dtype.kind not in "iu":
        raise TypeError("partition: kth must be an integer or a sequence of integers")
    for k in ks.ravel():
        if n and not -n <= k < n:
            raise ShapeError(f"partition: kth(={k}) out of bounds ({n})")
    return ks.tolist()


def _part(name, a, kth, axis):
    x = as_t(a)
    if axis is None:
        x = x._reshape((-1,))
        axis = -1
    if x.ndim == 0:
        raise ShapeError(f"{name}: cannot partition a 0-d array")
    ax = normalize_axis(axis, x.ndim)
    return call(name, (x,), {"kth": _kth(kth, x.shape[ax]), "axis": ax})


def _check_select(name, kind, order) -> None:
    """NumPy's checks of ``partition``'s ``kind`` (only 'introselect') and ``order`` (field
    names, and trueno's numeric arrays have no fields)."""
    if not isinstance(kind, (str, bytes)):
        raise DTypeError(f"{name}: kind must be a str, not {type(kind).__name__}\n"
                         f"  hint: leave kind='introselect'")
    if kind not in ("introselect", b"introselect"):
        raise ArgumentError(f"{name}: kind must be 'introselect' (got {kind!r})\n"
                            f"  hint: leave kind='introselect'")
    if order is not None:
        raise ArgumentError(f"{name}: cannot specify order when the array has no fields "
                            f"(order={order!r})\n  hint: leave order=None")


def partition(a, kth, axis=-1, kind="introselect", order=None):
    """A copy with the k-th element in its sorted place, smaller before, larger after."""
    _check_select("partition", kind, order)
    return _part("partition", a, kth, axis)


def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """Indices that partition ``a`` (see ``partition``)."""
    _check_select("argpartition", kind, order)
    return _part("argpartition", a, kth, axis)


def topk(input, k, dim=-1, largest=True, sorted=True, *, axis=None):  # noqa: A002
    """PyTorch's ``topk``: the ``k`` largest (or smallest) values along ``dim`` and their
    indices, as a ``(values, indices)`` named tuple; ties keep their order.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.topk(tn.asarray([1, 5, 2, 5]), 2).indices.tolist()
    [1, 3]
    """
    x = as_t(input)
    if axis is not None:
        dim = axis
    if x.ndim == 0:
        x = x._reshape((1,))
    ax = normalize_axis(dim, x.ndim)
    k = operator.index(k)
    if not 0 <= k <= x.shape[ax]:
        raise ShapeError(f"topk: k ({k}) out of range for dimension {ax} of size "
                         f"{x.shape[ax]}")
    if x._dtype.kind == "c":
        raise DTypeError("topk: complex inputs have no ordering")
    v, i = call("topk", (x,), {"k": k, "axis": ax, "largest": bool(largest),
                                "sorted": bool(sorted)})
    return TopkResult(v, i)


def count_nonzero(a, axis=None, *, keepdims=False):
    """Number of non-zero values (an int64 array, 0-d when ``axis`` is None)."""
    x = as_t(a)
    # Note: NumPy accepts axis 0 / -1 for a 0-d array here; so does this.
    axes = normalize_axes(axis, x.ndim) if axis is not None and x.ndim else None
    return call("count_nonzero", (x,), {"axis": axes, "keepdims": bool(keepdims)})


def bincount(x, /, weights=None, minlength=0):
    """Number of occurrences of each value in the non-negative integer array ``x``.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.bincount(tn.asarray([0, 2, 2])).tolist()
    [1, 0, 2]
    """
    x = as_t(x)
    if x.ndim != 1:
        raise ShapeError(f"bincount: x must be 1-D, got shape {x.shape}")
    if x._dtype.kind not in "iub":
        raise DTypeError(f"bincount: x must hold non-negative integers, not {x._dtype.name}")
    if minlength is None or operator.index(minlength) < 0:
        raise ValueError("bincount: minlength must be non-negative")
    if x.numel() and int(x._host().min()) < 0:
        raise ValueError("bincount: the first argument must hold non-negative values")
    params = {"minlength": operator.index(minlength)}
    if weights is not None:
        w = as_t(weights, x)
        if w.shape != x.shape:
            raise ShapeError(f"bincount: weights {w.shape} and x {x.shape} differ in shape")
        params["weights"] = w._data
    return call("bincount", (x,), params)


def digitize(x, bins, right=False):
    """Index of the bin each value of ``x`` falls in (``bins`` monotonic)."""
    x = as_t(x)
    b = as_t(bins, x)
    if b.ndim != 1:
        raise ShapeError(f"digitize: bins must be 1-D, got shape {b.shape}")
    return call("digitize", (x, b), {"right": bool(right)})


def lexsort(keys, axis=-1):
    """Indirect stable sort on several keys, the last key the primary one."""
    ks = [as_t(k) for k in (keys if not isinstance(keys, Tensor) or keys.ndim > 1
                             else [keys])]
    if not ks:
        raise TypeError("lexsort: need sequence of keys with len > 0")
    idx = None
    for k in ks:
        if idx is None:
            idx = argsort(k, axis=axis)
        else:
            from ._gather_scatter import take_along_axis
            idx = take_along_axis(idx, argsort(take_along_axis(k, idx, axis=axis),
                                               axis=axis), axis=axis)
    return idx


def sort_complex(a):
    """Sort along the last axis by real part, then imaginary part (the result is complex)."""
    x = as_t(a)
    if x._dtype.kind != "c":
        # NumPy's table: 8- and 16-bit integers give complex64, everything else complex128
        small = x._dtype.kind in "iu" and x._dtype.itemsize <= 2
        return sort(x).astype(D.complex64 if small else D.complex128)
    if x.ndim == 0:
        return x.copy()
    from ._gather_scatter import take_along_axis
    return take_along_axis(x, lexsort([x.imag, x.real], axis=-1), axis=-1)


def _count_nonzero_decomposition(x, axis=None, keepdims=False):
    """count_nonzero for a device without the kernel: a sum of ``x != 0``."""
    from ._reduction import sum as _sum
    return _sum(x != 0, axis=axis, keepdims=keepdims, dtype=D.int64)


def _searchsorted_decomposition(a, v, side="left", sorter=None):
    """Count of ``a``'s elements before each ``v`` (O(len(a) * v.size) memory)."""
    from ._reduction import sum as _sum
    if sorter is not None:
        from ._gather_scatter import take
        a = take(a, sorter)
    vv = v._expand_dims(-1)
    before = (a < vv) if side == "left" else (a <= vv)
    if a._dtype.kind in "fc" or vv._dtype.kind in "fc":  # NaN sorts last, as in NumPy
        from ._elementwise import isnan
        nan_v = isnan(vv)
        before = before | (nan_v & ~isnan(a)) if side == "left" else before | nan_v
    return _sum(before, axis=-1, dtype=D.int64)


def _digitize_decomposition(x, bins, right=False):
    n = bins.shape[0]
    if n < 2 or bool(bins[0] <= bins[-1]):  # increasing (NumPy checks monotonicity)
        return _searchsorted_decomposition(bins, x, "left" if right else "right")
    rev = bins[::-1]
    return n - _searchsorted_decomposition(rev, x, "left" if right else "right")


def _bincount_decomposition(x, weights=None, minlength=0):
    from ._creation import arange
    from ._reduction import max as _max
    from ._reduction import sum as _sum
    n = max(int(_max(x)) + 1 if x.numel() else 0, minlength)
    if x.numel() == 0:  # NumPy: integer zeros, with or without weights
        from ._creation import zeros
        return zeros((n,), dtype=D.int64, device=x._device, cls=x.__class__)
    hits = x._expand_dims(-1) == arange(n, device=x._device, cls=x.__class__)
    if weights is None:
        return _sum(hits, axis=0, dtype=D.int64)
    from ._dispatch import wrap
    from ._elementwise import where
    # the public function passes the weights' device array (``_cov_matrix`` wraps ``y`` so)
    w = weights if isinstance(weights, Tensor) else wrap(x.__class__, weights, x._device)
    if w._dtype.kind == "c":  # NumPy casts the weights to float64 "safe"ly
        raise DTypeError(f"bincount: cannot cast weights from {w._dtype.name} to float64 "
                         f"according to the rule 'safe'\n  hint: pass w.real (or abs(w))")
    return _sum(where(hits, w.astype(D.float64, copy=False)._expand_dims(-1), 0.0), axis=0)


def _unique_all_decomposition(x, axis=None, equal_nan=True):
    """Sort, mark the first of each run of equal values, and count the runs."""
    from ._creation import asarray, empty
    from ._indexing import nonzero
    from ._reduction import cumsum
    if axis is not None:
        return _unique_slices(x, axis)
    flat = x._reshape((-1,))
    n = flat.shape[0]
    order = argsort(flat)
    s = flat[order]
    true = asarray([True], device=x._device, cls=x.__class__)
    new = s[1:] != s[:-1]
    if equal_nan and x._dtype.kind in "fc":
        from ._elementwise import isnan
        new = new & ~(isnan(s[1:]) & isnan(s[:-1]))
    flag = concat([true, new]) if n else new
    values = s[flag]
    first = order[flag]
    group = cumsum(flag, dtype=D.int64) - 1
    inverse = empty((n,), dtype=D.int64, device=x._device, cls=x.__class__)
    if n:
        inverse[order] = group
    starts = nonzero(flag)[0] if n else group
    ends = concat([starts[1:], asarray([n], device=x._device, cls=x.__class__)]) if n \
        else starts
    return values, first, inverse._reshape(x.shape), ends - starts


def _unique_slices(x, axis):
    """``unique`` along ``axis``: the slices along it as rows, ordered as NumPy orders them
    (as records: by the first element, then the next, ...) by stable argsorts from the last
    column to the first; runs of equal rows as in the 1-D path (a row holding nan equals no
    other, as NumPy's records). The inverse is 1-D, one entry per slice."""
    from ._creation import arange, asarray, empty
    from ._indexing import nonzero
    from ._reduction import any as _any
    from ._reduction import cumsum
    moved = x.permute_dims((axis, *(d for d in range(x.ndim) if d != axis)))
    n = moved.shape[0]
    rows = moved.reshape((n, int(np.prod(moved.shape[1:], dtype=np.int64))))
    like = {"device": x._device, "cls": x.__class__}
    order = arange(n, dtype=D.int64, **like)
    for c in range(rows.shape[1] - 1, -1, -1):
        order = order[argsort(rows[:, c][order])]
    s = rows[order]
    true = asarray([True], **like)
    if rows.shape[1] == 0:  # empty rows are all equal
        new = asarray(np.zeros(max(n - 1, 0), bool), **like)
    else:
        new = _any(s[1:] != s[:-1], axis=1)
    flag = concat([true, new]) if n else new
    first = order[flag]
    group = cumsum(flag, dtype=D.int64) - 1
    inverse = empty((n,), dtype=D.int64, **like)
    if n:
        inverse[order] = group
    starts = nonzero(flag)[0] if n else group
    ends = concat([starts[1:], asarray([n], **like)]) if n else starts
    values = s[flag].reshape((first.shape[0], *moved.shape[1:]))
    back = list(range(1, x.ndim))
    back.insert(axis, 0)
    return values.permute_dims(tuple(back)), first, inverse, ends - starts
