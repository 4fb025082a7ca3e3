"""Statistics of the NumPy surface: the NaN-skipping reductions, medians and quantiles,
``average``, ``cov``, ``corrcoef`` and ``ptp``.

The NaN-aware reductions, ``median``, ``quantile``, ``average``, ``cov`` and ``corrcoef`` are
ops with reference kernels (decompositions here and in ``_decompositions_stats``); ``ptp`` is
a composition of other ops. The histograms live in ``_histograms`` and the numerical helpers
(``diff``, ``isclose``, ``around``, ``interp``, ``convolve``, ...) in ``_numerics``; their
names are re-exported here, so this module's ``__all__`` is the whole statistics surface.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._errors import DTypeError, ShapeError
from ._histograms import histogram, histogram_bin_edges
from ._numerics import (
    allclose, around, array_equal, array_equiv, convolve, correlate, diff, ediff1d, gradient,
    interp, isclose, round, trapezoid,
)
from ._reduction import all as _all
from ._reduction import finish
from ._reduction import max as _max
from ._reduction import min as _min
from ._reduction import sum as _sum
from ._surface_ops import as_t, call
from ._tensor import Tensor, numpy_result
from ._views import normalize_axes, normalize_axis

__all__ = [
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanargmax",
    "nanargmin", "nancumsum", "nancumprod", "nanmedian", "nanquantile", "nanpercentile",
    "median", "quantile", "percentile", "average", "cov", "corrcoef", "ptp", "histogram",
    "histogram_bin_edges", "diff", "ediff1d", "isclose", "allclose", "array_equal",
    "array_equiv", "around", "round", "interp", "convolve", "correlate", "trapezoid",
    "gradient",
]


def _done(name, res, out, casting="unsafe", keepdims=False):
    """``res`` written into ``out``, or a NumPy scalar where it is 0-d, as NumPy returns
    (median and quantile keep a 0-d array with ``keepdims``, as NumPy's do)."""
    return finish(name, res, out, casting, scalar=not keepdims)


def _keeps_0d(keepdims, weights) -> bool:
    """Whether a 0-d quantile stays a 0-d array: with ``keepdims``, and with ``weights``
    (NumPy 2.4's weighted quantiles return ``array(2.)``, not a scalar)."""
    return bool(keepdims) or weights is not None


def _axes(x, axis):
    if axis is None or x.ndim == 0:  # NumPy accepts axis 0 / -1 for a 0-d array here
        return axis
    return normalize_axes(axis, x.ndim)


def _host(v):
    return v._host() if isinstance(v, Tensor) else v


def _nanred(name, a, axis, keepdims, **kw):
    x = as_t(a)
    if axis.__class__ is list and "median" not in name and x._face == "numpy":  # as NumPy
        raise TypeError(f"{name}: 'list' object cannot be interpreted as an integer (axis="
                        f"{axis})\n  hint: pass a tuple, axis={tuple(axis)}")
    return call(name, (x,), {"axis": _axes(x, axis), "keepdims": bool(keepdims), **kw})


def nansum(a, axis=None, dtype=None, out=None, keepdims=False):
    """Sum treating NaNs as zero."""
    kw = {} if dtype is None else {"dtype": D.as_dtype(dtype).numpy}
    return _done("nansum", _nanred("nansum", a, axis, keepdims, **kw), out)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False):
    """Product treating NaNs as one."""
    kw = {} if dtype is None else {"dtype": D.as_dtype(dtype).numpy}
    return _done("nanprod", _nanred("nanprod", a, axis, keepdims, **kw), out)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False):
    """Mean of the non-NaN values (NaN, with a RuntimeWarning, where all are NaN).

    Examples
    --------
    >>> import trueno as tn
    >>> float(tn.nanmean(tn.asarray([1.0, float('nan'), 3.0])))
    2.0
    """
    kw = {} if dtype is None else {"dtype": D.as_dtype(dtype).numpy}
    return _done("nanmean", _nanred("nanmean", a, axis, keepdims, **kw), out)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = ddof if correction is None else correction
    x = as_t(a) if dtype is None else as_t(a).astype(dtype, copy=False)
    return _done("nanvar", _nanred("nanvar", x, axis, keepdims, ddof=c), out)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, correction=None):
    c = ddof if correction is None else correction
    x = as_t(a) if dtype is None else as_t(a).astype(dtype, copy=False)
    return _done("nanstd", _nanred("nanstd", x, axis, keepdims, ddof=c), out, "same_kind")


def _check_nonempty(name, x, axis):
    if x.numel() == 0:
        axes = _axes(x, axis) or tuple(range(x.ndim))
        if not axes or any(x.shape[a] == 0 for a in axes):
            raise ValueError(f"zero-size array to reduction operation {name} which has no "
                             f"identity (shape {x.shape})")


def nanmax(a, axis=None, out=None, keepdims=False):
    """Maximum ignoring NaNs."""
    x = as_t(a)
    _check_nonempty("fmax", x, axis)
    return _done("nanmax", _nanred("nanmax", x, axis, keepdims), out)


def nanmin(a, axis=None, out=None, keepdims=False):
    """Minimum ignoring NaNs."""
    x = as_t(a)
    _check_nonempty("fmin", x, axis)
    return _done("nanmin", _nanred("nanmin", x, axis, keepdims), out)


def _nanarg(name, a, axis, keepdims):
    x = as_t(a)
    ax = None if axis is None or x.ndim == 0 else normalize_axis(axis, x.ndim)
    if x.numel() == 0 and (ax is None or x.shape[ax] == 0):
        raise ShapeError(f"attempt to get {name} of an empty sequence")
    h = x._host()
    if h.dtype.kind in "fc":
        nan = np.isnan(h)
        if (nan.all() if ax is None else nan.all(axis=ax).any()):
            raise ValueError("All-NaN slice encountered")
    return call(name, (x,), {"axis": ax, "keepdims": bool(keepdims)})


def nanargmax(a, axis=None, out=None, *, keepdims=False):
    return _done("nanargmax", _nanarg("nanargmax", a, axis, keepdims), out, "index")


def nanargmin(a, axis=None, out=None, *, keepdims=False):
    return _done("nanargmin", _nanarg("nanargmin", a, axis, keepdims), out, "index")


def _nanscan(name, a, axis, dtype):
    x = as_t(a)
    kw = {"axis": None if axis is None else normalize_axis(axis, max(x.ndim, 1))}
    if dtype is not None:
        kw["dtype"] = D.as_dtype(dtype).numpy
    return call(name, (x,), kw)


def nancumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum treating NaNs as zero."""
    return _done("nancumsum", _nanscan("nancumsum", a, axis, dtype), out)


def nancumprod(a, axis=None, dtype=None, out=None):
    """Cumulative product treating NaNs as one."""
    return _done("nancumprod", _nanscan("nancumprod", a, axis, dtype), out)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Median along ``axis`` (the mean of the two middle values for an even count).

    Examples
    --------
    >>> import trueno as tn
    >>> float(tn.median(tn.asarray([3, 1, 4, 2])))
    2.5
    """
    x = as_t(a)
    if x._dtype.kind == "c":
        raise DTypeError("median: complex inputs are not supported")
    return _done("median", _nanred("median", x, axis, keepdims), out, keepdims=keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """Median ignoring NaNs."""
    return _done("nanmedian", _nanred("nanmedian", a, axis, keepdims), out,
                 keepdims=keepdims)


_METHODS = ("inverted_cdf", "averaged_inverted_cdf", "closest_observation",
            "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
            "normal_unbiased", "lower", "higher", "midpoint", "nearest")


def _quant(name, a, q, axis, method, keepdims, weights, scale=1.0):
    x = as_t(a)
    if x._dtype.kind == "c":
        raise DTypeError(f"{name}: complex inputs are not supported")
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be one of {_METHODS}, not {method!r}")
    q = _host(q)
    qh = np.asarray(q)
    if qh.dtype.kind not in "iufb":
        raise TypeError(f"{name}: q must be real numbers")
    if qh.size and (np.min(qh) < 0 or np.max(qh) > scale):
        raise ValueError(f"{name}: q must be in the range [0, {scale:g}]")
    params = {"q": q, "axis": _axes(x, axis), "method": method, "keepdims": bool(keepdims),
              "percent": scale != 1.0}
    if weights is not None:
        params["weights"] = _host(weights)
    kname = "nanquantile" if name.startswith("nan") else "quantile"
    return call(kname, (x,), params)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, weights=None):
    """The ``q``-th quantiles (``q`` in [0, 1]) with NumPy's interpolation ``method``s.

    Examples
    --------
    >>> import trueno as tn
    >>> float(tn.quantile(tn.asarray([1.0, 2.0, 3.0, 4.0]), 0.25))
    1.75
    """
    return _done("quantile", _quant("quantile", a, q, axis, method, keepdims, weights), out,
                 keepdims=_keeps_0d(keepdims, weights))


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None):
    """The ``q``-th percentiles (``q`` in [0, 100])."""
    return _done("percentile",
                  _quant("percentile", a, q, axis, method, keepdims, weights, 100.0), out,
                 keepdims=_keeps_0d(keepdims, weights))


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
    return _done("nanquantile", _quant("nanquantile", a, q, axis, method, keepdims, weights),
                 out, keepdims=_keeps_0d(keepdims, weights))


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
    return _done("nanpercentile",
                  _quant("nanpercentile", a, q, axis, method, keepdims, weights, 100.0), out,
                 keepdims=_keeps_0d(keepdims, weights))


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """Weighted average along ``axis``; ``returned=True`` also gives the sum of the weights."""
    x = as_t(a)
    params = {"axis": _axes(x, axis), "keepdims": bool(keepdims)}
    if weights is not None:
        w = as_t(weights, x)
        if w.shape != x.shape:
            if axis is None:
                raise ShapeError("average: axis must be specified when shapes of a and "
                                 "weights differ")
            if w.ndim != 1 or not isinstance(axis, (int, np.integer)):
                raise ShapeError("average: 1D weights expected when shapes of a and weights "
                                 "differ")
            if w.shape[0] != x.shape[normalize_axis(axis, x.ndim)]:
                raise ShapeError("average: length of weights differs from that of the "
                                 "specified axis")
        if not bool(_all(_sum(w, axis=axis) != 0)) if w.shape == x.shape else \
                float(_sum(w)) == 0.0:
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        params["weights"] = w._data
    avg, scl = call("average", (x,), params)
    return (_done("average", avg, None), _done("average", scl, None)) if returned else \
        _done("average", avg, None)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    """Covariance matrix of the variables in the rows (``rowvar``) or columns of ``m``."""
    x = as_t(m)
    if x.ndim > 2:
        raise ShapeError(f"cov: m has more than 2 dimensions (shape {x.shape})")
    params = {"rowvar": bool(rowvar), "bias": bool(bias), "ddof": ddof,
              "fweights": _host(fweights), "aweights": _host(aweights),
              "dtype": None if dtype is None else D.as_dtype(dtype).numpy}
    if y is not None:
        params["y"] = as_t(y, x)._data
    return call("cov", (x,), params)


def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    """Pearson correlation coefficients of the variables in ``x`` (and ``y``)."""
    t = as_t(x)
    if t.ndim > 2:
        raise ShapeError(f"corrcoef: x has more than 2 dimensions (shape {t.shape})")
    params = {"rowvar": bool(rowvar), "dtype": None if dtype is None else
              D.as_dtype(dtype).numpy}
    if y is not None:
        params["y"] = as_t(y, t)._data
    return numpy_result(call("corrcoef", (t,), params))


def ptp(a, axis=None, out=None, keepdims=False):
    """Range of values (maximum minus minimum) along ``axis``."""
    x = as_t(a)
    hi, lo = _max(x, axis, keepdims=keepdims), _min(x, axis, keepdims=keepdims)
    if x._dtype is D.bool_:
        raise DTypeError("ptp: boolean inputs are not supported (no subtraction)")
    return _done("ptp", hi - lo, out, "same_kind")


# --- decompositions: how a device without these kernels runs them (DESIGN.md §2) ----------------

def _nan_fill(x, value):
    from ._elementwise import isnan, where
    if x._dtype.kind not in "fc":
        return x
    return where(isnan(x), value, x)


def _nansum_decomposition(x, axis=None, keepdims=False, dtype=None):
    return _sum(_nan_fill(x, 0), axis=axis, keepdims=keepdims, dtype=dtype)


def _nanprod_decomposition(x, axis=None, keepdims=False, dtype=None):
    from ._reduction import prod
    return prod(_nan_fill(x, 1), axis=axis, keepdims=keepdims, dtype=dtype)


def _nanmean_decomposition(x, axis=None, keepdims=False, dtype=None):
    from ._elementwise import isnan
    from ._reduction import mean
    if x._dtype.kind not in "fc":
        return mean(x, axis=axis, keepdims=keepdims, dtype=dtype)
    count = _sum(~isnan(x), axis=axis, keepdims=keepdims)
    total = _nansum_decomposition(x, axis, keepdims, dtype)
    return total / count.astype(total._dtype)


def _nanextreme(fn, fill):
    def decomposition(x, axis=None, keepdims=False):
        from ._elementwise import isnan, where
        if x._dtype.kind not in "fc":
            return fn(x, axis, keepdims=keepdims)
        out = fn(_nan_fill(x, fill), axis, keepdims=keepdims)
        return where(_all(isnan(x), axis=axis, keepdims=keepdims), float("nan"), out)
    return decomposition


# NaN-skipping extremes as decompositions (declared on their rows in _surface_ops)
_nanmax_decomposition = _nanextreme(_max, float("-inf"))
_nanmin_decomposition = _nanextreme(_min, float("inf"))
