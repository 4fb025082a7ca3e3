"""Special functions of the PyTorch face computed with trueno's elementwise ops, so that they
run on the input's device: ``lgamma`` (Lanczos, g=7, with the reflection formula), ``erfc``
(``1 - erf`` near zero, a continued fraction in the tail, where ``1 - erf`` would cancel),
``erfinv`` (Giles' start and three Newton steps) and ``digamma`` (recurrence to x >= 6, then
the asymptotic series; reflection below 1/2). Each evaluates in float64 and rounds once to the
input's dtype.
"""

from __future__ import annotations

import math

import trueno as _tn

from .. import _dtypes as D
from .. import _elementwise as E

__all__ = ["lgamma", "erfc", "erfinv", "digamma"]

_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_right(x):
    """log|gamma(x)| for x >= 0.5 (Lanczos)."""
    z = x - 1.0
    a = _tn.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], start=1):
        a = a + c / (z + float(i))
    t = z + (_G + 0.5)
    return _HALF_LOG_2PI + (z + 0.5) * E.log(t) - t + E.log(a)


def lgamma(t):
    """``log(|gamma(t)|)``: +inf at 0, -1, -2, ... and at +-inf; NaN stays NaN."""
    x = t.astype(D.float64, copy=False)
    left = E.less(x, 0.5)
    xr = E.where(left, 1.0 - x, x)  # the reflection's argument: every value is >= 0.5
    xr = E.where(E.isfinite(xr), xr, 1.0)  # +-inf and NaN are set at the end
    right = _lgamma_right(xr)
    pole = E.logical_and(E.less_equal(x, 0.0), E.equal(E.floor(x), x))
    special = E.logical_or(pole, E.logical_not(E.isfinite(x)))
    s = E.abs(E.sin(math.pi * E.where(E.logical_and(left, E.logical_not(special)), x, 0.5)))
    refl = math.log(math.pi) - E.log(s) - right
    out = E.where(left, refl, right)
    out = E.where(special, math.inf, out)
    out = E.where(E.isnan(x), x, out)
    return out.astype(t._dtype, copy=False)


_CF_TERMS = 60


def erfc(t):
    """``1 - erf(t)`` without cancellation for large ``t``."""
    x = t.astype(D.float64, copy=False)
    a = E.abs(x)
    near = E.less(a, 2.0)
    # the tail's argument, in [2, 40] (erfc underflows to 0 from 27.3 on)
    at = E.where(near, 2.0, E.minimum(E.where(E.isnan(a), 2.0, a), 40.0))
    f = at
    for k in range(_CF_TERMS, 0, -1):  # K = 1 / (a + (1/2) / (a + 1 / (a + (3/2) / ...)))
        f = at + (k / 2.0) / f
    tail = E.exp(-(at * at)) / (math.sqrt(math.pi) * f)
    pos = E.where(near, 1.0 - E.erf(E.where(near, a, 0.0)), tail)
    out = E.where(E.less(x, 0.0), 2.0 - pos, pos)
    out = E.where(E.isnan(x), x, out)
    return out.astype(t._dtype, copy=False)


_G1 = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
       -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_G2 = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
       -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _poly(w, coeffs):
    p = _tn.zeros_like(w)
    for c in coeffs:
        p = p * w + c
    return p


def erfinv(t):
    """The inverse of ``erf`` on (-1, 1); +-inf at +-1, NaN outside."""
    y = t.astype(D.float64, copy=False)
    ok = E.less(E.abs(y), 1.0)
    v = E.where(ok, y, 0.0)
    w = -E.log((1.0 - v) * (1.0 + v))
    x = E.where(E.less(w, 5.0), _poly(w - 2.5, _G1),
                _poly(E.sqrt(E.maximum(w, 5.0)) - 3.0, _G2)) * v
    for _ in range(3):  # Newton steps on erf(x) = v
        x = x - (E.erf(x) - v) / ((2 / math.sqrt(math.pi)) * E.exp(-(x * x)))
    edge = E.where(E.equal(y, 1.0), math.inf, E.where(E.equal(y, -1.0), -math.inf, math.nan))
    return E.where(ok, x, edge).astype(t._dtype, copy=False)


def digamma(t):
    """The logarithmic derivative of gamma (-inf at 0, NaN at the negative integers)."""
    x = t.astype(D.float64, copy=False)
    pole = E.logical_and(E.less_equal(x, 0.0), E.equal(E.floor(x), x))
    refl = E.less(x, 0.5)
    xr = E.where(refl, 1.0 - x, x)  # reflection: psi(1-x) - psi(x) = pi cot(pi x)
    xr = E.where(E.isnan(xr), 6.0, xr)
    acc = _tn.zeros_like(xr)
    for _ in range(6):  # every xr is >= 1/2: six steps reach 6
        small = E.less(xr, 6.0)
        acc = acc - E.where(small, 1.0 / E.where(small, xr, 1.0), 0.0)
        xr = E.where(small, xr + 1.0, xr)
    inv2 = 1.0 / (xr * xr)
    series = E.log(xr) - 0.5 / xr - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (
        1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
    out = acc + series
    finite_left = E.logical_and(refl, E.logical_and(E.isfinite(x), E.logical_not(pole)))
    cot = math.pi / E.tan(math.pi * E.where(finite_left, x, 0.25))
    out = E.where(finite_left, out - cot, out)
    out = E.where(E.logical_and(refl, E.logical_not(E.isfinite(x))), math.nan, out)
    out = E.where(pole, E.where(E.equal(x, 0.0), -math.inf, math.nan), out)
    out = E.where(E.isnan(x), x, out)
    return out.astype(t._dtype, copy=False)
