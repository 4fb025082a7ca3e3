"""Products of ``trueno.linalg`` written in trueno ops (so they run on every device and through
autograd): ``outer``, ``cross`` (and NumPy's ``cross``), ``kron``, ``multi_dot``."""

from __future__ import annotations

import math

from . import _reduction as Rd
from ._errors import ShapeError
from ._linalg_base import LinAlgDTypeError, LinAlgShapeError, _t
from ._linalg_ops import matmul as _matmul
from ._linalg_ops import outer as _outer
from ._manipulation import moveaxis, stack
from ._tensor import Tensor, numpy_result
from ._views import broadcast_shapes

__all__ = ["outer", "cross", "np_cross", "kron", "multi_dot"]


def outer(x1, x2, /):
    """Outer product of two vectors (1-D only, as ``numpy.linalg.outer``)."""
    a, b = _t(x1), _t(x2)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"linalg.outer: input arrays must be one-dimensional, got shapes "
                         f"{a.shape} and {b.shape}\n  hint: trueno.outer flattens its inputs")
    return _outer(a, b)


def cross(x1, x2, /, *, axis=-1):
    """Cross product of 3-element vectors along ``axis`` (Array API ``linalg.cross``)."""
    a, b = _t(x1, x2 if isinstance(x2, Tensor) else None), _t(x2)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise ShapeError(f"linalg.cross: both inputs must have size 3 along axis {axis}, got "
                         f"shapes {a.shape} and {b.shape}\n  hint: trueno.cross also takes "
                         f"2-element vectors")
    return np_cross(a, b, axis=axis)


def np_cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """NumPy's ``cross``: 2- or 3-element vectors along ``axisa``/``axisb``."""
    a, b = _t(a, b if isinstance(b, Tensor) else None), _t(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(a, axisa, -1)
    b = moveaxis(b, axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ShapeError(f"cross: incompatible dimensions for cross product (dimension must "
                         f"be 2 or 3), got vectors of size {a.shape[-1]} and {b.shape[-1]}")
    broadcast_shapes(a.shape[:-1], b.shape[:-1])
    a0, a1 = a[..., 0], a[..., 1]
    b0, b1 = b[..., 0], b[..., 1]
    # (1-d vectors: the products of 0-d arrays are NumPy scalars on the NumPy face)
    z = _t(a0 * b1 - a1 * b0, a)
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    a2 = a[..., 2] if a.shape[-1] == 3 else None
    b2 = b[..., 2] if b.shape[-1] == 3 else None
    if a2 is None:
        x, y = a1 * b2, -(a0 * b2)
    elif b2 is None:
        x, y = -(a2 * b1), a2 * b0
    else:
        x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    x, y = _t(x, a), _t(y, a)
    shape = broadcast_shapes(x.shape, y.shape, z.shape)
    out = stack([x.expand_to(shape), y.expand_to(shape), z.expand_to(shape)], axis=-1)
    return moveaxis(out, -1, axisc)


def kron(a, b, /):
    """Kronecker product: blocks ``a[i, j] * b`` (NumPy's ``kron``, any number of dims)."""
    a, b = _t(a, b if isinstance(b, Tensor) else None), _t(b)
    nd = max(a.ndim, b.ndim)
    if nd == 0:
        return a * b
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    a2 = a._reshape(tuple(v for n in sa for v in (n, 1)))
    b2 = b._reshape(tuple(v for n in sb for v in (1, n)))
    return (a2 * b2)._reshape(tuple(m * n for m, n in zip(sa, sb)))


def multi_dot(arrays, *, out=None):
    """``a @ b @ c @ ...`` in the cheapest order (first/last may be 1-D, as NumPy)."""
    ts = [_t(a) for a in arrays]
    n = len(ts)
    if n < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    if n == 2:
        return _multi_dot_out(_matmul(ts[0], ts[1]), out)
    first_1d, last_1d = ts[0].ndim == 1, ts[-1].ndim == 1
    if first_1d:
        ts[0] = ts[0]._reshape((1, -1))
    if last_1d:
        ts[-1] = ts[-1]._reshape((-1, 1))
    for i, t in enumerate(ts):
        if t.ndim != 2:
            raise LinAlgShapeError(f"multi_dot: array {i} has {t.ndim} dimensions (shape "
                                   f"{t.shape}); inner arrays must be two-dimensional")
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    # Dynamic programming over the chain (Cormen et al.), as numpy.linalg.multi_dot does.
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def chain(i, j):
        if i == j:
            return ts[i]
        k = split[i][j]
        return _matmul(chain(i, k), chain(k + 1, j))

    res = chain(0, n - 1)
    if first_1d and last_1d:
        res = res._reshape(())
    elif first_1d or last_1d:
        res = res._reshape((-1,))
    return _multi_dot_out(res, out)


def _multi_dot_out(res, out):
    """NumPy's ``multi_dot`` result: ``out`` (of exactly the result's dtype and shape, as
    NumPy's ``dot(out=)`` asks) written and returned; without ``out`` a 0-d result is a NumPy
    scalar on the NumPy face."""
    if out is None:
        return numpy_result(res)
    if isinstance(out, Tensor) and out._dtype is not res._dtype:
        raise LinAlgDTypeError(f"multi_dot(..., out=): out must have the result's dtype "
                               f"{res.dtype.name}, got {out.dtype.name}\n  hint: pass "
                               f"out=trueno.empty({res.shape}, dtype=trueno.{res.dtype.name})")
    return Rd.finish("multi_dot", res, out, "no")
