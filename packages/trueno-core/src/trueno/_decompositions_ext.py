"""Decompositions of NumPy's composite functions into trueno ops, so that they run on every
device (a device without a kernel of its own uses them; see ``_dispatch.run``).

``float_power``, ``unwrap`` and ``real_if_close`` are rows of ``_ufuncs_ext``;
``histogram_bin_edges`` and ``trim_zeros`` rows of ``_surface_ops``. Each function takes the
op's tensor inputs, then the row's parameters. Output shapes that depend on the data
(``trim_zeros``, ``histogram_bin_edges``) are found from a few reductions read back to the host
in one transfer each: the only device syncs.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["float_power", "unwrap", "real_if_close", "trim_zeros", "histogram_bin_edges",
           "gather", "scatter", "scatter_add", "topk", "partition", "argpartition",
           "nancumsum", "nancumprod", "around", "nanvar", "nanstd", "average", "isin",
           "median", "nanmedian", "nanargmax", "nanargmin"]


def _tn():
    import trueno

    return trueno


def _host(t) -> np.ndarray:
    """A (small) tensor's values on the host: one device sync."""
    return np.asarray(t.to_device("cpu"))


def float_power(x1, x2):
    """``x1 ** x2`` in float64 (complex128 for complex inputs), as NumPy's float_power."""
    tn = _tn()
    kinds = [(x.dtype.kind if hasattr(x, "dtype") and hasattr(x.dtype, "kind")
              else ("c" if isinstance(x, complex) else "f")) for x in (x1, x2)]
    dt = tn.complex128 if "c" in kinds else tn.float64
    # NumPy's result dtype, from its loops on empty arrays (bfloat16 keeps bfloat16)
    rt = np.float_power(*(np.zeros(0, x.dtype.numpy) if isinstance(x, tn.Tensor) else x
                          for x in (x1, x2))).dtype
    x1, x2 = (x.astype(dt) if isinstance(x, tn.Tensor) else x for x in (x1, x2))
    return tn.pow(x1, x2).astype(rt, copy=False)


def unwrap(p, discont=None, axis=-1, *, period=2 * math.pi):
    """NumPy's ``unwrap``: jumps above ``max(discont, period / 2)`` between neighbours along
    ``axis`` become their ``period``-complements (same steps as NumPy's implementation)."""
    tn = _tn()
    dd = tn.diff(p, axis=axis)
    if discont is None:
        discont = period / 2
    dtype = np.result_type(dd.dtype.numpy, period)
    if np.issubdtype(dtype, np.integer):
        interval_high, rem = divmod(period, 2)
        ambiguous = rem == 0
    else:
        interval_high = period / 2
        ambiguous = True
    interval_low = -interval_high
    ddmod = tn.remainder(dd - interval_low, period) + interval_low
    if ambiguous:  # |dd| == period / 2 keeps dd's sign
        ddmod = tn.where((ddmod == interval_low) & (dd > 0), interval_high, ddmod)
    ph_correct = tn.where(tn.abs(dd) < discont, 0, ddmod - dd)
    up = p.astype(dtype, copy=True)
    later = [slice(None)] * p.ndim
    later[axis] = slice(1, None)
    later = tuple(later)
    up[later] = p[later] + tn.cumsum(ph_correct, axis=axis)
    return up


def real_if_close(a, tol=100):
    """``a.real`` when every imaginary part is within ``tol`` machine epsilons of 0 (``tol``
    above 1), else ``a``; a real ``a`` comes back as it is (one sync for complex input)."""
    tn = _tn()
    if a.dtype.kind != "c":
        return a
    if tol > 1:
        tol = np.finfo(a.dtype.numpy).eps * tol
    return tn.real(a) if bool(tn.all(tn.abs(tn.imag(a)) < tol)) else a


def trim_zeros(x, trim="fb", axis=None):
    """``x`` without its leading ('f') and/or trailing ('b') zeros along ``axis`` (every axis
    when None): per axis, the first and last index where any element is non-zero, read back
    in one sync, then a slice (copied, as the reference kernel returns a new array)."""
    tn = _tn()
    trim = trim.lower()
    if trim not in {"fb", "bf", "f", "b"}:
        raise ValueError(f"unexpected character(s) in `trim`: {trim!r}")
    nd = x.ndim
    axes = range(nd) if axis is None else sorted(
        {a % nd for a in ((axis,) if np.isscalar(axis) else axis)})
    if not axes:
        return x
    nz = x != 0
    rows = []
    for ax in range(nd):
        other = tuple(d for d in range(nd) if d != ax)
        m = tn.any(nz, axis=other) if other else nz
        first = tn.argmax(m)
        last = x.shape[ax] - 1 - tn.argmax(tn.flip(m, axis=0))
        rows += [first, last, tn.any(m).astype(first.dtype)]
    bounds = _host(tn.stack(rows)).reshape(nd, 3) if nd else np.zeros((0, 3), int)
    found = nd == 0 or bool(bounds[:, 2].all())
    sl = []
    for ax in range(nd):
        if ax not in axes:
            sl.append(slice(None))
        elif not found:
            sl.append(slice(0, 0))
        else:
            sl.append(slice(int(bounds[ax, 0]) if "f" in trim else None,
                            int(bounds[ax, 1]) + 1 if "b" in trim else None))
    return x[tuple(sl)].copy()


def _ptp(mm) -> float:
    lo, hi = mm
    return float(int(hi) - int(lo)) if mm.dtype.kind in "iub" else float(hi) - float(lo)


def _bin_width(name, x, mm):
    """NumPy's bin-width estimators (``numpy.lib._histograms_impl``) from trueno reductions."""
    tn = _tn()
    n = x.size
    ptp = _ptp(mm)
    if name == "sqrt":
        return ptp / np.sqrt(n)
    if name == "sturges":
        return ptp / (np.log2(n) + 1.0)
    if name == "rice":
        return ptp / (2.0 * n ** (1.0 / 3))
    if name == "scott":
        return (24.0 * np.pi ** 0.5 / n) ** (1.0 / 3.0) * float(tn.std(x))
    if name == "fd":
        q = _host(tn.percentile(x, [75, 25]))
        return 2.0 * float(np.subtract(q[0], q[1])) * n ** (-1.0 / 3.0)
    if name == "auto":
        fd, sturges = _bin_width("fd", x, mm), _bin_width("sturges", x, mm)
        return min(fd, sturges) if fd else sturges
    if name == "doane":
        if n > 2:
            sg1 = np.sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)))
            sigma = float(tn.std(x))
            if sigma > 0.0:
                g1 = float(tn.mean(((x - tn.mean(x)) / sigma) ** 3))
                return ptp / (1.0 + np.log2(n) + np.log2(1.0 + np.absolute(g1) / sg1))
        return 0.0
    from ._errors import DeviceError

    raise DeviceError(f"histogram_bin_edges: the {name!r} estimator has no decomposition for "
                      f"device '{x.device}'\n  hint: x.to('cpu') would work")


def _outer_edges(x, range):  # noqa: A002 - NumPy's name
    """NumPy's ``_get_outer_edges``: the range, or the data's min and max (one sync)."""
    tn = _tn()
    if range is not None:
        first, last = range
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
    elif x.size == 0:
        first, last = 0, 1
    else:
        first, last = _host(tn.stack([tn.min(x), tn.max(x)]))
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    """The bin edges of ``histogram``: the data's extremes (and, for a string ``bins``, its
    spread) come from trueno reductions; the few edges are made on the host and moved to
    ``a``'s device, as ``trueno.linspace`` makes them."""
    from ._surface_ops import as_t

    tn = _tn()
    x = a.reshape(-1)
    if isinstance(bins, str):
        if weights is not None:
            raise TypeError("Automated estimation of the number of bins is not supported for "
                            "weighted data")
        first, last = _outer_edges(x, range)
        if range is not None:
            keep = (x >= first) & (x <= last)
            if not bool(tn.all(keep)):
                x = x[keep]
        n = 1
        if x.size:
            mm = _host(tn.stack([tn.min(x), tn.max(x)]))
            width = _bin_width(bins, x, mm)
            if width:
                if x.dtype.kind in "iu" and width < 1:
                    width = 1
                n = int(np.ceil(_ptp(np.array([first, last])) / width))
    elif np.ndim(bins) == 0:
        n = int(bins)
        first, last = _outer_edges(x, range)
    else:
        return as_t(np.asarray(bins), a)
    bin_type = np.result_type(first, last, x.dtype.numpy)
    if np.issubdtype(bin_type, np.integer):
        bin_type = np.result_type(bin_type, float)
    edges = np.linspace(first, last, n + 1, endpoint=True, dtype=bin_type)
    if np.any(edges[:-1] >= edges[1:]):
        raise ValueError(f"Too many bins for data range. Cannot create {n} finite-sized bins.")
    return as_t(edges, a)


def gather(x, index, axis):
    """PyTorch's ``gather`` from advanced indexing (the ``index`` primitive)."""
    from ._indexing_ext import _gather_decomposition
    return _gather_decomposition(x, axis, index)


def scatter(x, index, src, axis, reduce=None):
    """PyTorch's ``scatter`` from a copy and advanced assignment (``index_put``)."""
    from ._indexing_ext import _scatter_decomposition
    return _scatter_decomposition(x, axis, index, src, reduce)


def scatter_add(x, index, src, axis):
    """PyTorch's ``scatter_add``: accumulating advanced assignment."""
    from ._indexing_ext import _scatter_decomposition
    return _scatter_decomposition(x, axis, index, src, "add")


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
