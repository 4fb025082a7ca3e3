"""More PyTorch-face functions: LU (``lu``/``lu_unpack``/``lu_solve``), Householder QR
(``geqrf``/``orgqr``/``ormqr``), incomplete gamma and polygamma/zeta, ``index_reduce``,
``histogramdd``, ``from_file``, ``to_dlpack`` and function forms of some methods.

The factorizations and special functions run on the host in float64 (LAPACK's partial
pivoting order, NumPy's geqrf) and come back in the input's dtype and device.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .._tensor import Tensor as _Base
from ._errors import TorchDTypeError, TorchShapeError
from ._functions import _t, get_default_dtype
from . import return_types
from ._tensor import Tensor

__all__ = [
    "lu", "lu_unpack", "lu_solve", "geqrf", "orgqr", "ormqr", "igamma", "igammac",
    "polygamma", "zeta", "index_reduce", "histogramdd", "from_file", "to_dlpack",
    "nonzero_static", "resize_as_", "hash_tensor",
]

lu_unpack_result, geqrf_result = return_types.lu_unpack, return_types.geqrf
histogramdd_result = return_types.histogramdd


def _back(h, like, dtype=None):
    return C.asarray(np.ascontiguousarray(h), dtype or like.dtype, device=like._device,
                     cls=Tensor)


def _float_matrix(name, x):
    t = _t(x)
    if t.dtype.kind not in "fc":
        raise TorchDTypeError(f"{name}: Expected a floating point or complex tensor as input. "
                              f"Got {t.dtype.name}")
    if t.ndim < 2:
        raise TorchShapeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    return t


def _getrf(a: np.ndarray):
    """LAPACK getrf on one matrix: LU in place, 1-based pivots, info (first zero pivot)."""
    m, n = a.shape
    k = min(m, n)
    piv = np.zeros(k, np.int32)
    info = 0
    for j in range(k):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        piv[j] = p + 1
        if a[p, j] == 0:
            info = info or j + 1
            continue
        if p != j:
            a[[j, p]] = a[[p, j]]
        a[j + 1:, j] /= a[j, j]
        a[j + 1:, j + 1:] -= np.outer(a[j + 1:, j], a[j, j + 1:])
    return a, piv, info


def _getrf_device(x):
    """Batched getrf with trueno ops on ``x``'s device (real dtypes): per column, the pivot is
    the first largest ``|a|`` (LAPACK's idamax), rows swap through a gather, and the trailing
    block gets the rank-1 update; a zero pivot leaves its column as it is (LAPACK's info)."""
    from .. import _elementwise as E
    from .. import _manipulation as M
    m, n = x.shape[-2:]
    a = x.clone()
    batch = tuple(x.shape[:-2])
    rows = C.arange(m, dtype=D.int64, device=x._device, cls=Tensor)
    pivs, zeros = [], []
    for j in range(min(m, n)):
        p = _tn.argmax(E.abs(a[..., j:, j]), axis=-1, keepdims=True) + j  # (..., 1)
        pivs.append(p)
        perm = E.where(E.equal(rows, j), p, E.where(E.equal(rows, p), j, rows))
        a = _tn.take_along_axis(a, perm[..., :, None].expand_to(batch + (m, n)), axis=-2)
        piv = a[..., j:j + 1, j:j + 1]
        nonzero = E.not_equal(piv, 0)
        zeros.append(E.logical_not(nonzero[..., 0, 0]))
        if j + 1 < m:
            col = a[..., j + 1:, j:j + 1]
            col = E.where(nonzero, E.divide(col, E.where(nonzero, piv, 1)), col)
            upd = E.where(nonzero, col, 0) * a[..., j:j + 1, j + 1:]
            a = M.concat([a[..., :j + 1, :], M.concat([
                a[..., j + 1:, :j], col, a[..., j + 1:, j + 1:] - upd], axis=-1)], axis=-2)
    k = min(m, n)
    piv = (M.concat(pivs, axis=-1) + 1).astype(D.int32) if k else \
        C.zeros(batch + (0,), dtype=D.int32, device=x._device, cls=Tensor)
    info = C.zeros(batch, dtype=D.int32, device=x._device, cls=Tensor)
    for j in range(k - 1, -1, -1):  # the first zero pivot, 1-based
        info = E.where(zeros[j], j + 1, info).astype(D.int32, copy=False)
    return a, piv, info


def lu(A, pivot=True, get_infos=False):  # noqa: N803
    """``(LU, pivots[, infos])``: the packed LU factorization with partial pivoting (real
    dtypes on the input's device; complex ones on the host)."""
    x = _float_matrix("lu", A)
    if not pivot:
        raise TorchShapeError("lu without pivoting is not implemented on the CPU\n  hint: "
                              "pivot=True")
    if x._dtype.kind == "f":
        out_lu, piv, info = _getrf_device(x)
        if get_infos:
            return out_lu, piv, info
        if x.numel() and bool(info.any().item()):
            from .linalg import LinAlgError
            first = int(info.reshape(-1)[info.reshape(-1).argmax()].item())
            raise LinAlgError(f"lu: U[{first},{first}] is zero, singular U.")
        return out_lu, piv
    h = x._host().astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    batch = h.reshape((-1,) + h.shape[-2:]).copy()
    pivs, infos = [], []
    for i in range(batch.shape[0]):
        batch[i], p, info = _getrf(batch[i])
        pivs.append(p)
        infos.append(info)
    shape = h.shape[:-2]
    piv = np.array(pivs, np.int32).reshape(shape + (min(h.shape[-2:]),))
    out = (_back(batch.reshape(h.shape), x), _back(piv, x, D.int32))
    if get_infos:
        return out + (_back(np.array(infos, np.int32).reshape(shape), x, D.int32),)
    from .linalg import LinAlgError
    if any(infos):
        raise LinAlgError(f"lu: U[{infos[0]},{infos[0]}] is zero, singular U.")
    return out


def _perm(piv, m):
    perm = np.arange(m)
    for j, p in enumerate(piv):
        p -= 1
        perm[[j, p]] = perm[[p, j]]
    return perm


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):  # noqa: N803
    """``(P, L, U)`` with ``A = P @ L @ U`` from ``lu``'s packed result."""
    lu_t, piv_t = _t(LU_data), _t(LU_pivots)
    h, pv = lu_t._host(), piv_t._host()
    m, n = h.shape[-2:]
    k = min(m, n)
    lower = np.tril(h, -1)[..., :, :k] + np.eye(m, k, dtype=h.dtype)
    upper = np.triu(h)[..., :k, :]
    flat = pv.reshape(-1, pv.shape[-1])
    ps = np.stack([np.eye(m, dtype=h.dtype)[:, _perm(p, m)] for p in flat]).reshape(
        pv.shape[:-1] + (m, m))
    empty = C.empty((0,), lu_t.dtype, device=lu_t._device, cls=Tensor)
    return lu_unpack_result(_back(ps, lu_t) if unpack_pivots else empty,
                            _back(lower, lu_t) if unpack_data else empty,
                            _back(upper, lu_t) if unpack_data else empty)


def lu_solve(b, LU_data, LU_pivots):  # noqa: N803
    """Solve ``A X = b`` from ``A``'s packed LU factorization."""
    p, low, up = lu_unpack(LU_data, LU_pivots)
    rhs = _tn.linalg.matmul(p.mT, _t(b))
    y = _tn.linalg.solve(low, rhs)
    return _tn.linalg.solve(up, y)


def geqrf(input):  # noqa: A002
    """LAPACK's geqrf: R on and above the diagonal, the Householder vectors below, and
    their scale factors ``tau``."""
    x = _float_matrix("geqrf", input)
    h = x._host().astype(np.complex128 if x.dtype.kind == "c" else np.float64)
    flat = h.reshape((-1,) + h.shape[-2:])
    outs = [np.linalg.qr(a, mode="raw") for a in flat]
    a = np.stack([r.T for r, _ in outs]).reshape(h.shape)
    tau = np.stack([t for _, t in outs]).reshape(h.shape[:-2] + (min(h.shape[-2:]),))
    return geqrf_result(_back(a, x), _back(tau, x))


def _householder_q(a: np.ndarray, tau: np.ndarray, full_cols: int) -> np.ndarray:
    m = a.shape[0]
    q = np.eye(m, dtype=np.result_type(a, tau))
    for i in range(len(tau)):
        v = np.zeros(m, dtype=q.dtype)
        v[i] = 1
        v[i + 1:] = a[i + 1:, i]
        q = q - tau[i] * np.outer(q @ v, v.conj())
    return q[:, :full_cols]


def orgqr(input, tau):  # noqa: A002
    """The first ``n`` columns of ``Q = H_1 ... H_k`` from ``geqrf``'s output."""
    x, t = _float_matrix("orgqr", input), _t(tau)
    h, th = x._host(), t._host()
    flat, tflat = h.reshape((-1,) + h.shape[-2:]), th.reshape(-1, th.shape[-1])
    qs = [_householder_q(a, tt_, h.shape[-1]) for a, tt_ in zip(flat, tflat)]
    return _back(np.stack(qs).reshape(h.shape), x)


def ormqr(input, tau, other, left=True, transpose=False):  # noqa: A002
    """``Q @ other`` (``other @ Q`` when not ``left``; ``Q^H`` when ``transpose``) with ``Q``
    from ``geqrf``'s output."""
    x, t, o = _float_matrix("ormqr", input), _t(tau), _t(other)
    h, th, oh = x._host(), t._host(), o._host()
    m = oh.shape[-2] if left else oh.shape[-1]
    flat, tflat = h.reshape((-1,) + h.shape[-2:]), th.reshape(-1, th.shape[-1])
    oflat = oh.reshape((-1,) + oh.shape[-2:])
    outs = []
    for a, tt_, ob in zip(flat, tflat, oflat):
        q = _householder_q(a, tt_, m)
        q = q.conj().T if transpose else q
        outs.append(q @ ob if left else ob @ q)
    return _back(np.stack(outs).reshape(oh.shape), o)


def _gser(a, x):
    term = total = 1.0 / a
    ap = a
    for _ in range(1000):
        ap += 1
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-16:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gcf(a, x):
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def _igamma_one(a, x, upper):
    if math.isnan(a) or math.isnan(x) or a < 0 or x < 0:
        return math.nan
    if a == 0:
        return (0.0 if x > 0 else math.nan) if upper else (1.0 if x > 0 else math.nan)
    if x == 0:
        return 1.0 if upper else 0.0
    if math.isinf(x):
        return 0.0 if upper else 1.0
    if x < a + 1:
        p = _gser(a, x)
        return 1 - p if upper else p
    q = _gcf(a, x)
    return q if upper else 1 - q


def _igamma(name, input, other, upper):  # noqa: A002
    a, x = _t(input), _t(other)
    dt = D.promote(a.dtype, x.dtype, "torch")
    if dt.kind != "f":
        raise TorchDTypeError(f"{name}: expected floating point inputs, got {a.dtype.name} "
                              f"and {x.dtype.name}")
    ha, hx = np.broadcast_arrays(a._host().astype(np.float64), x._host().astype(np.float64))
    out = np.frompyfunc(lambda p, q: _igamma_one(p, q, upper), 2, 1)(ha, hx)
    return _back(np.asarray(out, np.float64), a, dt)


def igamma(input, other):  # noqa: A002
    """The regularized lower incomplete gamma function ``P(input, other)``."""
    return _igamma("igamma", input, other, False)


def igammac(input, other):  # noqa: A002
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P``."""
    return _igamma("igammac", input, other, True)


_BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]


def _zeta_one(s, q):
    """The Hurwitz zeta function by Euler-Maclaurin summation (q > 0)."""
    if math.isnan(s) or math.isnan(q):
        return math.nan
    if s == 1:
        return math.inf
    if s < 1:
        return math.nan
    if q <= 0:
        if q == math.floor(q):
            return math.inf  # a pole
        if s != math.floor(s):
            return math.nan  # a negative base to a fractional power
        shift = math.ceil(-q) + 1  # zeta(s, q) = sum_{k<m} (q+k)^-s + zeta(s, q+m)
        return sum((q + k) ** -s for k in range(shift)) + _zeta_one(s, q + shift)
    n = 12
    total = sum((q + k) ** -s for k in range(n))
    w = q + n
    total += w ** (1 - s) / (s - 1) + 0.5 * w ** -s
    fact, rising = 1.0, s
    for j, b in enumerate(_BERNOULLI, start=1):
        fact *= (2 * j - 1) * (2 * j) if j > 1 else 2
        total += b / fact * rising * w ** (-s - 2 * j + 1)
        rising *= (s + 2 * j - 1) * (s + 2 * j)
    return total


def zeta(input, other):  # noqa: A002
    """The Hurwitz zeta function ``sum_k (other + k) ** -input``."""
    x, q = _t(input), _t(other)
    dt = D.promote(x.dtype, q.dtype, "torch")
    dt = get_default_dtype() if dt.kind in "iub" else dt
    hx, hq = np.broadcast_arrays(x._host().astype(np.float64), q._host().astype(np.float64))
    out = np.frompyfunc(_zeta_one, 2, 1)(hx, hq)
    return _back(np.asarray(out, np.float64), x, dt)


def polygamma(n, input):  # noqa: A002
    """The ``n``-th derivative of digamma: ``(-1)^(n+1) n! zeta(n+1, input)`` for n >= 1."""
    from ._ops_misc import digamma
    if n < 0:
        raise TorchShapeError(f"polygamma(n, x) does not support negative n, got {n}")
    if n == 0:
        return digamma(input)
    x = _t(input)
    x = x.astype(get_default_dtype()) if x.dtype.kind in "iub" else x
    z = zeta(C.full((), float(n + 1), x.dtype, device=x._device, cls=Tensor), x)
    return _back(z._host() * ((-1) ** (n + 1) * math.factorial(n)), x)


def index_reduce(input, dim, index, source, reduce, *, include_self=True):  # noqa: A002
    """``scatter_reduce`` with one index per slice of ``dim`` (``"prod"``, ``"mean"``,
    ``"amax"``, ``"amin"``)."""
    from ._ops_index import scatter_reduce
    x, src, idx = _t(input), _t(source), _t(index)
    if reduce not in ("prod", "mean", "amax", "amin"):
        from ._errors import TorchArgumentError
        raise TorchArgumentError(f"index_reduce(): Expected reduce to be one of prod, mean, "
                                 f"amax or amin but got {reduce}.")
    d = dim % max(src.ndim, 1)
    shape = [1] * src.ndim
    shape[d] = -1
    full = idx.reshape(shape).expand_to(tuple(src.shape)) if src.ndim else idx
    return scatter_reduce(x, d, full, src, reduce, include_self=include_self)


def histogramdd(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)`` of the points in the rows of ``input`` (last dim: coordinates)."""
    x = _t(input)
    pts = x.reshape(-1, x.shape[-1])
    b = bins.tolist() if isinstance(bins, _Base) else bins
    b = [e._host() if isinstance(e, _Base) else e for e in b] if isinstance(b, (list, tuple)) \
        else b
    rng = None if range is None else [(range[2 * i], range[2 * i + 1])
                                      for i in builtins.range(len(range) // 2)]
    w = None if weight is None else _t(weight).reshape(-1)
    hist, edges = _tn.histogramdd(pts, bins=b, range=rng, weights=w, density=density)
    return histogramdd_result(hist.astype(x.dtype),
                              tuple(_t(e).astype(x.dtype) for e in edges))



def from_file(filename, shared=None, size=0, *, dtype=None, device=None,
              requires_grad=False):
    """``size`` elements read from a raw binary file (memory-mapped, writes reaching the
    file, when ``shared``)."""
    dt = D.as_dtype(dtype or get_default_dtype())
    if shared:
        arr = np.memmap(filename, dtype=dt.numpy, mode="r+", shape=(size,))
        out = C.asarray(arr, cls=Tensor)
    else:
        arr = np.fromfile(filename, dtype=dt.numpy, count=size)
        if arr.size < size:
            raise TorchShapeError(f"from_file: the file holds {arr.size} elements, {size} "
                                  f"asked for")
        out = C.asarray(arr, device=device, cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def to_dlpack(tensor):
    """A DLPack capsule of ``tensor`` (its memory shared)."""
    return _t(tensor).__dlpack__()


def nonzero_static(input, *, size, fill_value=-1):  # noqa: A002
    return _t(input).nonzero_static(size=size, fill_value=fill_value)


def resize_as_(input, the_template, *, memory_format=None):  # noqa: A002
    return _t(input).resize_as_(the_template)


def hash_tensor(input, dim=None, *, keepdim=False, mode=0):  # noqa: A002
    """The xor of the elements' 64-bit patterns (floats as float64, integers as int64) over
    ``dim`` (all when None), as uint64."""
    x = _t(input)
    if mode != 0:
        raise TorchShapeError(f"hash_tensor: only mode=0 (xor reduction) is supported, got "
                              f"{mode}")
    if x.dtype.kind == "c":
        raise TorchDTypeError("hash_tensor: complex tensors are not supported")
    h = x._host()
    wide = h.astype(np.float64 if h.dtype.kind == "f" else
                    np.uint64 if h.dtype.kind == "u" else np.int64)
    bits = np.ascontiguousarray(wide).view(np.uint64)
    axes = None if dim is None else tuple(d % max(h.ndim, 1) for d in (
        (dim,) if isinstance(dim, int) else dim))
    out = np.bitwise_xor.reduce(bits, axis=axes, keepdims=keepdim) if bits.ndim else bits
    return C.asarray(np.asarray(out, np.uint64), D.uint64, device=x._device, cls=Tensor)
