"""Gathers and scatters of the NumPy and PyTorch surfaces.

``take``, ``take_along_axis``, ``gather``, ``scatter`` and ``scatter_add`` are ops (rows in
``_surface_ops``) with reference kernels; the in-place NumPy spellings (``put``,
``put_along_axis``, ``putmask``, ``place``) go through ``__setitem__`` (the ``index_put`` op).
Their decompositions into advanced indexing (what autograd differentiates) are here too.
Index arrays and selections (``argwhere``, ``compress``, ``choose``, ``unravel_index``,
``ix_``, ``tril_indices``, ...) live in ``_index_arrays``; this module re-exports them.
"""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._creation import asarray
from ._device import CPU
from ._errors import ShapeError, TruenoIndexError
from ._index_arrays import (  # noqa: F401  (re-exported; _host_place for _vectorize, ...)
    IndexValueError, _finish_out, _host_place, argwhere, choose, compress, diag,
    diag_indices, diag_indices_from, diagflat, extract, flatnonzero, indices, ix_,
    ravel_multi_index, select, tri, tril_indices, tril_indices_from, triu_indices,
    triu_indices_from, unravel_index, vander)
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
