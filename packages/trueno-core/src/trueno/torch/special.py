"""``torch.special``: the special functions the PyTorch face has (SciPy's names as PyTorch
spells them)."""

from __future__ import annotations

import math

from .. import _elementwise as E
from ._functions import log_softmax, logsumexp, softmax
from ._ops_extra import igamma as gammainc
from ._ops_extra import igammac as gammaincc
from ._ops_extra import polygamma, zeta
from ._ops_misc import digamma, erfc, erfinv, lgamma, mvlgamma
from ._ops_pointwise import _fl, erf, exp2, i0, logit, round, sinc, xlogy
from ._ops_pointwise import sigmoid as expit

__all__ = ["digamma", "psi", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1",
           "gammaln", "i0", "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp",
           "multigammaln", "ndtr", "round", "sinc", "softmax", "xlog1py", "xlogy", "gammainc",
           "gammaincc", "polygamma", "zeta"]

# PyTorch's aliases: torch.special.expit is torch.sigmoid, special.round is torch.round (which
# refuses decimals= for integer tensors), special.erf is torch.erf
psi = digamma
gammaln = lgamma
multigammaln = mvlgamma


def expm1(input):  # noqa: A002
    return E.expm1(_fl(input))


def log1p(input):  # noqa: A002
    return E.log1p(_fl(input))


def entr(input):  # noqa: A002
    """``-x log x`` (0 at 0, -inf for negative x)."""
    x = _fl(input)
    out = E.negative(E.multiply(x, E.log(E.where(x > 0, x, 1.0))))
    out = E.where(x == 0, 0.0, out)
    return E.where(x < 0, -math.inf, out).astype(x.dtype, copy=False)


def ndtr(input):  # noqa: A002
    """The standard normal CDF, ``(1 + erf(x / sqrt 2)) / 2`` (via erfc for accuracy)."""
    x = _fl(input)
    return E.multiply(erfc(E.multiply(x, -1 / math.sqrt(2))), 0.5).astype(x.dtype, copy=False)


def log_ndtr(input):  # noqa: A002
    return E.log(ndtr(input))


def xlog1py(input, other):  # noqa: A002
    """``input * log1p(other)``, 0 where ``input`` is 0 (NaN stays NaN)."""
    from ._ops_pointwise import _float_pair
    x, y = _float_pair(input, other)
    out = E.multiply(x, E.log1p(y))
    return E.where(E.logical_and(x == 0, E.logical_not(E.isnan(y))), 0, out).astype(
        out.dtype, copy=False)
