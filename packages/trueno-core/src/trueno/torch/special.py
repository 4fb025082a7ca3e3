"""``torch.special``: the special functions the PyTorch face has (SciPy's names as PyTorch
spells them)."""

from __future__ import annotations

import math

from .. import _elementwise as E
from .._optable._faces import bind
from ._functions import log_softmax, logsumexp, softmax
from ._ops_extra import igamma as gammainc
from ._ops_extra import igammac as gammaincc
from ._ops_extra import polygamma, zeta
from ._ops_misc import digamma, erfc, erfinv, lgamma, mvlgamma
from ._ops_pointwise import _fl, erf, exp2, functions, i0, logit, round, sinc, xlogy
from ._ops_pointwise import sigmoid as expit

# Functions written here or taken from the face (the rows' are bound at the end).
__all__ = ["digamma", "psi", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln", "i0",
         "log1p", "log_ndtr", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr",
         "round", "sinc", "softmax", "xlogy", "gammainc", "gammaincc", "polygamma", "zeta"]

# PyTorch's aliases: torch.special.expit is torch.sigmoid, special.round is torch.round (which
# refuses decimals= for integer tensors), special.erf is torch.erf
psi = digamma
gammaln = lgamma
multigammaln = mvlgamma


def expm1(input):  # noqa: A002
    return E.expm1(_fl(input))


def log1p(input):  # noqa: A002
    return E.log1p(_fl(input))


def ndtr(input):  # noqa: A002
    """The standard normal CDF, ``(1 + erf(x / sqrt 2)) / 2`` (via erfc for accuracy)."""
    x = _fl(input)
    return E.multiply(erfc(E.multiply(x, -1 / math.sqrt(2))), 0.5).astype(x.dtype, copy=False)


def log_ndtr(input):  # noqa: A002
    return E.log(ndtr(input))


# ``torch.special.<name>`` of the rows whose ``torch_face`` says module "special" (entr,
# xlog1py, i0e), bound from the rows in this one loop (``_ops_pointwise.functions``).
FUNCTIONS = functions("special")
__all__ += bind(__name__, FUNCTIONS)
