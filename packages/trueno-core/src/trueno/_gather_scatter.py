"""Gathers, scatters and index helpers of the NumPy and PyTorch surfaces.

``take``, ``take_along_axis``, ``gather``, ``scatter`` and ``scatter_add`` are ops (rows in
``_surface_ops``) with reference kernels; the in-place NumPy spellings (``put``,
``put_along_axis``, ``putmask``, ``place``) go through ``__setitem__`` (the ``index_put`` op).
Index helpers that only build small integer arrays (``unravel_index``, ``ix_``, ``indices``,
``tril_indices``, ...) compute them on the host, as creation functions do.
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._creation import _place, asarray, default_class, zeros
from ._device import CPU
from ._errors import ShapeError, TruenoIndexError
from ._indexing import nonzero
from ._optable import OPS
from ._reduction import sum as _sum
from ._surface_ops import as_t, call
from ._tensor import Tensor
from ._views import broadcast_shapes, normalize_axis

__all__ = [
    "take", "take_along_axis", "put", "put_along_axis", "putmask", "place", "index_select",
    "gather", "scatter", "scatter_add", "argwhere", "flatnonzero", "compress", "extract",
    "choose", "select", "unravel_index", "ravel_multi_index", "indices", "ix_",
    "diag_indices", "diag_indices_from", "tril_indices", "triu_indices", "tril_indices_from",
    "triu_indices_from", "diag", "diagflat", "tri", "vander",
]


class IndexValueError(TruenoIndexError, ValueError):
    """An index out of range where NumPy raises ValueError (``unravel_index``, ...): both
    ``except IndexError`` and NumPy users' ``except ValueError`` catch it."""


def _index_dtype(device):
    """int64 where the device has it, else int32 (WGSL has no 64-bit integers)."""
    if device is CPU:
        return np.int64
    from ._registry import device_api
    return np.int64 if "int64" in device_api(device).dtypes(device.index) else np.int32


def _index_tensor(indices, like, name):
    """``indices`` as an integer index array on ``like``'s device."""
    if isinstance(indices, Tensor):
        idx = indices
    else:
        h = np.asarray(indices)
        if h.dtype.kind in "iu" and like._device is not CPU:
            h = h.astype(_index_dtype(like._device))
        idx = asarray(h, device=like._device, cls=like.__class__)
    if idx._dtype.kind not in "iu":
        if idx._dtype.kind == "f" and idx.numel() == 0:
            return idx.astype(D.int64)
        raise TruenoIndexError(f"{name}: indices must be integers, not {idx._dtype.name}")
    if idx._device is not CPU and idx._dtype.itemsize == 8 and \
            _index_dtype(idx._device) is np.int32:
        # NOTE: a device without 64-bit integers stores them but cannot compute with them.
        idx = asarray(idx._host().astype(np.int32), device=idx._device, cls=idx.__class__)
    return idx


def _device_checks(device) -> bool:
    """Whether ``device``'s ``gather`` / ``take_along_axis`` kernels (and its ``index``
    kernel, given a key that holds the device index) check the index themselves: an index
    out of range is flagged on the device and raised at the next sync, as PyTorch CUDA
    raises its device-side assert (trueno-gpu's ``_index_checks``). The index is then never
    read on the host: no download inside a training step's ``cross_entropy``."""
    if device is CPU:
        return False
    from ._registry import device_api
    return bool(getattr(device_api(device), "checks_indices", False))


def _check_range(name, idx, n, ax):
    """Range check for devices whose kernels cannot raise (the GPU's take reads 0 out of
    range); CPU kernels raise NumPy's IndexError themselves."""
    if idx._device is not CPU and idx.numel():
        h = idx._host()
        if h.max() >= n or h.min() < -n:
            bad = int(h.max() if h.max() >= n else h.min())
            raise TruenoIndexError(f"{name}: index {bad} is out of bounds for axis {ax} with "
                                   f"size {n}")


def _checked(name, fn):
    try:
        return fn()
    except IndexError as exc:
        if isinstance(exc, TruenoIndexError):
            raise
        raise TruenoIndexError(f"{name}: {exc}") from None


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


def take(x, indices, /, axis=None, out=None, mode="raise"):
    """Elements of ``x`` at ``indices`` along ``axis`` (the flattened array when None).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.take(tn.asarray([4, 5, 6]), [2, 0]).tolist()
    [6, 4]
    """
    x = as_t(x)
    idx = _index_tensor(indices, x, "take")
    if axis is None:
        x = x._reshape((-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim) if x.ndim else None
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"take: mode must be 'raise', 'wrap' or 'clip', not {mode!r}")
    params = {"axis": ax} if mode == "raise" else {"axis": ax, "mode": mode}
    if mode == "raise":
        _check_range("take", idx, x.shape[ax] if x.ndim else 1, ax)
    if _grad_path(x) and x.ndim:
        res = _checked("take", lambda: _take_decomposition(x, idx, **params))
    else:
        res = _checked("take", lambda: call("take", (x, idx), params))
    return _finish_out("take", res, out, "safe_from_out")


def take_along_axis(x, indices, /, axis=-1):
    """Pick values along ``axis`` with an index array of the same number of dimensions.

    Examples
    --------
    >>> import trueno as tn
    >>> x = tn.asarray([[3, 1], [2, 4]])
    >>> tn.take_along_axis(x, tn.argsort(x, axis=1), axis=1).tolist()
    [[1, 3], [2, 4]]
    """
    x = as_t(x)
    if axis is None:
        x = x._reshape((-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    idx = as_t(indices, x)
    if idx.ndim != x.ndim:
        raise ShapeError(f"take_along_axis: indices and arr must have the same number of "
                         f"dimensions ({idx.ndim} != {x.ndim})")
    idx = _index_tensor(idx, x, "take_along_axis")
    bs = list(x.shape)
    bs[ax] = idx.shape[ax]
    broadcast_shapes(tuple(bs), idx.shape)
    if not _device_checks(idx._device):
        _check_range("take_along_axis", idx, x.shape[ax], ax)
    if _grad_path(x):
        return _checked("take_along_axis", lambda: _take_along_axis_decomposition(x, idx, ax))
    return _checked("take_along_axis",
                    lambda: call("take_along_axis", (x, idx), {"axis": ax}))


def _along_axis_key(shape, idx, ax):
    """The advanced-indexing key that ``put_along_axis`` writes through (NumPy's rule)."""
    key = []
    nd = len(shape)
    for d in range(nd):
        if d == ax:
            key.append(idx)
        else:
            s = [1] * nd
            s[d] = -1
            key.append(np.arange(shape[d]).reshape(s))
    return tuple(key)


def put_along_axis(arr, indices, values, axis):
    """In place: ``arr[..., indices, ...] = values`` along ``axis`` (NumPy semantics)."""
    if not isinstance(arr, Tensor):
        raise TypeError("put_along_axis: arr must be a trueno array (it is changed in place)")
    idx = _index_tensor(indices, arr, "put_along_axis")
    if axis is None:
        raise ValueError("put_along_axis: axis=None is not supported for an in-place update; "
                         "pass an axis")
    if idx.ndim != arr.ndim:
        raise ShapeError(f"put_along_axis: indices and arr must have the same number of "
                         f"dimensions ({idx.ndim} != {arr.ndim})")
    ax = normalize_axis(axis, arr.ndim)
    arr[_along_axis_key(arr.shape, idx._host(), ax)] = values


def put(a, ind, v, mode="raise"):
    """In place: ``a.flat[ind] = v``, with ``v`` repeated as needed (NumPy's ``put``)."""
    if not isinstance(a, Tensor):
        raise TypeError("put: a must be a trueno array (it is changed in place)")
    ind = np.asarray(ind._host() if isinstance(ind, Tensor) else ind).ravel()
    if ind.dtype.kind not in "iu":
        raise TruenoIndexError(f"put: indices must be integers, not {ind.dtype}")
    n = a.numel()
    if mode == "wrap" and n:
        ind = ind % n
    elif mode == "clip" and n:
        ind = np.clip(ind, 0, n - 1)
    elif ind.size and (ind.max() >= n or ind.min() < -n):
        bad = ind[(ind >= n) | (ind < -n)][0]
        raise TruenoIndexError(f"put: index {bad} is out of bounds for size {n}")
    if ind.size == 0:
        return
    vals = as_t(v, a)._reshape((-1,))
    if vals.numel() == 0:
        return
    if vals.numel() != ind.size:
        vals = vals[np.arange(ind.size) % vals.numel()]
    if a.ndim == 0:  # every index names the one element: the last value wins
        a[...] = vals[-1]
        return
    a[np.unravel_index(ind % n, a.shape)] = vals


def putmask(a, mask, values):
    """In place: ``a[mask] = values``, where ``values`` repeats over the flat positions."""
    if not isinstance(a, Tensor):
        raise TypeError("putmask: a must be a trueno array (it is changed in place)")
    m = as_t(mask, a).astype(D.bool_, copy=False)
    if m.shape != a.shape:
        raise ShapeError(f"putmask: mask and data must be the same size ({m.shape} != "
                         f"{a.shape})")
    vals = as_t(values, a)._reshape((-1,))
    if vals.numel() == 0 or a.numel() == 0:
        return
    full = vals[np.arange(a.numel()) % vals.numel()]._reshape(a.shape)
    a[m] = full[m]


def place(arr, mask, vals):
    """In place: the masked positions take the values of ``vals`` in turn (NumPy's ``place``)."""
    if not isinstance(arr, Tensor):
        raise TypeError("place: arr must be a trueno array (it is changed in place)")
    m = as_t(mask, arr).astype(D.bool_, copy=False)
    count = int(_sum(m))
    if count == 0:
        return
    v = as_t(vals, arr)._reshape((-1,))
    if v.numel() == 0:
        raise ValueError("place: cannot insert from an empty vals when the mask is not empty")
    arr[m] = v[np.arange(count) % v.numel()]


def index_select(input, dim, index):  # noqa: A002  (PyTorch's argument names)
    """PyTorch's ``index_select``: ``take`` along ``dim`` with a 1-D index."""
    x = as_t(input)
    idx = _index_tensor(index, x, "index_select")
    if idx.ndim > 1:
        raise ShapeError(f"index_select: index must be 0-D or 1-D, got shape {idx.shape}")
    return take(x, idx._reshape((-1,)), axis=dim)


def _gs_check(name, x, ax, idx, src=None, values=True):
    """Shape rules of gather/scatter, and (``values``) the index range, read on the host."""
    if idx.ndim != x.ndim:
        raise ShapeError(f"{name}: index must have the same number of dimensions as input "
                         f"({idx.ndim} != {x.ndim})")
    for d, (n, m) in enumerate(zip(idx.shape, x.shape)):
        if d != ax and n > m:
            raise ShapeError(f"{name}: size of index {idx.shape} does not fit input {x.shape} "
                             f"at dimension {d} (rule: index.shape[d] <= input.shape[d] "
                             f"except at dim)")
        if src is not None and src.ndim and n > src.shape[d]:
            raise ShapeError(f"{name}: size of index {idx.shape} does not fit src "
                             f"{src.shape} at dimension {d}")
    if values and idx.numel():
        h = idx._host()
        n = x.shape[ax]
        if h.max() >= n or h.min() < -n:
            raise TruenoIndexError(f"{name}: index {int(h.max() if h.max() >= n else h.min())}"
                                   f" is out of bounds for dimension {ax} with size {n}")


def _positional(name, x, *args):
    """Run a kernel whose signature is positional (the GPU backend's ``gather(x, axis, index)``
    and ``scatter_add(x, axis, index, src)``)."""
    k = X.kernel(OPS[name], x._device, x._dtype)
    return X.wrap(x.__class__, k(*args), x._device, dtype=x._dtype)


def gather(input, dim, index):  # noqa: A002
    """PyTorch's ``gather``: ``out[i][j] = input[index[i][j]][j]`` for ``dim=0``.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.gather(tn.asarray([[1, 2], [3, 4]]), 1, tn.asarray([[0, 0], [1, 0]])).tolist()
    [[1, 1], [4, 3]]
    """
    return gather_checked(input, dim, index, True)


def gather_checked(input, dim, index, negative_ok: bool):  # noqa: A002
    """``gather``; ``negative_ok`` False: a negative index is out of range (the PyTorch
    face's rule, which checks it on the host itself unless the device checks indices,
    ``_device_checks``)."""
    x = as_t(input)
    idx = _index_tensor(index, x, "gather")
    ax = normalize_axis(dim, max(x.ndim, 1))
    if x.ndim == 0:
        x = x._reshape((1,))
        idx = idx._reshape((-1,))
        return gather_checked(x, 0, idx, negative_ok)._reshape(())
    on_device = _device_checks(idx._device)
    _gs_check("gather", x, ax, idx, values=not on_device)
    if idx._device is not x._device:
        X.check_device("gather", x, idx)
    if _grad_path(x) or not _has_kernel("gather", x):
        return _gather_decomposition(x, ax, idx, negative_ok)
    if on_device and not negative_ok:
        return _positional("gather", x, x._data, ax, idx._data, False)
    return _positional("gather", x, x._data, ax, idx._data)


def _scatter(name, input, dim, index, src, reduce=None):  # noqa: A002
    x = as_t(input)
    idx = _index_tensor(index, x, name)
    ax = normalize_axis(dim, x.ndim)
    s = as_t(src, x)
    s = s if s._dtype is x._dtype else s.astype(x._dtype)
    if s.ndim == 0:
        s = s.expand_to(idx.shape).contiguous()
    _gs_check(name, x, ax, idx, s)
    if reduce in (None, "add", "sum") and (
            _grad_path(x, s) or not _has_kernel(name, x)):
        return _scatter_decomposition(x, ax, idx, s, "add" if name == "scatter_add" else reduce)
    if name == "scatter_add":
        return _positional(name, x, x._data, ax, idx._data, s._data)
    return _positional(name, x, x._data, ax, idx._data, s._data) if reduce is None else \
        X.wrap(x.__class__, X.kernel(OPS[name], x._device, x._dtype)(
            x._data, ax, idx._data, s._data, reduce), x._device, dtype=x._dtype)


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """PyTorch's out-of-place ``scatter``: a copy of ``input`` with ``src`` written at
    ``index`` along ``dim`` (``reduce='add'``/``'multiply'`` combine instead)."""
    return _scatter("scatter", input, dim, index, value if src is None else src, reduce)


def scatter_add(input, dim, index, src):  # noqa: A002
    """PyTorch's out-of-place ``scatter_add``: repeated indices accumulate.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.scatter_add(tn.zeros(3), 0, tn.asarray([0, 0, 2]), tn.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    return _scatter("scatter_add", input, dim, index, src)


# --- decompositions: the same results from advanced indexing (the "index"/"index_put" ops), so
# that autograd differentiates them and a device without these kernels runs them ------------

def _grad_path(*ts) -> bool:
    """Whether autograd must see this call (an input requires grad and grad mode is on)."""
    st = X.STATE
    return st.autograd is not None and st.grad_enabled and \
        any(getattr(t, "_ag", None) is not None for t in ts)


def _has_kernel(name, x) -> bool:
    from ._registry import resolve_kernel
    return resolve_kernel(OPS[name], x._device, x._dtype) is not None


def _take_decomposition(x, indices, axis=None, mode="raise"):
    if axis is None:
        x = x._reshape((-1,))
        axis = 0
    n = x.shape[axis]
    idx = indices
    if mode == "wrap":
        idx = idx % n
    elif mode == "clip":
        from ._elementwise import clip
        idx = clip(idx, 0, n - 1)
    return x[(slice(None),) * axis + (idx,)]


def _take_along_axis_decomposition(x, indices, axis):
    if isinstance(indices, Tensor) and indices._device is x._device and \
            _device_checks(x._device):
        return _device_index(x, _along_axis_key(x.shape, indices._data, axis),
                             ("take_along_axis", True))
    return x[_along_axis_key(x.shape, indices, axis)]


def _gather_decomposition(x, axis, index, negative_ok=True):
    if index._device is x._device and _device_checks(x._device):
        key = tuple(index._data if d == axis else
                    np.arange(n).reshape((1,) * d + (n,) + (1,) * (index.ndim - d - 1))
                    for d, n in enumerate(index.shape))
        return _device_index(x, key, ("gather", negative_ok))
    trimmed = x[tuple(slice(None) if d == axis else slice(0, n)
                      for d, n in enumerate(index.shape))]
    return trimmed[_along_axis_key(trimmed.shape, index, axis)]


def _device_index(x, key, check):
    """``x[key]`` through the ``index`` op (recorded by autograd as advanced indexing, whose
    gradient scatters through the same key) for a key that holds the device index array
    itself (host ``arange`` keys on the other axes): the device's kernel gathers through it
    and checks its range there (``check``: op name, negative indices allowed)."""
    return X.run(OPS["index"], (x,), (x._data,), {"key": key, "check": check}, x.__class__,
                 x._device, x._dtype)


def _scatter_decomposition(x, axis, index, src, reduce=None):
    from ._indexing import setitem_advanced
    out = x.copy()
    vals = src[tuple(slice(0, n) for n in index.shape)] if src.ndim else src
    key = _along_axis_key(index.shape, index, axis)
    if reduce in ("add", "sum"):
        setitem_advanced(out, key, vals, accumulate=True)
    else:
        out[key] = vals
    return out


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
    return _finish_out("compress", take(a, idx, axis=ax), out, "safe_from_out")


def extract(condition, arr):
    """The elements of ``arr`` where ``condition`` is true, flattened."""
    arr = as_t(arr)
    c = as_t(condition, arr)
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

