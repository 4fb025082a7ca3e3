"""Derivative rules of the elementwise ops, written in trueno ops so that they run on every
device and build a graph themselves when ``create_graph=True``.

A rule gets the node (``ctx.inputs``, ``ctx.output``, ``ctx.params``, ``ctx.needs``) and the
output gradient ``g``, and returns one gradient per input. The engine sums broadcast dims and
casts to each input's dtype, so rules do neither. relu's rule computes on the NumPy arrays of
a CPU tensor when no graph is recorded (``_relu_host``).
"""

from __future__ import annotations

import math

import numpy as np

import trueno as tn
from trueno import backend as B

from ._graph import Rule

__all__ = ["RULES"]

RULES: dict[str, Rule] = {}
_WHERE = B.get_op("where")


def rule(name, save="all", save_output=False, node=None):
    def deco(fn):
        RULES[name] = Rule(fn, save, save_output, node)
        return fn
    return deco


def _x(ctx):
    return ctx.inputs[0]


# -- one input ------------------------------------------------------------------------------------
@rule("negative", save="none")
def _negative(ctx, g):
    return (-g,)


@rule("positive", save="none")
def _positive(ctx, g):
    return (g,)


@rule("conj", save="none")
def _conj(ctx, g):
    return (g.conj(),)


@rule("real", save="none")
def _real(ctx, g):
    return (g,)


@rule("imag", save="none")
def _imag(ctx, g):
    dt = ctx.shapes[0][1]
    if dt.kind != "c":
        return (g * 0.0,)
    return (g * 1j,)


@rule("square")
def _square(ctx, g):
    return (g * (2.0 * _x(ctx).conj()),)


@rule("abs")
def _abs(ctx, g):
    x = _x(ctx)
    if x._dtype.kind == "c":
        a = tn.abs(x)
        return (tn.where(a == 0, 0.0, g * x / a),)
    return (g * tn.sign(x),)


@rule("exp", save="none", save_output=True)
def _exp(ctx, g):
    return (g * ctx.output.conj(),)


@rule("expm1", save="none", save_output=True)
def _expm1(ctx, g):
    return (g * (ctx.output + 1.0),)


@rule("log")
def _log(ctx, g):
    return (g / _x(ctx).conj(),)


@rule("log2")
def _log2(ctx, g):
    return (g / (_x(ctx) * math.log(2.0)),)


@rule("log10")
def _log10(ctx, g):
    return (g / (_x(ctx) * math.log(10.0)),)


@rule("log1p")
def _log1p(ctx, g):
    return (g / (_x(ctx) + 1.0),)


@rule("sqrt", save="none", save_output=True)
def _sqrt(ctx, g):
    return (g / (2.0 * ctx.output.conj()),)


@rule("reciprocal", save="none", save_output=True)
def _reciprocal(ctx, g):
    y = ctx.output
    return (-g * (y * y).conj(),)


@rule("sin")
def _sin(ctx, g):
    return (g * tn.cos(_x(ctx)),)


@rule("cos")
def _cos(ctx, g):
    return (-g * tn.sin(_x(ctx)),)


@rule("tan", save="none", save_output=True)
def _tan(ctx, g):
    y = ctx.output
    return (g * (1.0 + y * y),)


@rule("atan")
def _atan(ctx, g):
    x = _x(ctx)
    return (g / (1.0 + x * x),)


@rule("sinh")
def _sinh(ctx, g):
    return (g * tn.cosh(_x(ctx)),)


@rule("cosh")
def _cosh(ctx, g):
    return (g * tn.sinh(_x(ctx)),)


@rule("tanh", save="none", save_output=True)
def _tanh(ctx, g):
    y = ctx.output
    return (g * (1.0 - y * y),)


@rule("asinh")
def _asinh(ctx, g):
    x = _x(ctx)
    return (g / tn.sqrt(x * x + 1.0),)


@rule("asin")
def _asin(ctx, g):
    x = _x(ctx)
    return (g / tn.sqrt(1.0 - x * x),)


@rule("acos")
def _acos(ctx, g):
    x = _x(ctx)
    return (-g / tn.sqrt(1.0 - x * x),)


@rule("atanh")
def _atanh(ctx, g):
    x = _x(ctx)
    return (g / (1.0 - x * x),)


@rule("acosh")
def _acosh(ctx, g):
    x = _x(ctx)
    return (g / tn.sqrt(x * x - 1.0),)


@rule("sigmoid", save="none", save_output=True)
def _sigmoid(ctx, g):
    y = ctx.output
    return (g * (y * (1.0 - y)),)


@rule("erf")
def _erf(ctx, g):
    x = _x(ctx)
    return (g * (2.0 / math.sqrt(math.pi)) * tn.exp(-(x * x)),)


@rule("relu", save="none", save_output=True)
def _relu(ctx, g):
    # PyTorch's threshold_backward: 0 where out <= 0, else g. A relu output is >= 0 or NaN,
    # so that is ``out != 0`` (a NaN output passes its gradient on, as PyTorch's does).
    out = ctx.output
    if not B.MODES.grad_enabled:
        host = _relu_host(out._data, g)
        if host is not None:
            return (B.wrap(g.__class__, host, out._device, None, g._dtype),)
    if out._device.type != "cpu":
        if not B.MODES.grad_enabled and g._dtype is out._dtype and g._device is out._device:
            # the row threshold_backward: one launch where the device has its kernel (else
            # its decomposition: a compare and a where)
            return (B.run(_THRESHOLD_BACKWARD, (g, out), (g._data, out._data),
                          {"threshold": 0.0}, g.__class__, g._device, g._dtype),)
        # create_graph (recorded ops): a cached 0-d zero, broadcast by the where kernel,
        # instead of a new zeros array per call; the scalar 0.0 would be uploaded as an
        # array on every call
        return (tn.where(tn.not_equal(out, 0), g, _zero(g)),)
    # A zeros array rather than the scalar 0.0: where() with three same-shape operands is
    # the kernels' fast path (30x faster than broadcasting a scalar on the CPU backends).
    return (tn.where(out != 0, g, tn.zeros_like(g)),)


_THRESHOLD_BACKWARD = B.get_op("threshold_backward")
_ZEROS: dict = {}  # (class, device, dtype) -> a 0-d zero of them, never handed out


def _zero(g):
    """A 0-d zero of ``g``'s class, device and dtype (read by kernels, never written)."""
    key = (g.__class__, g._device, g._dtype)
    z = _ZEROS.get(key)
    if z is None:
        z = _ZEROS[key] = tn.zeros((), dtype=g._dtype, device=g._device, cls=g.__class__)
    return z


_HOST_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _relu_host(out, g):
    """relu's input gradient on the NumPy arrays of a CPU float tensor, C-contiguous ``out``
    and ``g`` of one shape and dtype (else None): one compare and one ``where`` of the CPU
    backend, whose zeros operand is one row broadcast over the leading dim, so the kernel
    reads no full-size zeros array (its fast path wants each row contiguous)."""
    gd = g._data
    if out.__class__ is not np.ndarray or gd.__class__ is not np.ndarray or \
            out.dtype not in _HOST_FLOATS or gd.dtype != out.dtype or gd.shape != out.shape \
            or not (out.flags.c_contiguous and gd.flags.c_contiguous) or out.ndim == 0:
        return None
    mask = np.not_equal(out, 0)
    rows = out.shape[0] if out.ndim > 1 else 1
    shape = (rows, out.size // rows) if rows else (0, 0)
    zero_row = np.zeros(shape[1], out.dtype)
    where = B.kernel(_WHERE, B.CPU, B.dtype_of(out.dtype))
    res = where(mask.reshape(shape), gd.reshape(shape), zero_row)
    return np.asarray(res).reshape(out.shape)


@rule("gelu")
def _gelu(ctx, g):
    x = _x(ctx)
    if ctx.params.get("approximate", "none") == "tanh":
        c = math.sqrt(2.0 / math.pi)
        x2 = x * x
        inner = c * (x + 0.044715 * x2 * x)
        t = tn.tanh(inner)
        d_inner = c * (1.0 + 3 * 0.044715 * x2)
        return (g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner),)
    cdf = 0.5 * (1.0 + tn.erf(x * (1.0 / math.sqrt(2.0))))
    pdf = tn.exp(-0.5 * (x * x)) * (1.0 / math.sqrt(2.0 * math.pi))
    return (g * (cdf + x * pdf),)


@rule("silu")
def _silu(ctx, g):
    x = _x(ctx)
    s = tn.sigmoid(x)
    return (g * (s * (1.0 + x * (1.0 - s))),)


@rule("astype", save="none", node="ToCopyBackward0")
def _astype(ctx, g):
    return (g,)


@rule("contiguous", save="none", node="CloneBackward0")
def _contiguous(ctx, g):
    return (g,)


@rule("to_device", save="none", node="ToCopyBackward0")
def _to_device(ctx, g):
    return (g.to_device(ctx.params["device"]),)


# -- two inputs -------------------------------------------------------------------------------
@rule("add", save="none")
def _add(ctx, g):
    return g, g


@rule("subtract", save="none", node="SubBackward0")
def _subtract(ctx, g):
    return g, (-g if ctx.needs[1] else None)


@rule("multiply", save=lambda needs: (needs[1], needs[0]), node="MulBackward0")
def _multiply(ctx, g):
    a, b = ctx.inputs
    needs = ctx.needs  # (conj only where complex: the most common rule, one call less each)
    return (None if not needs[0] else g * b if b._dtype.kind != "c" else g * b.conj(),
            None if not needs[1] else g * a if a._dtype.kind != "c" else g * a.conj())


@rule("divide", save=lambda needs: (needs[1], True), node="DivBackward0")
def _divide(ctx, g):
    a, b = ctx.inputs
    bc = b.conj()
    ga = g / bc if ctx.needs[0] else None
    gb = -g * a.conj() / (bc * bc) if ctx.needs[1] else None
    return ga, gb


@rule("remainder", save=lambda needs: (needs[1], needs[1]))
def _remainder(ctx, g):
    # a - b * floor(a / b): 1 for a, -floor(a / b) for b (PyTorch's rule)
    a, b = ctx.inputs
    return (g if ctx.needs[0] else None,
            -g * tn.floor(a / b) if ctx.needs[1] else None)


@rule("pow", save="all", save_output=True)
def _pow(ctx, g):
    a, b = ctx.inputs
    ga = gb = None
    if ctx.needs[0]:
        # d/da a**b = b * a**(b-1); 0 where b == 0 (PyTorch's masking)
        ga = tn.where(b == 0, 0.0, g * b * tn.pow(a, b - 1.0))
    if ctx.needs[1]:
        y = ctx.output
        # d/db a**b = a**b * log(a); 0 where a == 0 and b >= 0
        safe = tn.where(a == 0, 1.0, a)
        gb = tn.where((a == 0) & (b >= 0), 0.0, g * y * tn.log(safe))
    return ga, gb


def _tie_split(g, win, tie):
    """``g`` where ``win``, half of it on ties, 0 elsewhere (PyTorch's maximum/minimum)."""
    return tn.where(tie, g * 0.5, tn.where(win, g, 0.0))


@rule("maximum")
def _maximum(ctx, g):
    a, b = ctx.inputs
    tie = a == b
    return (_tie_split(g, a > b, tie) if ctx.needs[0] else None,
            _tie_split(g, b > a, tie) if ctx.needs[1] else None)


@rule("minimum")
def _minimum(ctx, g):
    a, b = ctx.inputs
    tie = a == b
    return (_tie_split(g, a < b, tie) if ctx.needs[0] else None,
            _tie_split(g, b < a, tie) if ctx.needs[1] else None)


@rule("atan2")
def _atan2(ctx, g):
    y, x = ctx.inputs
    d = x * x + y * y
    return (g * x / d if ctx.needs[0] else None,
            -g * y / d if ctx.needs[1] else None)


@rule("hypot", save="all", save_output=True)
def _hypot(ctx, g):
    a, b = ctx.inputs
    h = ctx.output
    return (g * a / h if ctx.needs[0] else None,
            g * b / h if ctx.needs[1] else None)


@rule("logaddexp", save="all", save_output=True)
def _logaddexp(ctx, g):
    a, b = ctx.inputs
    y = ctx.output
    return (g * tn.exp(a - y) if ctx.needs[0] else None,
            g * tn.exp(b - y) if ctx.needs[1] else None)


@rule("copysign", save="all", save_output=True)
def _copysign(ctx, g):
    a, _ = ctx.inputs
    y = ctx.output
    safe = tn.where(a == 0, 1.0, a)
    return (tn.where(a == 0, 0.0, g * y / safe) if ctx.needs[0] else None,
            g * 0.0 if ctx.needs[1] else None)


@rule("where", save=lambda needs: (True, False, False), node="WhereBackward0")
def _where(ctx, g):
    cond = ctx.inputs[0]
    return (None,
            tn.where(cond, g, 0.0) if ctx.needs[1] else None,
            tn.where(cond, 0.0, g) if ctx.needs[2] else None)


@rule("clip", node="ClampBackward1")
def _clip(ctx, g):
    x = _x(ctx)
    lo, hi = ctx.params.get("min"), ctx.params.get("max")
    keep = None
    if lo is not None:
        keep = x >= lo
    if hi is not None:
        k = x <= hi
        keep = k if keep is None else keep & k
    return (g if keep is None else tn.where(keep, g, 0.0),)


@rule("addcmul")
def _addcmul(ctx, g):
    _, t1, t2 = ctx.inputs
    v = ctx.params.get("value", 1.0)
    return (g,
            g * (v * t2.conj()) if ctx.needs[1] else None,
            g * (v * t1.conj()) if ctx.needs[2] else None)
