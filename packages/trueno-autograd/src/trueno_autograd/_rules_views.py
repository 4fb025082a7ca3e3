"""Derivative rules of views (reshape, permute, expand, basic indexing, diagonal), advanced
indexing (scatter-add, so repeated indices accumulate), concat and sort.

The gradient of a view is an *embedding*: a zero tensor of the input's shape with the output
gradient written into the view. ``embed`` does that with the device's ``copy_``/``index_put``
kernels and records its own node, so the gradient of the gradient is a view of the gradient of
the gradient (create_graph works through indexing).
"""

from __future__ import annotations

import trueno as tn
from trueno import backend as B
from trueno.backend import Op

from ._graph import Rule

__all__ = ["RULES", "embed"]

RULES: dict[str, Rule] = {}


def rule(name, save="all", save_output=False, node=None):
    def deco(fn):
        RULES[name] = Rule(fn, save, save_output, node)
        return fn
    return deco


_EMBED = Op("embed", 1, accepts="any", shape="custom", numpy_name=None)


def embed(shape, g, view, params):
    """A zero tensor of ``shape`` with ``g`` added into ``view(params)`` of it."""
    z = tn.zeros(shape, dtype=g.dtype, device=g.device, cls=g.__class__)
    src = g._data
    if view == "index":
        B.kernel(B.get_op("index_put"), g._device, g._dtype)(z._data, params["key"], src, True)
    else:
        if view == "getitem":
            dst = B.basic_index(z._data, params["key"])
        elif view == "diagonal":
            dst = B.diagonal(z._data, params["offset"], params["axis1"], params["axis2"])
            if getattr(dst, "flags", None) is not None and not dst.flags.writeable:
                dst.flags.writeable = True  # NumPy's diagonal views are read-only by default
        else:
            raise ValueError(view)
        B.kernel(B.get_op("copy_"), g._device, g._dtype)(dst, src)
    if g._ag is not None and B.MODES.grad_enabled and B.autograd_engine() is not None:
        B.autograd_engine().record(_EMBED, (g,), {"view": view, "params": params}, z)
    return z


def _embed_backward(ctx, g):
    from ._engine import apply_view
    return (apply_view(g, ctx.params["view"], ctx.params["params"]),)


RULES_PRIVATE = {"embed": Rule(_embed_backward, save="none", name="EmbedBackward0")}

# View rules save their input (the base): in-place changes to a view rebase the base's
# history through it. They never read it, so its version is not checked.


@rule("reshape", node="ViewBackward0")
def _reshape(ctx, g):
    return (g._reshape(ctx.shapes[0][0]),)


@rule("permute_dims", node="PermuteBackward0")
def _permute(ctx, g):
    axes = ctx.params["axes"]
    inv = [0] * len(axes)
    for i, a in enumerate(axes):
        inv[a] = i
    return (g.permute_dims(tuple(inv)),)


@rule("expand", node="ExpandBackward0")
def _expand(ctx, g):
    return (g,)  # the engine sums the broadcast dims


@rule("getitem", node="SliceBackward0")
def _getitem(ctx, g):
    return (embed(ctx.shapes[0][0], g, "getitem", ctx.params),)


@rule("diagonal", node="DiagonalBackward0")
def _diagonal(ctx, g):
    return (embed(ctx.shapes[0][0], g, "diagonal", ctx.params),)


@rule("index", save="none", node="IndexBackward0")
def _index(ctx, g):
    return (embed(ctx.shapes[0][0], g, "index", ctx.params),)


@rule("concat", save="none", node="CatBackward0")
def _concat(ctx, g):
    axis = ctx.params["axis"]
    out = []
    start = 0
    for need, meta in zip(ctx.needs, ctx.shapes):
        n = meta[0][axis]
        if need:
            out.append(g[(slice(None),) * axis + (slice(start, start + n),)])
        else:
            out.append(None)
        start += n
    return tuple(out)


@rule("sort", save="all", node="SortBackward0")
def _sort(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    idx = tn.argsort(x, axis=p["axis"], descending=p["descending"], stable=True)
    # out[..., j, ...] = x[..., idx[j], ...]: scatter g back through idx along the axis
    key = _along_axis_key(idx, p["axis"])
    return (embed(ctx.shapes[0][0], g, "index", {"key": key}),)


def _along_axis_key(idx, axis):
    """An advanced-index key that selects ``x[..., idx, ...]`` elementwise along ``axis``."""
    import numpy as np
    h = idx._host()
    nd = h.ndim
    key = []
    for d in range(nd):
        if d == axis:
            key.append(h)
        else:
            shp = [1] * nd
            shp[d] = h.shape[d]
            key.append(np.arange(h.shape[d]).reshape(shp))
    return tuple(key)
