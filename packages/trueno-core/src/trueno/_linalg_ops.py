"""matmul and the products built on it: vecdot, dot, tensordot, outer, inner, matrix_transpose.

Only ``matmul`` (ndim >= 2 on both sides, batch dims broadcast) reaches a kernel; 1-D operands
are reshaped to matrices first, so kernels and gradient rules see one case.
"""

from __future__ import annotations

import math

import numpy as _np

from . import _creation as C  # _tensor imports this module while _creation is half-done
from . import _dispatch as X
from . import _dtypes as D
from ._device import CPU
from ._errors import ShapeError
from ._optable import OPS
from ._tensor import Tensor
from ._views import normalize_axis

__all__ = ["matmul", "vecdot", "dot", "tensordot", "outer", "inner", "matrix_transpose",
           "vdot"]

_MATMUL = OPS["matmul"]
_ndarray = _np.ndarray
_new = object.__new__


def _pair(x1, x2):
    a = x1 if isinstance(x1, Tensor) else None
    b = x2 if isinstance(x2, Tensor) else None
    first = a if a is not None else b
    cls = first.__class__ if first is not None else None
    if a is None:
        a = C.asarray(x1, device=b._device if b is not None else None, cls=cls)
    if b is None:
        b = C.asarray(x2, device=a._device, cls=a.__class__)
    if a._device is not b._device:
        X.check_device("matmul", a, b)
    return a, b


def matmul(x1, x2, /):
    """Matrix product with NumPy's rules: 1-D operands are promoted, batch dims broadcast.

    2-D @ 2-D of one class, dtype and device without autograd takes the cached kernel
    (``OPS["matmul"].fast``, filled after the first call's result was checked).

    Examples
    --------
    >>> import trueno as tn
    >>> (tn.ones((3, 4)) @ tn.ones((4, 5))).shape
    (3, 5)
    """
    if isinstance(x1, Tensor) and x2.__class__ is x1.__class__:
        dev = x1._device
        if x1._dtype is x2._dtype and dev is x2._device:
            if x1._ag is None and x2._ag is None:
                xa, xb = x1._data, x2._data
                sa, sb = xa.shape, xb.shape
                if len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0]:
                    fast = _MATMUL.fast.get(dev._code | x1._dtype._code)
                    if fast is not None:
                        out = fast[0](xa, xb)
                        if out.__class__ is not _ndarray and dev is CPU:
                            out = _np.asarray(out)
                        t = _new(x1.__class__)
                        t._data = out
                        t._dtype = fast[1]
                        t._device = dev
                        t._version = [0]
                        t._ag = None
                        return t
            elif x1._dtype in _MATMUL.accepts:
                # autograd records it (a training step's products): 2-d @ 2-d goes to the
                # dispatcher directly, without the general path's promotion and 1-d reshapes
                try:
                    sa, sb = x1._data.shape, x2._data.shape
                except ValueError:  # an uninitialized (lazy) parameter: the general path's error
                    sa = sb = ()
                if len(sa) == 2 and len(sb) == 2 and sa[1] == sb[0]:
                    return X.run(_MATMUL, (x1, x2), (x1._data, x2._data), {}, x1.__class__,
                                 dev, x1._dtype)
    a, b = _pair(x1, x2)
    X.matmul_shapes(a.shape, b.shape)
    dt = a._dtype if a._dtype is b._dtype else D.promote(a._dtype, b._dtype, a._face)
    if dt not in _MATMUL.accepts and dt is not D.bool_:
        X.check_accepts(_MATMUL, dt)
    a2 = a._reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b._reshape(b.shape + (1,)) if b.ndim == 1 else b
    out = X.run(_MATMUL, (a2, b2), (X.cast_data(a2, dt), X.cast_data(b2, dt)), {},
                a.__class__, a._device, dt)
    if dt is a._dtype and dt is b._dtype and a.__class__ is b.__class__:
        # the fast path above: same class, dtype and device, 2-D @ 2-D, no autograd
        key = a._device._code | dt._code
        k = _MATMUL.kcache.get(key)
        if k is not None and getattr(k, "kernel", None) is None and key not in _MATMUL.fast:
            X.store_fast_entry(_MATMUL, key, k, key, (k, out._dtype))
    if a.ndim == 1 and b.ndim == 1:
        return out._reshape(())
    if a.ndim == 1:
        return out._reshape(out.shape[:-2] + out.shape[-1:])
    if b.ndim == 1:
        return out._reshape(out.shape[:-1])
    return out


def matrix_transpose(x, /):
    return x.mT


def vecdot(x1, x2, /, *, axis=-1):
    """``sum(conj(x1) * x2, axis)`` with broadcasting (Array API)."""
    a, b = _pair(x1, x2)
    ax_a = normalize_axis(axis, a.ndim)
    ax_b = normalize_axis(axis, b.ndim)
    if a.shape[ax_a] != b.shape[ax_b]:
        raise ShapeError(f"vecdot: the contracted axis differs in size ({a.shape[ax_a]} != "
                         f"{b.shape[ax_b]}); shapes {a.shape} and {b.shape}, axis={axis}")
    from ._reduction import sum as _sum
    prod = a.conj() * b
    return _sum(prod, axis=axis, dtype=prod.dtype)  # NumPy keeps the dtype (no int64 widening)


def tensordot(x1, x2, /, *, axes=2):
    """Sum products over ``axes`` (an int, or two sequences of axes), as numpy.tensordot."""
    a, b = _pair(x1, x2)
    if isinstance(axes, int):
        if axes < 0 and a._face == "torch":  # NumPy: a negative count contracts nothing
            raise ValueError(f"tensordot: dims must be non-negative, got {axes}")
        ax_a = list(range(-axes, 0))  # as numpy.tensordot (too many axes: an AxisError)
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    if len(ax_a) != len(ax_b):
        raise ShapeError("tensordot: the two sequences of axes must have the same length")
    ax_a = [normalize_axis(i, a.ndim) for i in ax_a]
    ax_b = [normalize_axis(i, b.ndim) for i in ax_b]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise ShapeError(f"tensordot: shape mismatch for sum: a.shape[{i}] = {a.shape[i]} "
                             f"but b.shape[{j}] = {b.shape[j]}")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = math.prod(a.shape[i] for i in ax_a)
    am = a.permute_dims(tuple(free_a + ax_a))._reshape(
        (math.prod(a.shape[i] for i in free_a), k))
    bm = b.permute_dims(tuple(ax_b + free_b))._reshape(
        (k, math.prod(b.shape[i] for i in free_b)))
    out = matmul(am, bm)
    return out._reshape(tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


def dot(a, b, /):
    """NumPy's dot: scalars multiply, 1-D is an inner product, N-D sums over a[-1], b[-2]."""
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1 or a.ndim == 1 or (a.ndim <= 2 and b.ndim <= 2):
        return matmul(a, b)
    return tensordot(a, b, axes=([-1], [-2]))


def inner(a, b, /):
    a, b = _pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    return tensordot(a, b, axes=([-1], [-1]))


def vdot(a, b, /):
    a, b = _pair(a, b)
    return matmul(a.conj()._reshape((-1,)), b._reshape((-1,)))


def outer(x1, x2, /):
    a, b = _pair(x1, x2)
    return a._reshape((-1, 1)) * b._reshape((1, -1))
