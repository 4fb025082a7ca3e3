"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``."""

from __future__ import annotations

import functools

from . import _einsum as _es
from . import _gather_scatter as _ix
from . import _linalg_ops as _lo
from . import _setops as _so
from . import fft as _fft  # noqa: F401  (adds the fft_* op rows at import, as linalg does)
from ._einsum import einsum_path
from ._numpy_reductions import (  # the NumPy face's reductions replace the engine's (scalars)
    all, amax, amin, any, argmax, argmin, max, mean, min, prod, std, sum, var,
)
from ._io import (
    NpzFile, fromfile, fromregex, fromstring, genfromtxt, load, loadtxt, save, savetxt, savez,
    savez_compressed,
)
from .linalg import kron
from ._linalg_products import np_cross as cross
from ._elementwise import clip as _clip
from ._errors import ShapeError
from ._numpy_utilities import copyto
from ._surface_ops import as_t
from ._tensor import numpy_result


def _scalar(fn, out_pos=None):
    """``fn`` on the NumPy face: a 0-d CPU result is a NumPy scalar (as NumPy's ``dot``,
    ``einsum``, ...) unless ``out=`` is given; the engine's ``fn`` (which trueno's own code and
    the PyTorch face call) keeps returning arrays."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        r = fn(*args, **kwargs)
        if kwargs.get("out") is not None or \
                (out_pos is not None and len(args) > out_pos and args[out_pos] is not None):
            return r
        return numpy_result(r)
    wrapper.__module__ = "trueno"
    return wrapper


dot = _scalar(_lo.dot)
def matmul(x1, x2, /, out=None, *, dtype=None, casting="same_kind"):
    """NumPy's ``matmul``: 1-d @ 1-d is a NumPy scalar; ``out=`` is written (NumPy's casting
    rule ``casting``) and returned; ``dtype=`` casts the operands first."""
    if dtype is not None:
        x1, x2 = as_t(x1).astype(dtype, copy=False), as_t(x2).astype(dtype, copy=False)
    r = _lo.matmul(x1, x2)
    if out is None:
        return numpy_result(r)
    if tuple(out.shape) != tuple(r.shape):
        raise ShapeError(f"matmul: out has shape {tuple(out.shape)}, the result has shape "
                         f"{tuple(r.shape)}\n  hint: out must have the result's shape")
    copyto(out, r, casting=casting)
    return out


matmul.__module__ = "trueno"
vecdot = _scalar(_lo.vecdot)
vdot = _scalar(_lo.vdot)
inner = _scalar(_lo.inner)
einsum = _scalar(_es.einsum)
count_nonzero = _scalar(_so.count_nonzero)
searchsorted = _scalar(_so.searchsorted)
take = _scalar(_ix.take, 3)


def unravel_index(indices, shape, order="C"):
    """NumPy's ``unravel_index``: a tuple of index arrays (NumPy scalars for a scalar index)."""
    return tuple(numpy_result(v) for v in _ix.unravel_index(indices, shape, order))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None):  # noqa: A002
    """NumPy's ``clip``: ``a`` limited to ``[a_min, a_max]`` (or ``min=``/``max=``); ``out=``
    is written (NumPy's same_kind casting) and returned; a 0-d CPU result is a NumPy scalar."""
    lo = a_min if min is None else min
    hi = a_max if max is None else max
    r = _clip(a, lo, hi)
    if out is None:
        return numpy_result(r)
    copyto(out, r)
    return out


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum along a diagonal (NumPy's ``trace``: axes 0 and 1 by default); ``out`` as ``sum``."""
    from ._creation import asarray
    from ._tensor import Tensor
    x = a if isinstance(a, Tensor) else asarray(a)
    return sum(x.diagonal(offset, axis1, axis2), -1, dtype, out)


__all__: list[str] = ["kron", "cross", "trace", "unravel_index", "clip", "einsum", "einsum_path",
                      "dot", "vdot", "inner", "matmul", "vecdot", "count_nonzero",
                      "searchsorted", "take",
                      "save", "load",
                      "savez", "savez_compressed", "NpzFile", "savetxt", "loadtxt",
                      "genfromtxt", "fromfile", "fromstring",
                      "fromregex",
                      # replacing the engine's (trueno._reduction) names of the same name
                      "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin",
                      "argmax", "argmin", "any", "all"]
