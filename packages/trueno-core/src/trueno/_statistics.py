"""Statistics and numerical helpers of the NumPy surface.

NaN-aware reductions, ``median``, ``quantile``, ``average``, ``cov``, ``corrcoef``,
``histogram``, ``interp``, ``convolve``, ``isclose`` and ``around`` are ops with reference
kernels; ``diff``, ``ediff1d``, ``trapezoid``, ``ptp``, ``allclose`` and ``array_equal`` are
compositions of other ops.
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dtypes as D
from ._creation import asarray
from ._errors import DTypeError, ShapeError
from ._manipulation import broadcast_shapes, concat
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
        raise ValueError(f"attempt to get {name} of an empty sequence")
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


def _bins_param(bins):
    if isinstance(bins, str):
        return bins
    b = np.asarray(_host(bins))
    if b.ndim == 0:
        n = operator.index(b.item()) if b.dtype.kind in "iu" else None
        if n is None:
            raise TypeError("histogram: bins must be an integer, a string, or an array")
        if n < 1:
            raise ValueError("histogram: bins must be positive, when an integer")
        return n
    if b.ndim != 1:
        raise ShapeError("histogram: bins must be 1d, when an array")
    if b.size > 1 and (np.diff(b) < 0).any():
        raise ValueError("histogram: bins must increase monotonically, when an array")
    return b


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """Counts (or densities) of ``a`` in ``bins``, and the bin edges.

    Examples
    --------
    >>> import trueno as tn
    >>> counts, edges = tn.histogram(tn.asarray([0.0, 0.5, 1.0, 3.0]), bins=3)
    >>> counts.tolist()
    [2, 1, 1]
    """
    x = as_t(a)
    params = {"bins": _bins_param(bins), "range": range, "density": density}
    if weights is not None:
        w = as_t(weights, x)
        if w.shape != x.shape:
            raise ShapeError("histogram: weights should have the same shape as a")
        params["weights"] = w._data
    if range is not None and range[0] > range[1]:
        raise ValueError("histogram: max must be larger than min in range parameter")
    return call("histogram", (x,), params)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges ``histogram`` would use."""
    x = as_t(a)
    params = {"bins": _bins_param(bins), "range": range}
    if weights is not None:
        params["weights"] = as_t(weights, x)._data
    return call("histogram_bin_edges", (x,), params)


def _diff_once(x, ax):
    pre = (slice(None),) * ax
    hi, lo = x[pre + (slice(1, None),)], x[pre + (slice(None, -1),)]
    return hi != lo if x._dtype is D.bool_ else hi - lo


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis`` (``!=`` for booleans).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.diff(tn.asarray([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    """
    x = as_t(a)
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if n == 0:
        return x
    if x.ndim == 0:
        raise ShapeError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, x.ndim)
    parts = []
    for v, first in ((prepend, True), (append, False)):
        if v is None:
            continue
        t = as_t(v, x)
        if t.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            t = t.expand_to(tuple(shape))
        parts.append((first, t))
    if parts:
        seq = [t for f, t in parts if f] + [x] + [t for f, t in parts if not f]
        x = concat(seq, axis=ax)
    for _ in range(n):
        x = _diff_once(x, ax)
    return x


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with optional ends."""
    x = as_t(ary)._reshape((-1,))
    d = x[1:] - x[:-1]
    seq = []

    def end(v, which):
        t = as_t(v, x)._reshape((-1,))
        if not D.can_cast(t._dtype, x._dtype, "same_kind"):
            raise DTypeError(f"ediff1d: dtype of `{which}` ({t._dtype.name}) must be "
                             f"compatible with input `ary` ({x._dtype.name}) under the "
                             f"`same_kind` rule")
        return t.astype(x._dtype, copy=False)
    if to_begin is not None:
        seq.append(end(to_begin, "to_begin"))
    seq.append(d)
    if to_end is not None:
        seq.append(end(to_end, "to_end"))
    return concat(seq) if len(seq) > 1 else d


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (and equal infinities)."""
    ta = as_t(a)
    tb = as_t(b, ta)
    broadcast_shapes(ta.shape, tb.shape)
    return numpy_result(call("isclose", (ta, tb), {"rtol": rtol, "atol": atol,
                                                   "equal_nan": equal_nan}))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every pair of elements is close (see ``isclose``).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.allclose(tn.asarray([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    True
    """
    return bool(_all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False) -> bool:
    """True when the arrays have the same shape and elements."""
    x, y = as_t(a1), as_t(a2)
    if x.shape != y.shape:
        return False
    eq = x == y
    if equal_nan and x._dtype.kind in "fc" and y._dtype.kind in "fc":
        from ._elementwise import isnan
        eq = eq | (isnan(x) & isnan(y))
    return bool(_all(eq))


def array_equiv(a1, a2) -> bool:
    """True when the arrays broadcast to one shape and are equal there."""
    x, y = as_t(a1), as_t(a2)
    try:
        broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return False
    return bool(_all(x == y))


def around(a, decimals=0, out=None):
    """Round to ``decimals`` decimal places (half to even, as NumPy)."""
    x = as_t(a)
    res = call("around", (x,), {"decimals": operator.index(decimals)})
    return _done("around", res, out, "same_kind")


def round(x, /, decimals=0, out=None):  # noqa: A001
    """Round half to even; ``decimals`` is NumPy's extension of the Array API function.

    ``out`` is written (cast with casting='same_kind') and returned, as NumPy's ``out=``.
    """
    from ._elementwise import round as _round
    x = as_t(x)
    if decimals == 0 and x._dtype is not D.bool_:
        return _done("round", _round(x), out, "same_kind")
    return around(x, decimals, out)


def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional linear interpolation of ``(xp, fp)`` at ``x``."""
    tx = as_t(x)
    txp, tfp = as_t(xp, tx), as_t(fp, tx)
    if txp.ndim != 1 or tfp.ndim != 1:
        raise ShapeError("interp: xp and fp must be 1-D sequences")
    if txp.shape != tfp.shape:
        raise ShapeError(f"interp: fp and xp are not of the same length ({tfp.shape[0]} != "
                         f"{txp.shape[0]})")
    if txp.shape[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    if period is not None and period == 0:
        raise ValueError("interp: period must be a non-zero value")
    return numpy_result(call("interp", (tx, txp, tfp),
                             {"left": _host(left), "right": _host(right), "period": period}))


def _conv(name, a, v, mode):
    ta = as_t(a)
    tv = as_t(v, ta)
    if ta.ndim != 1 or tv.ndim != 1:
        raise ShapeError(f"{name}: inputs must be 1-D, got shapes {ta.shape} and {tv.shape}")
    if ta.numel() == 0 or tv.numel() == 0:
        raise ValueError(f"{name}: inputs cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")
    dt = D.result_type(ta, tv, face=ta.__class__._face)
    ta, tv = ta.astype(dt, copy=False), tv.astype(dt, copy=False)
    return call(name, (ta, tv), {"mode": mode})


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D arrays."""
    return _conv("convolve", a, v, mode)


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D arrays."""
    return _conv("correlate", a, v, mode)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule."""
    ty = as_t(y)
    ax = normalize_axis(axis, ty.ndim)
    if x is None:
        d = dx
    else:
        tx = as_t(x, ty)
        if tx.ndim == 1:
            d = diff(tx)
            shape = [1] * ty.ndim
            shape[ax] = d.shape[0]
            d = d._reshape(tuple(shape))
        else:
            d = diff(tx, axis=ax)
    pre = (slice(None),) * ax
    s1, s2 = ty[pre + (slice(1, None),)], ty[pre + (slice(None, -1),)]
    if ty._dtype is D.bool_:  # NumPy adds booleans with logical or
        return numpy_result(_sum(d * (s1 | s2) / 2.0, axis=ax))
    return numpy_result(_sum(d * (s1 + s2) / 2.0, axis=ax))


def gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, one-sided at the edges (NumPy's gradient)."""
    x = as_t(f)
    spacing = tuple(_host(v) for v in varargs)
    if edge_order not in (1, 2):
        raise ValueError("gradient: edge_order must be 1 or 2")
    axes = None if axis is None else (
        normalize_axis(axis, x.ndim) if isinstance(axis, (int, np.integer))
        else tuple(normalize_axis(a, x.ndim) for a in axis))
    out = call("gradient", (x,), {"spacing": spacing, "axis": axes, "edge_order": edge_order})
    return out[0] if len(out) == 1 else out


_ = asarray


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


def _isclose_decomposition(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    from ._elementwise import isnan
    from ._elementwise import abs as _abs
    if a._dtype.kind not in "fc":
        a = a.astype(D.float64)
    if b._dtype.kind not in "fc":
        b = b.astype(D.float64)
    out = (_abs(a - b) <= atol + rtol * _abs(b)) | (a == b)
    if equal_nan:
        out = out | (isnan(a) & isnan(b))
    return out


def _histogram_counts(x, edges, w):
    """Counts (or sums of ``w``) of the flat ``x`` in the bins of ``edges``: bin ``i`` holds
    ``edges[i] <= v < edges[i+1]``, the last bin is closed; values outside (and nan) count
    nowhere. Weighted sums are accumulated in float64 (complex128, int64) and cast to the
    weights' dtype, as NumPy's ``bincount(...).astype(weights.dtype)``."""
    from ._creation import arange
    from ._elementwise import where
    from ._setops import _searchsorted_decomposition
    nb = edges.shape[0] - 1
    pos = _searchsorted_decomposition(edges, x, "right") - 1
    pos = where(x == edges[-1], nb - 1, pos).astype(D.int64, copy=False)
    hits = pos._expand_dims(-1) == arange(nb, device=x._device, cls=x.__class__)
    if w is None:
        return _sum(hits, axis=0, dtype=D.int64)
    acc = {"c": D.complex128, "f": D.float64}.get(w._dtype.kind, D.int64)
    return _sum(where(hits, w._expand_dims(-1), 0), axis=0, dtype=acc).astype(w._dtype)


def _histogram_decomposition(a, bins=10, range=None, density=None,  # noqa: A002
                             weights=None):
    """The edges as ``histogram_bin_edges`` makes them (NumPy's: explicit edges as given,
    a count or a rule from the data's range), then counts by searchsorted on the edges.
    ``weights`` arrives as a device array of ``a``'s device (the public function passes
    its data)."""
    from ._decompositions_ext import histogram_bin_edges
    from ._dispatch import wrap
    w = None
    if weights is not None:
        w = weights if isinstance(weights, Tensor) else wrap(a.__class__, weights, a._device)
        w = w._reshape((-1,))
    edges = histogram_bin_edges(a, bins, range, w)
    counts = _histogram_counts(a._reshape((-1,)), edges, w)
    if density:  # NumPy: n / diff(edges).astype(float) / n.sum()
        widths = (edges[1:] - edges[:-1]).astype(D.float64)
        return counts / widths / _sum(counts), edges
    return counts, edges


# NaN-skipping extremes as decompositions (declared on their rows in _surface_ops)
_nanmax_decomposition = _nanextreme(_max, float("-inf"))
_nanmin_decomposition = _nanextreme(_min, float("inf"))
