"""NaN-ignoring reductions and scans (NumPy's ``nan*`` functions) as compositions of GPU
kernels: NaN is replaced by the reduction's identity in one elementwise pass, then the plain
reduction runs; counts of non-NaN values give ``nanmean`` / ``nanvar``. Integer and bool
inputs have no NaN, so they go straight to the plain kernels.
"""

from __future__ import annotations

import math

import numpy as np

from ._codegen import index_dtype
from ._dtypes import dtype_info
from ._elementwise import rt_of
from ._reduce import _as_f32, _ew, reduce
from ._scan import cumprod, cumsum

__all__ = ["make_kernels"]


def _isnan(dt):
    return "tn_isnan64" if dt.compute == "f64" else "tn_isnan"


def _fill(x, value):
    """``x`` with NaN replaced by ``value`` (a new array; ``x`` itself when it has no NaN)."""
    dt = dtype_info(x.dtype)
    if dt.kind != "f":
        return x
    ft = np.float64 if dt.compute == "f64" else np.float32
    return _ew(f"select(x0, x1, {_isnan(dt)}(x0))", [x, (value, ft)], x.dtype,
               ("nanfill", dt.name))


def _axes(x, axis):
    if axis is None or x.ndim == 0:
        return tuple(range(x.ndim))
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


def _count(x, axes, keepdims, ft):
    """Number of non-NaN values along ``axes`` as ``ft``."""
    dt = dtype_info(x.dtype)
    ones = _ew(f"select({'1.0lf' if ft == np.float64 else '1.0'}, "
               f"{'0.0lf' if ft == np.float64 else '0.0'}, {_isnan(dt)}(x0))", [x], ft,
               ("notnan", dt.name))
    return reduce("sum", ones, axes, keepdims, ft)


def nansum(x, axis=None, keepdims=False, dtype=None):
    from ._reduce import _sum_like

    return _sum_like("sum")(_fill(x, 0.0), _axes(x, axis), keepdims, dtype)


def nanprod(x, axis=None, keepdims=False, dtype=None):
    from ._reduce import _sum_like

    return _sum_like("prod")(_fill(x, 1.0), _axes(x, axis), keepdims, dtype)


def nanmean(x, axis=None, keepdims=False, dtype=None):
    axes = _axes(x, axis)
    xf = _as_f32(x)
    ft = xf.dtype
    s = reduce("sum", _fill(xf, 0.0), axes, keepdims, ft)
    c = _count(xf, axes, keepdims, ft)
    out = dtype if dtype is not None else (x.dtype if dtype_info(x.dtype).kind == "f"
                                           else ft)
    return _ew("x0 / x1", [s, c], out, "nanmean")


def nanvar(x, axis=None, keepdims=False, ddof=0, dtype=None, _sqrt=False):
    axes = _axes(x, axis)
    xf = _as_f32(x)
    ft = xf.dtype
    m = nanmean(xf, axes, True)
    dt = dtype_info(ft)
    zero = "0.0lf" if ft == np.float64 else "0.0"
    sq = _ew(f"select((x0 - x1) * (x0 - x1), {zero}, {_isnan(dt)}(x0))", [xf, m], ft,
             "nansqdev")
    ss = reduce("sum", sq, axes, keepdims, ft)
    c = _count(xf, axes, keepdims, ft)
    val = "x0 / (x1 - x2)"
    if _sqrt:
        val = f"sqrt({val})"
    nan = "tn_nan64()" if ft == np.float64 else "tn_nan()"
    expr = f"select({val}, {nan}, x1 - x2 <= {zero})"
    out = x.dtype if dtype_info(x.dtype).kind == "f" else ft
    return _ew(expr, [ss, c, (float(ddof), ft)], out, ("nanvar", _sqrt))


def nanstd(x, axis=None, keepdims=False, ddof=0, dtype=None):
    return nanvar(x, axis, keepdims, ddof, dtype, _sqrt=True)


def _nanextreme(op):
    def kernel(x, axis=None, keepdims=False):
        axes = _axes(x, axis)
        dt = dtype_info(x.dtype)
        if dt.kind != "f":
            return reduce(op, x, axes, keepdims, x.dtype)
        fill = -math.inf if op == "max" else math.inf
        m = reduce(op, _fill(x, fill), axes, keepdims, x.dtype)
        allnan = reduce("min", _ew(f"select(0u, 1u, {_isnan(dt)}(x0))", [x], np.bool_,
                                   ("isnan", dt.name)), axes, keepdims, np.bool_, fill=1)
        ft = np.float64 if dt.compute == "f64" else np.float32
        nan = "tn_nan64()" if dt.compute == "f64" else "tn_nan()"
        return _ew(f"select(x0, {nan}, x1 != 0u)", [m, allnan], x.dtype,
                   ("allnan", dt.name, ft == np.float64))

    kernel.__name__ = "nan" + op
    return kernel


def _nanarg(op):
    def kernel(x, axis=None, keepdims=False):
        fill = -math.inf if op == "argmax" else math.inf
        axes = tuple(range(x.ndim)) if axis is None else (axis,)
        out = reduce(op, _fill(x, fill), axes, keepdims and axis is not None,
                     index_dtype(rt_of(x)))
        if keepdims and axis is None:
            out = out.view(0, (1,) * x.ndim, (1,) * x.ndim)
        return out

    kernel.__name__ = "nan" + op
    return kernel


def _flat(x, axis):
    if axis is not None:
        return x, axis
    from ._api import contiguous

    x = x if x.is_contiguous() else contiguous(x)
    return x.view(x.offset, (x.size,), (1,)), 0


def nancumsum(x, axis=None, dtype=None):
    x, axis = _flat(x, axis)
    return cumsum(_fill(x, 0.0), axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    x, axis = _flat(x, axis)
    return cumprod(_fill(x, 1.0), axis, dtype)


def make_kernels(all_dtypes) -> dict:
    real = [d for d in all_dtypes if dtype_info(d).kind != "b"]
    return {
        "nansum": dict.fromkeys(all_dtypes, nansum),
        "nanprod": dict.fromkeys(all_dtypes, nanprod),
        "nanmean": dict.fromkeys(real, nanmean),
        "nanvar": dict.fromkeys(real, nanvar),
        "nanstd": dict.fromkeys(real, nanstd),
        "nanmax": dict.fromkeys(all_dtypes, _nanextreme("max")),
        "nanmin": dict.fromkeys(all_dtypes, _nanextreme("min")),
        "nanargmax": dict.fromkeys(all_dtypes, _nanarg("argmax")),
        "nanargmin": dict.fromkeys(all_dtypes, _nanarg("argmin")),
        "nancumsum": dict.fromkeys(all_dtypes, nancumsum),
        "nancumprod": dict.fromkeys(all_dtypes, nancumprod),
    }
