"""More shape manipulation: stacking, splitting, tiling, flipping, rolling, padding.

These are compositions of core ops (views, ``concat``, ``take``), so they run on every device:
``flip`` and ``rot90`` are zero-copy views with negative strides, ``split`` returns views,
``tile`` is a broadcast view made contiguous. ``pad`` is an op with a reference kernel.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import _dtypes as D
from ._creation import zeros
from ._errors import ShapeError
from ._gather_scatter import take
from ._manipulation import concat, moveaxis
from ._surface_ops import as_t, call
from ._tensor import Tensor
from ._views import normalize_axes, normalize_axis

__all__ = [
    "atleast_1d", "atleast_2d", "atleast_3d", "hstack", "vstack", "dstack", "column_stack",
    "row_stack", "split", "array_split", "hsplit", "vsplit", "dsplit", "unstack", "tile",
    "repeat", "roll", "rollaxis", "flip", "fliplr", "flipud", "rot90", "pad", "append",
    "insert", "delete", "resize", "trim_zeros", "block",
]


def _atleast(arys, nd):
    out = []
    for a in arys:
        t = as_t(a)
        if t.ndim < nd:
            if nd == 3 and t.ndim == 2:
                t = t._reshape(t.shape + (1,))
            elif nd == 3 and t.ndim == 1:
                t = t._reshape((1,) + t.shape + (1,))
            else:
                t = t._reshape((1,) * (nd - t.ndim) + t.shape)
        out.append(t)
    return out[0] if len(out) == 1 else tuple(out)


def atleast_1d(*arys):
    """Views with at least one dimension (0-d becomes shape (1,))."""
    return _atleast(arys, 1)


def atleast_2d(*arys):
    """Views with at least two dimensions (1-D of length n becomes (1, n))."""
    return _atleast(arys, 2)


def atleast_3d(*arys):
    """Views with at least three dimensions ((n,) -> (1, n, 1), (m, n) -> (m, n, 1))."""
    return _atleast(arys, 3)


def _seq(tup, name):
    if isinstance(tup, Tensor):
        return list(tup)
    tup = list(tup)
    if not tup:
        raise ValueError(f"{name}: need at least one array to concatenate")
    return tup


def hstack(tup, *, dtype=None, casting="same_kind"):
    """Stack arrays column-wise (along axis 1; axis 0 for 1-D arrays).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.hstack([tn.asarray([1, 2]), tn.asarray([3])]).tolist()
    [1, 2, 3]
    """
    arrs = [atleast_1d(a) for a in _seq(tup, "hstack")]
    _check_casting("hstack", arrs, dtype, casting)
    return concat(arrs, axis=0 if arrs[0].ndim == 1 else 1, dtype=dtype)


def vstack(tup, *, dtype=None, casting="same_kind"):
    """Stack arrays row-wise (1-D arrays become rows)."""
    arrs = [atleast_2d(a) for a in _seq(tup, "vstack")]
    _check_casting("vstack", arrs, dtype, casting)
    return concat(arrs, axis=0, dtype=dtype)


def _check_casting(name, arrs, dtype, casting):
    """NumPy's ``casting=`` rule of the stacking functions: each input must cast to ``dtype``
    (to the common dtype when None) by the rule."""
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{name}: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"or 'unsafe' (got {casting!r})")
    dt = D.as_dtype(dtype) if dtype is not None else D.result_type(*arrs)
    for a in arrs:
        if not D.can_cast(a.dtype, dt, casting):
            from ._errors import DTypeError
            raise DTypeError(f"{name}: cannot cast array data from {a.dtype.name} to "
                             f"{dt.name} according to the rule {casting!r}\n  hint: pass "
                             f"casting='unsafe' to allow it")


row_stack = vstack


def dstack(tup):
    """Stack arrays along the third axis."""
    return concat([atleast_3d(a) for a in _seq(tup, "dstack")], axis=2)


def column_stack(tup):
    """Stack 1-D arrays as columns of a 2-D array (2-D arrays are stacked as they are)."""
    arrs = []
    for a in _seq(tup, "column_stack"):
        t = as_t(a)
        arrs.append(t._reshape((-1, 1)) if t.ndim < 2 else t)
    return concat(arrs, axis=1)


def _split_points(n, indices_or_sections, equal, name):
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    try:
        sections = operator.index(indices_or_sections)
    except TypeError:
        pts = [operator.index(i) for i in indices_or_sections]
        return [0, *pts, n]
    if sections <= 0:
        raise ValueError(f"{name}: number sections must be larger than 0")
    if equal and n % sections:
        raise ShapeError(f"{name}: array split does not result in an equal division "
                         f"({n} elements into {sections} sections)\n  hint: array_split "
                         f"allows unequal parts")
    each, extra = divmod(n, sections)
    sizes = [0] + extra * [each + 1] + (sections - extra) * [each]
    return list(np.cumsum(sizes))


def _split(ary, indices_or_sections, axis, equal, name):
    a = as_t(ary)
    ax = normalize_axis(axis, a.ndim)
    pts = _split_points(a.shape[ax], indices_or_sections, equal, name)
    pre = (slice(None),) * ax
    return [a[pre + (slice(int(s), int(e)),)] for s, e in zip(pts[:-1], pts[1:])]


def split(ary, indices_or_sections, axis=0):
    """Views of equal parts of ``ary`` along ``axis`` (or parts cut at the given indices).

    Examples
    --------
    >>> import trueno as tn
    >>> [p.tolist() for p in tn.split(tn.arange(6), 3)]
    [[0, 1], [2, 3], [4, 5]]
    """
    return _split(ary, indices_or_sections, axis, True, "split")


def array_split(ary, indices_or_sections, axis=0):
    """Like ``split``, but the parts may differ in size by one."""
    return _split(ary, indices_or_sections, axis, False, "array_split")


def hsplit(ary, indices_or_sections):
    a = as_t(ary)
    if a.ndim == 0:
        raise ShapeError("hsplit only works on arrays of 1 or more dimensions")
    return split(a, indices_or_sections, 1 if a.ndim > 1 else 0)


def vsplit(ary, indices_or_sections):
    a = as_t(ary)
    if a.ndim < 2:
        raise ShapeError("vsplit only works on arrays of 2 or more dimensions")
    return split(a, indices_or_sections, 0)


def dsplit(ary, indices_or_sections):
    a = as_t(ary)
    if a.ndim < 3:
        raise ShapeError("dsplit only works on arrays of 3 or more dimensions")
    return split(a, indices_or_sections, 2)


def unstack(x, /, *, axis=0):
    """Views of ``x`` along ``axis``, as a tuple (Array API)."""
    x = as_t(x)
    if x.ndim == 0:
        raise ShapeError("unstack: input must have at least one dimension")
    ax = normalize_axis(axis, x.ndim)
    pre = (slice(None),) * ax
    return tuple(x[pre + (i,)] for i in range(x.shape[ax]))


def tile(A, reps):  # noqa: N803  (NumPy's name)
    """``A`` repeated ``reps`` times along each axis (a broadcast view, made contiguous).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.tile(tn.asarray([1, 2]), (2, 2)).tolist()
    [[1, 2, 1, 2], [1, 2, 1, 2]]
    """
    a = as_t(A)
    reps = (operator.index(reps),) if not isinstance(reps, (tuple, list)) else \
        tuple(operator.index(r) for r in reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: negative dimensions are not allowed: {reps}")
    nd = max(len(reps), a.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - a.ndim) + a.shape
    inter = tuple(x for r, s in zip(reps, shape) for x in (1, s))
    big = tuple(x for r, s in zip(reps, shape) for x in (r, s))
    out = a._reshape(inter).expand_to(big).copy()
    return out._reshape(tuple(r * s for r, s in zip(reps, shape)))


def repeat(a, repeats, axis=None):
    """Each element repeated ``repeats`` times (NumPy's ``repeat``; not PyTorch's tile).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.repeat(tn.asarray([1, 2]), [2, 1]).tolist()
    [1, 1, 2]
    """
    x = as_t(a)
    if axis is None or x.ndim == 0:
        x = x._reshape((-1,))
        axis = 0 if axis is None else axis
    ax = normalize_axis(axis, x.ndim)
    r = np.asarray(repeats._host() if isinstance(repeats, Tensor) else repeats)
    if r.dtype.kind not in "iub":
        raise TypeError(f"repeat: repeats must be integers, not {r.dtype}")
    if (r < 0).any():
        raise ValueError("repeat: repeats may not contain negative values")
    try:
        idx = np.repeat(np.arange(x.shape[ax]), r)
    except ValueError as exc:
        raise ShapeError(f"repeat: {exc} (axis {ax} has size {x.shape[ax]}, repeats has "
                         f"shape {r.shape})") from None
    return take(x, idx, axis=ax)


def roll(a, shift, axis=None):
    """Elements shifted along ``axis`` with wrap-around (the flattened array when None).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.roll(tn.arange(5), 2).tolist()
    [3, 4, 0, 1, 2]
    """
    x = as_t(a)
    if axis is None:
        return roll(x._reshape((-1,)), shift, 0)._reshape(x.shape)
    shifts = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
    total: dict = {}
    for s, ax in zip(shifts[0].ravel(), shifts[1].ravel()):
        ax = normalize_axis(int(ax), x.ndim)
        total[ax] = total.get(ax, 0) + int(s)
    out = x
    for ax, s in total.items():
        n = x.shape[ax]
        if n == 0:
            continue
        s %= n
        if s:
            pre = (slice(None),) * ax
            out = concat([out[pre + (slice(n - s, None),)], out[pre + (slice(0, n - s),)]],
                         axis=ax)
    return out.copy() if out is x else out


def rollaxis(a, axis, start=0):
    """Roll ``axis`` backwards until it lies before ``start`` (prefer ``moveaxis``)."""
    x = as_t(a)
    n = x.ndim
    axis = normalize_axis(axis, n)
    if not -n <= start <= n:
        from ._errors import AxisError
        raise AxisError(f"rollaxis: start {start} is out of bounds for {n} dimensions")
    start = start + n if start < 0 else start
    if axis < start:
        start -= 1
    if axis == start:
        return x[...]
    return moveaxis(x, axis, start)


def flip(m, axis=None):
    """A view with the order of elements along ``axis`` reversed (all axes when None).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.flip(tn.asarray([[1, 2], [3, 4]]), axis=1).tolist()
    [[2, 1], [4, 3]]
    """
    x = as_t(m)
    axes = normalize_axes(axis, x.ndim)
    return x[tuple(slice(None, None, -1) if d in axes else slice(None) for d in range(x.ndim))]


def fliplr(m):
    x = as_t(m)
    if x.ndim < 2:
        raise ShapeError("fliplr: input must be >= 2-d")
    return flip(x, 1)


def flipud(m):
    x = as_t(m)
    if x.ndim < 1:
        raise ShapeError("flipud: input must be >= 1-d")
    return flip(x, 0)


def rot90(m, k=1, axes=(0, 1)):
    """A view rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    x = as_t(m)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    if x.ndim < 2:
        raise ShapeError(f"rot90: input must be at least 2-d, got shape {x.shape}")
    a0, a1 = normalize_axis(axes[0], x.ndim), normalize_axis(axes[1], x.ndim)
    if a0 == a1:
        raise ValueError("rot90: axes must be different")
    k %= 4
    if k == 0:
        return x[...]
    if k == 2:
        return flip(flip(x, a0), a1)
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return flip(x, a1).permute_dims(tuple(perm))
    return flip(x.permute_dims(tuple(perm)), a1)


def _host(v):
    if isinstance(v, Tensor):
        return v._host()
    if isinstance(v, (list, tuple)):
        return type(v)(_host(i) for i in v)
    return v


def pad(array, pad_width, mode="constant", **kwargs):
    """Pad with ``mode`` in {'constant', 'edge', 'reflect', 'symmetric', 'wrap', 'linear_ramp',
    'maximum', 'minimum', 'mean', 'median', 'empty'} (NumPy's ``pad``).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.pad(tn.asarray([1, 2, 3]), (2, 1), mode='reflect').tolist()
    [3, 2, 1, 2, 3, 2]
    """
    x = as_t(array)
    if callable(mode):
        raise TypeError("pad: a callable mode is not supported")
    pw = np.asarray(_host(pad_width))
    if pw.dtype.kind not in "iu":
        raise TypeError("pad: pad_width must be of integral type")
    if (pw < 0).any():
        raise ValueError("pad: index can't contain negative values")
    try:
        np.broadcast_to(pw, (x.ndim, 2))
    except ValueError:
        raise ShapeError(f"pad: pad_width of shape {pw.shape} cannot be broadcast to "
                         f"({x.ndim}, 2) for an array of shape {x.shape}") from None
    kw = {k: _host(v) for k, v in kwargs.items()}
    try:
        return call("pad", (x,), {"pad_width": pw, "mode": mode, **kw})
    except ValueError as exc:
        raise ShapeError(f"pad: {exc}") from None


def append(arr, values, axis=None):
    """``arr`` with ``values`` appended (flattened when ``axis`` is None)."""
    a = as_t(arr)
    v = as_t(values, a)
    if axis is None:
        return concat([a._reshape((-1,)), v._reshape((-1,))], axis=0)
    return concat([a, v], axis=axis)


def delete(arr, obj, axis=None):
    """A copy of ``arr`` without the entries ``obj`` (int, slice, int or bool array)."""
    a = as_t(arr)
    if axis is None:
        a = a._reshape((-1,))
        axis = 0
    ax = normalize_axis(axis, a.ndim)
    n = a.shape[ax]
    keep = np.ones(n, dtype=bool)
    if isinstance(obj, slice):
        keep[obj] = False
    else:
        o = np.asarray(_host(obj))
        if o.dtype == bool:
            if o.shape != (n,):
                raise ShapeError(f"delete: boolean array argument obj to delete must be one "
                                 f"dimensional and match the axis length of {n}")
            keep = ~o
        else:
            if o.size and o.dtype.kind not in "iu":
                raise TypeError("delete: index arrays must be integers")
            o = o.astype(np.intp).ravel()
            if o.size and (o.max() >= n or o.min() < -n):
                from ._errors import TruenoIndexError
                raise TruenoIndexError(f"delete: index {o.max() if o.max() >= n else o.min()}"
                                       f" is out of bounds for axis {ax} with size {n}")
            keep[o] = False
    return take(a, np.flatnonzero(keep), axis=ax)


def insert(arr, obj, values, axis=None):
    """``arr`` with ``values`` inserted before the indices ``obj`` (NumPy's ``insert``)."""
    # NOTE: computed on the host (a download and an upload on a non-CPU device).
    a = as_t(arr)
    v = as_t(values, a)
    o = obj if isinstance(obj, slice) else np.asarray(_host(obj))
    try:
        out = np.insert(a._host(), o, v._host().astype(a._dtype.numpy), axis=axis)
    except np.exceptions.AxisError as exc:
        from ._errors import AxisError
        raise AxisError(f"insert: {exc}") from None
    except IndexError as exc:
        from ._errors import TruenoIndexError
        raise TruenoIndexError(f"insert: {exc}") from None
    except ValueError as exc:
        raise ShapeError(f"insert: {exc}") from None
    from ._creation import _place
    return _place(a.__class__, out, a._device, a._dtype)


def resize(a, new_shape):
    """A new array of ``new_shape`` filled with ``a``'s elements repeated (NumPy's resize)."""
    x = as_t(a)._reshape((-1,))
    shape = (operator.index(new_shape),) if not isinstance(new_shape, (tuple, list)) else \
        tuple(operator.index(s) for s in new_shape)
    if any(s < 0 for s in shape):
        raise ValueError("resize: all elements of `new_shape` must be non-negative")
    n = math.prod(shape)
    if x.numel() == 0 or n == 0:
        return zeros(shape, dtype=x._dtype, device=x._device, cls=x.__class__)
    return take(x, np.arange(n) % x.numel())._reshape(shape)


def trim_zeros(filt, trim="fb", axis=None):
    """``filt`` without its leading ('f') and/or trailing ('b') zeros."""
    x = as_t(filt)
    return call("trim_zeros", (x,), {"trim": trim, "axis": axis})


def block(arrays):
    """Assemble an array from nested lists of blocks (NumPy's ``block``)."""
    def depth(a):
        return 1 + depth(a[0]) if isinstance(a, list) and a else (1 if isinstance(a, list)
                                                                   else 0)
    d = depth(arrays)
    if d == 0:
        return as_t(arrays).copy()
    leaves = []

    def collect(a):
        if isinstance(a, list):
            for b in a:
                collect(b)
        else:
            leaves.append(as_t(a))
    collect(arrays)
    nd = max(d, *(t.ndim for t in leaves))

    def build(a, level):
        if not isinstance(a, list):
            t = as_t(a)
            return t._reshape((1,) * (nd - t.ndim) + t.shape)
        if not a:
            raise ValueError("block: lists cannot be empty")
        parts = [build(b, level + 1) for b in a]
        return concat(parts, axis=nd - d + level)
    out = build(arrays, 0)
    return out if out is not leaves[0] else out.copy()


_ = D
