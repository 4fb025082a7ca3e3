"""Reference kernels of the NumPy-surface ops (rows in ``trueno._surface_ops``).

Core has checked the arguments; these compute with NumPy and return new arrays. Index
outputs are int64.
"""

from __future__ import annotations

import numpy as np

from .. import _surface_ops  # noqa: F401  (the rows must exist before the kernels register)

_I64 = np.int64


def take(x, indices, axis=None, mode="raise"):
    return np.take(x, indices, axis=axis, mode=mode)


def take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def _trim_to(a, shape, axis):
    """``a`` cut down to ``shape`` on every axis but ``axis`` (PyTorch's gather/scatter rule:
    the index may be smaller than the input)."""
    return a[tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(shape))]


def gather(x, axis, index):
    return np.take_along_axis(_trim_to(x, index.shape, axis), index, axis=axis)


def _scatter_key(index, axis):
    grids = np.indices(index.shape, sparse=True)
    return tuple(index if d == axis else g for d, g in enumerate(grids))


def scatter(x, axis, index, src, reduce=None):
    out = x.copy()
    key = _scatter_key(index, axis)
    vals = src[tuple(slice(0, n) for n in index.shape)] if np.ndim(src) else src
    if reduce in ("add", "sum"):
        np.add.at(out, key, vals)
    elif reduce in ("multiply", "prod"):
        np.multiply.at(out, key, vals)
    else:
        out[key] = vals
    return out


def scatter_add(x, axis, index, src):
    return scatter(x, axis, index, src, "add")


def searchsorted(a, v, side="left", sorter=None):
    return np.asarray(np.searchsorted(a, v, side=side, sorter=sorter), dtype=_I64)


def partition(x, kth, axis=-1):
    return np.partition(x, kth, axis=axis)


def argpartition(x, kth, axis=-1):
    return np.argpartition(x, kth, axis=axis).astype(_I64)


def topk(x, k, axis=-1, largest=True, sorted=True):  # noqa: A002
    if largest:
        n = x.shape[axis]
        idx = n - 1 - np.flip(np.argsort(np.flip(x, axis=axis), axis=axis, kind="stable"),
                              axis=axis)
    else:
        idx = np.argsort(x, axis=axis, kind="stable")
    idx = np.take(idx, np.arange(k), axis=axis).astype(_I64)
    return np.take_along_axis(x, idx, axis=axis), idx


def unique_all(x, axis=None, equal_nan=True):
    vals, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                             return_counts=True, axis=axis, equal_nan=equal_nan)
    return vals, index.astype(_I64), inverse.astype(_I64), counts.astype(_I64)


def isin(element, test_elements, invert=False, assume_unique=False, kind=None):
    return np.isin(element, test_elements, invert=invert, assume_unique=assume_unique, kind=kind)


def bincount(x, weights=None, minlength=0):
    out = np.bincount(x, weights=weights, minlength=minlength)
    return out.astype(_I64) if out.dtype.kind in "iu" else out


def digitize(x, bins, right=False):
    return np.asarray(np.digitize(x, bins, right=right), dtype=_I64)


def count_nonzero(x, axis=None, keepdims=False):
    return np.asarray(np.count_nonzero(x, axis=axis, keepdims=keepdims), dtype=_I64)


def histogram(a, bins=10, range=None, density=None, weights=None):  # noqa: A002
    h, e = np.histogram(a, bins=bins, range=range, density=density, weights=weights)
    return (h.astype(_I64) if h.dtype.kind in "iu" else h), e


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
    return np.histogram_bin_edges(a, bins=bins, range=range, weights=weights)


def quantile(x, q, axis=None, method="linear", keepdims=False, weights=None, percent=False):
    fn = np.percentile if percent else np.quantile
    return np.asarray(fn(x, q, axis=axis, method=method, keepdims=keepdims, weights=weights))


def nanquantile(x, q, axis=None, method="linear", keepdims=False, weights=None,
                percent=False):
    fn = np.nanpercentile if percent else np.nanquantile
    return np.asarray(fn(x, q, axis=axis, method=method, keepdims=keepdims, weights=weights))


def nanargmax(x, axis=None, keepdims=False):
    if x.dtype.kind == "V":  # bfloat16 (see _nan_reduction)
        x = x.astype(np.float32)
    return np.asarray(np.nanargmax(x, axis=axis, keepdims=keepdims), dtype=_I64)


def nanargmin(x, axis=None, keepdims=False):
    if x.dtype.kind == "V":  # bfloat16 (see _nan_reduction)
        x = x.astype(np.float32)
    return np.asarray(np.nanargmin(x, axis=axis, keepdims=keepdims), dtype=_I64)


def interp(x, xp, fp, left=None, right=None, period=None):
    return np.asarray(np.interp(x, xp, fp, left=left, right=right, period=period))


def convolve(a, v, mode="full"):
    return np.convolve(a, v, mode=mode)


def correlate(a, v, mode="valid"):
    return np.correlate(a, v, mode=mode)


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
    return np.asarray(np.cov(m, y, rowvar=rowvar, bias=bias, ddof=ddof, fweights=fweights,
                             aweights=aweights, dtype=dtype))


def corrcoef(x, y=None, rowvar=True, dtype=None):
    return np.asarray(np.corrcoef(x, y, rowvar=rowvar, dtype=dtype))


def pad(x, pad_width, mode="constant", **kw):
    return np.pad(x, pad_width, mode=mode, **kw)


def trim_zeros(x, trim="fb", axis=None):
    return np.array(np.trim_zeros(x, trim, axis=axis))


def gradient(f, spacing=(), axis=None, edge_order=1):
    out = np.gradient(f, *spacing, axis=axis, edge_order=edge_order)
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def _nan_reduction(fn):
    def kernel(x, axis=None, keepdims=False, **kw):
        if x.dtype.kind == "V":  # bfloat16: NumPy's nan* functions do not see its NaNs
            return np.asarray(fn(x.astype(np.float32), axis=axis, keepdims=keepdims,
                                 **kw)).astype(x.dtype)
        return np.asarray(fn(x, axis=axis, keepdims=keepdims, **kw))
    kernel.__name__ = fn.__name__
    return kernel


_NAN = {n: _nan_reduction(getattr(np, n)) for n in (
    "nansum nanprod nanmean nanvar nanstd nanmax nanmin nanmedian median").split()}


def nancumsum(x, axis=None, dtype=None):
    if x.dtype.kind == "V":  # bfloat16 (see _nan_reduction)
        return np.nancumsum(x.astype(np.float32), axis=axis).astype(dtype or x.dtype)
    return np.nancumsum(x, axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    if x.dtype.kind == "V":  # bfloat16 (see _nan_reduction)
        return np.nancumprod(x.astype(np.float32), axis=axis).astype(dtype or x.dtype)
    return np.nancumprod(x, axis=axis, dtype=dtype)


def average(x, axis=None, weights=None, keepdims=False):
    avg, scl = np.average(x, axis=axis, weights=weights, returned=True, keepdims=keepdims)
    return np.asarray(avg), np.asarray(scl)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def around(x, decimals=0):
    return np.asarray(np.round(x, decimals))


KERNELS = {name: _NAN.get(name) or globals()[name] for name in _surface_ops.SURFACE_OPS}
