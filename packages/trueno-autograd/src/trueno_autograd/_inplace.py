"""Helpers shared by the engine and the rules: fitting a gradient to its input's shape,
re-applying a recorded view, and the ``CopySlices`` rule of in-place writes into a view."""

from __future__ import annotations

import math

from trueno import Tensor
from trueno.backend import Op

from ._graph import Rule

__all__ = ["fit_shape", "apply_view", "PRIVATE_RULES"]


def fit_shape(r, shape):
    """Sum ``r`` over broadcast dims (or broadcast it) so that it has ``shape``."""
    rs = r._data.shape
    if rs == shape:
        return r
    from trueno import sum as _sum
    nd = len(shape)
    if len(rs) >= nd:
        lead = len(rs) - nd
        axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                          if n == 1 and rs[lead + i] != 1)
        if axes:
            r = _sum(r, axis=axes, keepdims=True)
        if lead:
            r = r._reshape(r.shape[lead:])
    if math.prod(r.shape) == math.prod(shape):
        return r._reshape(shape)
    return r.expand_to(shape)


def apply_view(x, op, p):
    """Apply the recorded view (or index) ``op`` with params ``p`` to ``x``."""
    if op == "reshape":
        return x._reshape(p["shape"])
    if op == "permute_dims":
        return x.permute_dims(p["axes"])
    if op == "expand":
        return x.expand_to(p["shape"])
    if op in ("getitem", "index"):
        # the Tensor's own __getitem__: the NumPy face's gives a NumPy scalar for a 0-d element
        return Tensor.__getitem__(x, p["key"])
    if op == "diagonal":
        return x.diagonal(p["offset"], p["axis1"], p["axis2"])
    raise ValueError(f"not a view op: {op}")


def _copy_slices(ctx, g):
    """The gradient of ``base[view] = value``: zero in the view for the old base, the view of
    the gradient for the value."""
    op, p = ctx.params["view"], ctx.params["params"]
    gb = gv = None
    if ctx.needs[0] and ctx.params.get("accumulate"):
        gb = g  # index_put with accumulate=True adds into the old values
    elif ctx.needs[0]:
        if op in ("getitem", "index"):
            gb = g.copy()
            gb[p["key"]] = 0
        elif op == "diagonal":
            from ._rules_views import embed
            gb = g - embed(g.shape, apply_view(g, op, p), op, p)
        else:
            gb = g.copy()
            apply_view(gb, op, p)[...] = 0
    if ctx.needs[1]:
        gv = apply_view(g, op, p)
    return gb, gv


_COPY_SLICES = Op("copy_slices", 2, accepts="any", shape="custom", numpy_name=None)
PRIVATE_RULES = {"copy_slices": Rule(_copy_slices, save="none", name="CopySlices")}
