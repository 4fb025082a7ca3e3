"""Special functions of the PyTorch face computed with trueno's elementwise ops, so that they
run on the input's device: ``lgamma`` (Lanczos, g=7, with the reflection formula) and ``erfc``
(``1 - erf`` near zero, a continued fraction in the tail, where ``1 - erf`` would cancel).
Both evaluate in float64 and round once to the input's dtype.
"""

from __future__ import annotations

import math

from .. import _dtypes as D
from .. import _elementwise as E

__all__ = ["lgamma", "erfc"]

_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_right(x):
    """log|gamma(x)| for x >= 0.5 (Lanczos)."""
    z = x - 1.0
    a = E.multiply(z, 0.0) + _LANCZOS[0]
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
