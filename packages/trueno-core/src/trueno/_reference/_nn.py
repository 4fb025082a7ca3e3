"""Reference (NumPy) kernels of batch_norm in training (``batch_norm_training``,
``batch_norm_backward``), of cross_entropy with class indices (``cross_entropy_forward``,
``cross_entropy_backward``) and of relu's gradient (``threshold_backward``); decompositions in
``_decompositions_nn``. float16/bfloat16 compute
in float32 and round once.
"""

from __future__ import annotations

import numpy as np


def _ct(dt):
    return np.dtype(np.float32) if dt.name in ("float16", "bfloat16") else dt


def _layout(x):
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, (1, x.shape[1]) + (1,) * (x.ndim - 2)


def batch_norm_training(x, weight=None, bias=None, eps=1e-5):
    """(out, mean, var, rstd) of ``x`` normalised per channel by its batch statistics."""
    dt = x.dtype
    ct = _ct(dt)
    xc = x.astype(ct, copy=False)
    axes, shape = _layout(x)
    mean = np.mean(xc, axis=axes, keepdims=True)
    d = xc - mean
    var = np.mean(d * d, axis=axes, keepdims=True)
    rstd = 1 / np.sqrt(var + ct.type(eps))
    scale = rstd if weight is None else rstd * weight.astype(ct, copy=False).reshape(shape)
    out = d * scale
    if bias is not None:
        out = out + bias.astype(ct, copy=False).reshape(shape)
    return tuple(np.asarray(a).astype(dt, copy=False)
                 for a in (out, mean.reshape(-1), var.reshape(-1), rstd.reshape(-1)))


def batch_norm_backward(x, g, mean, rstd, weight=None):
    """(gx, gw, gb) of training batch_norm for the output gradient ``g``."""
    dt = x.dtype
    ct = _ct(dt)
    xc, gc = x.astype(ct, copy=False), g.astype(ct, copy=False)
    axes, shape = _layout(x)
    n = xc.size // max(x.shape[1], 1)
    r = rstd.astype(ct, copy=False).reshape(shape)
    d = xc - mean.astype(ct, copy=False).reshape(shape)
    gsum = np.sum(gc, axis=axes, keepdims=True)
    dotp = np.sum(gc * d, axis=axes, keepdims=True)
    scale = r if weight is None else r * weight.astype(ct, copy=False).reshape(shape)
    gx = (gc - gsum / n - d * (dotp * (r * r / n))) * scale
    return tuple(np.asarray(a).astype(dt, copy=False)
                 for a in (gx, (dotp * r).reshape(-1), gsum.reshape(-1)))


def _ce_rows(x, target, weight, ignore_index, ct):
    cdim = 1 if x.ndim > 1 else 0
    c = x.shape[cdim]
    t = np.asarray(target).astype(np.int64)
    valid = t != ignore_index
    bad = valid & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"cross_entropy: target {int(t[bad].flat[0])} is out of bounds for "
                         f"{c} classes")
    safe = np.where(valid, t, 0)
    w = valid.astype(ct)
    if weight is not None:
        w = w * weight.astype(ct, copy=False)[safe]
    return cdim, w, safe, valid


def cross_entropy_forward(x, target, weight=None, ignore_index=-100, reduction="mean"):
    """(loss, lse, denom) of cross_entropy with class indices (see the decomposition)."""
    dt = x.dtype
    ct = _ct(dt)
    xc = x.astype(ct, copy=False)
    cdim, w, safe, _ = _ce_rows(x, target, weight, ignore_index, ct)
    m = np.max(xc, axis=cdim, keepdims=True)
    lse = np.log(np.sum(np.exp(xc - m), axis=cdim, keepdims=True)) + m
    picked = np.take_along_axis(xc, np.expand_dims(safe, cdim), cdim)
    lw = -(np.squeeze(picked - lse, cdim) * w)
    denom = np.sum(w)
    with np.errstate(divide="ignore", invalid="ignore"):  # denom 0: every target ignored
        loss = lw if reduction == "none" else np.sum(lw) / (denom if reduction == "mean"
                                                             else 1)
    return tuple(np.asarray(a).astype(dt, copy=False)
                 for a in (loss, np.squeeze(lse, cdim), denom))


def cross_entropy_backward(x, target, weight, lse, g, denom, ignore_index=-100,
                           reduction="mean"):
    """The gradient of cross_entropy_forward's loss for its gradient ``g``."""
    dt = x.dtype
    ct = _ct(dt)
    xc = x.astype(ct, copy=False)
    cdim, w, safe, valid = _ce_rows(x, target, weight, ignore_index, ct)
    g = np.asarray(g).astype(ct)
    with np.errstate(divide="ignore", invalid="ignore"):  # denom 0: every target ignored
        s = np.where(valid, w * (g / np.asarray(denom).astype(ct) if reduction == "mean"
                                 else g), 0)
    p = np.exp(xc - np.expand_dims(np.asarray(lse).astype(ct), cdim))
    ids = np.arange(x.shape[cdim]).reshape((-1,) + (1,) * (x.ndim - cdim - 1))
    onehot = (ids == np.expand_dims(safe, cdim)).astype(ct)
    return np.asarray((p - onehot) * np.expand_dims(s, cdim)).astype(dt, copy=False)


def threshold_backward(grad, x, threshold=0.0):
    """``grad`` where ``x > threshold`` or ``x`` is NaN, else 0 (threshold in x's dtype)."""
    g = np.asarray(grad)
    keep = ~(np.asarray(x) <= x.dtype.type(threshold))
    return np.where(keep, g, g.dtype.type(0))


KERNELS = {name: globals()[name] for name in (
    "batch_norm_training batch_norm_backward cross_entropy_forward cross_entropy_backward "
    "threshold_backward").split()}
