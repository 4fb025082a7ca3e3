"""Decompositions of NumPy's remaining elementwise functions (the rows of ``_ufuncs_ext``:
``exp2``, ``logaddexp2``, ``fmax``, ``heaviside``, ``sinc``, ...) into primitives
(docs/design.md §2.1).

The result dtype is NumPy's, found by calling the NumPy function on zero-size arrays of the
inputs' dtypes (host metadata only, no data); where NumPy has no loop for the dtypes that call
raises the TypeError NumPy's kernel would. The body computes in that dtype (float16/bfloat16
in float32) from primitive rows, through ``_decompositions``' helpers.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._decompositions import (
    _LN2, _abs, _add, _complex, _div, _log1p, _mul, _neg, _sub, astype, binary, finish, unary,
    where,
)

__all__ = ["exp2", "logaddexp2", "deg2rad", "rad2deg", "degrees", "radians", "fmax", "fmin",
           "isneginf", "isposinf", "fix", "isreal", "iscomplex", "heaviside", "sinc", "angle",
           "cbrt", "rint", "nan_to_num", "ldexp", "divmod", "modf", "spacing"]


def _numpy_dtypes(name, args, **params):
    """NumPy's result dtype(s) of ``name`` for these inputs (zero-size arrays, same dtypes)."""
    probe = [np.zeros(0, a._dtype.numpy) if isinstance(a, X.Tensor) else a for a in args]
    with np.errstate(all="ignore"):
        out = getattr(np, name)(*probe, **params)
    if isinstance(out, tuple):
        return tuple(D.BY_NUMPY[o.dtype] for o in out)
    return D.BY_NUMPY[np.asarray(out).dtype]


def _body(rt, args, widen):
    """``args`` cast to the compute dtype for result dtype ``rt`` (float16/bfloat16 widened
    to float32 when ``widen``)."""
    bt = D.float32 if widen and rt in (D.float16, D.bfloat16) else rt
    return [astype(a, bt) if isinstance(a, X.Tensor) else a for a in args]


def _decomposition(compute, cast=True, widen=True):
    """A decomposition: NumPy's result dtype (and TypeError where NumPy has no loop),
    ``compute`` on the inputs (cast to the result dtype when ``cast``), cast out."""
    name = compute.__name__

    def decomposition(*args, **params):
        rt = _numpy_dtypes(name, args, **params)
        first = rt[0] if isinstance(rt, tuple) else rt
        out = compute(*(_body(first, args, widen) if cast else args), **params)
        if isinstance(rt, tuple):
            return tuple(finish(o, t) for o, t in zip(out, rt))
        return finish(out, rt)
    decomposition.__name__ = decomposition.__qualname__ = name
    decomposition.__doc__ = compute.__doc__
    return decomposition


def _fn(compute):
    return _decomposition(compute)


def _pred(compute):
    """A predicate: computed on the inputs' own dtype, a bool result."""
    return _decomposition(compute, cast=False)


def _exp2(x):
    return unary("exp", _mul(x, _LN2))


@_fn
def exp2(x):
    """``exp(x log 2)``."""
    return _exp2(x)


@_fn
def logaddexp2(x1, x2):
    """``max + log1p(2^-|x1 - x2|) / log 2``; ``x1 + 1`` where they are equal."""
    m = binary("maximum", x1, x2)
    r = _add(m, _div(_log1p(_exp2(_neg(_abs(_sub(x1, x2))))), _LN2))
    return where(binary("equal", x1, x2), _add(m, 1.0), r)


@_fn
def deg2rad(x):
    """``x * (pi / 180)``."""
    return _mul(x, math.pi / 180.0)


@_fn
def rad2deg(x):
    """``x * (180 / pi)``."""
    return _mul(x, 180.0 / math.pi)


@_fn
def radians(x):
    """``x * (pi / 180)``."""
    return _mul(x, math.pi / 180.0)


@_fn
def degrees(x):
    """``x * (180 / pi)``."""
    return _mul(x, 180.0 / math.pi)


def _isnan(x):
    return unary("isnan", x) if isinstance(x, X.Tensor) else math.isnan(x)


@_fn
def fmax(x1, x2):
    """``maximum`` that ignores a nan operand."""
    return where(_isnan(x2), x1, where(_isnan(x1), x2, binary("maximum", x1, x2)))


@_fn
def fmin(x1, x2):
    """``minimum`` that ignores a nan operand."""
    return where(_isnan(x2), x1, where(_isnan(x1), x2, binary("minimum", x1, x2)))


@_pred
def isneginf(x):
    """``isinf(x) & signbit(x)``."""
    return binary("bitwise_and", unary("isinf", x), unary("signbit", x))


@_pred
def isposinf(x):
    """``isinf(x) & ~signbit(x)``."""
    return binary("bitwise_and", unary("isinf", x),
                  unary("bitwise_invert", unary("signbit", x)))


@_fn
def fix(x):
    """Round toward zero (``trunc``)."""
    return unary("trunc", x)


@_pred
def isreal(x):
    """``imag(x) == 0``."""
    return binary("equal", unary("imag", x), 0)


@_pred
def iscomplex(x):
    """``imag(x) != 0``."""
    return unary("bitwise_invert", binary("equal", unary("imag", x), 0))


@_fn
def heaviside(x1, x2):
    """0 below zero, 1 above, ``x2`` at zero, nan at nan."""
    r = where(binary("less", x1, 0), 0.0, where(binary("less", 0, x1), 1.0, x2))
    return where(unary("isnan", x1), math.nan, r)


@_fn
def sinc(x):
    """``sin(pi x) / (pi x)``, as NumPy (x = 0 becomes 1e-20)."""
    y = _mul(where(binary("equal", x, 0), 1.0e-20, x), math.pi)
    return _div(unary("sin", y), y)


@lambda f: _decomposition(f, cast=False)  # complex in, real out
def angle(z):
    """``atan2(imag(z), real(z))``."""
    return binary("atan2", unary("imag", z), unary("real", z))


@_fn
def cbrt(x):
    """``|x|^(1/3)`` with the sign of ``x``."""
    r = binary("pow", _abs(x), 1.0 / 3.0)
    return where(unary("signbit", x), _neg(r), r)


@_fn
def rint(x):
    """Round half to even (``round``)."""
    return unary("round", x)


def _finite(x, nan, posinf, neginf):
    big = float(np.finfo(x._dtype.numpy).max) if x._dtype.kind == "f" else None
    r = where(unary("isnan", x), nan, x)
    r = where(binary("bitwise_and", unary("isinf", x), binary("less", 0, x)),
              big if posinf is None else posinf, r)
    return where(binary("bitwise_and", unary("isinf", x), binary("less", x, 0)),
                 -big if neginf is None else neginf, r)


@_fn
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """nan -> ``nan``, +-inf -> ``posinf``/``neginf`` (default: the dtype's extremes);
    complex: each part. Integers and bool: a copy."""
    if x._dtype.kind not in "fc":
        return unary("contiguous", x)
    if x._dtype.kind == "c":
        return _complex(_finite(unary("real", x), nan, posinf, neginf),
                        _finite(unary("imag", x), nan, posinf, neginf))
    return _finite(x, nan, posinf, neginf)


@_fn
def ldexp(x1, x2):
    """``x1 * 2^x2`` (a power of two: one rounding, as C's ldexp)."""
    if not isinstance(x2, X.Tensor):  # a Python int exponent
        with np.errstate(all="ignore"):
            return _mul(x1, float(np.ldexp(1.0, x2)))
    return _mul(x1, binary("pow", 2.0, astype(x2, x1._dtype)))


@_fn
def divmod(x1, x2):  # noqa: A001
    """``(floor_divide(x1, x2), remainder(x1, x2))``."""
    return binary("floor_divide", x1, x2), binary("remainder", x1, x2)


@_fn
def modf(x):
    """``(x - trunc(x), trunc(x))``; the fraction of an infinity is 0 with its sign."""
    t = unary("trunc", x)
    frac = _sub(x, t)
    frac = where(unary("isinf", x), _mul(x, 0.0), frac)
    frac = where(binary("bitwise_and", binary("equal", frac, 0.0), unary("signbit", x)),
                 -0.0, frac)
    return frac, t


@lambda f: _decomposition(f, widen=False)  # the spacing of float16 itself
def spacing(x):
    """``nextafter(x, +-inf) - x``: the distance to the next float away from zero."""
    if np.spacing(np.array(-2.0, x._dtype.numpy)) > 0:  # NumPy's float16 loop: toward +inf
        return _sub(binary("nextafter", x, astype(_add(_mul(x, 0.0), math.inf), x._dtype)), x)
    away = astype(where(unary("signbit", x), -math.inf, math.inf), x._dtype)
    return _sub(binary("nextafter", x, away), x)
