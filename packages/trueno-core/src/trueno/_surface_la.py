"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``."""

from __future__ import annotations

from . import fft as _fft  # noqa: F401  (adds the fft_* op rows at import, as linalg does)
from ._einsum import einsum, einsum_path
from ._surface_reduce import (  # the NumPy face's reductions replace the engine's (scalars)
    all, amax, amin, any, argmax, argmin, max, mean, min, prod, std, sum, var,
)
from ._io import (
    NpzFile, fromfile, fromregex, fromstring, genfromtxt, load, loadtxt, save, savetxt, savez,
    savez_compressed,
)
from .linalg import kron
from .linalg import np_cross as cross


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """Sum along a diagonal (NumPy's ``trace``: axes 0 and 1 by default); ``out`` as ``sum``."""
    from ._creation import asarray
    from ._tensor import Tensor
    x = a if isinstance(a, Tensor) else asarray(a)
    return sum(x.diagonal(offset, axis1, axis2), -1, dtype, out)


__all__: list[str] = ["kron", "cross", "trace", "einsum", "einsum_path", "save", "load",
                      "savez", "savez_compressed", "NpzFile", "savetxt", "loadtxt",
                      "genfromtxt", "fromfile", "fromstring",
                      "fromregex",
                      # replacing the engine's (trueno._reduction) names of the same name
                      "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin",
                      "argmax", "argmin", "any", "all"]
