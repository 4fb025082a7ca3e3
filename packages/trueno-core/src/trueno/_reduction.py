"""Reductions and scans: sum, prod, mean, var, std, max, min, argmax, argmin, any, all,
logsumexp, cumsum, cumprod. ``axis`` is an int, a tuple or None; both ``axis``/``dim`` and
``keepdims``/``keepdim`` spellings are accepted (DESIGN.md §8)."""

from __future__ import annotations

import builtins
import inspect
import re

import numpy as _np

from . import _dispatch as X
from . import _dtypes as D
from ._creation import asarray
from ._device import CPU
from ._errors import DTypeError, ShapeError
from ._optable import OPS
from ._tensor import Tensor, numpy_result
from ._views import normalize_axes, normalize_axis

__all__ = ["sum", "prod", "mean", "var", "std", "max", "min", "argmax", "argmin", "any", "all",
           "logsumexp", "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "amax",
           "amin", "reduce_args", "finish"]

_WIDE = {"b": D.int64, "i": D.int64, "u": D.uint64}
_SUM, _PROD, _MEAN, _MAX, _MIN, _ANY, _ALL = (OPS[n] for n in ("sum", "prod", "mean", "max",
                                                                "min", "any", "all"))
_ndarray = _np.ndarray
_new = object.__new__


def reduce_args(axis, keepdims, dim, keepdim):
    """Merge the NumPy and PyTorch spellings of the axis and keepdims arguments."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


def _x(x):
    return x if isinstance(x, Tensor) else asarray(x)


def finish(name, res, out, casting="unsafe", scalar=False):
    """The result of the reduction ``name``: ``res`` written into ``out`` (cast by NumPy's rule
    for that reduction: "unsafe" for sum, mean, max, ...; "same_kind" for std; an index array
    for argmax/argmin) and ``out`` returned, or without ``out`` ``res``, as a NumPy scalar
    where it is 0-d on the NumPy face and ``scalar`` is true (``numpy_result``)."""
    if out is None:
        return numpy_result(res) if scalar else res
    if isinstance(out, tuple) and len(out) == 1:
        out = out[0]
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(..., out=): out must be a trueno array, got "
                        f"{type(out).__name__}\n  hint: out=trueno.empty({res.shape}, "
                        f"dtype=trueno.{res.dtype.name})")
    if out.shape != res.shape:
        raise ShapeError(f"{name}(..., out=): out has shape {out.shape}, the result has shape "
                         f"{res.shape}\n  hint: pass keepdims= to match the result shape, or "
                         f"an out of shape {res.shape}")
    if casting == "index":
        ok, what = D.can_cast(out._dtype, D.int64, "safe"), "an integer dtype"
    else:
        ok, what = D.can_cast(res._dtype, out._dtype, casting), f"casting rule {casting!r}"
    if not ok:
        raise DTypeError(f"{name}(..., out=): cannot cast the result from {res.dtype.name} to "
                         f"out's {out.dtype.name} ({what})\n  hint: pass an out of dtype "
                         f"{res.dtype.name}")
    if out._device is not res._device:
        X.check_device(name, res, out)
    out._assign(res)
    return out


def _with_fast_path(row, slow, dtype_param):
    """The public reduction of ``row``: a cached fast path in front of ``slow`` (the general
    path, ``_reduce``), written out in the function itself (no helper call: a 10x10 ``sum``
    costs ~2 us, a Python frame ~0.15 us). ``dtype_param``: whether the signature has
    NumPy's ``dtype`` (sum, prod, mean) or not (max, min, any, all).

    ``row.fast[(class, device | dtype, ndim, axis, keepdims)]`` holds what ``_reduce`` found
    on its first call of that case: the raw kernel (its first result was checked), its
    parameters (normalized axes; the accumulation dtype of sum/prod/mean, else None), the
    result dtype, and whether the kernel takes them positionally (``_positional``). Only the
    common spelling takes it: an int or None axis, bool keepdims, no dtype, no out, no
    autograd, and no empty axis (max/min of one raises).
    """
    cache = row.fast
    tensor = Tensor

    if dtype_param:
        def fn(x, /, axis=None, dtype=None, out=None, keepdims=False, *, dim=None,
               keepdim=None):
            if dtype is None and out is None and dim is None and keepdim is None and \
                    isinstance(x, tensor) and x._ag is None and \
                    (axis is None or axis.__class__ is int) and keepdims.__class__ is bool:
                data = x._data
                dev = x._device
                e = cache.get((x.__class__, dev._code | x._dtype._code, len(data.shape), axis,
                               keepdims))
                if e is not None and 0 not in data.shape:
                    k, axes, kdt, rdt, pos = e
                    r = k(data, axes, keepdims, kdt) if pos else \
                        k(data, axis=axes, keepdims=keepdims, dtype=kdt)
                    if r.__class__ is not _ndarray and dev is CPU:
                        r = _np.asarray(r)
                    t = _new(x.__class__)
                    t._data = r
                    t._dtype = rdt
                    t._device = dev
                    t._version = [0]
                    t._ag = None
                    return t
            return slow(x, axis, dtype, out, keepdims, dim=dim, keepdim=keepdim)
    else:
        def fn(x, /, axis=None, out=None, keepdims=False, *, dim=None, keepdim=None):
            if out is None and dim is None and keepdim is None and \
                    isinstance(x, tensor) and x._ag is None and \
                    (axis is None or axis.__class__ is int) and keepdims.__class__ is bool:
                data = x._data
                dev = x._device
                e = cache.get((x.__class__, dev._code | x._dtype._code, len(data.shape), axis,
                               keepdims))
                if e is not None and 0 not in data.shape:
                    k, axes, kdt, rdt, pos = e
                    r = k(data, axes, keepdims) if pos else \
                        k(data, axis=axes, keepdims=keepdims)
                    if r.__class__ is not _ndarray and dev is CPU:
                        r = _np.asarray(r)
                    t = _new(x.__class__)
                    t._data = r
                    t._dtype = rdt
                    t._device = dev
                    t._version = [0]
                    t._ag = None
                    return t
            return slow(x, axis, out, keepdims, dim=dim, keepdim=keepdim)
    name = slow.__name__.lstrip("_")
    fn.__code__ = fn.__code__.replace(co_name=name, co_qualname=name)  # tracebacks, profiles
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = slow.__doc__
    fn.__module__ = slow.__module__
    return fn


_PARAM_NAME = re.compile(r"\s*\**(\w+)")


def _positional(k, names) -> bool:
    """Whether kernel ``k`` takes ``names`` positionally right after its tensor input, in that
    order: its Python signature, or for a compiled function the signature its docstring
    starts with (pybind11 writes ``sum(x: object, axis: object = None, ...)``). Calling
    positionally skips the keyword parsing of a compiled kernel (~0.3 us per call); any
    doubt answers False and the keywords of the op's signature are used."""
    try:
        params = inspect.signature(k).parameters.values()
        got = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                    p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        doc = getattr(k, "__doc__", None) or ""
        head = doc.split("\n", 1)[0]
        name = getattr(k, "__name__", None)
        if not name or not head.startswith(name + "(") or ")" not in head:
            return False
        got = []
        for part in head[len(name) + 1:head.index(")")].split(","):
            part = part.strip()
            if part.startswith("*") or part == "/":
                if part == "/":
                    continue
                break
            m = _PARAM_NAME.match(part)
            if m is None:
                return False
            got.append(m.group(1))
    return got[1:len(names) + 1] == list(names)


def _reduce(name, x, axis, keepdims, out_dtype=None, fast=False, **params):
    """Reduce ``x`` with row ``name``; ``fast``: the caller took the common spelling (see
    ``_with_fast_path``), so cache this case once its kernel ran without a cast."""
    row = OPS[name]
    x = _x(x)
    fkey = (x.__class__, x._device._code | x._dtype._code, x.ndim, axis, keepdims) \
        if fast and (axis is None or axis.__class__ is int) and keepdims.__class__ is bool \
        else None
    dt = x._dtype
    if dt not in row.accepts:
        X.check_accepts(row, dt)
    if axis.__class__ is list and x._face == "numpy":  # torch takes dim=[0, 1]; NumPy refuses
        raise TypeError(f"{name}: 'list' object cannot be interpreted as an integer (axis="
                        f"{axis})\n  hint: pass a tuple, axis={tuple(axis)}")
    if x.ndim == 0 and axis is not None and name not in ("mean", "var", "std"):
        normalize_axes(axis, 1)  # NumPy lets a 0-d array reduce over axis 0 / -1
        axes = ()
    else:
        axes = normalize_axes(axis, x.ndim)
    if name in ("max", "min") and x.numel() == 0 and \
            builtins.any(x.shape[a] == 0 for a in axes):
        raise ShapeError(f"zero-size array to reduction operation {name}imum which has no "
                         f"identity (shape {x.shape}, axis {axis})\n  hint: pass initial= "
                         f"(e.g. {name}(x, initial=...)) or reduce over non-empty axes")
    if out_dtype is None:
        ct = dt
        if row.result == "float" and dt.kind not in "fc":
            ct = x.__class__._default_float
        elif row.result == "input_bool":
            ct = D.bool_
    else:
        ct = out_dtype
    # sum/prod/mean accumulate integers into a wider integer inside the kernel (dtype=);
    # any other requested dtype (float -> complex, int -> float, ...) is a cast first.
    widen = name in ("sum", "prod", "mean") and \
        (ct is dt or (dt.kind in "biu" and ct.kind in "iu"))
    data = x._data if ct is dt or widen else X.cast_data(x, ct)
    kdt = dt if data is x._data else ct
    if name in ("sum", "prod", "mean"):
        params["dtype"] = ct.numpy
    params = {"axis": axes, "keepdims": keepdims, **params}
    res = X.run(row, (x,), (data,), params, x.__class__, x._device, kdt)
    if fkey is not None and data is x._data and fkey not in row.fast:
        key = x._device._code | kdt._code
        k = row.kcache.get(key)
        if k is not None and getattr(k, "kernel", None) is None and \
                res.__class__ is x.__class__ and params.keys() <= {"axis", "keepdims", "dtype"}:
            names = ("axis", "keepdims", "dtype") if "dtype" in params else ("axis", "keepdims")
            X.store_fast_entry(row, key, k, fkey, (k, axes, params.get("dtype"), res._dtype,
                                                   _positional(k, names)))
    return res


def _sum_dtype(x, dtype):
    if dtype is not None:
        return D.as_dtype(dtype)
    return _WIDE.get(x._dtype.kind, x._dtype)


def _sum(x, /, axis=None, dtype=None, out=None, keepdims=False, *, dim=None,
        keepdim=None):
    """Sum over ``axis``; bool and small integers accumulate in int64/uint64 (NumPy's rule)."""
    if dtype is None and out is None and dim is None and keepdim is None:
        x = _x(x)
        return _reduce("sum", x, axis, bool(keepdims), _sum_dtype(x, None), True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    x = _x(x)
    return finish("sum", _reduce("sum", x, axis, keepdims, _sum_dtype(x, dtype)), out)


def _prod(x, /, axis=None, dtype=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    if dtype is None and out is None and dim is None and keepdim is None:
        x = _x(x)
        return _reduce("prod", x, axis, bool(keepdims), _sum_dtype(x, None), True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    x = _x(x)
    return finish("prod", _reduce("prod", x, axis, keepdims, _sum_dtype(x, dtype)), out)


def _mean(x, /, axis=None, dtype=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    fast = dtype is None and out is None and dim is None and keepdim is None
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    x = _x(x)
    dt = D.as_dtype(dtype) if dtype is not None else \
        (x._dtype if x._dtype.kind in "fcmO" else x.__class__._default_float)
    # (timedelta64, object: NumPy's mean, in the array's dtype, by the host kernel)
    return finish("mean", _reduce("mean", x, axis, keepdims, dt, fast), out)


sum = _with_fast_path(_SUM, _sum, True)  # noqa: A001
prod = _with_fast_path(_PROD, _prod, True)
mean = _with_fast_path(_MEAN, _mean, True)


def _correction(ddof, correction, unbiased, default):
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    if correction is not None and ddof is not None and ddof != correction:
        raise TypeError("pass either ddof= or correction=, not both")
    c = correction if correction is not None else ddof
    return float(default if c is None else c)


def var(x, /, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, correction=None,
        dim=None, keepdim=None, unbiased=None, _default_correction=0.0):
    """Variance; ``correction`` (Array API) and ``ddof`` (NumPy) are the same argument."""
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    c = _correction(ddof, correction, unbiased, _default_correction)
    x = _x(x)
    if dtype is not None:
        x = x.astype(dtype, copy=False)
    return finish("var", _reduce("var", x, axis, keepdims, correction=c), out)


def std(x, /, axis=None, dtype=None, out=None, ddof=None, keepdims=False, *, correction=None,
        dim=None, keepdim=None, unbiased=None, _default_correction=0.0):
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    c = _correction(ddof, correction, unbiased, _default_correction)
    x = _x(x)
    if dtype is not None:
        x = x.astype(dtype, copy=False)
    return finish("std", _reduce("std", x, axis, keepdims, correction=c), out, "same_kind")


def _max(x, /, axis=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    if out is None and dim is None and keepdim is None:
        return _reduce("max", x, axis, bool(keepdims), None, True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("max", _reduce("max", x, axis, keepdims), out)


def _min(x, /, axis=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    if out is None and dim is None and keepdim is None:
        return _reduce("min", x, axis, bool(keepdims), None, True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("min", _reduce("min", x, axis, keepdims), out)


max = _with_fast_path(_MAX, _max, False)  # noqa: A001
min = _with_fast_path(_MIN, _min, False)  # noqa: A001
amax = max
amin = min


def _arg(name, x, axis, keepdims):
    row = OPS[name]
    x = _x(x)
    if x._dtype not in row.accepts:
        X.check_accepts(row, x._dtype)
    ax = None if axis is None else normalize_axis(axis, x.ndim or 1)
    if x.numel() == 0 and (ax is None or x.shape[ax] == 0):
        raise ShapeError(f"attempt to get {name} of an empty sequence (shape {x.shape})\n"
                         f"  hint: check x.size before calling {name}")
    if ax is not None and x.ndim == 0:
        ax = None
    return X.run(row, (x,), (x._data,), {"axis": ax, "keepdims": keepdims}, x.__class__,
                 x._device, x._dtype)


def argmax(x, /, axis=None, out=None, *, keepdims=False, dim=None, keepdim=None):
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("argmax", _arg("argmax", x, axis, keepdims), out, "index")


def argmin(x, /, axis=None, out=None, *, keepdims=False, dim=None, keepdim=None):
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("argmin", _arg("argmin", x, axis, keepdims), out, "index")


def _any(x, /, axis=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    if out is None and dim is None and keepdim is None:
        return _reduce("any", x, axis, bool(keepdims), None, True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("any", _reduce("any", x, axis, keepdims), out)


def _all(x, /, axis=None, out=None, keepdims=False, *, dim=None, keepdim=None):
    if out is None and dim is None and keepdim is None:
        return _reduce("all", x, axis, bool(keepdims), None, True)
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return finish("all", _reduce("all", x, axis, keepdims), out)


any = _with_fast_path(_ANY, _any, False)  # noqa: A001
all = _with_fast_path(_ALL, _all, False)  # noqa: A001


def logsumexp(x, /, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """``log(sum(exp(x)))`` computed without overflow (scipy.special / torch spelling)."""
    axis, keepdims = reduce_args(axis, keepdims, dim, keepdim)
    return _reduce("logsumexp", x, axis, keepdims)


def _scan(name, x, axis, dtype):
    row = OPS[name]
    x = _x(x)
    if axis is None:
        x = x._reshape((-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim or 1)
    if x.ndim == 0:
        x = x._reshape((1,))
    ct = _sum_dtype(x, dtype)
    if x._dtype not in row.accepts:
        X.check_accepts(row, x._dtype)
    return X.run(row, (x,), (x._data,), {"axis": ax, "dtype": ct.numpy}, x.__class__,
                 x._device, x._dtype)


def cumsum(x, /, axis=None, dtype=None, out=None, *, dim=None):
    return finish("cumsum", _scan("cumsum", x, axis if dim is None else dim, dtype), out)


def cumprod(x, /, axis=None, dtype=None, out=None, *, dim=None):
    return finish("cumprod", _scan("cumprod", x, axis if dim is None else dim, dtype), out)


def _cumulative(scan, fill, x, axis, dtype, include_initial):
    """Array API ``cumulative_sum``/``cumulative_prod``: a scan, optionally starting with
    the identity (``fill``) so that the result is one longer along ``axis``."""
    x = _x(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError(f"{scan.__name__}: axis must be given for arrays with more than "
                             "one dimension")
        axis = 0
    out = scan(x, axis, dtype)
    if include_initial:
        from ._creation import full
        from ._manipulation import concat
        ax = normalize_axis(axis, out.ndim)
        shape = list(out.shape)
        shape[ax] = 1
        out = concat([full(tuple(shape), fill, dtype=out.dtype, device=out.device,
                           cls=out.__class__), out], axis=ax)
    return out


def cumulative_sum(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x, /, *, axis=None, dtype=None, include_initial=False):
    return _cumulative(cumprod, 1, x, axis, dtype, include_initial)

