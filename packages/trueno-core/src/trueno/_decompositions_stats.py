"""Decompositions of the selection and statistics rows of the NumPy surface (``topk``,
``partition``, ``median``, ``nanvar``, ``average``, ``isin``, ``around``, the nan-scans and
nan-arg-reductions) into primitives and other decomposed rows (docs/design.md §2.1): sorts
and argsorts, gathers (``take_along_axis`` is advanced indexing), reductions, ``where`` and
arithmetic. Each takes the row's tensor inputs, then its parameters, as the row's kernels.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["topk", "partition", "argpartition", "nancumsum", "nancumprod", "around", "nanvar",
           "nanstd", "average", "isin", "median", "nanmedian", "nanargmax", "nanargmin",
           "convolve", "correlate", "cov", "corrcoef", "gradient", "interp", "pad"]


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
    """Whether each element equals any test element: ``any(element[..., None] == t)`` over
    the flattened test elements (O(element.size * t.size) memory, as ``searchsorted``'s)."""
    from ._decompositions import binary, unary

    tn = _tn()
    t = test_elements._reshape((-1,))
    hit = binary("equal", element._expand_dims(-1), t)
    found = _tsum(hit, -1, False) if t.shape[0] else tn.zeros(element.shape, dtype=tn.int64,
                                                                 device=element._device)
    out = binary("less", 0, found)
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


# --- convolve / correlate (1-D) ------------------------------------------------------------

def convolve(a, v, mode="full"):
    """``sum_j a[k - j] v[j]``: one shifted, zero-padded product per element of the shorter
    input, summed; then NumPy's 'same' (centred, the longer length) or 'valid' slice."""
    tn = _tn()
    if v.shape[0] > a.shape[0]:
        a, v = v, a
    n, m = a.shape[0], v.shape[0]
    out = None
    for j in range(m):
        parts = [tn.zeros((j,), dtype=a.dtype, device=a.device), a * v[j],
                 tn.zeros((m - 1 - j,), dtype=a.dtype, device=a.device)]
        piece = tn.concat([p for p in parts if p.shape[0]] or parts[1:2])
        out = piece if out is None else out + piece
    out = tn.asarray(out)
    if mode == "same":
        start = (m - 1) // 2
        return out[start:start + n].copy()
    if mode == "valid":
        return out[m - 1:n].copy()
    return out


def correlate(a, v, mode="full"):
    """``sum_n a[n + k] conj(v[n])``: ``convolve(a, conj(v)[::-1])``, NumPy's offsets (for a
    shorter ``a``, the swapped correlation reversed and conjugated, as NumPy computes it)."""
    tn = _tn()
    if v.shape[0] > a.shape[0]:
        r = correlate(v, a, mode)[::-1]
        return tn.conj(r) if r.dtype.kind == "c" else r.copy()
    w = tn.conj(v)[::-1] if v.dtype.kind == "c" else v[::-1]
    return convolve(a, w, mode)


# --- cov / corrcoef (NumPy's algorithm: centre, one matmul, scale) -------------------------

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
    w = None
    if fweights is not None:
        w = np.asarray(fweights, dtype=float)
    if aweights is not None:
        a = np.asarray(aweights, dtype=float)
        w = a if w is None else w * a
    n = xs.shape[1]
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


# --- gradient (NumPy's finite differences, from slices and arithmetic) ---------------------

def _gradient_axis(tn, f, axis, dx, edge_order):
    nd = f.ndim

    def sl(a, b=None):
        return f[_along(axis, nd, slice(a, b))]

    def coef(v):  # a host coefficient array along ``axis`` (non-uniform spacing)
        if np.ndim(v) == 0:
            return float(v)
        shape = [1] * nd
        shape[axis] = -1
        return tn.asarray(np.asarray(v, dtype=np.float64).reshape(shape),
                          device=f._device).astype(f.dtype)

    uniform = np.ndim(dx) == 0
    if f.shape[axis] < edge_order + 1:
        raise ValueError("Shape of array too small to calculate a numerical gradient, at "
                         "least (edge_order + 1) elements are required.")
    if uniform:
        inner = (sl(2) - sl(None, -2)) / (2.0 * dx)
    else:
        dx1, dx2 = dx[:-1], dx[1:]
        inner = (coef(-dx2 / (dx1 * (dx1 + dx2))) * sl(None, -2)
                 + coef((dx2 - dx1) / (dx1 * dx2)) * sl(1, -1)
                 + coef(dx1 / (dx2 * (dx1 + dx2))) * sl(2))
    if edge_order == 1:
        d0, dn = (dx, dx) if uniform else (float(dx[0]), float(dx[-1]))
        first = (sl(1, 2) - sl(0, 1)) / d0
        last = (sl(-1) - sl(-2, -1)) / dn
    elif uniform:
        first = sl(0, 1) * (-1.5 / dx) + sl(1, 2) * (2.0 / dx) + sl(2, 3) * (-0.5 / dx)
        last = sl(-3, -2) * (0.5 / dx) + sl(-2, -1) * (-2.0 / dx) + sl(-1) * (1.5 / dx)
    else:
        a1, a2 = float(dx[0]), float(dx[1])
        first = (sl(0, 1) * (-(2.0 * a1 + a2) / (a1 * (a1 + a2)))
                 + sl(1, 2) * ((a1 + a2) / (a1 * a2)) + sl(2, 3) * (-a1 / (a2 * (a1 + a2))))
        b1, b2 = float(dx[-2]), float(dx[-1])
        last = (sl(-3, -2) * (b2 / (b1 * (b1 + b2))) + sl(-2, -1) * (-(b2 + b1) / (b1 * b2))
                + sl(-1) * ((2.0 * b2 + b1) / (b2 * (b1 + b2))))
    return tn.concat([tn.asarray(p) for p in (first, inner, last)], axis=axis)


def gradient(f, spacing=(), axis=None, edge_order=1):
    """NumPy's ``gradient``: central differences inside (uniform or coordinate spacing),
    first- or second-order one-sided differences at the edges; a tuple, one per axis."""
    tn = _tn()
    nd = f.ndim
    axes = tuple(range(nd)) if axis is None else ((axis,) if np.ndim(axis) == 0 else axis)
    if not spacing:
        dxs = [1.0] * len(axes)
    elif len(spacing) == 1 and np.ndim(spacing[0]) == 0:
        dxs = [spacing[0]] * len(axes)
    elif len(spacing) == len(axes):
        dxs = []
        for d in spacing:
            if np.ndim(d) == 0:
                dxs.append(d)
                continue
            diffx = np.diff(np.asarray(d, dtype=np.float64))
            dxs.append(diffx[0] if (diffx == diffx[0]).all() else diffx)
    else:
        raise TypeError("invalid number of arguments")
    if f._dtype.kind in "iub":
        f = f.astype(tn.float64)
    return tuple(_gradient_axis(tn, f, ax, dx, edge_order) for ax, dx in zip(axes, dxs))


# --- interp (searchsorted, gathers and arithmetic, as NumPy's C loop) -----------------------

def _at(v, i):
    """Element ``i`` of a 1-D tensor as a 0-d tensor (indexing gives a NumPy scalar)."""
    return v[i:i + 1]._reshape(())


def _interp_real(tn, x, xp, fp, left, right):
    n = xp.shape[0]
    x_first, x_last, f_first, f_last = _at(xp, 0), _at(xp, n - 1), _at(fp, 0), _at(fp, n - 1)
    left = f_first if left is None else left
    right = f_last if right is None else right
    if n == 1:  # NumPy's C loop: comparisons only (a nan x gives fp[0])
        return tn.where(x < x_first, left, tn.where(x > x_first, right, f_first))
    j = tn.clip(tn.searchsorted(xp, x, side="right") - 1, 0, n - 2)
    x0, x1, y0, y1 = tn.take(xp, j), tn.take(xp, j + 1), tn.take(fp, j), tn.take(fp, j + 1)
    slope = (y1 - y0) / (x1 - x0)
    res = slope * (x - x0) + y0
    again = slope * (x - x1) + y1  # NumPy: a nan one way is tried the other way
    res = tn.where(tn.isnan(res), again, res)
    res = tn.where(tn.isnan(res) & (y0 == y1), y0, res)
    res = tn.where(x == x_last, f_last, res)
    res = tn.where(x < x_first, left, tn.where(x > x_last, right, res))
    return tn.where(tn.isnan(x), float("nan"), res)


def interp(x, xp, fp, left=None, right=None, period=None):
    """NumPy's ``interp``: the segment of each ``x`` by ``searchsorted`` on ``xp``, linear in
    it; ``left``/``right`` outside (default: the end values); ``period`` wraps ``x`` and
    ``xp`` (sorted, extended by one period each way); complex ``fp`` part by part."""
    tn = _tn()
    cx = tn.float64
    shape = x.shape
    x, xp = x.astype(cx)._reshape((-1,)), xp.astype(cx)  # 1-D: 0-d results are scalars
    fp = fp.astype(tn.complex128 if fp.dtype.kind == "c" else cx)
    if period is not None:
        period = abs(period)
        left = right = None
        x, xp = tn.remainder(x, period), tn.remainder(xp, period)
        order = tn.argsort(xp)
        xp, fp = tn.take(xp, order), tn.take(fp, order)
        xp = tn.concat([xp[-1:] - period, xp, xp[:1] + period])
        fp = tn.concat([fp[-1:], fp, fp[:1]])
    if fp.dtype.kind == "c":
        part = (lambda b: None if b is None else complex(b).real,
                lambda b: None if b is None else complex(b).imag)
        re = _interp_real(tn, x, xp, tn.real(fp), part[0](left), part[0](right))
        im = _interp_real(tn, x, xp, tn.imag(fp), part[1](left), part[1](right))
        return (re + im * 1j)._reshape(shape)
    return _interp_real(tn, x, xp, fp, left, right)._reshape(shape)


# --- pad (axis by axis, as NumPy: blocks, reductions, or gathers with host-made weights) ---

def _pairs(v, nd):
    return np.broadcast_to(np.asarray(v, dtype=object), (nd, 2))


def _round_to(t, dtype):
    """NumPy's ``_round_if_needed``: integer results are rounded half to even."""
    tn = _tn()
    if dtype.kind in "iub":
        t = tn.round(t)
    return t.astype(dtype, copy=False)


def _pad_linear(tn, x, axis, before, after, mode, kw):
    """A mode whose padded values are linear in ``x`` (edge, wrap, reflect, symmetric, odd
    reflections): NumPy pads the identity on the host, which gives per output position a few
    (index, weight) pairs; the device gathers and sums them."""
    n = x.shape[axis]
    eye = np.pad(np.eye(n), ((before, after), (0, 0)), mode=mode, **kw)
    const = np.pad(np.zeros(n), (before, after), mode=mode, **kw)
    weights = eye - const[:, None]
    terms = []
    for k in range(int((weights != 0).sum(axis=1).max(initial=0))):
        idx = np.zeros(weights.shape[0], dtype=np.int64)
        w = np.zeros(weights.shape[0])
        for r, row in enumerate(weights):
            nz = np.flatnonzero(row)
            if k < len(nz):
                idx[r], w[r] = nz[k], row[nz[k]]
        if w.any():
            terms.append((idx, w))
    dt = x.dtype if x.dtype.kind in "fc" else tn.float64
    shape = [1] * x.ndim
    shape[axis] = -1
    out = None
    for idx, w in terms:
        g = tn.take(x, tn.asarray(idx, device=x._device), axis=axis).astype(dt, copy=False)
        if np.all((w == 1) | (w == 0)) and len(terms) == 1 and not const.any():
            term = g
        else:
            wt = tn.asarray(w.reshape(shape), device=x._device).astype(dt)
            term = tn.where(wt != 0, g * wt, 0)
        out = term if out is None else out + term
    if out is None:
        out = tn.zeros(x.shape[:axis] + (len(const),) + x.shape[axis + 1:], dtype=dt,
                       device=x._device)
    if const.any():
        out = out + tn.asarray(const.reshape(shape), device=x._device).astype(dt)
    return _round_to(out, x.dtype) if out.dtype != x.dtype else out


def _pad_ramp(tn, x, axis, before, after, end_values):
    """linear_ramp as NumPy's ``linspace(end, edge, width, endpoint=False)`` (the after side
    reversed): ``i * ((edge - end) / width) + end``, floored for integers."""
    n = x.shape[axis]
    dt = x.dtype if x.dtype.kind in "fc" else tn.float64
    parts = []
    for width, edge_sl, end, rev in ((before, slice(0, 1), end_values[0], False),
                                     (None, None, None, None),
                                     (after, slice(n - 1, n), end_values[1], True)):
        if width is None:
            parts.append(x)
            continue
        if not width:
            continue
        edge = x[_along(axis, x.ndim, edge_sl)].astype(dt)
        shape = [1] * x.ndim
        shape[axis] = width
        i = tn.asarray(np.arange(width, dtype=np.float64).reshape(shape),
                       device=x._device).astype(dt)
        delta = edge - float(end)
        step = delta / width
        ramp = tn.where(step == 0, i / width * delta, i * step) + float(end)
        if rev:
            ramp = ramp[_along(axis, x.ndim, slice(None, None, -1))]
        if x.dtype.kind in "iub":
            ramp = tn.floor(ramp)
        parts.append(tn.asarray(ramp).astype(x.dtype, copy=False))
    return tn.concat(parts, axis=axis)


def _pad_stat(tn, x, axis, before, after, mode, stat_length):
    """maximum, minimum, mean, median of the first/last ``stat_length`` values, repeated."""
    n = x.shape[axis]
    sb, sa = (n, n) if stat_length is None else (min(int(stat_length[0]), n),
                                                 min(int(stat_length[1]), n))
    fn = {"maximum": tn.max, "minimum": tn.min, "mean": tn.mean, "median": tn.median}[mode]
    parts = []
    for width, sl in ((before, slice(0, sb)), (None, None), (after, slice(n - sa, n))):
        if width is None:
            parts.append(x)
            continue
        if not width:
            continue
        seg = x[_along(axis, x.ndim, sl)]
        if seg.shape[axis] == 0:
            raise ValueError("stat_length of 0 yields no value for padding")
        stat = _round_to(tn.asarray(fn(seg, axis=axis, keepdims=True)), x.dtype)
        parts.append(tn.broadcast_to(stat, x.shape[:axis] + (width,) + x.shape[axis + 1:]))
    return tn.concat(parts, axis=axis)


def pad(x, pad_width, mode="constant", **kw):
    """NumPy's ``pad``, axis by axis (later axes pad the corners, as NumPy): constant blocks,
    statistics of the edge slices, or host-made gathers for the modes linear in ``x``."""
    tn = _tn()
    nd = x.ndim
    pw = np.broadcast_to(np.asarray(pad_width), (nd, 2))
    if mode == "empty":
        mode, kw = "constant", {}
    for axis in range(nd):
        before, after = int(pw[axis, 0]), int(pw[axis, 1])
        if not before and not after:
            continue
        if mode == "constant":
            cv = _pairs(kw.get("constant_values", 0), nd)[axis]
            parts = []
            for width, value in ((before, cv[0]), (None, None), (after, cv[1])):
                if width is None:
                    parts.append(x)
                elif width:
                    v = np.asarray(value).astype(x.dtype.numpy)
                    parts.append(tn.full(x.shape[:axis] + (width,) + x.shape[axis + 1:],
                                         v.item(), dtype=x.dtype, device=x._device))
            x = tn.concat(parts, axis=axis)
        elif mode in ("maximum", "minimum", "mean", "median"):
            sl = kw.get("stat_length")
            x = _pad_stat(tn, x, axis, before, after, mode,
                          None if sl is None else _pairs(sl, nd)[axis])
        else:
            if x.shape[axis] == 0:
                raise ValueError(f"can't extend empty axis {axis} using modes other than "
                                 f"'constant' or 'empty'")
            if mode == "linear_ramp":
                ev = _pairs(kw.get("end_values", 0), nd)[axis]
                x = _pad_ramp(tn, x, axis, before, after, ev)
                continue
            akw = {"reflect_type": kw["reflect_type"]} if "reflect_type" in kw else {}
            x = _pad_linear(tn, x, axis, before, after, mode, akw)
    return tn.asarray(x).copy()
