"""Derivative rules of NumPy-surface ops that have no decomposition autograd could follow:
``topk`` (values), ``pad`` (every mode that moves elements), ``median``, ``nanvar`` and
``nanstd``. The gathers and
scatters (take, gather, scatter_add, ...) reach autograd through their index/index_put
decompositions, and nansum/nanmean/nanmax/... through theirs."""

from __future__ import annotations

import numpy as np

import trueno as tn
from trueno import backend as B

from ._graph import Rule
from ._rules_views import _along_axis_key, embed

__all__ = ["surface_rules"]


def _topk(ctx, g):
    gv = g[0]
    if gv is None:
        return (None,)
    idx = ctx.output[1]
    key = _along_axis_key(idx, ctx.params["axis"] % idx.ndim)
    return (embed(ctx.shapes[0][0], gv, "index", {"key": key}),)


_MOVING = ("constant", "edge", "reflect", "symmetric", "wrap", "empty")


def _pad(ctx, g):
    """pad(x) = x.flat[map] for an index map padded the same way; the gradient scatters g
    back through it (constant padding maps to -1 and gets nothing)."""
    p = ctx.params
    mode = p.get("mode", "constant")
    if mode not in _MOVING:
        raise NotImplementedError(f"pad: the derivative for mode={mode!r} is not implemented "
                                  f"(modes that copy elements are: {', '.join(_MOVING)})")
    shape = ctx.shapes[0][0]
    n = int(np.prod(shape))
    ids = np.arange(n).reshape(shape)
    if mode in ("constant", "empty"):
        idx = np.pad(ids, p["pad_width"], mode="constant", constant_values=-1)
    else:
        kw = {k: v for k, v in p.items() if k == "reflect_type"}
        idx = np.pad(ids, p["pad_width"], mode=mode, **kw)
    valid = idx >= 0
    flat = embed((n,), g[valid], "index", {"key": (idx[valid],)})
    return (flat._reshape(shape),)


def _median(ctx, g):
    """The median is the middle sorted element (the mean of the two middle ones for an even
    count): its gradient goes there, through the sorting permutation."""
    x = ctx.inputs[0]
    axes = ctx.params.get("axis")
    nd = x.ndim
    axes = tuple(range(nd)) if axes is None else \
        tuple(sorted(a % nd for a in (axes if isinstance(axes, (tuple, list)) else (axes,))))
    perm = tuple(i for i in range(nd) if i not in axes) + axes
    xt = x.detach().permute_dims(perm)
    outer = xt.shape[:nd - len(axes)]
    flat = xt._reshape(outer + (-1,))
    m = flat.shape[-1]
    order = tn.argsort(flat, axis=-1)
    w = np.zeros(m)
    if m % 2:
        w[m // 2] = 1.0
    else:
        w[m // 2 - 1] = w[m // 2] = 0.5
    gk = g._reshape(outer + (1,))
    gsorted = gk * tn.asarray(w, dtype=g.dtype, device=g.device)
    gflat = embed(flat.shape, gsorted, "index", {"key": _along_axis_key(order, flat.ndim - 1)})
    res = gflat._reshape(xt.shape)
    inv = [0] * nd
    for i, a in enumerate(perm):
        inv[a] = i
    return (res.permute_dims(tuple(inv)),)


def _nan_centered(ctx):
    """``x - nanmean(x)`` with 0 at the NaNs, and the degrees of freedom per reduction."""
    x = ctx.inputs[0]
    axes = ctx.params["axis"]
    valid = ~tn.isnan(x)
    n = tn.sum(valid, axis=axes, keepdims=True, dtype=x.dtype)
    mean = tn.sum(tn.where(valid, x, 0.0), axis=axes, keepdims=True) / n
    return tn.where(valid, x - mean, 0.0), n - float(ctx.params.get("ddof", 0))


def _keep(t, ctx):
    if ctx.params.get("keepdims"):
        return t
    shape = ctx.shapes[0][0]
    axes = ctx.params["axis"]
    return t._reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))


def _nanvar(ctx, g):
    c, dof = _nan_centered(ctx)
    return (_keep(g, ctx) * 2.0 * c / dof,)


def _nanstd(ctx, g):
    c, dof = _nan_centered(ctx)
    return (_keep(g, ctx) * c / (dof * _keep(ctx.output, ctx)),)


_SURFACE = {"topk": (_topk, "none", True, "TopkBackward0"),
            "pad": (_pad, "none", False, "ConstantPadNdBackward0"),
            "median": (_median, "all", False, "MedianBackward1"),
            "nanvar": (_nanvar, "all", False, "NanvarBackward0"),
            "nanstd": (_nanstd, "all", True, "NanstdBackward0")}


def surface_rules() -> dict[str, Rule]:
    return {name: Rule(fn, save, save_out, node)
            for name, (fn, save, save_out, node) in _SURFACE.items() if B.has_op(name)}
