"""The NumPy face's reductions: ``trueno.sum``, ``trueno.mean``, ... return a NumPy scalar
(``numpy.float64`` ...) where NumPy does, that is where the result is 0-d and no ``out`` is
given; ``out=`` is written and returned.

The engine's functions in ``_reduction`` (which the PyTorch face, linalg, einsum and the
autograd rules call) always return arrays; these wrappers are what ``trueno/__init__.py``
exports (through ``_surface_la``) and what ``trueno.ndarray``'s methods call.
"""

from __future__ import annotations

import functools

from . import _reduction as Rd
from ._tensor import numpy_result

__all__ = ["sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax",
           "argmin", "any", "all"]


def _face(fn, out_pos):
    """``fn`` returning a NumPy scalar for a 0-d result when no ``out`` is given (``out`` is
    its ``out_pos``-th positional argument or the keyword)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        r = fn(*args, **kwargs)
        if kwargs.get("out") is not None or (len(args) > out_pos and args[out_pos] is not None):
            return r
        return numpy_result(r)
    wrapper.__module__ = "trueno"
    return wrapper


sum = _face(Rd.sum, 3)  # noqa: A001
prod = _face(Rd.prod, 3)
mean = _face(Rd.mean, 3)
var = _face(Rd.var, 3)
std = _face(Rd.std, 3)
max = _face(Rd.max, 2)  # noqa: A001
min = _face(Rd.min, 2)  # noqa: A001
amax = max
amin = min
argmax = _face(Rd.argmax, 2)
argmin = _face(Rd.argmin, 2)
any = _face(Rd.any, 2)  # noqa: A001
all = _face(Rd.all, 2)  # noqa: A001
