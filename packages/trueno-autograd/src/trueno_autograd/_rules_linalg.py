"""Derivative rules of matmul and conv2d, and of the ``trueno.linalg`` ops when the table has
them (registered by name: an op that is not in the table is skipped)."""

from __future__ import annotations

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS

from ._graph import Rule

__all__ = ["RULES"]

RULES: dict[str, Rule] = {}


def rule(name, save="all", save_output=False, node=None):
    def deco(fn):
        RULES[name] = Rule(fn, save, save_output, node)
        return fn
    return deco


@rule("matmul", save=lambda needs: (needs[1], needs[0]), node="MmBackward0")
def _matmul(ctx, g):
    a, b = ctx.inputs
    # batch dims that were broadcast are summed by the engine
    return (g @ b.mT.conj() if ctx.needs[0] else None,
            a.mT.conj() @ g if ctx.needs[1] else None)


# -- conv2d ---------------------------------------------------------------------------------------
def _conv(x, w, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """conv2d through the dispatcher (recorded when building a graph of the backward)."""
    dt = x._dtype
    wd = X.cast_data(w, dt)
    return X.run(OPS["conv2d"], (x, w), (x._data, wd),
                 {"stride": tuple(stride), "padding": tuple(padding),
                  "dilation": tuple(dilation), "groups": groups},
                 x.__class__, x._device, dt)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (int(v), int(v))


@rule("conv2d", node="ConvolutionBackward0")
def _conv2d(ctx, g):
    x, w = ctx.inputs[0], ctx.inputs[1]
    p = ctx.params
    s, pad, d = _pair(p.get("stride", 1)), _pair(p.get("padding", 0)), _pair(p.get("dilation", 1))
    groups = int(p.get("groups", 1))
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    oh, ow = g.shape[2], g.shape[3]
    og = o // groups
    gx = gw = gb = None
    if ctx.needs[0]:
        # transposed convolution: the dilated gradient on a canvas, convolved with the
        # flipped, channel-transposed weight
        lh, lw = d[0] * (kh - 1), d[1] * (kw - 1)
        canvas = tn.zeros((n, o, h + 2 * pad[0] + lh, wd + 2 * pad[1] + lw), dtype=g.dtype,
                          device=g.device, cls=g.__class__)
        canvas[:, :, lh:lh + (oh - 1) * s[0] + 1:s[0], lw:lw + (ow - 1) * s[1] + 1:s[1]] = g
        wt = w._reshape((groups, og, cg, kh, kw)).permute_dims((0, 2, 1, 3, 4))
        wt = wt._reshape((groups * cg, og, kh, kw))[:, :, ::-1, ::-1]
        full = _conv(canvas, wt, dilation=d, groups=groups)
        gx = full[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd]
    if ctx.needs[1]:
        if pad != (0, 0):
            xp = tn.zeros((n, c, h + 2 * pad[0], wd + 2 * pad[1]), dtype=x.dtype,
                          device=x.device, cls=x.__class__)
            xp[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + wd] = x
        else:
            xp = x
        parts = []
        for gi in range(groups):
            xg = xp[:, gi * cg:(gi + 1) * cg].permute_dims((1, 0, 2, 3))
            gg = g[:, gi * og:(gi + 1) * og].permute_dims((1, 0, 2, 3))
            r = _conv(xg, gg, stride=d, dilation=s)[:, :, :kh, :kw]
            parts.append(r.permute_dims((1, 0, 2, 3)))
        gw = parts[0] if groups == 1 else tn.concat(parts, axis=0)
    if len(ctx.needs) > 2 and ctx.needs[2]:
        gb = tn.sum(g, axis=(0, 2, 3))
    return (gx, gw, gb)[:len(ctx.needs)]


# -- linalg (trueno.linalg), registered only for ops the table has ---------------------------
def _inv(ctx, g):
    y = ctx.output
    yh = y.mT.conj()
    return (-(yh @ g @ yh),)


def _det(ctx, g):
    x = ctx.inputs[0]
    y = ctx.output
    inv = _linalg_call("inv", x)
    return ((g * y.conj())[..., None, None] * inv.mT.conj(),)


def _solve(ctx, g):
    a, b = ctx.inputs
    y = ctx.output
    vec = y.ndim == b.ndim and y.ndim == a.ndim - 1
    gb = _linalg_call("solve", a.mT.conj(), g)
    if vec:
        ga = -(gb[..., :, None] @ y[..., None, :].conj())
    else:
        ga = -(gb @ y.mT.conj())
    return (ga if ctx.needs[0] else None, gb if ctx.needs[1] else None)


def _linalg_call(name, *args):
    import trueno.linalg as la
    return getattr(la, name)(*args)


_LINALG = {"inv": (_inv, "none", True, "LinalgInvExBackward0"),
           "det": (_det, "all", True, "LinalgDetBackward0"),
           "solve": (_solve, "all", True, "LinalgSolveExBackward0")}


def linalg_rules() -> dict[str, Rule]:
    """Rules for the linalg ops that are in the op table now."""
    out = {}
    for name, (fn, save, save_out, node) in _LINALG.items():
        if name in OPS:
            out[name] = Rule(fn, save, save_out, node)
    return out
