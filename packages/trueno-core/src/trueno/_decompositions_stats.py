"""Decompositions of the selection and statistics rows of the NumPy surface (``topk``,
``partition``, ``median``, ``nanvar``, ``average``, ``isin``, ``around``, ``cov``, the
nan-scans and nan-arg-reductions) into primitives and other decomposed rows
(docs/design.md §2.1): sorts and argsorts, gathers (``take_along_axis`` is advanced
indexing), reductions, ``where`` and arithmetic. Each takes the row's tensor inputs, then
its parameters, as the row's kernels.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["topk", "partition", "argpartition", "nancumsum", "nancumprod", "around", "nanvar",
           "nanstd", "average", "isin", "median", "nanmedian", "nanargmax", "nanargmin", "cov",
           "corrcoef", "quantile", "nanquantile"]


def _tn():
    import trueno

    return trueno


# --- selection, scans and rounding (sort/argsort, cumsum/cumprod, round primitives) -------

def _along(axis, ndim, sl):
    return (slice(None),) * axis + (sl,) + (slice(None),) * (ndim - axis - 1)


def topk(x, k, axis=-1, largest=True, sorted=True):  # noqa: A002
    """The first ``k`` of a stable (descending when ``largest``) argsort, and their values."""
    tn = _tn()
    idx = tn.argsort(x, axis=axis, descending=largest, stable=True)
    idx = idx[_along(axis, x.ndim, slice(0, k))].copy()
    return tn.take_along_axis(x, idx, axis=axis), idx


def partition(x, kth, axis=-1):
    """A sorted copy: every element is in its sorted place, so each ``kth`` is too."""
    return _tn().sort(x, axis=axis)


def argpartition(x, kth, axis=-1):
    """A stable argsort (see ``partition``)."""
    return _tn().argsort(x, axis=axis, stable=True)


def _nanscan(scan, fill, x, axis, dtype):
    tn = _tn()
    if x._dtype.kind in "fc":
        x = tn.where(tn.isnan(x), fill, x)
    if x._dtype.name == "bfloat16":  # as the reference: float32, then the input's dtype
        return scan(x.astype(tn.float32), axis=axis).astype(dtype or tn.bfloat16)
    return scan(x, axis=axis, dtype=dtype)


def nancumsum(x, axis=None, dtype=None):
    """``cumsum`` with nan read as 0."""
    return _nanscan(_tn().cumsum, 0, x, axis, dtype)


def nancumprod(x, axis=None, dtype=None):
    """``cumprod`` with nan read as 1."""
    return _nanscan(_tn().cumprod, 1, x, axis, dtype)


def _round_float(x, decimals):
    """NumPy's ``round``: ``rint(x * 10^d) / 10^d`` (``rint(x / 10^-d) * 10^-d`` for d < 0),
    in ``x``'s own dtype."""
    tn = _tn()
    if decimals >= 0:
        f = 10.0 ** decimals
        return tn.round(x * f) / f
    f = 10.0 ** -decimals
    return tn.round(x / f) * f


def around(x, decimals=0):
    """Round half to even to ``decimals`` places: floats as NumPy's C loop, complex part by
    part, integers unchanged for ``decimals >= 0`` and to a multiple of ``10^-decimals``
    (ties to even) otherwise."""
    tn = _tn()
    # NumPy's result dtype (bool rounds in float16), or its TypeError where it has no loop
    rt = np.round(np.zeros(0, x._dtype.numpy), decimals).dtype
    if rt != x._dtype.numpy:
        x = x.astype(rt)
    kind = x._dtype.kind
    if kind == "c":
        return _round_float(tn.real(x), decimals) + _round_float(tn.imag(x), decimals) * 1j
    if kind == "f":
        return _round_float(x, decimals)
    if decimals >= 0:
        return x.copy()
    q = 10 ** -decimals
    r = tn.remainder(x, q)
    base = x - r
    up = (r * 2 > q) | ((r * 2 == q) & (tn.remainder(tn.floor_divide(base, q), 2) != 0))
    return tn.where(up, base + q, base).astype(x._dtype)


# --- statistics (reductions, where and arithmetic) ------------------------------------------

def _tsum(x, axis, keepdims):
    """``sum`` as a tensor (the NumPy face gives a scalar for a 0-d result)."""
    tn = _tn()
    r = tn.sum(x, axis=axis, keepdims=keepdims)
    return r if isinstance(r, tn.Tensor) else tn.asarray(r, device=x._device)


def _nanvar(x, axis, keepdims, ddof):
    tn = _tn()
    dt = x._dtype
    wide = dt.name in ("float16", "bfloat16")
    xc = x.astype(tn.float32) if wide else x
    nan = tn.isnan(xc)
    cnt = _tsum(~nan, axis, True)
    xz = tn.where(nan, 0, xc)
    d = tn.where(nan, 0, xc - _tsum(xz, axis, True) / cnt)
    sq = tn.real(d * tn.conj(d)) if dt.kind == "c" else d * d
    from ._decompositions import binary, where

    dof = binary("subtract", _tsum(~nan, axis, keepdims), ddof)  # tensors, also when 0-d
    bad = binary("less_equal", dof, 0)
    v = where(bad, float("nan"), binary("divide", _tsum(sq, axis, keepdims), where(bad, 1, dof)))
    rt = {"complex64": tn.float32, "complex128": tn.float64}.get(dt.name, dt)
    return v, rt


def nanvar(x, axis=None, keepdims=False, ddof=0):
    """The variance of the non-NaN values (NaN where fewer than ``ddof + 1``)."""
    tn = _tn()
    if x._dtype.kind not in "fc":
        return tn.var(x, axis=axis, keepdims=keepdims, ddof=ddof)
    v, rt = _nanvar(x, axis, keepdims, ddof)
    return v.astype(rt, copy=False)


def nanstd(x, axis=None, keepdims=False, ddof=0):
    """``sqrt(nanvar)``."""
    tn = _tn()
    if x._dtype.kind not in "fc":
        return tn.std(x, axis=axis, keepdims=keepdims, ddof=ddof)
    from ._decompositions import unary

    v, rt = _nanvar(x, axis, keepdims, ddof)
    return unary("sqrt", v).astype(rt, copy=False)


def average(x, axis=None, keepdims=False, weights=None):
    """NumPy's ``average(..., returned=True)``: ``(sum(x w) / sum(w), sum(w))``, or the mean
    and the count; dtypes from NumPy's rule (a size-1 probe on the host)."""
    from ._dispatch import wrap
    from ._creation import full

    tn = _tn()
    w = None if weights is None else wrap(x.__class__, weights, x._device)
    probe = np.ones((1,) * x.ndim, x._dtype.numpy)
    pw = None if w is None else np.ones((1,) * w.ndim, w._dtype.numpy)
    with np.errstate(all="ignore"):
        pa, ps = np.average(probe, axis=axis, weights=pw, returned=True, keepdims=keepdims)
    at, st = (tn.asarray(np.asarray(p)).dtype for p in (pa, ps))
    if w is None:
        avg = tn.mean(x, axis=axis, keepdims=keepdims)
        avg = avg if isinstance(avg, tn.Tensor) else tn.asarray(avg, device=x._device)
        n = x.numel() // max(avg.numel(), 1)
        scl = full(avg.shape, n, dtype=st, device=x._device, cls=x.__class__)
        return avg.astype(at, copy=False), scl
    if w.shape != x.shape:  # 1-D weights along ``axis``
        ax = axis[0] if isinstance(axis, tuple) else axis
        w = w._reshape(tuple(n if d == ax % x.ndim else 1 for d, n in enumerate(x.shape)))
    w = tn.broadcast_to(w.astype(at), x.shape)
    scl = tn.sum(w, axis=axis, keepdims=keepdims)
    avg = tn.sum(x.astype(at) * w, axis=axis, keepdims=keepdims) / scl
    return tn.asarray(avg).astype(at, copy=False), tn.asarray(scl).astype(st, copy=False)


def isin(element, test_elements, invert=False, assume_unique=False, kind=None):
    """Whether each element equals any test element, as NumPy's ``kind="sort"``: the test
    elements sorted (NaN last), each element's insertion point from ``searchsorted``, the value
    there compared with it (NaN is never found: NaN != NaN). O(n log m); complex values, which
    ``sort`` does not order, compare every pair (O(n m) memory)."""
    from ._decompositions import binary, unary
    from ._dtypes import promote

    tn = _tn()
    t = test_elements._reshape((-1,))
    n = t.shape[0]
    dt = promote(element._dtype, t._dtype, element.__class__._face)
    if n == 0 or dt.kind == "c":
        hit = binary("equal", element._expand_dims(-1), t)
        found = _tsum(hit, -1, False) if n else tn.zeros(element.shape, dtype=tn.int64,
                                                          device=element._device)
        out = binary("less", 0, found)
    else:
        e, s = element.astype(dt, copy=False), tn.sort(t.astype(dt, copy=False))
        pos = binary("minimum", tn.searchsorted(s, e._reshape((-1,))), n - 1)
        out = binary("equal", tn.take(s, pos)._reshape(element.shape), e)
    return unary("bitwise_invert", out) if invert else out


# --- medians (sort along one axis, then pick) -----------------------------------------------

def _to_last(x, axis):
    """``x`` with the reduced axes moved to the end and merged into one, and the result shape
    with ``keepdims``."""
    if x.ndim == 0:
        return x._reshape((1,)), ()
    axes = tuple(range(x.ndim)) if axis is None else tuple(sorted(
        a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,))))
    keep = tuple(d for d in range(x.ndim) if d not in axes)
    y = x.permute_dims(keep + axes)
    y = y._reshape(tuple(x.shape[d] for d in keep) + (math.prod(x.shape[a] for a in axes),))
    return y, tuple(1 if d in axes else n for d, n in enumerate(x.shape))


def _sorted_last(y):
    """``y`` sorted along its last axis; complex lexicographically (two stable argsorts)."""
    tn = _tn()
    if y._dtype.kind != "c":
        return tn.sort(y, axis=-1)
    i1 = tn.argsort(tn.imag(y), axis=-1, stable=True)
    y1 = tn.take_along_axis(y, i1, axis=-1)
    return tn.take_along_axis(y1, tn.argsort(tn.real(y1), axis=-1, stable=True), axis=-1)


def _mean_last(s):
    from ._reduction import _reduce

    return _reduce("mean", s, (s.ndim - 1,), False)


def _finish_median(med, x, kept, keepdims):
    out = med._reshape(kept) if keepdims else med
    return out


def median(x, axis=None, keepdims=False):
    """The mean of the middle one or two sorted values; NaN where a slice has a NaN."""
    from ._decompositions import unary, where
    from ._reduction import _reduce

    y, kept = _to_last(x, axis)
    m = y.shape[-1]
    s = _sorted_last(y)
    med = _mean_last(s[..., (m - 1) // 2:m // 2 + 1] if m else s)
    if y._dtype.kind in "fc" and m:
        med = where(_reduce("any", unary("isnan", y), (y.ndim - 1,), False), math.nan, med)
        med = med.astype(_mean_last(s[..., :1])._dtype, copy=False)
    return _finish_median(med, x, kept, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """The median of the non-NaN values of each slice (NaN where all are NaN)."""
    from ._decompositions import binary, unary, where

    if x._dtype.kind not in "fc":
        return median(x, axis, keepdims)
    tn = _tn()
    y, kept = _to_last(x, axis)
    m = y.shape[-1]
    if m == 0:
        return median(x, axis, keepdims)
    wide = y._dtype.name == "bfloat16"  # the reference reads bfloat16 NaNs in float32
    y = y.astype(tn.float32) if wide else y
    s = _sorted_last(y)
    c = _tsum(unary("bitwise_invert", unary("isnan", y)), -1, True)
    lo = binary("maximum", binary("floor_divide", binary("subtract", c, 1), 2), 0)
    hi = binary("minimum", binary("floor_divide", c, 2), m - 1)
    pair = tn.concat([tn.take_along_axis(s, lo, axis=-1), tn.take_along_axis(s, hi, axis=-1)],
                     axis=-1)
    med = where(binary("equal", c[..., 0], 0), math.nan, _mean_last(pair))
    med = med.astype(x._dtype, copy=False)
    return _finish_median(med, x, kept, keepdims)


# --- nanargmax / nanargmin -----------------------------------------------------------------

def _nanarg(x, axis, keepdims, largest):
    """NumPy's rule: NaN read as -inf (+inf for the minimum), then argmax (argmin); complex
    in lexicographic order: the first extreme imaginary part among the extreme real parts.
    (All-NaN slices were refused by the caller, which reads them on the host.)"""
    from ._decompositions import binary, reduce, unary, where

    tn = _tn()
    if axis is None:
        x, axis = x._reshape((-1,)), 0
    ext = -math.inf if largest else math.inf
    arg, red = ("argmax", "max") if largest else ("argmin", "min")
    if x._dtype.kind == "f":
        x = where(unary("isnan", x), ext, x)
    if x._dtype.kind != "c":
        return reduce(arg, x, axis, keepdims)
    nan = unary("isnan", x)
    re = where(nan, ext, unary("real", x))
    im = where(nan, 0.0, unary("imag", x))
    top = binary("equal", re, reduce(red, re, axis, True))
    return reduce(arg, where(top, im, ext), axis, keepdims).astype(tn.int64, copy=False)


def nanargmax(x, axis=None, keepdims=False):
    """Index of the largest non-NaN value."""
    return _nanarg(x, axis, keepdims, True)


def nanargmin(x, axis=None, keepdims=False):
    """Index of the smallest non-NaN value."""
    return _nanarg(x, axis, keepdims, False)


# --- cov / corrcoef (NumPy's algorithm: centre, one matmul, scale) -------------------------

def _check_weights(n, bias, ddof, fweights, aweights):
    """NumPy's checks of ``cov``'s host weights, with its errors (integer, non-negative, 1-D
    ``fweights``; non-negative, 1-D ``aweights``; ``n`` of each): its ``cov`` of zeros."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.cov(np.zeros((1, n)), bias=bias, ddof=ddof, fweights=fweights, aweights=aweights)


def _cov_matrix(m, y, rowvar, bias, ddof, fweights, aweights, dtype):
    from ._dispatch import wrap
    from ._dtypes import as_dtype

    tn = _tn()
    if dtype is None:
        ds = [m._dtype.numpy, np.float64] + ([] if y is None else [y.dtype])
        dtype = np.result_type(*ds)
    dt = as_dtype(dtype)
    xs = m.astype(dt, copy=False)
    xs = xs._reshape((1, -1)) if xs.ndim < 2 else xs
    if not rowvar and xs.shape[0] != 1:
        xs = xs.T
    if y is not None:
        yt = wrap(m.__class__, y, m._device).astype(dt, copy=False)
        yt = yt._reshape((1, -1)) if yt.ndim < 2 else yt
        if not rowvar and yt.shape[0] != 1:
            yt = yt.T
        xs = tn.concat([xs, yt], axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    n = xs.shape[1]
    w = None
    if fweights is not None or aweights is not None:
        _check_weights(n, bias, ddof, fweights, aweights)
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
    if aweights is not None:
        a = np.asarray(aweights, dtype=float)
        w = a if w is None else w * a
    if w is None:
        avg = tn.mean(xs, axis=1)
        fact = n - ddof
        centred = xs - avg[:, None]
        right = centred.T
    else:
        wt = tn.asarray(w, device=m._device).astype(dt if dt.kind in "fc" else tn.float64)
        w_sum = float(w.sum())
        avg = tn.sum(xs * wt, axis=1) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * float((w * np.asarray(aweights, dtype=float)).sum()) / w_sum
        centred = xs - avg[:, None]
        right = (centred * wt).T
    fact = max(fact, 0.0)
    c = tn.matmul(centred, tn.conj(right) if right.dtype.kind == "c" else right)
    c = c * (1.0 / fact) if fact else c / fact
    return tn.asarray(tn.squeeze(tn.asarray(c)))


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    """NumPy's ``cov``: rows (``rowvar``) are variables; weights and ``ddof`` as NumPy."""
    return _cov_matrix(m, y, rowvar, bias, ddof, fweights, aweights, dtype)


def corrcoef(x, y=None, rowvar=True, dtype=None):
    """``cov / (std_i std_j)``, clipped to [-1, 1] (real and imaginary parts)."""
    tn = _tn()
    c = _cov_matrix(x, y, rowvar, False, None, None, None, dtype)
    if c.ndim != 2:
        return c / c
    d = tn.sqrt(tn.real(tn.diagonal(c)))
    c = c / d[:, None] / d[None, :]
    if c.dtype.kind == "c":
        return tn.clip(tn.real(c), -1, 1) + tn.clip(tn.imag(c), -1, 1) * 1j
    return tn.clip(c, -1, 1)


# --- quantile / nanquantile (sort, gather, NumPy's lerp) ------------------------------------

def _positions(fn, count, q, method):
    """For a slice of ``count`` sorted values: the lower index, the upper index and the
    weight of the upper one that NumPy's ``method`` uses, per ``q`` (NumPy itself, on
    ``arange(count)``: the host knows them from the shape alone). "averaged_inverted_cdf"
    lerps from the previous element with weight 1 at whole positions (0.5 between), which
    an infinite neighbour tells apart from the whole position a probe gives: NumPy's own
    formula (``count q - 1``, both ends clamped)."""
    if method == "averaged_inverted_cdf":
        qf = np.asarray(q, np.float64) / (100.0 if fn in (np.percentile, np.nanpercentile)
                                          else 1.0)
        v = count * qf - 1
        prev = np.floor(v)
        gamma = np.where(v - prev == 0, 0.5, 1.0)
        prev = np.clip(prev, 0, count - 1).astype(np.int64)
        nxt = np.minimum(prev + 1, count - 1)
        nxt = np.where(v < 0, 0, np.where(v >= count - 1, count - 1, nxt))
        return prev, nxt, gamma
    r = np.asarray(fn(np.arange(count, dtype=np.float64), q, method=method), dtype=np.float64)
    prev = np.floor(r)
    return prev.astype(np.int64), np.minimum(prev + 1, count - 1).astype(np.int64), r - prev


_DISCRETE = ("inverted_cdf", "closest_observation", "lower", "higher", "nearest")
# NumPy's (alpha, beta) of the continuous methods (``n q + alpha + q (1 - alpha - beta) - 1``)
# and averaged_inverted_cdf (``n q - 1``, weight 1 past a whole position, 0.5 at it)
_ALPHA_BETA = {"interpolated_inverted_cdf": (0.0, 1.0), "hazen": (0.5, 0.5),
               "weibull": (0.0, 0.0), "median_unbiased": (1 / 3.0, 1 / 3.0),
               "normal_unbiased": (3 / 8.0, 3 / 8.0), "averaged_inverted_cdf": None}


def _device_positions(tn, c, q, method):
    """NumPy's lower index, upper index and weight from the per-slice counts ``c`` (a tensor,
    (..., 1)) on the device, in float64 as NumPy computes them: no host table per possible
    count. Positions past either end take the end element (NumPy's ``_get_indexes``)."""
    cf = c.astype(tn.float64)
    qd = tn.asarray(q, device=c._device)
    if method in ("inverted_cdf", "closest_observation"):  # NumPy's discrete boundaries
        v = cf * qd - 1 if method == "inverted_cdf" else cf * qd - 1 - 0.5
        lo = tn.floor(v)
        keep = v == lo
        if method == "closest_observation":  # the nearest even order statistic at g = 0
            keep = keep & (tn.remainder(lo, 2) == 1)
        idx = tn.maximum(tn.where(keep, lo, lo + 1), 0.0).astype(tn.int64)
        return idx, idx, tn.zeros_like(v)
    if method in _ALPHA_BETA:
        ab = _ALPHA_BETA[method]
        v = cf * qd - 1 if ab is None else \
            cf * qd + tn.asarray(ab[0] + q * (1 - ab[0] - ab[1]), device=c._device) - 1
        lo = tn.floor(v)
        g = v - lo if ab is not None else tn.where(v == lo, 0.5, 1.0)
        last = tn.maximum(cf - 1, 0.0)
        prev = tn.where(v < 0, 0.0, tn.where(v >= cf - 1, last, lo))
        nxt = tn.where(v < 0, 0.0, tn.where(v >= cf - 1, last, lo + 1))
        return prev.astype(tn.int64), nxt.astype(tn.int64), g
    v = (cf - 1) * qd
    lo = tn.floor(v)
    p = {"higher": tn.ceil, "nearest": tn.round}.get(method, lambda _: lo)(v)
    if method == "linear":
        g = v - lo
    elif method == "midpoint":
        g = tn.where(v > lo, 0.5, 0.0)
    else:
        g = tn.zeros_like(v)
    prev = tn.maximum(p, 0).astype(tn.int64)
    return prev, tn.minimum(prev + 1, tn.maximum(c - 1, 0)), g


def _lerp(tn, a, b, t):
    """NumPy's ``_lerp``: ``a + (b - a) t``, from ``b``'s side where ``t >= 0.5``."""
    d = b - a
    return tn.where(t >= 0.5, b - d * (1 - t), a + d * t)


def _quantile(x, q, axis, method, keepdims, weights, percent, skip_nan):
    from ._dispatch import wrap

    tn = _tn()
    fn = (np.nanpercentile if skip_nan else np.percentile) if percent else \
        (np.nanquantile if skip_nan else np.quantile)
    qa = np.asarray(q, dtype=np.float64)
    with np.errstate(all="ignore"):
        rt = np.asarray(fn(np.zeros(1, x._dtype.numpy), q, method=method)).dtype  # NEP 50
    y, kept = _to_last(x, axis)
    m = y.shape[-1]
    from ._dtypes import BY_NUMPY

    ct = BY_NUMPY[rt] if rt.kind == "f" else tn.float64  # NumPy's lerp runs in the result dtype
    if weights is not None:  # inverted_cdf: the first sorted value whose weight sum >= q W
        if isinstance(weights, (np.ndarray, list, tuple)):  # host weights: NumPy's checks
            weights = np.asarray(weights)  # (method, shape, sign, NaN, all zero; NumPy 2.4's
            with np.errstate(all="ignore"):  # nanquantile IndexError) on zeros, then upload
                fn(np.zeros(x.shape, np.float32), q, axis=axis, method=method,
                   weights=weights)
            weights = tn.asarray(weights, device=x._device)._data
        elif method != "inverted_cdf":  # NumPy's ValueError (its only weighted method)
            fn(np.zeros(1), q, method=method, weights=np.ones(1))
        w = wrap(x.__class__, weights, x._device)
        w = tn.broadcast_to(w, x.shape) if w.shape == x.shape or w.ndim != 1 else \
            tn.broadcast_to(w._reshape(tuple(n if d == (axis if isinstance(axis, int) else
                                                        axis[0]) % x.ndim else 1
                                             for d, n in enumerate(x.shape))), x.shape)
        wy, _ = _to_last(w.astype(tn.float64), axis)
        nan = tn.isnan(y) if y._dtype.kind == "f" else None
        if nan is not None and skip_nan:  # NumPy drops NaN with their weights
            wy = tn.where(nan, 0.0, wy)
        order = tn.argsort(y, axis=-1, stable=True)
        cw = tn.cumsum(tn.take_along_axis(wy, order, axis=-1), axis=-1)
        frac = qa.ravel() / 100.0 if percent else qa.ravel()
        # NumPy: the normalised cdf, its zeros (leading zero weights) read as -1, and the
        # count of entries below q (searchsorted, side="left")
        cdf = (cw / cw[..., -1:])[..., None, :]
        target = tn.asarray(frac, device=x._device)[:, None]
        idx = tn.sum((cdf < target) | (cdf == 0), axis=-1)
        idx = tn.minimum(idx, m - 1)
        res = tn.take_along_axis(tn.sort(y, axis=-1), idx, axis=-1).astype(ct)
        if nan is not None and not skip_nan:  # a slice holding NaN gives NaN
            res = tn.where(tn.any(nan, axis=-1, keepdims=True), float("nan"), res)
    else:
        s = tn.sort(y, axis=-1).astype(ct)
        # NumPy takes the element itself (no lerp, so an infinity stays) for the discrete
        # methods and for "linear" with integer q (integer positions; percentiles divide q)
        pick = method in _DISCRETE or (method == "linear" and not percent
                                       and np.asarray(q).dtype.kind in "iub")
        if skip_nan and y._dtype.kind not in "fc":  # no NaN: the plain quantile
            skip_nan = False
        if not skip_nan:
            prev, nxt, gamma = _positions(fn, m, qa.ravel(), method)
            pi = tn.asarray(prev, device=x._device)
            ni = tn.asarray(nxt, device=x._device)
            g = tn.asarray(gamma, device=x._device).astype(ct)
            a = tn.take(s, pi, axis=-1)
            res = a if pick else _lerp(tn, a, tn.take(s, ni, axis=-1), g)
            if ct.kind == "f":
                bad = tn.any(tn.isnan(y), axis=-1, keepdims=True)
                res = tn.where(bad, float("nan"), res)
        else:
            c = tn.asarray(tn.sum(~tn.isnan(y), axis=-1, keepdims=True))
            prev, nxt, g = _device_positions(tn, c, qa.ravel() / 100.0 if percent else
                                             qa.ravel(), method)
            g = g.astype(ct)
            a = tn.take_along_axis(s, prev, axis=-1)
            res = a if pick else _lerp(tn, a, tn.take_along_axis(s, nxt, axis=-1), g)
            res = tn.where(c == 0, float("nan"), res)
    res = tn.asarray(res)
    lead = tuple(range(res.ndim - 1))
    res = res.permute_dims((res.ndim - 1,) + lead)  # NumPy: the q axes first
    batch = kept if keepdims else y.shape[:-1]
    return res._reshape(qa.shape + tuple(batch)).astype(rt, copy=False)


def quantile(x, q, axis=None, method="linear", keepdims=False, weights=None, percent=False):
    """NumPy's ``quantile``/``percentile``: a sort and, per ``q``, NumPy's two neighbours and
    weight (from the shape alone, on the host); weighted: inverted_cdf from cumulative
    weights in sorted order. NaN where a slice has a NaN."""
    return _quantile(x, q, axis, method, keepdims, weights, percent, False)


def nanquantile(x, q, axis=None, method="linear", keepdims=False, weights=None,
                percent=False):
    """``quantile`` of the non-NaN values: the neighbours for each slice's count, from a
    host table indexed on the device."""
    return _quantile(x, q, axis, method, keepdims, weights, percent, True)
