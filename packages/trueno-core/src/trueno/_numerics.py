"""Numerical helpers of the NumPy surface: differences and integrals (``diff``, ``ediff1d``,
``gradient``, ``trapezoid``), interpolation and convolution (``interp``, ``convolve``,
``correlate``), closeness and equality (``isclose``, ``allclose``, ``array_equal``,
``array_equiv``) and rounding (``around``, ``round``).

``isclose``, ``around``, ``interp``, ``convolve``, ``correlate`` and ``gradient`` are op rows
with reference kernels (their decompositions: ``_isclose_decomposition`` below and
``trueno._decompositions_numeric``); the others are compositions of other ops.
"""

from __future__ import annotations

import operator

import numpy as np

from . import _dtypes as D
from ._errors import DTypeError, ShapeError
from ._manipulation import broadcast_shapes, concat
from ._reduction import all as _all
from ._reduction import finish
from ._reduction import sum as _sum
from ._surface_ops import as_t, call
from ._tensor import Tensor, numpy_result
from ._views import normalize_axis

__all__ = ["diff", "ediff1d", "isclose", "allclose", "array_equal", "array_equiv", "around",
           "round", "interp", "convolve", "correlate", "trapezoid", "gradient"]


def _done(name, res, out, casting="unsafe"):
    """``res`` written into ``out``, or a NumPy scalar where it is 0-d, as NumPy returns."""
    return finish(name, res, out, casting, scalar=True)


def _host(v):
    return v._host() if isinstance(v, Tensor) else v


def _diff_once(x, ax):
    pre = (slice(None),) * ax
    hi, lo = x[pre + (slice(1, None),)], x[pre + (slice(None, -1),)]
    return hi != lo if x._dtype is D.bool_ else hi - lo


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th discrete difference along ``axis`` (``!=`` for booleans).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.diff(tn.asarray([1, 4, 9, 16])).tolist()
    [3, 5, 7]
    """
    x = as_t(a)
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    if n == 0:
        return x
    if x.ndim == 0:
        raise ShapeError("diff requires input that is at least one dimensional")
    ax = normalize_axis(axis, x.ndim)
    parts = []
    for v, first in ((prepend, True), (append, False)):
        if v is None:
            continue
        t = as_t(v, x)
        if t.ndim == 0:
            shape = list(x.shape)
            shape[ax] = 1
            t = t.expand_to(tuple(shape))
        parts.append((first, t))
    if parts:
        seq = [t for f, t in parts if f] + [x] + [t for f, t in parts if not f]
        x = concat(seq, axis=ax)
    for _ in range(n):
        x = _diff_once(x, ax)
    return x


def ediff1d(ary, to_end=None, to_begin=None):
    """Differences of consecutive elements of the flattened array, with optional ends."""
    x = as_t(ary)._reshape((-1,))
    d = x[1:] - x[:-1]
    seq = []

    def end(v, which):
        t = as_t(v, x)._reshape((-1,))
        if not D.can_cast(t._dtype, x._dtype, "same_kind"):
            raise DTypeError(f"ediff1d: dtype of `{which}` ({t._dtype.name}) must be "
                             f"compatible with input `ary` ({x._dtype.name}) under the "
                             f"`same_kind` rule")
        return t.astype(x._dtype, copy=False)
    if to_begin is not None:
        seq.append(end(to_begin, "to_begin"))
    seq.append(d)
    if to_end is not None:
        seq.append(end(to_end, "to_end"))
    return concat(seq) if len(seq) > 1 else d


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|a - b| <= atol + rtol * |b|`` (and equal infinities)."""
    ta = as_t(a)
    tb = as_t(b, ta)
    broadcast_shapes(ta.shape, tb.shape)
    return numpy_result(call("isclose", (ta, tb), {"rtol": rtol, "atol": atol,
                                                   "equal_nan": equal_nan}))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every pair of elements is close (see ``isclose``).

    Examples
    --------
    >>> import trueno as tn
    >>> tn.allclose(tn.asarray([1.0, 2.0]), [1.0, 2.0 + 1e-9])
    True
    """
    return bool(_all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False) -> bool:
    """True when the arrays have the same shape and elements."""
    x, y = as_t(a1), as_t(a2)
    if x.shape != y.shape:
        return False
    eq = x == y
    if equal_nan and x._dtype.kind in "fc" and y._dtype.kind in "fc":
        from ._elementwise import isnan
        eq = eq | (isnan(x) & isnan(y))
    return bool(_all(eq))


def array_equiv(a1, a2) -> bool:
    """True when the arrays broadcast to one shape and are equal there."""
    x, y = as_t(a1), as_t(a2)
    try:
        broadcast_shapes(x.shape, y.shape)
    except ValueError:
        return False
    return bool(_all(x == y))


def around(a, decimals=0, out=None):
    """Round to ``decimals`` decimal places (half to even, as NumPy)."""
    x = as_t(a)
    res = call("around", (x,), {"decimals": operator.index(decimals)})
    return _done("around", res, out, "same_kind")


def round(x, /, decimals=0, out=None):  # noqa: A001
    """Round half to even; ``decimals`` is NumPy's extension of the Array API function.

    ``out`` is written (cast with casting='same_kind') and returned, as NumPy's ``out=``.
    """
    from ._elementwise import round as _round
    x = as_t(x)
    if decimals == 0 and x._dtype is not D.bool_:
        return _done("round", _round(x), out, "same_kind")
    return around(x, decimals, out)


def interp(x, xp, fp, left=None, right=None, period=None):
    """One-dimensional linear interpolation of ``(xp, fp)`` at ``x``."""
    tx = as_t(x)
    txp, tfp = as_t(xp, tx), as_t(fp, tx)
    if txp.ndim != 1 or tfp.ndim != 1:
        raise ShapeError("interp: xp and fp must be 1-D sequences")
    if txp.shape != tfp.shape:
        raise ShapeError(f"interp: fp and xp are not of the same length ({tfp.shape[0]} != "
                         f"{txp.shape[0]})")
    if txp.shape[0] == 0:
        raise ValueError("interp: array of sample points is empty")
    if period is not None and period == 0:
        raise ValueError("interp: period must be a non-zero value")
    return numpy_result(call("interp", (tx, txp, tfp),
                             {"left": _host(left), "right": _host(right), "period": period}))


def _conv(name, a, v, mode):
    ta = as_t(a)
    tv = as_t(v, ta)
    if ta.ndim != 1 or tv.ndim != 1:
        raise ShapeError(f"{name}: inputs must be 1-D, got shapes {ta.shape} and {tv.shape}")
    if ta.numel() == 0 or tv.numel() == 0:
        raise ShapeError(f"{name}: inputs cannot be empty (NumPy: ValueError)")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")
    dt = D.result_type(ta, tv, face=ta.__class__._face)
    ta, tv = ta.astype(dt, copy=False), tv.astype(dt, copy=False)
    return call(name, (ta, tv), {"mode": mode})


def convolve(a, v, mode="full"):
    """Discrete linear convolution of two 1-D arrays."""
    return _conv("convolve", a, v, mode)


def correlate(a, v, mode="valid"):
    """Cross-correlation of two 1-D arrays."""
    return _conv("correlate", a, v, mode)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule."""
    ty = as_t(y)
    ax = normalize_axis(axis, ty.ndim)
    if x is None:
        d = dx
    else:
        tx = as_t(x, ty)
        if tx.ndim == 1:
            d = diff(tx)
            shape = [1] * ty.ndim
            shape[ax] = d.shape[0]
            d = d._reshape(tuple(shape))
        else:
            d = diff(tx, axis=ax)
    pre = (slice(None),) * ax
    s1, s2 = ty[pre + (slice(1, None),)], ty[pre + (slice(None, -1),)]
    if ty._dtype is D.bool_:  # NumPy adds booleans with logical or
        return numpy_result(_sum(d * (s1 | s2) / 2.0, axis=ax))
    return numpy_result(_sum(d * (s1 + s2) / 2.0, axis=ax))


def gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, one-sided at the edges (NumPy's gradient)."""
    x = as_t(f)
    spacing = tuple(_host(v) for v in varargs)
    if edge_order not in (1, 2):
        raise ValueError("gradient: edge_order must be 1 or 2")
    axes = None if axis is None else (
        normalize_axis(axis, x.ndim) if isinstance(axis, (int, np.integer))
        else tuple(normalize_axis(a, x.ndim) for a in axis))
    out = call("gradient", (x,), {"spacing": spacing, "axis": axes, "edge_order": edge_order})
    return out[0] if len(out) == 1 else out


# --- decomposition: how a device without the kernel runs it (docs/design.md §2.1) ------------

def _isclose_decomposition(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    from ._elementwise import isnan
    from ._elementwise import abs as _abs
    if a._dtype.kind not in "fc":
        a = a.astype(D.float64)
    if b._dtype.kind not in "fc":
        b = b.astype(D.float64)
    out = (_abs(a - b) <= atol + rtol * _abs(b)) | (a == b)
    if equal_nan:
        out = out | (isnan(a) & isnan(b))
    return out
