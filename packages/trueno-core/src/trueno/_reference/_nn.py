"""Reference (NumPy) kernels of batch_norm in training, ``batch_norm_training`` and
``batch_norm_backward`` (decompositions in ``_decompositions_nn``): float16/bfloat16 compute
in float32 and round once.

Not registered yet (no ``KERNELS``): the rows join the table together with their sample
inputs in the generated tests; until then tests call these functions directly."""

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
