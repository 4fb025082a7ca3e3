"""Derivative rules of reductions, scans and the fused composites (softmax, log_softmax,
layer_norm), in trueno ops."""

from __future__ import annotations

import math

import trueno as tn
from trueno import backend as B

from ._graph import Rule

__all__ = ["RULES"]

RULES: dict[str, Rule] = {}


def rule(name, save="all", save_output=False, node=None):
    def deco(fn):
        RULES[name] = Rule(fn, save, save_output, node)
        return fn
    return deco


def _kshape(ctx):
    """The input shape with reduced axes set to 1 (the keepdims shape)."""
    shape = ctx.shapes[0][0]
    axis = ctx.params["axis"]
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _keep(t, ctx):
    """A reduced tensor (grad or output) reshaped to the keepdims shape."""
    if ctx.params.get("keepdims"):
        return t
    return t._reshape(_kshape(ctx))


def _count(ctx):
    shape = ctx.shapes[0][0]
    return math.prod(shape[a] for a in ctx.params["axis"])


@rule("sum", save="none")
def _sum(ctx, g):
    return (_keep(g, ctx).expand_to(ctx.shapes[0][0]),)


@rule("mean", save="none")
def _mean(ctx, g):
    n = _count(ctx)
    return ((_keep(g, ctx) / max(n, 1)).expand_to(ctx.shapes[0][0]),)


@rule("prod")
def _prod(ctx, g):
    # the product of all the *other* elements: exclusive cumulative products from both ends,
    # so that inputs with zeros get the right gradient (no division)
    x = ctx.inputs[0]
    axes = ctx.params["axis"]
    nd = x.ndim
    if not axes or x.numel() == 0:
        return (_keep(g, ctx).expand_to(x.shape),)
    perm = tuple(i for i in range(nd) if i not in axes) + tuple(axes)
    xt = x.permute_dims(perm)
    outer = xt.shape[:nd - len(axes)]
    flat = xt._reshape(outer + (-1,))
    one = tn.ones(outer + (1,), dtype=x.dtype, device=x.device, cls=x.__class__)
    left = tn.concat([one, tn.cumprod(flat, axis=-1)[..., :-1]], axis=-1)
    right = tn.concat([one, tn.cumprod(flat[..., ::-1], axis=-1)[..., :-1]], axis=-1)
    excl = left * right[..., ::-1]
    gk = g._reshape(outer + (1,))
    res = (gk * excl.conj())._reshape(xt.shape)
    inv = [0] * nd
    for i, a in enumerate(perm):
        inv[a] = i
    return (res.permute_dims(tuple(inv)),)


def _centered(ctx):
    x = ctx.inputs[0]
    return x - tn.mean(x, axis=ctx.params["axis"], keepdims=True)


@rule("var")
def _var(ctx, g):
    dof = max(_count(ctx) - ctx.params.get("correction", 0.0), 0)
    return (_keep(g, ctx) * (2.0 / dof if dof else math.nan) * _centered(ctx),)


@rule("std", save_output=True)
def _std(ctx, g):
    dof = max(_count(ctx) - ctx.params.get("correction", 0.0), 0)
    y = _keep(ctx.output, ctx)
    return (_keep(g, ctx) * _centered(ctx) / (y * (dof if dof else math.nan)),)


def _extreme(ctx, g, y):
    """Gradient of max/min: shared evenly among the elements equal to the result."""
    x = ctx.inputs[0]
    mask = x == y
    count = tn.sum(mask, axis=ctx.params["axis"], keepdims=True, dtype=x.dtype)
    return tn.where(mask, _keep(g, ctx) / count, 0.0)


@rule("max", save_output=True, node="MaxBackward1")
def _max(ctx, g):
    return (_extreme(ctx, g, _keep(ctx.output, ctx)),)


@rule("min", save_output=True, node="MinBackward1")
def _min(ctx, g):
    return (_extreme(ctx, g, _keep(ctx.output, ctx)),)


@rule("logsumexp", save_output=True)
def _logsumexp(ctx, g):
    x = ctx.inputs[0]
    return (_keep(g, ctx) * tn.exp(x - _keep(ctx.output, ctx)),)


@rule("vector_norm", save_output=True, node="LinalgVectorNormBackward0")
def _vector_norm(ctx, g):
    x = ctx.inputs[0]
    p = float(ctx.params.get("ord", 2.0))
    y = _keep(ctx.output, ctx)
    gk = _keep(g, ctx)
    if p == 0:
        return (x * 0.0,)
    if math.isinf(p):
        ax = tn.abs(x)
        mask = ax == y
        count = tn.sum(mask, axis=ctx.params["axis"], keepdims=True, dtype=ax.dtype)
        return (tn.where(mask, gk * _sgn(x) / count, 0.0),)
    if p == 2:
        return (tn.where(y == 0, 0.0, gk * x / y),)
    if p == 1:
        return (gk * _sgn(x),)
    ax = tn.abs(x)
    return (tn.where(y == 0, 0.0, gk * _sgn(x) * tn.pow(ax, p - 1.0) / tn.pow(y, p - 1.0)),)


def _sgn(x):
    if x._dtype.kind == "c":
        a = tn.abs(x)
        return tn.where(a == 0, 0.0, x / a)
    return tn.sign(x)


def _flip(t, axis):
    return t[(slice(None),) * axis + (slice(None, None, -1),)]


def _rev_cumsum(t, axis):
    return _flip(tn.cumsum(_flip(t, axis), axis=axis), axis)


@rule("cumsum", save="none")
def _cumsum(ctx, g):
    return (_rev_cumsum(g, ctx.params["axis"]),)


@rule("cumprod", save_output=True)
def _cumprod(ctx, g):
    x = ctx.inputs[0]
    # NOTE: divides by x, as prod's rule does; inputs with zeros get nan/inf.
    return (_rev_cumsum(g * ctx.output.conj(), ctx.params["axis"]) / x.conj(),)


@rule("softmax", save="none", save_output=True, node="SoftmaxBackward0")
def _softmax(ctx, g):
    y = ctx.output
    gy = g * y
    return (gy - y * tn.sum(gy, axis=ctx.params["axis"], keepdims=True),)


@rule("log_softmax", save="none", save_output=True, node="LogSoftmaxBackward0")
def _log_softmax(ctx, g):
    y = ctx.output
    return (g - tn.exp(y) * tn.sum(g, axis=ctx.params["axis"], keepdims=True),)


def _param_tensor(ctx, i, name, like):
    """Weight or bias of layer_norm: the tensor input if given, else the raw param array."""
    ins = ctx.inputs
    if len(ins) > i and ins[i] is not None:
        return ins[i]
    d = ctx.params.get(name)
    if d is None:
        return None
    return B.wrap(like.__class__, d, like._device)


def _lead_sum(t, nd):
    """``t`` summed over all but its last ``nd`` axes (layer_norm's weight and bias
    gradients). Float32/64 take a product with a row of ones: the CPU backend's sum over
    leading axes is ~10x slower than the matmul's (2.5 ms vs 0.1 ms for 4096 x 256)."""
    lead = t.ndim - nd
    if lead == 0:
        return t
    if t.dtype not in (tn.float32, tn.float64):
        return tn.sum(t, axis=tuple(range(lead)))
    tail = tuple(t.shape[lead:])
    rows = math.prod(t.shape[:lead])
    ones = tn.ones((1, rows), dtype=t.dtype, device=t.device, cls=t.__class__)
    return tn.reshape(tn.matmul(ones, tn.reshape(t, (rows, math.prod(tail)))), tail)


def _has_kernel(op, device, dtype) -> bool:
    """Whether ``op`` has a kernel for ``device`` and ``dtype`` (else its decomposition runs)."""
    try:
        B.kernel(op, device, dtype)
    except B.TruenoError:
        return False
    return True


@rule("layer_norm", node="NativeLayerNormBackward0")
def _layer_norm(ctx, g):
    x = ctx.inputs[0]
    dt = x._dtype
    row = B.get_op("layer_norm_backward")
    # create_graph: a graph of trueno ops, differentiable again. A device without a kernel
    # of the row keeps that expression too (its fused layer_norm and the matmul lead sums
    # rather than the row's decomposition).
    if B.MODES.grad_enabled or not _has_kernel(row, x._device, dt):
        return _layer_norm_graph(ctx, g)
    # one node: the layer_norm_backward row gives the three gradients in one call (the SIMD
    # backend's fused kernel: one pass over x and g per row block)
    w = _param_tensor(ctx, 1, "weight", x)
    gd = g._data if g._dtype is dt else B.cast_data(g, dt)
    wd = None if w is None else w._data if w._dtype is dt else B.cast_data(w, dt)
    gx, gw, gb = B.run(row, (x, g, w), (x._data, gd, wd),
                       {"normalized_ndim": ctx.params["normalized_ndim"],
                        "eps": ctx.params.get("eps", 1e-5)}, x.__class__, x._device, dt)
    return tuple(t if need else None for t, need in zip((gx, gw, gb), ctx.needs))


def _layer_norm_graph(ctx, g):
    """layer_norm's gradients as trueno ops (recorded when create_graph is on)."""
    x = ctx.inputs[0]
    nd = ctx.params["normalized_ndim"]
    eps = ctx.params.get("eps", 1e-5)
    axes = tuple(range(x.ndim - nd, x.ndim))
    # the normalised input by the row itself without the affine (one fused pass where the
    # backend has a kernel) and the variance by var (another): not mean, centre, square,
    # mean and scale, five full-size passes
    rstd = 1.0 / tn.sqrt(tn.var(x, axis=axes, keepdims=True) + eps)
    xhat = B.run(B.get_op("layer_norm"), (x,), (x._data,),
                 {"normalized_ndim": nd, "weight": None, "bias": None, "eps": eps},
                 x.__class__, x._device, x.dtype)
    w = _param_tensor(ctx, 1, "weight", x)
    gxh = g * w if w is not None else g
    gx = None
    if ctx.needs[0]:
        gx = rstd * (gxh - tn.mean(gxh, axis=axes, keepdims=True)
                     - xhat * tn.mean(gxh * xhat, axis=axes, keepdims=True))
    needs = ctx.needs
    gw = _lead_sum(g * xhat, nd) if len(needs) > 1 and needs[1] else None
    gb = _lead_sum(g, nd) if len(needs) > 2 and needs[2] else None
    return (gx, gw, gb)[:len(needs)]
