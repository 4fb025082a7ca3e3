"""Reference reductions, scans and fused composites (softmax, layer_norm and its backward)."""

from __future__ import annotations

import functools

import ml_dtypes
import numpy as np

_LOW = (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16))


def _lowp(fn):
    """float16/bfloat16 inputs are computed in float32 and rounded once at the end
    (DESIGN.md §2: the compute dtype of low-precision inputs)."""
    @functools.wraps(fn)
    def kernel(x, *args, **kwargs):
        if x.dtype not in _LOW:
            return fn(x, *args, **kwargs)
        out_dt = kwargs.get("dtype") or x.dtype
        if "dtype" in kwargs:
            kwargs["dtype"] = np.float32 if np.dtype(out_dt) in _LOW else out_dt
        out = fn(x.astype(np.float32), *args, **kwargs)
        return np.asarray(out).astype(out_dt if np.dtype(out_dt).kind != "i" else out.dtype)
    return kernel


@_lowp
def sum(x, axis, keepdims, dtype=None):  # noqa: A001
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=dtype)


@_lowp
def prod(x, axis, keepdims, dtype=None):
    return np.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


@_lowp
def mean(x, axis, keepdims, dtype=None):
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=dtype)


@_lowp
def var(x, axis, keepdims, correction=0.0):
    return np.var(x, axis=axis, keepdims=keepdims, ddof=correction)


@_lowp
def std(x, axis, keepdims, correction=0.0):
    return np.std(x, axis=axis, keepdims=keepdims, ddof=correction)


def max(x, axis, keepdims):  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims)


def min(x, axis, keepdims):  # noqa: A001
    return np.min(x, axis=axis, keepdims=keepdims)


def argmax(x, axis, keepdims):
    return np.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x, axis, keepdims):
    return np.argmin(x, axis=axis, keepdims=keepdims)


def any(x, axis, keepdims):  # noqa: A001
    return np.any(x, axis=axis, keepdims=keepdims)


def all(x, axis, keepdims):  # noqa: A001
    return np.all(x, axis=axis, keepdims=keepdims)


@_lowp
def logsumexp(x, axis, keepdims):
    if x.size == 0:
        return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@_lowp
def vector_norm(x, axis, keepdims, ord=2.0):
    a = np.abs(x)
    if ord == 2:
        out = np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    elif ord == np.inf:
        out = np.max(a, axis=axis, keepdims=keepdims, initial=0)
    elif ord == -np.inf:
        out = np.min(a, axis=axis, keepdims=keepdims)
    elif ord == 0:
        out = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    else:
        out = np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return out.astype(a.dtype, copy=False)


@_lowp
def cumsum(x, axis, dtype=None):
    return np.cumsum(x, axis=axis, dtype=dtype)


@_lowp
def cumprod(x, axis, dtype=None):
    return np.cumprod(x, axis=axis, dtype=dtype)


@_lowp
def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@_lowp
def log_softmax(x, axis):
    s = x - np.max(x, axis=axis, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


@_lowp
def layer_norm(x, normalized_ndim, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    mu = np.mean(x, axis=axes, keepdims=True)
    var = np.mean((x - mu) ** 2, axis=axes, keepdims=True)
    out = (x - mu) / np.sqrt(var + x.dtype.type(eps))
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out.astype(x.dtype, copy=False)


def layer_norm_backward(x, g, weight, normalized_ndim, eps=1e-5):
    """(gx, gw, gb): layer_norm's input gradient and the leading-dim sums of g * xhat and g;
    float16/bfloat16 computed in float32 and rounded once."""
    dt = x.dtype
    ct = np.float32 if dt in _LOW else dt
    x, g = x.astype(ct, copy=False), g.astype(ct, copy=False)
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    lead = tuple(range(x.ndim - normalized_ndim))
    mu = np.mean(x, axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(np.mean((x - mu) ** 2, axis=axes, keepdims=True) + x.dtype.type(eps))
    xhat = (x - mu) * rstd
    h = g * weight.astype(ct, copy=False) if weight is not None else g
    gx = rstd * (h - np.mean(h, axis=axes, keepdims=True)
                 - xhat * np.mean(h * xhat, axis=axes, keepdims=True))
    gw = np.sum(g * xhat, axis=lead)
    gb = np.sum(g, axis=lead)
    return tuple(np.asarray(a).astype(dt, copy=False) for a in (gx, gw, gb))


KERNELS = {name: globals()[name] for name in (
    "sum prod mean var std max min argmax argmin any all logsumexp vector_norm cumsum cumprod "
    "softmax log_softmax layer_norm layer_norm_backward").split()}


def sort(x, axis=-1, descending=False, stable=True):
    if descending:
        # Stable descending order: sort the reversed axis and flip back (NumPy keeps ties
        # in order of first appearance for the flipped view).
        idx = argsort(x, axis, True, stable)
        return np.take_along_axis(x, idx, axis=axis)
    return np.sort(x, axis=axis, kind="stable" if stable else None)


def argsort(x, axis=-1, descending=False, stable=True):
    if descending:
        n = x.shape[axis]
        rev = np.flip(x, axis=axis)
        idx = np.argsort(rev, axis=axis, kind="stable")
        return np.flip(n - 1 - idx, axis=axis).astype(np.int64)
    return np.argsort(x, axis=axis, kind="stable" if stable else None).astype(np.int64)


KERNELS.update(sort=sort, argsort=argsort)
