"""Decompositions of the composite reductions and neural-network rows into primitives:
``mean``, ``var``, ``std``, ``any``, ``all``, ``logsumexp``, ``vector_norm``, ``softmax``,
``log_softmax``, ``layer_norm``, ``layer_norm_backward``, ``batch_norm_training``,
``batch_norm_backward``, ``cross_entropy_forward``, ``cross_entropy_backward``, ``addcmul``,
``sigmoid``, ``gelu``, ``silu``, ``relu``, ``conv2d`` (docs/design.md §2.1). Fused kernels
of these rows (the SIMD and GPU backends') are optional overrides, tested against these
functions (tests/test_decompositions.py).

Each takes the op's inputs as the caller passed them and the row's parameters (``axis`` is a
tuple of non-negative axes for the reductions, an int for softmax), as its kernels do.
"""

from __future__ import annotations

import math

from . import _dispatch as X
from . import _dtypes as D
from ._decompositions import (
    _abs, _add, _div, _mul, _neg, _sub, _tanh_real, _truth, astype, binary, finish, floats,
    reduce, unary, where,
)

__all__ = ["sigmoid", "gelu", "silu", "relu", "mean", "var", "std", "any", "all", "logsumexp",
           "vector_norm", "softmax", "log_softmax", "layer_norm", "layer_norm_backward", "addcmul",
           "conv2d", "batch_norm_training", "batch_norm_backward", "cross_entropy_forward",
           "cross_entropy_backward", "threshold_backward"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _reduce_floats(x):
    """``x`` cast for a float reduction's body and the result dtype: integers and bool
    reduce in the default float (as ``_reduction._reduce``), float16/bfloat16 in float32."""
    dt = x._dtype
    ct = dt if dt.kind in "fc" else x.__class__._default_float
    bt = D.float32 if ct in (D.float16, D.bfloat16) else ct
    return astype(x, bt), ct


def _real(dt):
    return {D.complex64: D.float32, D.complex128: D.float64}.get(dt, dt)


def _count(x, axis) -> int:
    return math.prod(x.shape[a] for a in axis)


def _squeeze(r, axis):
    return r._reshape(tuple(n for i, n in enumerate(r.shape) if i not in axis))


# --- activations ---------------------------------------------------------------------------

def _sigmoid(x):
    """Stable on both tails: exp of a non-positive number only."""
    e = unary("exp", _neg(_abs(x)))
    one_e = _add(e, 1.0)
    return where(binary("less_equal", 0.0, x), _div(1.0, one_e), _div(e, one_e))


def sigmoid(x):
    """``1 / (1 + exp(-x))``, from ``exp(-|x|)``."""
    (xc,), rt = floats("sigmoid", x)
    return finish(_sigmoid(xc), rt)


def gelu(x, approximate="none"):
    """``x/2 (1 + erf(x / sqrt 2))``, or with ``approximate="tanh"``
    ``x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    (xc,), rt = floats("gelu", x)
    if approximate == "tanh":
        inner = _mul(_add(xc, _mul(_mul(_mul(xc, xc), xc), 0.044715)), _SQRT_2_OVER_PI)
        t = _tanh_real(inner)
    else:
        t = unary("erf", _div(xc, math.sqrt(2.0)))
    return finish(_mul(_mul(xc, 0.5), _add(t, 1.0)), rt)


def silu(x):
    """``x * sigmoid(x)``."""
    (xc,), rt = floats("silu", x)
    return finish(_mul(xc, _sigmoid(xc)), rt)


def relu(x):
    """``0 where x <= 0, else x`` (NaN stays NaN): as a ``where``, autograd differentiates it
    as PyTorch's relu (gradient 0 at x = 0; ``maximum`` would split a tie 0.5/0.5)."""
    return where(binary("less_equal", x, 0), 0, x)


def threshold_backward(grad, x, *, threshold=0.0):
    """``grad`` where ``x > threshold`` or ``x`` is NaN, else 0 (PyTorch's
    ``x <= threshold ? 0 : grad``; threshold in ``x``'s dtype)."""
    t = x._dtype.numpy.type(threshold).item()
    return where(binary("less_equal", x, t), 0.0, grad)


def addcmul(x, tensor1, tensor2, value=1.0):
    """``x + value * tensor1 * tensor2`` (``value`` in the inputs' dtype, as the kernel)."""
    dt = D.promote(D.promote(x._dtype, tensor1._dtype), tensor2._dtype)
    v = dt.numpy.type(value).item()
    return _add(astype(x, dt), _mul(_mul(astype(tensor1, dt), v), astype(tensor2, dt)))


# --- reductions ----------------------------------------------------------------------------

def mean(x, axis, keepdims, dtype=None):
    """``sum(x) / n`` (float16/bfloat16 accumulate in float32)."""
    ct = D.as_dtype(dtype) if dtype is not None else _reduce_floats(x)[1]
    bt = D.float32 if ct in (D.float16, D.bfloat16) else ct
    s = reduce("sum", astype(x, bt), axis, keepdims, bt)
    return finish(_div(s, _count(x, axis)), ct)


def _var(x, axis, keepdims, correction):
    xc, ct = _reduce_floats(x)
    n = _count(x, axis)
    m = _div(reduce("sum", xc, axis, True, xc._dtype), n)
    d = _sub(xc, m)
    sq = unary("real", _mul(d, unary("conj", d))) if d._dtype.kind == "c" else _mul(d, d)
    v = _div(reduce("sum", sq, axis, keepdims, sq._dtype), max(n - correction, 0))
    return v, _real(ct)


def var(x, axis, keepdims, correction=0.0):
    """``sum(|x - mean|^2) / (n - correction)``."""
    v, rt = _var(x, axis, keepdims, correction)
    return finish(v, rt)


def std(x, axis, keepdims, correction=0.0):
    """``sqrt(var)``."""
    v, rt = _var(x, axis, keepdims, correction)
    return finish(unary("sqrt", v), rt)


def any(x, axis, keepdims):  # noqa: A001
    """Whether any element is true: ``0 < sum(bool(x))``."""
    return binary("less", 0, reduce("sum", _truth(x), axis, keepdims, D.int64))


def all(x, axis, keepdims):  # noqa: A001
    """Whether every element is true: ``sum(~bool(x)) == 0``."""
    falses = unary("bitwise_invert", _truth(x))
    return binary("equal", reduce("sum", falses, axis, keepdims, D.int64), 0)


def logsumexp(x, axis, keepdims):
    """``log(sum(exp(x - m))) + m`` with ``m`` the (finite) maximum."""
    xc, ct = _reduce_floats(x)
    if x.numel() == 0:
        return finish(unary("log", reduce("sum", unary("exp", xc), axis, keepdims,
                                          xc._dtype)), ct)
    m = reduce("max", xc, axis, True)
    finite = unary("bitwise_invert", binary("bitwise_or", unary("isnan", m),
                                            unary("isinf", m)))
    m = where(finite, m, 0.0)
    out = _add(unary("log", reduce("sum", unary("exp", _sub(xc, m)), axis, True,
                                   xc._dtype)), m)
    return finish(out if keepdims else _squeeze(out, axis), ct)


def vector_norm(x, axis, keepdims, ord=2.0):  # noqa: A002
    """``sum(|x|^ord)^(1/ord)``; ord 2: ``sqrt(sum(|x|^2))``, inf/-inf: max/min of
    ``|x|`` (inf of an empty array is 0), 0: the number of non-zeros."""
    xc, ct = _reduce_floats(x)
    a = _abs(xc)
    rt = _real(ct)
    if ord == 2:
        out = unary("sqrt", reduce("sum", _mul(a, a), axis, keepdims, a._dtype))
    elif ord == math.inf and _count(x, axis) == 0:
        out = reduce("sum", a, axis, keepdims, a._dtype)
    elif ord == math.inf:
        out = reduce("max", a, axis, keepdims)
    elif ord == -math.inf:
        out = reduce("min", a, axis, keepdims)
    elif ord == 0:
        nz = unary("bitwise_invert", binary("equal", a, 0.0))
        out = astype(reduce("sum", nz, axis, keepdims, D.int64), a._dtype)
    else:
        out = binary("pow", reduce("sum", binary("pow", a, ord), axis, keepdims, a._dtype),
                     1.0 / ord)
    return finish(out, rt)


def softmax(x, axis):
    """``e / sum(e)`` with ``e = exp(x - max(x))`` along ``axis``."""
    (xc,), rt = floats("softmax", x)
    ax = (axis,) if x.ndim else ()
    e = unary("exp", _sub(xc, reduce("max", xc, ax, True)))
    return finish(_div(e, reduce("sum", e, ax, True, e._dtype)), rt)


def log_softmax(x, axis):
    """``s - log(sum(exp(s)))`` with ``s = x - max(x)`` along ``axis``."""
    (xc,), rt = floats("log_softmax", x)
    ax = (axis,) if x.ndim else ()
    s = _sub(xc, reduce("max", xc, ax, True))
    return finish(_sub(s, unary("log", reduce("sum", unary("exp", s), ax, True, s._dtype))),
                  rt)


def layer_norm(x, w=None, b=None, *, normalized_ndim, weight=None, bias=None, eps=1e-5):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last ``normalized_ndim``
    axes. The weight and bias are tensor inputs (recorded by autograd) or raw device arrays
    in the parameters."""
    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc = astype(x, bt)
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    n = _count(x, axes)
    mu = _div(reduce("sum", xc, axes, True, bt), n)
    d = _sub(xc, mu)
    v = _div(reduce("sum", _mul(d, d), axes, True, bt), n)
    out = _div(d, unary("sqrt", _add(v, eps)))
    for t, raw, op in ((w, weight, _mul), (b, bias, _add)):
        if t is None and raw is not None:
            t = X.wrap(x.__class__, raw, x._device)
        if t is not None:
            out = op(out, astype(t, bt))
    return finish(out, dt)


def layer_norm_backward(x, g, weight=None, *, normalized_ndim, eps=1e-5):
    """``(gx, gw, gb)`` for layer_norm's output gradient ``g``: ``gx = rstd * (g*w - mean(g*w)
    - xhat * mean(g*w*xhat))`` over the last ``normalized_ndim`` axes, and the sums of
    ``g * xhat`` and ``g`` over the leading axes (the weight's and the bias's gradients)."""
    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc, gc = astype(x, bt), astype(g, bt)
    axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
    lead = tuple(range(x.ndim - normalized_ndim))
    n = _count(x, axes)
    mu = _div(reduce("sum", xc, axes, True, bt), n)
    d = _sub(xc, mu)
    rstd = _div(1.0, unary("sqrt", _add(_div(reduce("sum", _mul(d, d), axes, True, bt), n),
                                          eps)))
    xhat = _mul(d, rstd)
    h = gc if weight is None else _mul(gc, astype(weight, bt))
    a = _div(reduce("sum", h, axes, True, bt), n)
    b = _div(reduce("sum", _mul(h, xhat), axes, True, bt), n)
    gx = _mul(rstd, _sub(_sub(h, a), _mul(xhat, b)))
    gw = reduce("sum", _mul(gc, xhat), lead, False, bt)
    gb = reduce("sum", gc, lead, False, bt)
    return finish(gx, dt), finish(gw, dt), finish(gb, dt)


def _bn_layout(x):
    """batch_norm's reduced axes (all but the channel axis 1), its count and the broadcast
    shape of a per-channel (C,) vector."""
    axes = (0,) + tuple(range(2, x.ndim))
    return axes, _count(x, axes), (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _bn_vec(t, bt, shape):
    return None if t is None else astype(t, bt)._reshape(shape)


def batch_norm_training(x, weight=None, bias=None, *, eps=1e-5):
    """``(out, mean, var, rstd)``: ``x`` (N, C, ...) normalised per channel (axis 1) by its
    batch mean and biased variance, ``out = (x - mean) * (rstd * weight) + bias`` with
    ``rstd = 1 / sqrt(var + eps)``; ``mean``, ``var`` and ``rstd`` are (C,). float16/bfloat16
    compute in float32 and round once."""
    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc = astype(x, bt)
    axes, n, shape = _bn_layout(x)
    c = x.shape[1]
    mean = _div(reduce("sum", xc, axes, True, bt), n)
    d = _sub(xc, mean)
    var = _div(reduce("sum", _mul(d, d), axes, True, bt), n)
    rstd = _div(1.0, unary("sqrt", _add(var, eps)))
    w, b = _bn_vec(weight, bt, shape), _bn_vec(bias, bt, shape)
    out = _mul(d, rstd if w is None else _mul(rstd, w))
    if b is not None:
        out = _add(out, b)
    return (finish(out, dt), *(finish(t._reshape((c,)), dt) for t in (mean, var, rstd)))


def batch_norm_backward(x, g, mean, rstd, weight=None):
    """``(gx, gw, gb)`` of training batch_norm for the output gradient ``g``, from the
    forward's per-channel ``mean`` and ``rstd``: PyTorch's closed form ``gx = (g - sum(g) / n -
    (x - mean) rstd^2 sum(g (x - mean)) / n) rstd weight``, ``gw = rstd sum(g (x - mean))``,
    ``gb = sum(g)`` (sums over every axis but 1, n their count)."""
    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc, gc = astype(x, bt), astype(g, bt)
    axes, n, shape = _bn_layout(x)
    c = x.shape[1]
    m, r, w = _bn_vec(mean, bt, shape), _bn_vec(rstd, bt, shape), _bn_vec(weight, bt, shape)
    d = _sub(xc, m)
    gsum = reduce("sum", gc, axes, True, bt)
    dotp = reduce("sum", _mul(gc, d), axes, True, bt)
    proj = _mul(dotp, _div(_mul(r, r), n))
    gx = _mul(_sub(_sub(gc, _div(gsum, n)), _mul(d, proj)), r if w is None else _mul(r, w))
    return (finish(gx, dt), finish(_mul(dotp, r)._reshape((c,)), dt),
            finish(gsum._reshape((c,)), dt))


def _ce_rows(x, target, weight, ignore_index, bt):
    """cross_entropy's class axis, the weight of each target (0 where ignored: the weight of
    its class, else 1), the targets with the ignored ones at class 0, and which are not
    ignored."""
    from ._gather_scatter import _device_checks, gather_checked

    cdim = 1 if x.ndim > 1 else 0
    valid = unary("bitwise_invert", binary("equal", target, ignore_index))
    safe = where(valid, target, 0)
    if not _device_checks(safe._device):  # the gathers below check the index on a device
        # that can; here a negative class (which NumPy's gather wraps) raises as PyTorch's
        t = safe._host()
        if t.size and t.min() < 0:
            from ._errors import TruenoIndexError
            raise TruenoIndexError(f"cross_entropy: target {int(t.min())} is out of bounds "
                                   f"for {x.shape[cdim]} classes")
    w = astype(valid, bt)
    if weight is not None:  # a gather (PyTorch's rule: no negative class), not weight[safe]
        wt = gather_checked(astype(weight, bt), 0, safe._reshape((-1,)), False)
        w = _mul(w, wt._reshape(safe.shape))
    return cdim, w, safe, valid


def _unsqueeze(t, axis):
    return t._reshape(t.shape[:axis] + (1,) + t.shape[axis:])


def cross_entropy_forward(x, target, weight=None, *, ignore_index=-100, reduction="mean"):
    """``(loss, lse, denom)`` of cross_entropy with class indices: ``x`` (C,) or (N, C, ...)
    logits, ``target`` () or (N, ...) classes; ``lse`` the logsumexp over the class axis
    (the target's shape), ``loss = -w (x_t - lse)`` per target (``reduction="none"``), its
    sum, or its sum over ``denom = sum(w)`` (``"mean"``); ``w`` is the target class's weight
    (1 without ``weight``), 0 where the target is ``ignore_index``. A target out of range
    raises IndexError (on the GPU at the next sync)."""
    from ._gather_scatter import gather_checked

    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc = astype(x, bt)
    cdim, w, safe, _ = _ce_rows(x, target, weight, ignore_index, bt)
    m = reduce("max", xc, (cdim,), True)
    lse = _add(unary("log", reduce("sum", unary("exp", _sub(xc, m)), (cdim,), True, bt)), m)
    picked = gather_checked(xc, cdim, _unsqueeze(safe, cdim), False)
    lse, picked = _squeeze(lse, (cdim,)), _squeeze(picked, (cdim,))
    lw = _neg(_mul(_sub(picked, lse), w))
    every = tuple(range(target.ndim))
    denom = reduce("sum", w, every, False, bt)
    if reduction == "none":
        loss = lw
    else:
        loss = reduce("sum", lw, every, False, bt)
        if reduction == "mean":
            loss = _div(loss, denom)
    return finish(loss, dt), finish(lse, dt), finish(denom, dt)


def cross_entropy_backward(x, target, weight, lse, g, denom, *, ignore_index=-100,
                           reduction="mean"):
    """The gradient of ``cross_entropy_forward``'s loss for its gradient ``g`` (0-d, or the
    target's shape for ``reduction="none"``): ``(softmax(x) - onehot(target)) w g``, divided
    by ``denom`` for ``"mean"`` (PyTorch's nll_loss backward through log_softmax's), 0 for an
    ignored target."""
    from ._creation import arange

    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc = astype(x, bt)
    cdim, w, safe, valid = _ce_rows(x, target, weight, ignore_index, bt)
    gc = astype(g, bt)
    # an ignored target's gradient is 0, not 0 * (g / denom): denom is 0 when all are
    s = where(valid, _mul(w, _div(gc, astype(denom, bt)) if reduction == "mean" else gc), 0.0)
    p = unary("exp", _sub(xc, _unsqueeze(astype(lse, bt), cdim)))
    ids = arange(x.shape[cdim], device=x._device, cls=x.__class__)
    ids = ids._reshape((x.shape[cdim],) + (1,) * (x.ndim - cdim - 1))
    onehot = astype(binary("equal", ids, _unsqueeze(safe, cdim)), bt)
    return finish(_mul(_sub(p, onehot), _unsqueeze(s, cdim)), dt)


def conv2d(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """NCHW input, OIHW weight: one ``matmul`` per kernel tap of the (padded, strided,
    dilated) input window view, summed; groups side by side; ``bias`` (a raw device array
    in the parameters, as the kernels take it) added per output channel."""
    from ._creation import zeros
    from ._linalg_ops import matmul
    from ._manipulation import concat

    dt = x._dtype
    bt = D.float32 if dt in (D.float16, D.bfloat16) else dt
    xc, wc = astype(x, bt), astype(weight, bt)
    n, c_in, h, w = x.shape
    c_out, cg, kh, kw = weight.shape
    (s0, s1), (p0, p1), (d0, d1) = stride, padding, dilation
    if p0 or p1:
        padded = zeros((n, c_in, h + 2 * p0, w + 2 * p1), dtype=bt, device=x._device,
                       cls=x.__class__)
        padded[:, :, p0:p0 + h, p1:p1 + w] = xc  # copy_ (and index_put for autograd)
        xc = padded
    oh = (h + 2 * p0 - d0 * (kh - 1) - 1) // s0 + 1
    ow = (w + 2 * p1 - d1 * (kw - 1) - 1) // s1 + 1
    og = c_out // groups
    outs = []
    for g in range(groups):
        xg, wg = xc[:, g * cg:(g + 1) * cg], wc[g * og:(g + 1) * og]
        acc = None
        for i in range(kh):
            for j in range(kw):
                tap = xg[:, :, i * d0:i * d0 + s0 * (oh - 1) + 1:s0,
                         j * d1:j * d1 + s1 * (ow - 1) + 1:s1]
                term = matmul(wg[:, :, i, j], tap._reshape((n, cg, oh * ow)))
                acc = term if acc is None else _add(acc, term)
        outs.append(acc)
    out = (outs[0] if groups == 1 else concat(outs, axis=1))._reshape((n, c_out, oh, ow))
    if bias is not None:
        b = bias if isinstance(bias, X.Tensor) else X.wrap(x.__class__, bias, x._device)
        out = _add(out, astype(b, bt)._reshape((1, c_out, 1, 1)))
    return finish(out, dt)
