"""Decompositions of the composite elementwise rows into primitives (docs/design.md §2.1).

Every function here is named after its op row (``OPS["expm1"]`` declares
``decomposition="trueno._decompositions:expm1"``) and computes the op from primitive rows
only: it calls them through ``prim`` (a row that is not primitive raises), so a device that
implements the primitive set runs every op. The dispatcher hands a decomposition the op's
inputs as the caller passed them (uncast, Python scalars included), so each one applies its
row's dtype rule itself (``_floats``): float16/bfloat16 compute in float32 and round once.

Accuracy is that of the reference kernels within the test tolerances, on the whole range:
``expm1``/``log1p`` use Kahan's correction (Goldberg, "What every computer scientist should
know about floating-point arithmetic", thm. 4), ``tanh`` is formed from ``expm1`` of a
non-positive number, ``hypot`` scales by the larger magnitude, ``logaddexp`` adds ``log1p`` of
the smaller exponential.
"""

from __future__ import annotations

import math

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._errors import TruenoError
from ._optable import OPS

__all__ = ["prim", "unary", "binary", "where", "astype", "reduce", "floats", "finish",
           "positive", "square", "expm1", "log1p", "log2", "log10", "sinh", "cosh", "tanh",
           "asinh", "acosh", "atanh", "reciprocal", "isfinite", "logical_not", "hypot",
           "logaddexp", "copysign", "not_equal", "greater", "greater_equal", "logical_and",
           "logical_or", "logical_xor", "clip", "xlogy"]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


class NotPrimitiveError(TruenoError, AssertionError):
    """A decomposition called a row that is not in the primitive set."""


def prim(name: str):
    """The primitive row ``name`` (a decomposition may call nothing else)."""
    row = OPS[name]
    if not row.primitive:
        raise NotPrimitiveError(f"decomposition: {name!r} is not a primitive row\n  hint: "
                                f"write it from the rows of trueno._optable.PRIMITIVES")
    return row


def _tensor_cls():
    return X.Tensor


def unary(name: str, x, **params):
    """Primitive elementwise ``name`` of tensor ``x`` (a tensor, also when 0-d)."""
    return X.unary(prim(name), x, **params)


def binary(name: str, a, b):
    """Primitive ``name(a, b)``: tensors or Python scalars (NEP 50), a tensor result."""
    if isinstance(a, X.Tensor):
        return X.binary(prim(name), a, b)
    return X.binary(prim(name), b, a, True)


def where(c, a, b):
    """The primitive ``where`` (Python scalars allowed as branches; a NumPy scalar is a 0-d
    array, as in NumPy 2)."""
    prim("where")
    from ._elementwise import where as _where
    a, b = (X.to_tensor(v, c.__class__, c) if isinstance(v, np.generic) else v for v in (a, b))
    return _where(c, a, b)


def astype(x, dtype):
    """The primitive cast (no copy when ``x`` already has ``dtype``)."""
    prim("astype")
    return x.astype(dtype, copy=False)


def reduce(name: str, x, axis, keepdims: bool, dtype=None, **params):
    """Primitive reduction ``name`` (sum, prod, max, min, argmax, argmin) over ``axis`` (an
    int or None for argmax/argmin)."""
    prim(name)
    if name in ("argmax", "argmin"):
        from ._reduction import _arg
        return _arg(name, x, axis, keepdims)
    from ._reduction import _reduce
    return _reduce(name, x, axis, keepdims, dtype, **params)


def _neg(x):
    return unary("negative", x)


def _abs(x):
    return unary("abs", x)


def _mul(a, b):
    return binary("multiply", a, b)


def _add(a, b):
    return binary("add", a, b)


def _sub(a, b):
    return binary("subtract", a, b)


def _div(a, b):
    return binary("divide", a, b)


def _is_complex(x) -> bool:
    return x._dtype.kind == "c"


def _promoted(args):
    """The promoted dtype of the tensors and Python scalars ``args`` (as the dispatcher)."""
    ts = [a for a in args if isinstance(a, X.Tensor)]
    cls = ts[0].__class__
    dt = ts[0]._dtype
    for t in ts[1:]:
        dt = D.promote(dt, t._dtype, cls._face)
    for a in args:
        if not isinstance(a, X.Tensor):
            dt = D.weak_scalar_dtype(a, dt, cls._default_float)
    return dt, cls


def floats(name: str, *args):
    """``args`` cast for the body of ``name``'s decomposition, and the result dtype: the
    row's compute dtype (float16/bfloat16 widened to float32), by the row's dtype rule."""
    dt, cls = _promoted(args)
    ct, rt = X.compute_dtype(OPS[name], dt, cls)
    bt = D.float32 if ct in (D.float16, D.bfloat16) else ct
    return [astype(a, bt) if isinstance(a, X.Tensor) else a for a in args], rt


def finish(r, dtype):
    """``r`` cast to the result dtype."""
    return r if r._dtype is dtype else astype(r, dtype)


def _float_unary(body):
    """A float unary decomposition: cast in, ``body`` on the compute dtype, cast out."""
    name = body.__name__

    def decomposition(x):
        (xc,), rt = floats(name, x)
        return finish(body(xc), rt)
    decomposition.__name__ = decomposition.__qualname__ = name
    decomposition.__doc__ = body.__doc__
    return decomposition


def _complex(re, im):
    """``re + i*im`` from two real tensors of the same dtype."""
    ct = D.complex64 if re._dtype is D.float32 else D.complex128
    return _add(astype(re, ct), _mul(astype(im, ct), 1j))


def _re(z):
    return unary("real", z)


def _im(z):
    return unary("imag", z)


def _flip_sign(x, r):
    """``r`` with the sign of ``x`` (``x`` real): ``-r`` where ``x``'s sign bit is set."""
    return where(unary("signbit", x), _neg(r), r)


# --- exp and log families ------------------------------------------------------------------

def _expm1(x):
    """exp(x) - 1 without cancellation near 0 (Kahan): (u - 1) * x / log(u), u = exp(x)."""
    if _is_complex(x):
        re, im = _re(x), _im(x)
        s = unary("sin", _mul(im, 0.5))
        real = _sub(_mul(_expm1(re), unary("cos", im)), _mul(_mul(s, s), 2.0))
        return _complex(real, _mul(unary("exp", re), unary("sin", im)))
    u = unary("exp", x)
    um1 = _sub(u, 1.0)
    lu = unary("log", where(binary("equal", u, 0.0), 1.0, u))
    r = _div(_mul(um1, x), where(binary("equal", lu, 0.0), 1.0, lu))
    r = where(binary("equal", u, 1.0), x, r)
    r = where(binary("equal", um1, -1.0), -1.0, r)
    return where(unary("isinf", u), u, r)


def _log1p(x):
    """log(1 + x) without cancellation near 0 (Kahan): log(u) * x / (u - 1), u = 1 + x."""
    u = _add(x, 1.0)
    d = _sub(u, 1.0)
    zero = binary("equal", d, 0.0)
    r = _mul(unary("log", u), _div(x, where(zero, 1.0, d)))
    r = where(zero, x, r)
    return r if _is_complex(x) else where(unary("isinf", u), u, r)


def _sinh_real(x):
    return _mul(_sub(_expm1(x), _expm1(_neg(x))), 0.5)


def _cosh_real(x):
    return _mul(_add(unary("exp", x), unary("exp", _neg(x))), 0.5)


def _tanh_real(x):
    """tanh(|x|) = -t / (t + 2) with t = expm1(-2|x|) (no overflow), sign restored."""
    t = _expm1(_mul(_abs(x), -2.0))
    return _flip_sign(x, _div(_neg(t), _add(t, 2.0)))


@_float_unary
def expm1(x):
    """``exp(x) - 1``, accurate near 0."""
    return _expm1(x)


@_float_unary
def log1p(x):
    """``log(1 + x)``, accurate near 0."""
    return _log1p(x)


@_float_unary
def log2(x):
    """``log(x) / log(2)``."""
    return _div(unary("log", x), _LN2)


@_float_unary
def log10(x):
    """``log(x) / log(10)``."""
    return _div(unary("log", x), _LN10)


def _hyperbolic_complex(x, f, g):
    """``f(a) cos(b) + i g(a) sin(b)`` for ``x = a + ib``: sinh (f = sinh, g = cosh) and cosh
    (f = cosh, g = sinh) of a complex ``x``."""
    a, b = _re(x), _im(x)
    return _complex(_mul(f(a), unary("cos", b)), _mul(g(a), unary("sin", b)))


@_float_unary
def sinh(x):
    """``(expm1(x) - expm1(-x)) / 2``; complex: sinh(a)cos(b) + i cosh(a)sin(b)."""
    return _hyperbolic_complex(x, _sinh_real, _cosh_real) if _is_complex(x) else _sinh_real(x)


@_float_unary
def cosh(x):
    """``(exp(x) + exp(-x)) / 2``; complex: cosh(a)cos(b) + i sinh(a)sin(b)."""
    return _hyperbolic_complex(x, _cosh_real, _sinh_real) if _is_complex(x) else _cosh_real(x)


@_float_unary
def tanh(x):
    """``-t / (t + 2)``, t = expm1(-2|x|), signed; complex: (sinh 2a + i sin 2b) /
    (cosh 2a + cos 2b)."""
    if _is_complex(x):
        a2, b2 = _mul(_re(x), 2.0), _mul(_im(x), 2.0)
        den = _add(_cosh_real(a2), unary("cos", b2))
        return _div(_complex(_sinh_real(a2), unary("sin", b2)), den)
    return _tanh_real(x)


@_float_unary
def asinh(x):
    """``sign(x) log1p(|x| + x^2 / (1 + sqrt(1 + x^2)))``; complex: log(z + sqrt(z^2 + 1))
    on the half-plane Re z >= 0, odd symmetry for the other."""
    if _is_complex(x):
        neg = binary("less", _re(x), 0.0)
        w = where(neg, _neg(x), x)
        r = unary("log", _add(w, unary("sqrt", _add(_mul(w, w), 1.0))))
        return where(neg, _neg(r), r)
    a = _abs(x)
    a2 = _mul(a, a)
    r = _log1p(_add(a, _div(a2, _add(unary("sqrt", _add(a2, 1.0)), 1.0))))
    big = binary("less", 2.0 ** 28, a)  # log(2a) (a^2 would overflow; inf stays inf)
    return _flip_sign(x, where(big, _add(unary("log", a), _LN2), r))


@_float_unary
def acosh(x):
    """``log(x + sqrt(x + 1) sqrt(x - 1))`` (Kahan's principal branch for complex)."""
    return unary("log", _add(x, _mul(unary("sqrt", _add(x, 1.0)),
                                     unary("sqrt", _sub(x, 1.0)))))


@_float_unary
def atanh(x):
    """``(log1p(x) - log1p(-x)) / 2``."""
    return _mul(_sub(_log1p(x), _log1p(_neg(x))), 0.5)


# --- arithmetic --------------------------------------------------------------------------

def positive(x):
    """A copy of ``x``."""
    return unary("contiguous", x)


def square(x):
    """``x * x``."""
    return _mul(x, x)


def reciprocal(x):
    """``1 / x`` for floats (and on the PyTorch face); NumPy's C integer loop for integers
    (``1 // x`` truncated: 1 and -1 are themselves, 0 is the minimum of int32/int64 and 0
    otherwise, the rest are 0)."""
    if x._dtype.kind not in "iu" or x._face == "torch":
        return _div(1, x)
    dt = x._dtype
    out = astype(binary("equal", x, 1), dt)
    if dt.kind == "i":
        out = _sub(out, astype(binary("equal", x, -1), dt))
        if dt.itemsize >= 4:
            out = where(binary("equal", x, 0), D.iinfo(dt).min, out)
    return out


def hypot(x1, x2):
    """``m * sqrt(1 + (s / m)^2)`` with m, s the larger and smaller magnitude (no overflow);
    inf where either is infinite, as C's hypot."""
    (a, b), rt = floats("hypot", x1, x2)
    a = _abs(a) if isinstance(a, X.Tensor) else abs(a)
    b = _abs(b) if isinstance(b, X.Tensor) else abs(b)
    m = binary("maximum", a, b)
    s = binary("minimum", a, b)
    q = _div(s, where(binary("equal", m, 0.0), 1.0, m))
    r = _mul(m, unary("sqrt", _add(_mul(q, q), 1.0)))
    return finish(where(unary("isinf", s), s, where(unary("isinf", m), m, r)), rt)


def logaddexp(x1, x2):
    """``max(a, b) + log1p(exp(-|a - b|))``; ``a + log(2)`` where a == b (infinities)."""
    (a, b), rt = floats("logaddexp", x1, x2)
    m = binary("maximum", a, b)
    e = unary("exp", _neg(_abs(_sub(a, b))))
    r = _add(m, _log1p(e))
    return finish(where(binary("equal", a, b), _add(m, _LN2), r), rt)


def copysign(x1, x2):
    """``|a|`` with the sign bit of ``b``."""
    (a, b), rt = floats("copysign", x1, x2)
    if not isinstance(a, X.Tensor):  # a scalar magnitude, a tensor sign
        mag = astype(_add(_mul(b, 0.0), abs(a)), b._dtype)
        return finish(where(unary("signbit", b), _neg(mag), mag), rt)
    mag = _abs(a)
    if not isinstance(b, X.Tensor):
        return finish(_neg(mag) if math.copysign(1.0, b) < 0 else mag, rt)
    return finish(where(unary("signbit", b), _neg(mag), mag), rt)


def xlogy(x1, x2):
    """``x1 * log(x2)``, 0 where ``x1`` is 0 and ``x2`` is not NaN (SciPy's and PyTorch's)."""
    args, rt = floats("xlogy", x1, x2)
    like = next(v for v in args if isinstance(v, X.Tensor))
    a, b = (v if isinstance(v, X.Tensor) else
            astype(X.to_tensor(v, like.__class__, like), like._dtype) for v in args)
    r = _mul(a, unary("log", b))
    return finish(where(unary("isnan", b), r, where(binary("equal", a, 0.0), 0.0, r)), rt)


def xlog1py(x1, x2):
    """``x1 * log1p(x2)``, 0 where ``x1`` is 0 and ``x2`` is not NaN (SciPy's and PyTorch's)."""
    args, rt = floats("xlog1py", x1, x2)
    like = next(v for v in args if isinstance(v, X.Tensor))
    a, b = (v if isinstance(v, X.Tensor) else
            astype(X.to_tensor(v, like.__class__, like), like._dtype) for v in args)
    r = _mul(a, _log1p(b))
    return finish(where(unary("isnan", b), r, where(binary("equal", a, 0.0), 0.0, r)), rt)


@_float_unary
def entr(x):
    """``-x log x`` for ``x > 0``, 0 at 0, -inf below; NaN stays NaN (SciPy's and PyTorch's)."""
    pos = binary("less", 0.0, x)
    r = _neg(_mul(x, unary("log", where(pos, x, 1.0))))
    return where(pos, r, where(binary("equal", x, 0.0), 0.0,
                               where(unary("isnan", x), x, -math.inf)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_float_unary
def selu(x):
    """``scale * (x if x > 0 else alpha * expm1(x))`` with PyTorch's constants (Klambauer et
    al., "Self-normalizing neural networks", 2017)."""
    neg = _mul(_expm1(binary("minimum", x, 0.0)), _SELU_ALPHA)
    return _mul(where(binary("less", 0.0, x), x, neg), _SELU_SCALE)


# --- predicates and logic ----------------------------------------------------------------

def isfinite(x):
    """Neither nan nor infinite."""
    bad = binary("bitwise_or", unary("isnan", x), unary("isinf", x))
    return unary("bitwise_invert", bad)


def _truth(x):
    return astype(x, D.bool_) if isinstance(x, X.Tensor) else bool(x)


def logical_not(x):
    """``~bool(x)``."""
    return unary("bitwise_invert", _truth(x))


def not_equal(x1, x2):
    """``~(x1 == x2)`` (nan != nan is true)."""
    return unary("bitwise_invert", binary("equal", x1, x2))


def greater(x1, x2):
    """``x2 < x1``."""
    return binary("less", x2, x1)


def greater_equal(x1, x2):
    """``x2 <= x1``."""
    return binary("less_equal", x2, x1)


def logical_and(x1, x2):
    """``bool(x1) & bool(x2)``."""
    return binary("bitwise_and", _truth(x1), _truth(x2))


def logical_or(x1, x2):
    """``bool(x1) | bool(x2)``."""
    return binary("bitwise_or", _truth(x1), _truth(x2))


def logical_xor(x1, x2):
    """``bool(x1) ^ bool(x2)``."""
    return binary("bitwise_xor", _truth(x1), _truth(x2))


def clip(x, min=None, max=None):  # noqa: A002
    """``minimum(maximum(x, min), max)``: any bounds (None, scalars, arrays), any device; the
    dtype follows NumPy 2's promotion with weak Python scalars (clip(i8, 0.5) is float64)."""
    out = x
    if min is not None:
        out = binary("maximum", out, min)
    if max is not None:
        out = binary("minimum", out, max)
    if out is x:
        return unary("contiguous", x)
    return out
