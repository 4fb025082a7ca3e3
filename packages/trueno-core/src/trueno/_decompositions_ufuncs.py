"""Decompositions of NumPy's remaining elementwise functions (the rows of ``_numpy_elementwise``:
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
    _LN2, _abs, _add, _complex, _div, _float_unary, _log1p, _mul, _neg, _sub, astype, binary,
    finish, unary, where,
)

__all__ = ["exp2", "logaddexp2", "deg2rad", "rad2deg", "degrees", "radians", "fmax", "fmin",
           "isneginf", "isposinf", "fix", "isreal", "iscomplex", "heaviside", "sinc", "angle",
           "cbrt", "rint", "nan_to_num", "ldexp", "divmod", "modf", "spacing", "fmod", "gcd",
           "lcm", "bitwise_count", "frexp", "i0", "i0e"]


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


def _decomposition_raw(compute):
    """Computed on the inputs' own dtypes, cast to NumPy's result dtype."""
    return _decomposition(compute, cast=False)


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


# NumPy's constants: float32 loops (float16/bfloat16 compute in them) multiply by
# 180.0f / NPY_PIf (one ulp off float32(180 / pi)) and NPY_PIf / 180.0f; float64 by 180 / pi
_TO_DEG = {D.float32: float(np.float32(180) / np.float32(np.pi))}
_TO_RAD = {D.float32: float(np.float32(np.pi) / np.float32(180))}


def _scaled(x, table, f64):
    """``x`` times NumPy's constant for its compute dtype (exact in float32: no rounding)."""
    return _mul(x, table.get(x._dtype, f64))


@_fn
def deg2rad(x):
    """``x * (pi / 180)``."""
    return _scaled(x, _TO_RAD, math.pi / 180.0)


@_fn
def rad2deg(x):
    """``x * (180 / pi)``."""
    return _scaled(x, _TO_DEG, 180.0 / math.pi)


@_fn
def radians(x):
    """``x * (pi / 180)``."""
    return _scaled(x, _TO_RAD, math.pi / 180.0)


@_fn
def degrees(x):
    """``x * (180 / pi)``."""
    return _scaled(x, _TO_DEG, 180.0 / math.pi)


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


def _false(x):
    """False everywhere (nan included) in ``x``'s shape: ``x < x``."""
    return binary("less", x, x)


@_pred
def isneginf(x):
    """``isinf(x) & signbit(x)``; False for integers and bools (no infinities)."""
    if x._dtype.kind != "f":
        return _false(x)
    return binary("bitwise_and", unary("isinf", x), unary("signbit", x))


@_pred
def isposinf(x):
    """``isinf(x) & ~signbit(x)``; False for integers and bools (no infinities)."""
    if x._dtype.kind != "f":
        return _false(x)
    return binary("bitwise_and", unary("isinf", x),
                  unary("bitwise_invert", unary("signbit", x)))


@_fn
def fix(x):
    """Round toward zero (``trunc``); integers and bools: a copy."""
    if x._dtype.kind not in "fc":
        return unary("contiguous", x)
    return unary("trunc", x)


@_pred
def isreal(x):
    """``imag(x) == 0``; True for real inputs (their imaginary part is 0)."""
    if x._dtype.kind != "c":
        return unary("bitwise_invert", _false(x))
    return binary("equal", unary("imag", x), 0)


@_pred
def iscomplex(x):
    """``imag(x) != 0``; False for real inputs."""
    if x._dtype.kind != "c":
        return _false(x)
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


def angle(z, deg=False):
    """``atan2(imag(z), real(z))`` (times ``180/pi`` with ``deg``, in the result dtype, as
    NumPy). A real ``z`` needs no ``atan2`` (``atan2(+-0, +-0)`` is undefined in GPU
    shading languages): pi where its sign bit is set, else 0, nan at nan."""
    rt = _numpy_dtypes("angle", (z,), deg=deg)
    if z._dtype.kind == "c":
        r = binary("atan2", unary("imag", z), unary("real", z))
    else:
        (x,) = _body(rt, (z,), True)
        nan = unary("isnan", x)
        below = binary("bitwise_and", unary("signbit", x), unary("bitwise_invert", nan))
        r = where(below, math.pi, where(nan, x, 0.0))
    out = finish(r, rt)
    if deg:  # NumPy: ``a *= 180/pi``, the factor rounded to the result dtype
        (a,) = _body(rt, (out,), True)
        out = finish(_mul(a, float(np.asarray(180.0 / math.pi, rt.numpy))), rt)
    return out


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


def _neighbour(a, rt, step):
    """The ``rt`` value next to the non-negative ``a`` (float32 holding ``rt`` values), up
    (``step > 0``) or down: ``a +- max(|step| a, 0.75 tiny)`` lands strictly closer to that
    neighbour than to ``a`` or the one beyond (``1.5 ulp`` up, ``1 ulp`` down, where the
    ulp below a power of two is half: exact there), so rounding to ``rt`` finds it."""
    info = np.finfo(rt.numpy)
    delta = binary("maximum", _mul(a, abs(step)), 0.75 * float(info.smallest_subnormal))
    return astype(astype((_add if step > 0 else _sub)(a, delta), rt), D.float32)


def spacing(x):
    """``nextafter(x, +-inf) - x``: the distance to the next float away from zero (toward
    +inf for float16 and for -0.0 of float32/float64, as NumPy's loops). float16/bfloat16
    (and the small integers and bools NumPy computes in float16) find the neighbour by
    rounding float32 sums to the dtype, so no ``nextafter`` of theirs is needed."""
    rt = _numpy_dtypes("spacing", (x,))
    xr = astype(x, rt)
    toward_inf = bool(np.spacing(np.array(-2.0, rt.numpy)) > 0)
    if rt in (D.float16, D.bfloat16):
        xf = astype(xr, D.float32)
        a = _abs(xf)
        eps = 2.0 ** -(np.finfo(rt.numpy).nmant + 1)
        up = _sub(_neighbour(a, rt, 1.5 * eps), a)
        sign = unary("signbit", xf)
        if toward_inf:  # -a's neighbour toward +inf is minus a's neighbour below it
            r = where(sign, _sub(a, _neighbour(a, rt, -eps)), up)
        else:
            r = where(sign, _neg(up), up)
        return finish(r, rt)
    if toward_inf:
        return _sub(binary("nextafter", xr, astype(_add(_mul(xr, 0.0), math.inf), rt)), xr)
    away = astype(where(binary("less", xr, 0), -math.inf, math.inf), rt)  # -0.0: up
    return _sub(binary("nextafter", xr, away), xr)


@_fn
def fmod(x1, x2):
    """C's ``fmod`` (the sign of the dividend) from ``remainder`` (the sign of the divisor):
    the two differ by ``x2`` where the signs differ; 0 for integer division by zero; ``x1``
    for a finite ``x1`` and an infinite ``x2``."""
    r = binary("remainder", x1, x2)
    sign1 = unary("signbit", x1) if isinstance(x1, X.Tensor) else math.copysign(1, x1) < 0
    differ = binary("bitwise_and", unary("bitwise_invert", binary("equal", r, 0)),
                    binary("bitwise_xor", unary("signbit", r), sign1))
    out = where(differ, _sub(r, x2), r)
    kind = (x1 if isinstance(x1, X.Tensor) else x2)._dtype.kind
    if kind in "iu":
        if not isinstance(x2, X.Tensor):
            return _mul(out, 0) if x2 == 0 else out
        return where(binary("equal", x2, 0), 0, out)
    if isinstance(x2, X.Tensor):
        finite1 = unary("bitwise_invert", binary("bitwise_or", unary("isnan", x1),
                                                 unary("isinf", x1))) \
            if isinstance(x1, X.Tensor) else math.isfinite(x1)
        return where(binary("bitwise_and", unary("isinf", x2), finite1), x1, out)
    return x1 if math.isinf(x2) and isinstance(x1, X.Tensor) else out


def _abs_int(x):
    """``|x|`` of an integer tensor (the minimum wraps to itself, as NumPy's)."""
    return where(binary("less", x, 0), _neg(x), x) if x._dtype.kind == "i" else x


@_fn
def gcd(x1, x2):
    """Euclid's algorithm, elementwise (one host read per step to stop: the data decide the
    number of steps)."""
    from ._reduction import _reduce

    a = _abs_int(x1) if isinstance(x1, X.Tensor) else abs(x1)
    b = _abs_int(x2) if isinstance(x2, X.Tensor) else abs(x2)
    if not isinstance(a, X.Tensor):
        a = _add(_mul(b, 0), a)
    b = _add(_mul(a, 0), b)
    a = _add(a, _mul(b, 0))
    while bool(_reduce("any", binary("less", 0, b), None, False)._host()):
        nz = binary("less", 0, b)
        a, b = where(nz, b, a), where(nz, binary("remainder", a, where(nz, b, 1)), 0)
    return a


@_fn
def lcm(x1, x2):
    """``|x1 / gcd * x2|`` (0 when either is 0)."""
    g = gcd(x1, x2)
    a = _abs_int(x1) if isinstance(x1, X.Tensor) else abs(x1)
    b = _abs_int(x2) if isinstance(x2, X.Tensor) else abs(x2)
    zero = binary("equal", g, 0)
    return where(zero, 0, _mul(binary("floor_divide", a, where(zero, 1, g)), b))


@_decomposition_raw
def bitwise_count(x):
    """The number of one bits of ``|x|``: bit ``i`` is ``(|x| >> i) & 1`` (``|x|`` wraps at
    the minimum, whose bits are those of its magnitude)."""
    v = _abs_int(astype(x, D.uint8) if x._dtype.kind == "b" else x)
    count = None
    for i in range(v._dtype.itemsize * 8):
        bit = astype(binary("bitwise_and", binary("bitwise_right_shift", v, i), 1), D.uint8)
        count = bit if count is None else _add(count, bit)
    return count


@_fn
def frexp(x):
    """``(m, e)`` with ``x = m 2^e`` and ``0.5 <= |m| < 1``: ``e`` from ``log2 |x|``, then
    corrected by one either way (scaling by powers of two is exact; two steps keep
    ``2^-e`` inside the range for the largest and the subnormal values); 0, inf and nan
    give themselves and 0."""
    a = _abs(x)
    special = binary("bitwise_or", binary("equal", a, 0.0),
                     binary("bitwise_or", unary("isinf", a), unary("isnan", a)))
    safe = where(special, 1.0, a)
    e = _add(unary("floor", _div(unary("log", safe), _LN2)), 1.0)
    half = unary("floor", _mul(e, 0.5))
    m = _mul(_mul(where(special, 1.0, x), binary("pow", 2.0, _neg(half))),
             binary("pow", 2.0, _neg(_sub(e, half))))
    big = binary("less_equal", 1.0, _abs(m))
    m, e = where(big, _mul(m, 0.5), m), where(big, _add(e, 1.0), e)
    small = binary("less", _abs(m), 0.5)
    m, e = where(small, _mul(m, 2.0), m), where(small, _sub(e, 1.0), e)
    return where(special, x, m), astype(where(special, 0.0, e), D.int32)


def _chbevl(x, coefficients):
    """NumPy's Chebyshev series (Clenshaw's recurrence), on tensors."""
    b0, b1, b2 = coefficients[0], 0.0, 0.0
    for c in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = _add(_sub(_mul(x, b1), b2), c)
    return _mul(_sub(b0, b2), 0.5)


@_float_unary
def i0e(x):
    """``exp(-|x|) i0(x)`` without overflow (Cephes' i0e, PyTorch's ``special.i0e``):
    ``chbevl(|x|/2 - 2, A)`` for ``|x| <= 8``, else ``chbevl(32/|x| - 2, B) / sqrt(|x|)``."""
    from numpy.lib import _function_base_impl as impl  # the coefficient tables of np.i0

    a = _abs(x)
    small = binary("less_equal", a, 8.0)
    lo = where(small, a, 8.0)
    hi = where(small, 16.0, a)
    r1 = _chbevl(_sub(_div(lo, 2.0), 2.0), impl._i0A)
    r2 = _div(_chbevl(_sub(_div(32.0, hi), 2.0), impl._i0B), unary("sqrt", hi))
    return where(small, r1, r2)


@lambda f: _decomposition(f, widen=False)  # NumPy evaluates float16 in float16
def i0(x):
    """NumPy's ``i0`` (Cephes): ``exp(x) chbevl(x/2 - 2, A)`` for ``|x| <= 8``, else
    ``exp(x) chbevl(32/x - 2, B) / sqrt(x)``, with NumPy's own coefficients (the oracle's)."""
    from numpy.lib import _function_base_impl as impl  # the coefficient tables of np.i0

    a = _abs(x)
    small = binary("less_equal", a, 8.0)
    lo = where(small, a, 8.0)
    hi = where(small, 16.0, a)
    r1 = _mul(unary("exp", lo), _chbevl(_sub(_div(lo, 2.0), 2.0), impl._i0A))
    r2 = _div(_mul(unary("exp", hi), _chbevl(_sub(_div(32.0, hi), 2.0), impl._i0B)),
              unary("sqrt", hi))
    return where(small, r1, r2)
