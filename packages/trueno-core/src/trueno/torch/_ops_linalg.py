"""Matrix functions on ``torch.*`` and as Tensor methods: the BLAS-style ``addmm`` family,
``mv``/``ger``/``inner``/``vdot``/``tensordot``, and the older linear-algebra names
(``det``, ``inverse``, ``qr``, ``svd``, ``cholesky*``, ``triangular_solve``, ``cdist``, ...)
over trueno's linalg engine."""

from __future__ import annotations

import math

import trueno as _tn
from trueno import linalg as _LA

from .. import _creation as C
from .. import _elementwise as E
from .. import _linalg_ops as L
from .._tensor import Tensor as _Base
from ._errors import TorchShapeError
from ._functions import _t, get_default_dtype
from . import return_types
from ._tensor import Tensor

__all__ = [
    "addmm", "addbmm", "baddbmm", "addmv", "addr", "mv", "ger", "inner", "vdot", "tensordot",
    "chain_matmul", "matrix_power", "det", "logdet", "slogdet", "inverse", "pinverse",
    "matrix_exp", "cholesky", "cholesky_inverse", "cholesky_solve", "qr", "svd",
    "triangular_solve", "cdist", "frobenius_norm", "nuclear_norm",
]

qr_result, svd_result, slogdet_result = return_types.qr, return_types.svd, return_types.slogdet
triangular_solve_result = return_types.triangular_solve


def _need(name, x, nd, what=None):
    if x.ndim != nd:
        raise TorchShapeError(f"{name}: {what or 'argument'} must be a {nd}D tensor, got a "
                              f"{x.ndim}D tensor")


def _axpby(name, input, prod, beta, alpha):  # noqa: A002
    """``beta * input + alpha * prod`` (``input`` ignored when beta is 0, as PyTorch)."""
    x = _t(input)
    out = prod if alpha == 1 else E.multiply(prod, alpha)
    if beta == 0:
        return E.add(out, C.zeros_like(x)) if tuple(x.shape) != tuple(out.shape) else out
    return E.add(x if beta == 1 else E.multiply(x, beta), out)


def _check_out_shape(name, input, shape):  # noqa: A002
    x = _t(input)
    try:
        full = _tn.broadcast_shapes(tuple(x.shape), tuple(shape))
    except ValueError:
        full = None
    if full != tuple(shape):
        raise TorchShapeError(f"{name}: the input of shape {list(x.shape)} cannot be broadcast "
                              f"to the product's shape {list(shape)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * (mat1 @ mat2)``."""
    a, b = _t(mat1), _t(mat2)
    _need("addmm", a, 2, "mat1")
    _need("addmm", b, 2, "mat2")
    p = L.matmul(a, b)
    _check_out_shape("addmm", input, p.shape)
    return _axpby("addmm", input, p, beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    from ._functions import bmm
    p = bmm(batch1, batch2)
    _check_out_shape("baddbmm", input, p.shape)
    return _axpby("baddbmm", input, p, beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):  # noqa: A002
    """``beta * input + alpha * sum_b(batch1[b] @ batch2[b])``."""
    from ._functions import bmm
    p = bmm(batch1, batch2).sum(0)
    _check_out_shape("addbmm", input, p.shape)
    return _axpby("addbmm", input, p, beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    p = mv(mat, vec)
    _check_out_shape("addmv", input, p.shape)
    return _axpby("addmv", input, p, beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):  # noqa: A002
    p = ger(vec1, vec2)
    _check_out_shape("addr", input, p.shape)
    return _axpby("addr", input, p, beta, alpha)


def mv(input, vec):  # noqa: A002
    a, v = _t(input), _t(vec)
    _need("mv", a, 2, "input")
    _need("mv", v, 1, "vec")
    if a.shape[1] != v.shape[0]:
        raise TorchShapeError(f"size mismatch, got input ({a.shape[0]}x{a.shape[1]}), vec "
                              f"({v.shape[0]})")
    return L.matmul(a, v)


def ger(input, vec2):  # noqa: A002
    a, b = _t(input), _t(vec2)
    _need("ger", a, 1, "input")
    _need("ger", b, 1, "vec2")
    return L.outer(a, b)


def inner(input, other):  # noqa: A002
    """The sum-product over the last dims (a scalar multiple for 0-d inputs)."""
    a, b = _t(input), _t(other)
    if a.ndim == 0 or (isinstance(other, _Base) and b.ndim == 0):
        return E.multiply(a, b)
    if a.shape[-1] != b.shape[-1]:
        raise TorchShapeError(f"inner() the last dimension must match on both input tensors "
                              f"but got shapes {list(a.shape)} and {list(b.shape)}")
    return _tn.inner(a, b)


def vdot(input, other):  # noqa: A002
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1:
        raise TorchShapeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._dtype is not b._dtype:
        from ._errors import TorchDTypeError
        raise TorchDTypeError(f"vdot: expected both vectors to have same dtype, but found "
                              f"{a.dtype.name} and {b.dtype.name}")
    return L.matmul(a.conj() if a.dtype.kind == "c" else a, b)


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` trailing dims of ``a`` with leading dims of ``b`` (or the listed
    dims ``([a_dims], [b_dims])``)."""
    x, y = _t(a), _t(b)
    if isinstance(dims, _Base):
        dims = dims.tolist()
    axes = dims if isinstance(dims, int) else (list(dims[0]), list(dims[1]))
    return L.tensordot(x, y, axes=axes)


def chain_matmul(*matrices):
    ms = [_t(m) for m in matrices]
    if len(ms) == 1:
        return ms[0].clone()
    return _LA.multi_dot(ms)


def matrix_power(input, n):  # noqa: A002
    return _LA.matrix_power(_t(input), n)


def det(input):  # noqa: A002
    return _LA.det(_t(input))


def logdet(input):  # noqa: A002
    """``log(det(input))``: NaN for a negative determinant, -inf for a singular matrix."""
    sign, logabs = _LA.slogdet(_t(input))
    return E.where(sign < 0, math.nan, logabs).astype(logabs.dtype, copy=False)


def slogdet(input):  # noqa: A002
    sign, logabs = _LA.slogdet(_t(input))
    return slogdet_result(sign, logabs)


def inverse(input):  # noqa: A002
    return _LA.inv(_t(input))


def pinverse(input, rcond=1e-15):  # noqa: A002
    return _LA.pinv(_t(input), rcond=rcond)


def matrix_exp(input):  # noqa: A002
    """``exp`` of square matrices: scaling and squaring of a degree-18 Taylor polynomial."""
    x = _t(input)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise TorchShapeError(f"linalg.matrix_exp: A must be batches of square matrices, but "
                              f"they are {list(x.shape[-2:])} matrices")
    if x.dtype.kind in "iub":
        x = x.astype(get_default_dtype())
    n = x.shape[-1]
    norm = float(E.abs(x).sum(-2).amax().item()) if x.numel() else 0.0
    s = max(0, int(math.ceil(math.log2(norm / 0.5)))) if norm > 0.5 else 0
    a = E.divide(x, 2.0 ** s) if s else x
    eye = C.eye(n, dtype=x.dtype, device=x._device, cls=Tensor)
    term, out = eye, eye
    for k in range(1, 19):
        term = E.divide(L.matmul(term, a), float(k))
        out = E.add(out, term)
    for _ in range(s):
        out = L.matmul(out, out)
    return out.astype(x.dtype, copy=False)


def cholesky(input, upper=False):  # noqa: A002
    return _LA.cholesky(_t(input), upper=upper)


def cholesky_inverse(input, upper=False):  # noqa: A002
    """The inverse of ``A = L L^H`` from its Cholesky factor (``U^H U`` when upper)."""
    f = _t(input)
    fh = f.mT.conj() if f.dtype.kind == "c" else f.mT
    a = L.matmul(fh, f) if upper else L.matmul(f, fh)
    return _LA.inv(a)


def cholesky_solve(B, L_, upper=False):  # noqa: N803
    """Solve ``A X = B`` given the Cholesky factor of ``A``."""
    f = _t(L_)
    fh = f.mT.conj() if f.dtype.kind == "c" else f.mT
    a = L.matmul(fh, f) if upper else L.matmul(f, fh)
    return _LA.solve(a, _t(B))


def qr(input, some=True):  # noqa: A002
    q, r = _LA.qr(_t(input), mode="reduced" if some else "complete")
    return qr_result(q, r)


def svd(input, some=True, compute_uv=True):  # noqa: A002
    """``(U, S, V)`` with ``input = U diag(S) V^H`` (PyTorch returns V, not V^H)."""
    x = _t(input)
    if not compute_uv:
        s = _LA.svdvals(x)
        m, n = x.shape[-2:]
        zu = C.zeros(tuple(x.shape[:-2]) + (m, m if not some else min(m, n)), x.dtype,
                     device=x._device, cls=Tensor)
        zv = C.zeros(tuple(x.shape[:-2]) + (n, n if not some else min(m, n)), x.dtype,
                     device=x._device, cls=Tensor)
        return svd_result(zu, s, zv)
    u, s, vh = _LA.svd(x, full_matrices=not some)
    v = vh.mT.conj() if vh.dtype.kind == "c" else vh.mT
    return svd_result(u, s, v)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):  # noqa: N803
    """Solve ``A X = b`` for a triangular ``A``: ``(solution, A's copy)``."""
    a, rhs = _t(A), _t(b)
    tri = C.triu(a) if upper else C.tril(a)
    if unitriangular:
        n = a.shape[-1]
        eye = C.eye(n, dtype=a.dtype, device=a._device, cls=Tensor)
        tri = E.add(E.multiply(tri, E.subtract(1, eye)), eye).astype(a.dtype, copy=False)
    if transpose:
        tri = tri.mT
    return triangular_solve_result(_LA.solve(tri, rhs), a.clone())


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise ``p``-norm distances between the rows of ``x1`` and ``x2`` (batched)."""
    a, b = _t(x1), _t(x2)
    if a.ndim < 2 or b.ndim < 2:
        raise TorchShapeError(f"cdist only supports at least 2D tensors, X1 got: {a.ndim}D")
    if a.shape[-1] != b.shape[-1]:
        raise TorchShapeError(f"X1 and X2 must have the same number of columns. X1: "
                              f"{a.shape[-1]} X2: {b.shape[-1]}")
    diff = E.abs(E.subtract(a._expand_dims(-2), b._expand_dims(-3)))
    if p == 0:
        return E.not_equal(diff, 0).sum(-1).astype(diff.dtype)
    if p == math.inf:
        return diff.amax(-1)
    if p == 1:
        return diff.sum(-1)
    if p == 2:
        return E.sqrt(E.square(diff).sum(-1))
    return E.pow(E.pow(diff, p).sum(-1), 1.0 / p)


def frobenius_norm(input, dim=(-2, -1), keepdim=False):  # noqa: A002
    x = _t(input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    return E.sqrt(E.square(E.abs(x)).sum(dims, keepdim))


def nuclear_norm(input, dim=None, keepdim=False):  # noqa: A002
    """The sum of singular values of the matrices in dims ``dim`` (the last two)."""
    x = _t(input)
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    d = (-2, -1) if dim is None else tuple(dim)
    y = x.moveaxis(d, (-2, -1)) if d != (-2, -1) else x
    out = _LA.svdvals(y).sum(-1)
    if keepdim:
        for ax in sorted(a % x.ndim for a in d):
            out = out._expand_dims(ax)
    return out
