"""``trueno.linalg``: the Array API linear-algebra extension plus NumPy's ``numpy.linalg``.

Factorizations and solvers (solve, inv, det, eigh, svd, qr, cholesky, ...) are op-table rows
added here, with reference kernels in ``_reference/_linalg_numpy.py``. Everything else (norms,
trace, cross, kron, multi_dot, matrix_power, ...) is written in trueno ops, so it runs on any
device and through autograd. All functions are batched over leading dimensions, as NumPy's.
Integer and bool inputs compute in the face's default float (float64 for ``trueno.ndarray``).

The op rows and the parameters their kernels (and gradient rules) receive; inputs are already
cast to the compute dtype and validated (square where needed, batch dims broadcastable):

==================== ================ ==========================================================
op                   inputs           params -> outputs
==================== ================ ==========================================================
linalg_solve         a (...,n,n),     -> x (...,n,k); a 1-D ``b`` is reshaped to (n, 1) first
                     b (...,n,k)
linalg_inv           x (...,n,n)      -> inverse
linalg_det           x (...,n,n)      -> det (...)
linalg_slogdet       x (...,n,n)      -> (sign, logabsdet)
linalg_eig           x (...,n,n)      -> (w, v)  (real when all eigenvalues are real)
linalg_eigvals       x (...,n,n)      -> w
linalg_eigh          x (...,n,n)      UPLO -> (w ascending, v)
linalg_eigvalsh      x (...,n,n)      UPLO -> w  (decomposition: eigh)
linalg_svd           x (...,m,n)      full_matrices, hermitian -> (U, S, Vh)
linalg_svdvals       x (...,m,n)      -> S  (decomposition: svd)
linalg_qr            x (...,m,n)      mode -> (Q, R), or R for mode="r"
linalg_cholesky      x (...,n,n)      upper -> L (or U)
linalg_lstsq         a (m,n), b       rcond -> (x, residuals, rank, s)
linalg_pinv          x (...,m,n)      rcond, rtol, hermitian -> pinv (...,n,m)
linalg_matrix_rank   x (...,m,n)      tol, hermitian, rtol -> int64 rank (...)
==================== ================ ==========================================================
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from . import _elementwise as E
from . import _reduction as Rd
from ._creation import eye
from ._errors import DTypeError, LinAlgError, ShapeError
from ._linalg_ops import matmul as _matmul
from ._linalg_ops import tensordot
from ._linalg_ops import vecdot as _vecdot
from ._manipulation import moveaxis
from ._optable import OPS
from ._tensor import Tensor, numpy_result
from ._views import broadcast_shapes, normalize_axis
from ._linalg_base import (EigResult, EighResult, LinAlgShapeError, QRResult,
                           SlogdetResult, SVDResult, _t)
from ._linalg_products import cross, kron, multi_dot, outer

__all__ = [
    "LinAlgError", "LinAlgShapeError", "solve", "inv", "pinv", "det", "slogdet", "eig", "eigh",
    "eigvals", "eigvalsh", "svd", "svdvals", "qr", "cholesky", "lstsq", "matrix_rank",
    "matrix_power", "norm", "vector_norm", "matrix_norm", "cond", "cross", "trace", "outer",
    "kron", "multi_dot", "tensordot", "vecdot", "matmul", "matrix_transpose", "diagonal",
    "tensorinv", "tensorsolve", "SlogdetResult", "EigResult", "EighResult", "SVDResult",
    "QRResult",
]


# --- op rows (declared in _optable/linalg.py, with the table) ------------------------------
def _eigvalsh_decomposition(x, UPLO="L"):  # noqa: N803
    return eigh(x, UPLO=UPLO).eigenvalues


def _svdvals_decomposition(x):
    return svd(x, full_matrices=False).S


_SOLVE, _INV, _DET, _SLOGDET, _EIG, _EIGVALS, _EIGH, _EIGVALSH, _SVD, _SVDVALS, _QR, \
    _CHOLESKY, _LSTSQ, _PINV, _MATRIX_RANK = (
        OPS[f"linalg_{n}"] for n in ("solve", "inv", "det", "slogdet", "eig", "eigvals", "eigh",
                                     "eigvalsh", "svd", "svdvals", "qr", "cholesky", "lstsq",
                                     "pinv", "matrix_rank"))


# --- validation ------------------------------------------------------------------------------
def _compute_dtype(name, *ts) -> D.DType:
    """NumPy's linalg dtype rule: float32/float64/complex keep their dtype, bool and ints
    compute in the default float; float16/bfloat16 are refused as NumPy refuses them."""
    cls = ts[0].__class__
    dt = ts[0]._dtype
    for t in ts[1:]:
        dt = D.promote(dt, t._dtype, cls._face)
    if dt.kind in "biu":
        return cls._default_float
    if dt in (D.float16, D.bfloat16):
        raise DTypeError(f"linalg.{name}: dtype {dt.name} is not supported in linalg\n"
                         f"  hint: x.astype(trueno.float32)")
    return dt


def _at_least_2d(name, x):
    if x.ndim < 2:
        raise LinAlgShapeError(
            f"linalg.{name}: {x.ndim}-dimensional array given (shape {x.shape}); the array "
            f"must be at least two-dimensional (a matrix or a stack of matrices)")


def _square(name, x):
    _at_least_2d(name, x)
    if x.shape[-1] != x.shape[-2]:
        raise LinAlgShapeError(
            f"linalg.{name}: last 2 dimensions of the array must be square; got shape "
            f"{x.shape} ({x.shape[-2]} x {x.shape[-1]})\n  hint: linalg.pinv or linalg.lstsq "
            f"work for non-square matrices")


def _same_device(name, ts):
    for t in ts[1:]:
        if t._device is not ts[0]._device:
            X.check_device(f"linalg.{name}", ts[0], t)


def _call(row, name, ts, params, dt):
    """Run ``row`` on tensors ``ts`` cast to ``dt``; data-dependent failures become
    ``trueno.LinAlgError`` with a hint."""
    datas = tuple(X.cast_data(t, dt) for t in ts)
    try:
        return X.run(row, tuple(ts), datas, params, ts[0].__class__, ts[0]._device, dt)
    except (np.linalg.LinAlgError, LinAlgError) as e:
        if isinstance(e, LinAlgShapeError):
            raise
        raise LinAlgError(_failure_message(name, str(e), ts[0].shape)) from None


def _failure_message(name, what, shape) -> str:
    if "singular" in what.lower():
        return (f"linalg.{name}: Singular matrix: det is 0 (a.shape = {shape})\n"
                f"  hint: use linalg.lstsq or linalg.pinv for a least-squares solution")
    if "positive definite" in what.lower():
        return (f"linalg.{name}: Matrix is not positive definite (a.shape = {shape})\n"
                f"  hint: the input must be Hermitian (symmetric) with positive eigenvalues; "
                f"check linalg.eigvalsh(a)")
    return f"linalg.{name}: {what} (a.shape = {shape})"


def _unary(row, name, x, square=True, **params):
    x = _t(x)
    (_square if square else _at_least_2d)(name, x)
    return _call(row, name, (x,), params, _compute_dtype(name, x))


# --- solvers and factorizations --------------------------------------------------------------
def solve(a, b, /):
    """Solve ``a @ x = b`` for ``x``; ``b`` is a vector when 1-D, else a stack of matrices.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 4.0]).tolist()
    [1.0, 1.0]
    """
    a = _t(a, b if isinstance(b, Tensor) else None)
    b = _t(b, a)
    _square("solve", a)
    _same_device("solve", (a, b))
    n = a.shape[-1]
    vector = b.ndim == 1
    b2 = b._reshape(b.shape + (1,)) if vector else b
    if b2.shape[-2] != n:
        raise LinAlgShapeError(
            f"linalg.solve(a, b): b does not match a: a.shape = {a.shape}, b.shape = {b.shape}"
            f"\n  rule: a is (..., n, n), b is (n,) or (..., n, k) with n = {n}")
    try:
        broadcast_shapes(a.shape[:-2], b2.shape[:-2])
    except ShapeError as e:
        raise LinAlgShapeError(f"linalg.solve: batch dimensions do not broadcast: {e}") \
            from None
    out = _call(_SOLVE, "solve", (a, b2), {}, _compute_dtype("solve", a, b))
    return out._reshape(out.shape[:-1]) if vector else out


def inv(a, /):
    """Inverse of each square matrix; a singular matrix raises ``trueno.LinAlgError``."""
    return _unary(_INV, "inv", a)


def det(a, /):
    """Determinant of each square matrix (0 for a singular one); a NumPy scalar for one matrix
    on the NumPy face, as NumPy."""
    return numpy_result(_unary(_DET, "det", a))


def slogdet(a, /):
    """``(sign, logabsdet)`` of the determinant, without overflow."""
    return SlogdetResult(*(numpy_result(r) for r in _unary(_SLOGDET, "slogdet", a)))


def eig(a, /):
    """Eigenvalues and right eigenvectors; real when all eigenvalues are real (as NumPy 2)."""
    return EigResult(*_unary(_EIG, "eig", a))


def eigvals(a, /):
    return _unary(_EIGVALS, "eigvals", a)


def eigh(a, /, UPLO="L"):  # noqa: N803  (NumPy's argument name)
    """Eigen-decomposition of Hermitian (symmetric) matrices, eigenvalues ascending."""
    _check_uplo(UPLO)
    return EighResult(*_unary(_EIGH, "eigh", a, UPLO=UPLO))


def eigvalsh(a, /, UPLO="L"):  # noqa: N803
    _check_uplo(UPLO)
    return _unary(_EIGVALSH, "eigvalsh", a, UPLO=UPLO)


def _check_uplo(uplo):
    if uplo not in ("L", "U"):
        raise ValueError(f"UPLO argument must be 'L' or 'U', not {uplo!r}")


def svd(a, /, full_matrices=True, compute_uv=True, hermitian=False):
    """Singular value decomposition ``a = U @ diag(S) @ Vh`` (``compute_uv=False``: S only)."""
    if not compute_uv:
        return svdvals(a)
    return SVDResult(*_unary(_SVD, "svd", a, square=False, full_matrices=bool(full_matrices),
                             hermitian=bool(hermitian)))


def svdvals(x, /):
    """Singular values of each matrix, in descending order."""
    return _unary(_SVDVALS, "svdvals", x, square=False)


def qr(a, /, mode="reduced"):
    """QR factorization; ``mode`` is "reduced", "complete", "r" or "raw" (as NumPy)."""
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"linalg.qr: unrecognized mode {mode!r}; expected 'reduced', "
                         f"'complete', 'r' or 'raw'")
    out = _unary(_QR, "qr", a, square=False, mode=mode)
    if mode == "r":
        return out
    return QRResult(*out) if mode != "raw" else out


def cholesky(a, /, *, upper=False):
    """Cholesky factor ``L`` (``a = L @ L.mH``), or ``U`` with ``upper=True``."""
    return _unary(_CHOLESKY, "cholesky", a, upper=bool(upper))


def lstsq(a, b, rcond=None):
    """Least-squares solution of ``a @ x = b``: ``(x, residuals, rank, s)`` as NumPy."""
    a = _t(a, b if isinstance(b, Tensor) else None)
    b = _t(b, a)
    _same_device("lstsq", (a, b))
    if a.ndim != 2:
        raise LinAlgShapeError(f"linalg.lstsq: a must be two-dimensional, got shape {a.shape}")
    if b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise LinAlgShapeError(
            f"linalg.lstsq(a, b): incompatible dimensions: a.shape = {a.shape}, b.shape = "
            f"{b.shape}\n  rule: a is (m, n), b is (m,) or (m, k) with m = {a.shape[0]}")
    x, res, rank, s = _call(_LSTSQ, "lstsq", (a, b), {"rcond": rcond},
                            _compute_dtype("lstsq", a, b))
    return x, res, np.int32(rank.item()), s  # NumPy's rank is a numpy.int32


_NOVALUE = object()


def pinv(a, /, rcond=None, hermitian=False, *, rtol=_NOVALUE):
    """Moore-Penrose pseudo-inverse (via SVD); works for singular and non-square matrices."""
    if rtol is not _NOVALUE and rcond is not None:
        raise ValueError("linalg.pinv: pass rcond= or rtol=, not both")
    a = _t(a)
    _at_least_2d("pinv", a)
    params = {"rcond": _host_param(rcond), "hermitian": bool(hermitian),
              "rtol": None if rtol is _NOVALUE else _host_param(rtol)}
    return _call(_PINV, "pinv", (a,), params, _compute_dtype("pinv", a))


def _host_param(v):
    return v._host() if isinstance(v, Tensor) else v


def matrix_rank(A, /, tol=None, hermitian=False, *, rtol=None):  # noqa: N803
    """Rank of each matrix (number of singular values above the tolerance)."""
    x = _t(A)
    if x.ndim < 2:
        r = numpy_result(Rd.any(x != 0).astype(D.int64))
        return int(r) if isinstance(r, np.generic) else r  # NumPy: a Python int here
    params = {"tol": _host_param(tol), "hermitian": bool(hermitian), "rtol": _host_param(rtol)}
    return numpy_result(_call(_MATRIX_RANK, "matrix_rank", (x,), params,
                              _compute_dtype("matrix_rank", x)))


# --- compositions (trueno ops: any device, autograd through the primitives) ------------------
def matrix_power(a, n, /):
    """``a`` raised to the integer power ``n`` by repeated squaring (``n < 0`` inverts)."""
    a = _t(a)
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"linalg.matrix_power: exponent must be an integer, not "
                        f"{type(n).__name__}") from None
    _square("matrix_power", a)
    if n == 0:
        out = eye(a.shape[-1], dtype=a._dtype, device=a._device, cls=a.__class__)
        return out.expand_to(a.shape).copy()
    if n < 0:
        a = inv(a)
        n = -n
    result = None
    base = a
    while True:
        if n & 1:
            result = base if result is None else _matmul(result, base)
        n >>= 1
        if not n:
            return result if result is not a else a.copy()
        base = _matmul(base, base)


def _inexact(x):
    if x._dtype.kind in "biu":
        return x.astype(x.__class__._default_float)
    return x


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):  # noqa: A002
    """Array API vector norm over ``axis`` (None: all elements, as one vector)."""
    x = _t(x)
    if isinstance(ord, str):
        raise ValueError(f"linalg.vector_norm: invalid norm order {ord!r} for vectors")
    return numpy_result(_vector_norm(x, axis, keepdims, ord))


def _vector_norm(x, axis=None, keepdims=False, ord=2):  # noqa: A002
    return Rd._reduce("vector_norm", x, axis, bool(keepdims), ord=float(ord))


def matmul(x1, x2, /):
    """``x1 @ x2`` (NumPy's ``linalg.matmul``); 1-d @ 1-d is a NumPy scalar on the NumPy
    face, as NumPy's."""
    return numpy_result(_matmul(x1, x2))


def vecdot(x1, x2, /, *, axis=-1):
    """Dot products of vectors along ``axis`` (conjugating ``x1``); a 0-d result is a NumPy
    scalar on the NumPy face, as NumPy's."""
    return numpy_result(_vecdot(x1, x2, axis=axis))


def matrix_norm(x, /, *, keepdims=False, ord="fro"):  # noqa: A002
    """Array API matrix norm over the last two axes."""
    return numpy_result(_norm(x, ord, (-2, -1), keepdims))


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """NumPy's ``linalg.norm``: vector norms over one axis, matrix norms over two; a 0-d
    result is a NumPy scalar on the NumPy face, as NumPy.

    Examples
    --------
    >>> import trueno as tn
    >>> float(tn.linalg.norm([3.0, 4.0]))
    5.0
    """
    return numpy_result(_norm(x, ord, axis, keepdims))


def _norm(x, ord, axis, keepdims):  # noqa: A002
    x = _inexact(_t(x))
    nd = x.ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            out = _vector_norm(x, axis=None)
            return out._reshape((1,) * nd) if keepdims else out
        axis = tuple(range(nd))
    elif not isinstance(axis, (tuple, list)):
        axis = (operator.index(axis),)
    axis = tuple(axis)
    if len(axis) == 1:
        if isinstance(ord, str):
            raise ValueError(f"Invalid norm order {ord!r} for vectors")
        return _vector_norm(x, axis[0], keepdims, 2 if ord is None else ord)
    if len(axis) != 2:
        raise ValueError(f"Improper number of dimensions to norm (axis={axis}, ndim={nd})")
    r, c = (normalize_axis(a, nd) for a in axis)
    if r == c:
        raise ValueError("Duplicate axes given.")
    out = _matrix_norm(x, ord, r, c)
    if keepdims:
        shape = list(x.shape)
        shape[r] = shape[c] = 1
        out = out._reshape(tuple(shape))
    return out


def _matrix_norm(x, ord, r, c):  # noqa: A002
    if ord in (2, -2, "nuc"):
        s = svdvals(moveaxis(x, (r, c), (-2, -1)))
        if ord == "nuc":
            return Rd.sum(s, axis=-1)
        return (Rd.max if ord == 2 else Rd.min)(s, axis=-1)
    if ord in (None, "fro", "f"):
        return _vector_norm(x, axis=(r, c))
    a = E.abs(x)
    if ord in (1, -1):
        c2 = c - 1 if c > r else c
        return (Rd.max if ord == 1 else Rd.min)(Rd.sum(a, axis=r), axis=c2)
    if ord in (math.inf, -math.inf):
        r2 = r - 1 if r > c else r
        return (Rd.max if ord > 0 else Rd.min)(Rd.sum(a, axis=c), axis=r2)
    raise ValueError(f"Invalid norm order {ord!r} for matrices")


def cond(x, p=None):
    """Condition number of each matrix in norm ``p`` (None or 2: ratio of singular values)."""
    x = _t(x)
    _at_least_2d("cond", x)
    if p is None or p in (2, -2):
        s = svdvals(x)
        ratio = s[..., 0] / s[..., -1]
        return numpy_result(ratio if p != -2 else s[..., -1] / s[..., 0])
    _square("cond", x)
    return numpy_result(_norm(x, p, (-2, -1), False) * _norm(inv(x), p, (-2, -1), False))


def trace(x, /, *, offset=0, dtype=None):
    """Sum of the diagonal of each matrix (the last two axes)."""
    x = _t(x)
    _at_least_2d("trace", x)
    return numpy_result(Rd.sum(x.diagonal(offset, -2, -1), axis=-1, dtype=dtype))


def diagonal(x, /, *, offset=0):
    """The diagonal of each matrix (the last two axes), as a view."""
    x = _t(x)
    _at_least_2d("diagonal", x)
    return x.diagonal(offset, -2, -1)


def matrix_transpose(x, /):
    return _t(x).mT


def tensorinv(a, ind=2):
    """Inverse of ``a`` viewed as a linear map from its last axes to its first ``ind`` axes."""
    a = _t(a)
    if ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, not {ind}")
    old = a.shape
    prod = math.prod(old[ind:])
    if math.prod(old[:ind]) != prod:
        raise LinAlgShapeError(f"linalg.tensorinv: prod(a.shape[:ind]) must equal "
                               f"prod(a.shape[ind:]); a.shape = {old}, ind = {ind}")
    return inv(a._reshape((prod, -1)))._reshape(old[ind:] + old[:ind])


def tensorsolve(a, b, axes=None):
    """Solve ``tensordot(a, x, axes=x.ndim) = b`` for ``x`` (as ``numpy.linalg.tensorsolve``)."""
    a = _t(a, b if isinstance(b, Tensor) else None)
    b = _t(b, a)
    an = a.ndim
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(normalize_axis(k, an))
            allaxes.insert(an, normalize_axis(k, an))
        a = a.permute_dims(tuple(allaxes))
    old = a.shape[-(an - b.ndim):] if an != b.ndim else ()
    prod = math.prod(old)
    if a.numel() != prod ** 2:
        raise LinAlgShapeError(
            f"linalg.tensorsolve: input arrays must satisfy prod(a.shape[b.ndim:]) == "
            f"prod(a.shape[:b.ndim]); a.shape = {a.shape}, b.shape = {b.shape}")
    res = solve(a._reshape((prod, prod)), b._reshape((-1,)))
    return res._reshape(old)


_ = (tensordot, vecdot)
