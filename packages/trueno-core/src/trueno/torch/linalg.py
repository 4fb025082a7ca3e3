"""``torch.linalg`` on the PyTorch face: PyTorch's names, ``dim``/``keepdim`` arguments and
named results over trueno's linalg engine; a singular matrix raises ``torch.linalg.
LinAlgError``, which is a RuntimeError as in PyTorch (and trueno's LinAlgError)."""

from __future__ import annotations

import functools
import math

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .. import _linalg_ops as Lops
from .. import linalg as _LA
from .._errors import LinAlgError as _LinAlgError
from ._errors import TorchDTypeError, TorchShapeError
from ._functions import _t
from ._ops_linalg import matrix_exp as _matrix_exp
from . import return_types as R
from ._tensor import Tensor

__all__ = [
    "LinAlgError", "norm", "vector_norm", "matrix_norm", "det", "slogdet", "inv", "inv_ex",
    "pinv", "solve", "solve_ex", "solve_triangular", "eigh", "eigvalsh", "eig", "eigvals",
    "svd", "svdvals", "qr", "cholesky", "cholesky_ex", "lstsq", "matrix_rank", "matrix_power",
    "matrix_exp", "cross", "multi_dot", "vecdot", "diagonal", "vander", "tensorinv",
    "tensorsolve", "cond", "matmul", "lu", "lu_factor", "lu_factor_ex", "lu_solve",
]


class LinAlgError(_LinAlgError, RuntimeError):
    """A singular or non-positive-definite input: ``torch.linalg.LinAlgError``."""


def _errors(fn):
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except _LinAlgError as exc:
            if isinstance(exc, LinAlgError):
                raise
            raise LinAlgError(str(exc)) from None
    return wrapped


eigh_result, eig_result, svd_result, qr_result = (R.linalg_eigh, R.linalg_eig, R.linalg_svd,
                                                   R.linalg_qr)
inv_ex_result, solve_ex_result, cholesky_ex_result = (R.linalg_inv_ex, R.linalg_solve_ex,
                                                      R.linalg_cholesky_ex)
lstsq_result, slogdet_result = R.linalg_lstsq, R.linalg_slogdet


def _dims(x, dim):
    if dim is None:
        return None
    return (dim,) if isinstance(dim, int) else tuple(dim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The ``ord``-norm of ``x`` over ``dim`` (all elements when None), as a vector."""
    t = _t(x)
    if dtype is not None:
        t = t.astype(dtype)
    if t.dtype.kind in "iub":
        raise TorchDTypeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                              f"input. Got {t.dtype.name}")
    d = _dims(t, dim)
    a = E.abs(t)
    if ord == 0:
        return E.not_equal(a, 0).sum(d, keepdim).astype(a.dtype)
    if ord == math.inf:
        return a.amax(d, keepdim)
    if ord == -math.inf:
        return a.amin(d, keepdim)
    return t.norm(ord, d, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002,N803
    """``'fro'``, ``'nuc'``, ``inf``, ``-inf``, 1, -1, 2, -2 norms of the matrices in the
    dims ``dim``."""
    x = _t(A) if dtype is None else _t(A).astype(dtype)
    d = tuple(a % x.ndim for a in dim)
    y = x.moveaxis(d, (-2, -1)) if d != (x.ndim - 2, x.ndim - 1) else x
    out = _LA.matrix_norm(y, ord=ord)
    if keepdim:
        for ax in sorted(d):
            out = out._expand_dims(ax)
    return out


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002,N803
    """A vector norm (1 dim, or flattened when ``ord`` and ``dim`` are None) or a matrix norm
    (2 dims, or a 2-D input with ``ord`` set)."""
    x = _t(A)
    d = _dims(x, dim)
    if d is None and ord is None:
        return vector_norm(x.reshape(-1) if not keepdim else x, 2, None, keepdim, dtype=dtype)
    if (d is not None and len(d) == 2) or (d is None and x.ndim == 2):
        return matrix_norm(x, "fro" if ord is None else ord, d or (-2, -1), keepdim,
                           dtype=dtype)
    if d is None and x.ndim != 1:
        raise TorchShapeError(f"linalg.norm: If dim is not specified but ord is, the input "
                              f"must be 1D or 2D. Got {x.ndim}D.")
    return vector_norm(x, 2 if ord is None else ord, d, keepdim, dtype=dtype)


det = _errors(lambda A: _LA.det(_t(A)))  # noqa: N803


@_errors
def slogdet(A):  # noqa: N803
    return slogdet_result(*_LA.slogdet(_t(A)))


inv = _errors(lambda A: _LA.inv(_t(A)))  # noqa: N803


def inv_ex(A, *, check_errors=False):  # noqa: N803
    """``(inverse, info)``; ``info`` is 0 for an invertible matrix."""
    x = _t(A)
    try:
        out = _LA.inv(x)
        info = 0
    except _LinAlgError:
        if check_errors:
            raise LinAlgError("linalg.inv_ex: The diagonal element is zero, the inversion "
                              "could not be completed because the input matrix is "
                              "singular.") from None
        out, info = C.full_like(x, math.nan), 1
    return inv_ex_result(out, C.full(tuple(x.shape[:-2]), info, D.int32, device=x._device,
                                     cls=Tensor))


@_errors
def pinv(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    x = _t(A)
    if atol is None and rtol is None:
        return _LA.pinv(x, hermitian=hermitian)
    s = _LA.svdvals(x)
    smax = s.amax(-1, keepdim=True) if s.numel() else s
    tol = E.maximum(atol or 0.0, E.multiply(rtol or 0.0, smax))
    return _LA.pinv(x, rtol=E.divide(tol, smax).squeeze(-1), hermitian=hermitian)


@_errors
def solve(A, B, *, left=True):  # noqa: N803
    """``X`` with ``A X = B`` (``X A = B`` with ``left=False``)."""
    a, b = _t(A), _t(B)
    if not left:
        return _LA.solve(a.mT, b.mT).mT
    if b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]):
        return _LA.solve(a, b._expand_dims(-1)).squeeze(-1)  # a batch of vectors
    return _LA.solve(a, b)


def solve_ex(A, B, *, left=True, check_errors=False):  # noqa: N803
    try:
        out, info = solve(A, B, left=left), 0
    except LinAlgError:
        if check_errors:
            raise
        out, info = C.full_like(_t(B), math.nan), 1
    a = _t(A)
    return solve_ex_result(out, C.full(tuple(a.shape[:-2]), info, D.int32, device=a._device,
                                       cls=Tensor))


@_errors
def solve_triangular(A, B, *, upper, left=True, unitriangular=False):  # noqa: N803
    a, b = _t(A), _t(B)
    tri = C.triu(a) if upper else C.tril(a)
    if unitriangular:
        n = a.shape[-1]
        eye = C.eye(n, dtype=a.dtype, device=a._device, cls=Tensor)
        tri = E.add(E.multiply(tri, E.subtract(1, eye)), eye).astype(a.dtype, copy=False)
    return _LA.solve(tri, b) if left else _LA.solve(tri.mT, b.mT).mT


@_errors
def eigh(A, UPLO="L"):  # noqa: N803
    w, v = _LA.eigh(_t(A), UPLO=UPLO)
    return eigh_result(w, v)


eigvalsh = _errors(lambda A, UPLO="L": _LA.eigvalsh(_t(A), UPLO=UPLO))  # noqa: N803


@_errors
def eig(A):  # noqa: N803
    """Eigenvalues and eigenvectors, complex (as PyTorch) even for real input."""
    x = _t(A)
    w, v = _LA.eig(x)
    ct = D.complex128 if x.dtype in (D.float64, D.complex128) else D.complex64
    return eig_result(w.astype(ct, copy=False), v.astype(ct, copy=False))


def eigvals(A):  # noqa: N803
    return eig(A).eigenvalues


@_errors
def svd(A, full_matrices=True, *, driver=None):  # noqa: N803
    u, s, vh = _LA.svd(_t(A), full_matrices=full_matrices)
    return svd_result(u, s, vh)


svdvals = _errors(lambda A, *, driver=None: _LA.svdvals(_t(A)))  # noqa: N803


@_errors
def qr(A, mode="reduced"):  # noqa: N803
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"qr received unrecognized mode '{mode}' but expected one of "
                         f"'reduced' (default), 'r', or 'complete'")
    x = _t(A)
    q, r = _LA.qr(x, mode="complete" if mode == "complete" else "reduced")
    if mode == "r":
        q = C.empty((0,), x.dtype, device=x._device, cls=Tensor)
    return qr_result(q, r)


cholesky = _errors(lambda A, *, upper=False: _LA.cholesky(_t(A), upper=upper))  # noqa: N803


def cholesky_ex(A, *, upper=False, check_errors=False):  # noqa: N803
    x = _t(A)
    try:
        out, info = cholesky(x, upper=upper), 0
    except LinAlgError:
        if check_errors:
            raise
        out, info = C.full_like(x, math.nan), 1
    return cholesky_ex_result(out, C.full(tuple(x.shape[:-2]), info, D.int32,
                                          device=x._device, cls=Tensor))


@_errors
def lstsq(A, B, rcond=None, *, driver=None):  # noqa: N803
    """The least-squares solution of ``A X = B`` and the rank of ``A`` (PyTorch's default
    CPU driver 'gelsy' leaves residuals and singular values empty)."""
    a, b = _t(A), _t(B)
    x, _, rank, _ = _LA.lstsq(a, b, rcond=rcond)
    empty = C.empty((0,), a.dtype, device=a._device, cls=Tensor)
    return lstsq_result(x, empty, C.asarray(rank, D.int64, device=a._device, cls=Tensor),
                        empty)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):  # noqa: N803
    x = _t(A)
    s = _LA.svdvals(x)
    smax = s.amax(-1, keepdim=True)
    if atol is None and rtol is None:
        rtol = max(x.shape[-2:]) * D.finfo(x.dtype).eps
    tol = E.maximum(atol or 0.0, E.multiply(rtol or 0.0, smax))
    return (s > tol).sum(-1)


matrix_power = _errors(lambda A, n: _LA.matrix_power(_t(A), n))  # noqa: N803
matrix_exp = _matrix_exp


def cross(input, other, *, dim=-1):  # noqa: A002
    a, b = _t(input), _t(other)
    return _LA.cross(a, b, axis=dim)


def multi_dot(tensors):
    return _LA.multi_dot([_t(x) for x in tensors])


def vecdot(x, y, *, dim=-1):
    a = _t(x)
    a = a.conj() if a.dtype.kind == "c" else a
    return E.multiply(a, y).sum(dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):  # noqa: N803
    return _t(A).diagonal(offset, dim1=dim1, dim2=dim2)


def vander(x, *, N=None):  # noqa: N803
    """``x**0, x**1, ..., x**(N-1)`` as columns (increasing powers, batched)."""
    v = _t(x)
    n = v.shape[-1] if N is None else N
    if n <= 1 and N is not None and N < 1:
        raise TorchShapeError(f"N must be greater than 1. Got {N}")
    cols = [E.pow(v, k) if k else C.ones_like(v) for k in range(n)]
    from .._manipulation import stack
    return stack(cols, axis=-1).astype(v.dtype, copy=False)


tensorinv = _errors(lambda A, ind=2: _LA.tensorinv(_t(A), ind=ind))  # noqa: N803
tensorsolve = _errors(lambda A, B, dims=None: _LA.tensorsolve(_t(A), _t(B), axes=dims))  # noqa


@_errors
def cond(A, p=None):  # noqa: N803
    return _LA.cond(_t(A), p)


def matmul(input, other):  # noqa: A002
    return Lops.matmul(_t(input), other)


# -- LU (the factorization runs on the input's device: _ops_extra.lu) -----------------------
def lu_factor_ex(A, *, pivot=True, check_errors=False):  # noqa: N803
    """``(LU, pivots, info)``: the packed LU factorization with partial pivoting; ``info`` is
    the 1-based index of the first zero pivot (0 when there is none)."""
    from ._ops_extra import lu as _lu
    lu_, piv, info = _lu(A, pivot=pivot, get_infos=True)
    if check_errors and _t(A).numel() and bool(info.any().item()):
        raise LinAlgError("linalg.lu_factor_ex: U is singular (a zero pivot)")
    return R.linalg_lu_factor_ex(lu_, piv, info)


def lu_factor(A, *, pivot=True):  # noqa: N803
    """``(LU, pivots)``; a singular matrix raises ``LinAlgError`` (as PyTorch)."""
    lu_, piv, info = lu_factor_ex(A, pivot=pivot)
    if _t(A).numel() and bool(info.any().item()):
        first = int(info.reshape(-1)[info.reshape(-1).argmax()].item())
        raise LinAlgError(f"linalg.lu_factor: U[{first},{first}] is zero, singular U.")
    return R.linalg_lu_factor(lu_, piv)


def lu(A, *, pivot=True):  # noqa: N803
    """``(P, L, U)`` with ``A = P @ L @ U`` (a singular ``A`` factors too, as PyTorch)."""
    from ._ops_extra import lu_unpack
    lu_, piv, _ = lu_factor_ex(A, pivot=pivot)
    p, low, up = lu_unpack(lu_, piv)
    return R.linalg_lu(p, low, up)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):  # noqa: N803
    """The solution ``X`` of ``A X = B`` (``X A = B`` with ``left=False``; ``A^H`` with
    ``adjoint=True``) from ``A``'s LU factorization."""
    from ._ops_extra import lu_unpack
    p, low, up = lu_unpack(LU, pivots)
    a = matmul(matmul(p, low), up)
    if adjoint:
        a = a.mT.conj() if a.dtype.kind == "c" else a.mT
    return solve(a, _t(B), left=left)

