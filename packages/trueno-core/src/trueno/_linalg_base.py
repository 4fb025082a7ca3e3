"""Shared pieces of ``trueno.linalg``: its error types, its result tuples and the conversion of
inputs to tensors (one module, so that the products and the solvers both import them)."""

from __future__ import annotations

from typing import NamedTuple

from ._creation import asarray
from ._errors import DTypeError, LinAlgError, ShapeError
from ._tensor import Tensor

# The public classes are trueno.linalg's: they print and pickle under that name.
_PUBLIC = "trueno.linalg"

__all__ = ["LinAlgShapeError", "LinAlgDTypeError", "SlogdetResult", "EigResult", "EighResult",
           "SVDResult", "QRResult"]


class LinAlgShapeError(LinAlgError, ShapeError):
    """A matrix of the wrong shape (not square, too few dimensions, sizes that do not match).

    Catchable as ``LinAlgError`` (NumPy's spelling) and as ``ShapeError``/``ValueError``.
    """
    __module__ = _PUBLIC


class LinAlgDTypeError(LinAlgError, DTypeError):
    """An ``out`` of the wrong dtype (NumPy raises ValueError; also a TypeError)."""
    __module__ = _PUBLIC


class SlogdetResult(NamedTuple):
    __module__ = _PUBLIC
    sign: Tensor
    logabsdet: Tensor


class EigResult(NamedTuple):
    __module__ = _PUBLIC
    eigenvalues: Tensor
    eigenvectors: Tensor


class EighResult(NamedTuple):
    __module__ = _PUBLIC
    eigenvalues: Tensor
    eigenvectors: Tensor


class SVDResult(NamedTuple):
    __module__ = _PUBLIC
    U: Tensor
    S: Tensor
    Vh: Tensor


class QRResult(NamedTuple):
    __module__ = _PUBLIC
    Q: Tensor
    R: Tensor


def _t(x, like=None):
    if isinstance(x, Tensor):
        return x
    return asarray(x, device=like._device if like is not None else None,
                   cls=like.__class__ if like is not None else None)
