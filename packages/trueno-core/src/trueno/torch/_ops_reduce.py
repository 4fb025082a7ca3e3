"""Reductions, order statistics and counting of the PyTorch face: median (the lower one),
kthvalue, mode, quantile, std_mean/var_mean, aminmax, cummax/cummin, logcumsumexp, nansum,
unique/unique_consecutive, bincount/histc/histogram, searchsorted/bucketize, cov/corrcoef,
dist, trapezoid, renorm. PyTorch's ``(values, indices)`` named tuples where it has them."""

from __future__ import annotations

import numpy as np

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .. import _manipulation as M
from .._tensor import Tensor as _Base
from .._views import normalize_axis
from ._errors import TorchArgumentError, TorchDTypeError, TorchShapeError
from ._functions import _t, get_default_dtype
from . import return_types
from ._tensor import Tensor

__all__ = [
    "median", "nanmedian", "kthvalue", "mode", "quantile", "nanquantile", "std_mean",
    "var_mean", "aminmax", "cummax", "cummin", "logcumsumexp", "nansum", "nanmean", "msort",
    "unique", "unique_consecutive", "bincount", "histc", "histogram", "searchsorted",
    "bucketize", "cov", "corrcoef", "dist", "trapezoid", "trapz", "cumulative_trapezoid",
    "renorm",
]

aminmax_result, histogram_result = return_types.aminmax, return_types.histogram


def _dim(x, dim):
    return normalize_axis(dim, x.ndim if x.ndim else 1, "dim")


def _wrap(host, like, dtype=None):
    return C.asarray(np.asarray(host), dtype, device=like._device, cls=Tensor)


def _float(x):
    return x.astype(get_default_dtype()) if x.dtype.kind in "iub" else x


def _kth(name, x, k, dim, keepdim, nan_skip=False):
    """The ``k``-th smallest (0-based) along ``dim`` and its index; NaN sorts last."""
    if x.ndim == 0:
        x1 = x.reshape(1)
        v, i = _kth(name, x1, k, 0, False, nan_skip)
        return getattr(return_types, name)(v.reshape(()), i.reshape(()))
    d = _dim(x, dim)
    n = x.shape[d]
    if n == 0:
        raise TorchShapeError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    order = x.argsort(d, stable=True)
    key = (slice(None),) * d
    if nan_skip and x.dtype.kind == "f":
        valid = E.logical_not(E.isnan(x)).sum(d, keepdim=True)
        kk = E.maximum(E.floor_divide(E.subtract(valid, 1), 2), 0) if k is None else k
        idx = _tn.take_along_axis(order, kk, axis=d)
    else:
        idx = order[key + (slice(k, k + 1),)]
        if x.dtype.kind == "f" and name == "median":  # any NaN in the row: the result is NaN
            first_nan = order[key + (slice(n - 1, n),)]
            has_nan = E.isnan(x).any(d, keepdim=True)
            idx = E.where(has_nan, first_nan, idx)
    vals = _tn.take_along_axis(x, idx, axis=d)
    if not keepdim:
        vals, idx = vals.squeeze(d), idx.squeeze(d)
    return getattr(return_types, name)(vals, idx)


def median(input, dim=None, keepdim=False):  # noqa: A002
    """The lower median (of an even count, the smaller middle value; NaN if any is NaN);
    with ``dim``, ``(values, indices)``."""
    x = _t(input)
    if dim is None:
        flat = x.reshape(-1)
        if not flat.numel():
            return C.full((), float("nan"), x.dtype, device=x._device, cls=Tensor)
        return _kth("median", flat, (flat.numel() - 1) // 2, 0, False).values
    return _kth("median", x, (x.shape[_dim(x, dim)] - 1) // 2 if x.ndim else 0, dim, keepdim)


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """``median`` ignoring NaN (NaN only where a row is all NaN)."""
    x = _t(input)
    if x.dtype.kind != "f":
        return median(x, dim, keepdim)
    if dim is None:
        return _kth("nanmedian", x.reshape(-1), None, 0, False, nan_skip=True).values
    return _kth("nanmedian", x, None, dim, keepdim, nan_skip=True)


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """The ``k``-th smallest element (1-based) along ``dim`` and its index."""
    x = _t(input)
    n = x.shape[_dim(x, dim)] if x.ndim else 1
    if not 1 <= k <= n:
        raise TorchArgumentError(f"kthvalue(): selected number k out of range for dimension "
                                 f"{dim} (k={k}, size {n})")
    return _kth("kthvalue", x, k - 1, dim, keepdim)


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest of equally frequent ones; NaNs
    count as equal) and the index of its last occurrence. Runs on the tensor's device: sort,
    runs of equal values counted with ``scatter_add``, then ``where``/``max``."""
    x = _t(input)
    if x.ndim == 0:
        return return_types.mode(x.clone(), x.new_zeros((), dtype=D.int64))
    d = _dim(x, dim)
    v = x.movedim(d, -1)
    n = v.shape[-1]
    if n == 0:
        raise TorchShapeError("mode(): Expected reduction dim to have non-zero size")
    srt = _tn.sort(v, axis=-1)
    same = E.equal(srt[..., 1:], srt[..., :-1])
    if x._dtype.kind == "f":
        same = E.logical_or(same, E.logical_and(E.isnan(srt[..., 1:]), E.isnan(srt[..., :-1])))
    first = C.ones(tuple(v.shape[:-1]) + (1,), dtype=D.int64, device=x._device, cls=Tensor)
    starts = M.concat([first, E.logical_not(same).astype(D.int64)], axis=-1)
    group = _tn.cumsum(starts, axis=-1) - 1  # run number of each sorted element
    counts = _tn.scatter_add(_tn.zeros_like(starts), -1, group, _tn.ones_like(starts))
    best = _tn.argmax(counts, axis=-1, keepdims=True)  # the first (smallest) of the most frequent
    start_pos = _tn.argmax(E.equal(group, best), axis=-1, keepdims=True)
    val = _tn.take_along_axis(srt, start_pos, axis=-1)
    hit = E.equal(v, val)
    if x._dtype.kind == "f":
        hit = E.logical_or(hit, E.logical_and(E.isnan(v), E.isnan(val)))
    pos = C.arange(n, dtype=D.int64, device=x._device, cls=Tensor)
    last = _tn.max(E.where(hit, pos, -1), axis=-1, keepdims=True)
    val, last = val.movedim(-1, d), last.movedim(-1, d)
    if not keepdim:
        val, last = val.squeeze(d), last.squeeze(d)
    return return_types.mode(val, last)


def _quantile(name, fn, input, q, dim, keepdim, interpolation):  # noqa: A002
    x = _t(input)
    if x.dtype.kind != "f":
        raise TorchDTypeError(f"{name}() input tensor must be either float or double dtype")
    if isinstance(q, _Base):
        if q._dtype is not x._dtype:
            raise TorchDTypeError(f"{name}() q tensor must be same dtype as the input tensor")
        if q.ndim > 1:
            raise TorchShapeError(f"{name}() q must be a scalar or 1D tensor")
    qs = q._host() if isinstance(q, _Base) else np.asarray(q)
    if qs.size and (qs.min() < 0 or qs.max() > 1):
        raise TorchArgumentError(f"{name}() q values must be in the range [0, 1]")
    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise TorchArgumentError(f"{name}() interpolation must be one of linear, lower, "
                                 f"higher, midpoint or nearest. Got {interpolation}")
    qt = C.asarray(qs, x.dtype, device=x._device, cls=Tensor)
    if dim is None:
        out = fn(x.reshape(-1), qt, axis=0, method=interpolation)
        if keepdim:
            out = out.reshape(tuple(qt.shape) + (1,) * x.ndim)
        return out.astype(x.dtype, copy=False)
    return fn(x, qt, axis=_dim(x, dim), method=interpolation, keepdims=keepdim).astype(
        x.dtype, copy=False)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The ``q``-th quantiles along ``dim`` (``q`` first when it is a 1-D tensor)."""
    return _quantile("quantile", _tn.quantile, input, q, dim, keepdim, interpolation)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    return _quantile("nanquantile", _tn.nanquantile, input, q, dim, keepdim, interpolation)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """``(std, mean)`` along ``dim``."""
    x = _t(input)
    return (x.std(dim, unbiased, keepdim, correction=correction),
            x.mean(dim, keepdim))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    x = _t(input)
    return (x.var(dim, unbiased, keepdim, correction=correction),
            x.mean(dim, keepdim))


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """``(min, max)`` over ``dim`` (all elements when None)."""
    x = _t(input)
    if not x.numel():
        raise TorchShapeError("aminmax(): cannot compute aminmax over an empty dimension as "
                              "the operation has no identity.")
    return aminmax_result(x.amin(dim, keepdim), x.amax(dim, keepdim))


def _cum_ext(name, input, dim):  # noqa: A002
    """Running max/min along ``dim`` and the index of each (the latest among equals; a NaN
    wins and stays): a Hillis-Steele scan of ``where`` steps, so it runs on the tensor's
    device (log2(n) elementwise passes)."""
    x = _t(input)
    if x.ndim == 0:
        return getattr(return_types, name)(x.clone(), x.new_zeros((), dtype=D.int64))
    d = _dim(x, dim)
    v = x.movedim(d, -1)
    n = v.shape[-1]
    idx = C.arange(n, dtype=D.int64, device=x._device, cls=Tensor).expand_to(tuple(v.shape))
    better = E.greater if name == "cummax" else E.less
    floats = x._dtype.kind == "f"
    s = 1
    while s < n:
        av, bv, ai, bi = v[..., :-s], v[..., s:], idx[..., :-s], idx[..., s:]
        take = better(av, bv)  # the earlier running value wins only when strictly better
        if floats:
            take = E.logical_or(take, E.logical_and(E.isnan(av), E.logical_not(E.isnan(bv))))
        v = M.concat([v[..., :s], E.where(take, av, bv)], axis=-1)
        idx = M.concat([idx[..., :s], E.where(take, ai, bi)], axis=-1)
        s *= 2
    return getattr(return_types, name)(v.movedim(-1, d), idx.movedim(-1, d))


def cummax(input, dim):  # noqa: A002
    """Running maxima along ``dim`` and the index of each (the latest among equals)."""
    return _cum_ext("cummax", input, dim)


def cummin(input, dim):  # noqa: A002
    return _cum_ext("cummin", input, dim)


def logcumsumexp(input, dim):  # noqa: A002
    """``log(cumsum(exp(input)))`` along ``dim``, without overflow: a scan of ``logaddexp``
    steps on the tensor's device."""
    x = _float(_t(input))
    if x.ndim == 0:
        return x.clone()
    v = x.movedim(_dim(x, dim), -1)
    s, n = 1, v.shape[-1]
    while s < n:
        v = M.concat([v[..., :s], E.logaddexp(v[..., s:], v[..., :-s])], axis=-1)
        s *= 2
    return v.movedim(-1, _dim(x, dim))


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    x = _t(input)
    if x.dtype.kind == "f":
        x = E.where(E.isnan(x), 0, x).astype(x.dtype, copy=False)
    return x.sum(dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    x = _t(input)
    if x.dtype.kind not in "fc":
        raise TorchDTypeError(f"nanmean(): expected input to have floating point or complex "
                              f"dtype but got {x.dtype.name}")
    ok = E.logical_not(E.isnan(x))
    total = nansum(x, dim, keepdim, dtype=dtype)
    return E.divide(total, ok.sum(dim, keepdim)).astype(total.dtype, copy=False)


def msort(input):  # noqa: A002
    x = _t(input)
    return x.clone() if x.ndim == 0 else x.sort(0).values


def unique(input, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """The distinct values (sorted), with the inverse indices and counts when asked."""
    x = _t(input)
    d = None if dim is None else _dim(x, dim)
    res = _tn.unique(x, return_inverse=True, return_counts=True, axis=d)
    vals, inv, cnt = res
    if d is None:
        inv = inv.reshape(x.shape)
    out = [vals]
    if return_inverse:
        out.append(inv.astype(D.int64, copy=False))
    if return_counts:
        out.append(cnt.astype(D.int64, copy=False))
    return out[0] if len(out) == 1 else tuple(out)


def unique_consecutive(input, return_inverse=False, return_counts=False,  # noqa: A002
                       dim=None):
    """Collapse runs of equal consecutive values (or slices along ``dim``) to one."""
    x = _t(input)
    if dim is None:
        flat, d = x.reshape(-1), 0
        rows = flat
    else:
        d = _dim(x, dim)
        rows = x.moveaxis(d, 0).reshape(x.shape[d], -1) if x.ndim else x.reshape(1)
        flat = x
    n = rows.shape[0]
    if n == 0:
        change = C.zeros((0,), D.bool_, device=x._device, cls=Tensor)
    else:
        diff = E.not_equal(rows[1:], rows[:-1])
        diff = diff.any(1) if diff.ndim > 1 else diff
        change = M.concat([C.ones((1,), D.bool_, device=x._device, cls=Tensor), diff])
    keep = change.nonzero(as_tuple=True)[0]
    vals = flat[(slice(None),) * d + (keep,)]
    out = [vals]
    if return_inverse:
        inv = change.astype(D.int64).cumsum(0) - 1
        out.append(inv.reshape(x.shape) if dim is None else inv)
    if return_counts:
        ends = M.concat([keep[1:], C.full((1,), n, D.int64, device=x._device, cls=Tensor)])
        out.append(E.subtract(ends, keep))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """Counts of each non-negative integer (sums of ``weights`` when given)."""
    x = _t(input)
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise TorchShapeError("bincount only supports 1-d non-negative integral inputs.")
    if x.numel() and int(x.min().item()) < 0:
        raise TorchArgumentError("bincount only supports 1-d non-negative integral inputs.")
    if weights is None:
        return _tn.bincount(x, minlength=minlength).astype(D.int64, copy=False)
    w = _t(weights)
    dt = w.dtype if w.dtype.kind == "f" and w._dtype is D.float32 else D.float64
    return _tn.bincount(x, weights=w, minlength=minlength).astype(dt, copy=False)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """A histogram of ``bins`` equal bins over ``[min, max]`` (the data's range when both
    are 0); values outside are ignored."""
    x = _t(input)
    if x.dtype.kind != "f":
        raise TorchDTypeError(f"torch.histc: input tensor dtype must be float, got "
                              f"{x.dtype.name}")
    lo, hi = float(min), float(max)
    if lo == hi and x.numel():
        lo, hi = float(x.min().item()), float(x.max().item())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise TorchArgumentError(f"torch.histc: max must be larger than min (got min {min}, "
                                 f"max {max})")
    counts, _ = _tn.histogram(x.reshape(-1), bins, range=(lo, hi))
    return counts.astype(x.dtype)


def histogram(input, bins=100, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)`` as NumPy's histogram, in ``input``'s dtype."""
    x = _t(input)
    b = bins._host() if isinstance(bins, _Base) else bins
    hist, edges = _tn.histogram(x.reshape(-1), b, range=range, density=density,
                                weights=None if weight is None else _t(weight).reshape(-1))
    return histogram_result(hist.astype(x.dtype), edges.astype(x.dtype))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False,  # noqa: A002
                 side=None, sorter=None):
    """Insertion indices of ``input`` into ``sorted_sequence`` (row by row for N-D)."""
    seq = _t(sorted_sequence)
    scalar = not isinstance(input, _Base)
    v = C.asarray(input, seq.dtype, device=seq._device, cls=Tensor) if scalar else input
    if side is not None and right and side == "left":
        raise TorchArgumentError("torch.searchsorted(): side and right can't be set to "
                                 "opposites, got side of left while right was True")
    s = side or ("right" if right else "left")
    dt = D.int32 if out_int32 else D.int64
    if sorter is not None:
        seq = _tn.take_along_axis(seq, _t(sorter), axis=-1)
    if seq.ndim <= 1:
        return _tn.searchsorted(seq.reshape(-1), v, side=s).astype(dt)
    if tuple(seq.shape[:-1]) != tuple(v.shape[:-1]):
        raise TorchShapeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension "
                              f"or the first N-1 dimensions of boundaries tensor and input "
                              f"value tensor must match, but we got boundaries tensor "
                              f"{list(seq.shape)} and input value tensor {list(v.shape)}")
    s2, v2 = seq.reshape(-1, seq.shape[-1]), v.reshape(-1, v.shape[-1])
    rows = [_tn.searchsorted(s2[i], v2[i], side=s) for i in range(s2.shape[0])]
    return M.stack(rows).reshape(v.shape).astype(dt)


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket of each value: ``boundaries[i-1] < x <= boundaries[i]`` (``<=``/``<``
    swapped with ``right=True``)."""
    b = _t(boundaries)
    if b.ndim != 1:
        raise TorchShapeError(f"bucketize(): boundaries tensor must be 1 dimension, but got "
                              f"dim({b.ndim})")
    return searchsorted(b, input, out_int32=out_int32, right=right)


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """The covariance matrix of the rows (variables) of ``input``."""
    x = _float(_t(input))
    out = _tn.cov(x, ddof=correction,
                  fweights=None if fweights is None else _t(fweights),
                  aweights=None if aweights is None else _t(aweights))
    return out.astype(x.dtype, copy=False)


def corrcoef(input):  # noqa: A002
    x = _float(_t(input))
    return _tn.corrcoef(x).astype(x.dtype, copy=False)


def dist(input, other, p=2):  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast)."""
    diff = E.subtract(_t(input), other).reshape(-1)
    if p == 0:
        return E.not_equal(diff, 0).sum().astype(diff.dtype)
    return diff.norm(p)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim`` (sample points ``x`` or spacing ``dx``)."""
    yt = _t(y)
    if x is not None:
        return _tn.trapezoid(yt, _t(x), axis=dim)
    return _tn.trapezoid(yt, dx=1.0 if dx is None else dx, axis=dim).astype(
        _float(yt).dtype, copy=False)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along ``dim`` (one element shorter)."""
    yt = _float(_t(y))
    d = _dim(yt, dim)
    n = yt.shape[d]
    key = (slice(None),) * d
    avg = E.multiply(E.add(yt[key + (slice(1, n),)], yt[key + (slice(0, n - 1),)]), 0.5)
    if x is not None:
        xt = _t(x)
        step = _tn.diff(xt, axis=-1 if xt.ndim == 1 else d)
        if xt.ndim == 1 and yt.ndim > 1:
            step = step.reshape([-1 if i == d else 1 for i in range(yt.ndim)])
        avg = E.multiply(avg, step)
    else:
        avg = E.multiply(avg, 1.0 if dx is None else dx)
    return avg.cumsum(d)


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice along ``dim`` with ``p``-norm above ``maxnorm`` scaled down to it."""
    x = _t(input)
    d = _dim(x, dim)
    others = tuple(i for i in range(x.ndim) if i != d)
    norms = x.norm(p, others, keepdim=True)
    factor = E.where(norms > maxnorm, E.divide(maxnorm, E.add(norms, 1e-7)), 1.0)
    return E.multiply(x, factor.astype(x.dtype, copy=False))
