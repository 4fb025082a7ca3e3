"""Public elementwise functions, made from the op table rows (one function per row).

Array API names are the op names; NumPy's spellings (``arccos``, ``power``, ``absolute``, ...)
are aliases of the same functions (a row's ``aliases``). The functions are bound from the rows
by one loop (``FUNCTIONS``, through ``_optable._faces.bind``), so a new elementwise row needs
no line here.
"""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from . import _dtypes as D
from ._creation import asarray
from ._decompositions import clip as _clip_decomposition
from ._device import CPU
from ._errors import DTypeError
from ._optable import OPS
from ._optable._faces import bind, elementwise_rows
from ._tensor import TENSOR_UNARY, Tensor
from ._views import broadcast_shapes



def _as_tensor(x):
    return x if isinstance(x, Tensor) else asarray(x)


def _is_ufunc(row) -> bool:
    """Whether NumPy's function of this row is a ufunc (whose 0-d results are scalars);
    ``real``/``imag`` (0-d arrays in NumPy) and PyTorch's ``relu``, ``erf``, ... are not."""
    return isinstance(getattr(np, row.numpy_name or "", None), np.ufunc)


def _make_unary(row, ufunc=None):
    """The public function of a one-input row, with a cached fast path in front of
    ``X.unary``: ``row.fast[(class, device | dtype)] = (kernel, result dtype)``, stored after
    the first call of that case found a checked raw kernel that needs no cast (as the binary
    fast path's entries, through ``store_fast_entry``: never while another backend is forced
    or an autocast region holds the row). It skips validation, ``compute_dtype`` and ``run``
    (6 of the ~15 Python frames of ``exp`` on the GPU); autograd and every other case take
    ``X.unary``. ``ufunc`` False: a tensor result whatever its shape (the unary operators',
    ``TENSOR_UNARY``); None: a 0-d result of a NumPy ufunc's row is a scalar, as NumPy's."""
    cache = row.fast
    ufunc = _is_ufunc(row) if ufunc is None else ufunc
    tensor = Tensor
    new = object.__new__
    ndarray = np.ndarray

    def fn(x, /):
        if not isinstance(x, tensor):
            r = X.unary(row, asarray(x))
        elif x._ag is not None:
            r = X.unary(row, x)
        else:
            cls = x.__class__
            dev = x._device
            e = cache.get((cls, dev._code | x._dtype._code))
            if e is None:
                r = X.unary(row, x)
                _store_unary(row, x, r)
            else:
                out = e[0](x._data)
                if out.__class__ is not ndarray and dev is CPU:
                    out = np.asarray(out)
                r = new(cls)
                r._data = out
                r._dtype = e[1]
                r._device = dev
                r._version = [0]
                r._ag = None
        if ufunc and not r._data.shape:  # NumPy: a ufunc's 0-d result is a scalar
            return X.scalar_result(r)
        return r
    fn.__name__ = fn.__qualname__ = row.name
    fn.__doc__ = f"Elementwise ``{row.name}`` (op-table row; NumPy: ``{row.numpy_name}``)."
    return fn


def _store_unary(row, x, r) -> None:
    """After ``X.unary(row, x)`` gave ``r``: cache its kernel for ``fn``'s fast path when the
    input needed no cast and the kernel is the checked raw one (``binary``'s rule)."""
    if r.__class__ is not x.__class__ or r._ag is not None:
        return
    dt = x._dtype
    ct, _ = X.compute_dtype(row, dt, x.__class__)
    if ct is not dt:
        return
    key = x._device._code | dt._code
    k = row.kcache.get(key)
    if k is not None and getattr(k, "kernel", None) is None:
        X.store_fast_entry(row, key, k, (x.__class__, key), (k, r._dtype))


def _make_binary(row):
    fast = X.binary_fn(row)

    def fn(x1, x2, /):
        if not isinstance(x1, Tensor):
            if isinstance(x2, Tensor):
                return X.scalar_result(X.binary(row, x2, x1, True))
            x1 = asarray(x1)
        return fast(x1, x2)  # a NumPy scalar for a 0-d result, as the operators
    fn._tensor_fast = fast  # the ufunc's call takes it when x1 is a tensor (one frame less)
    fn.__name__ = fn.__qualname__ = row.name
    fn.__doc__ = f"Elementwise ``{row.name}`` with broadcasting (NumPy: ``{row.numpy_name}``)."
    return fn


# One public function per elementwise row of the op table, and one name per alias (NumPy's
# spellings: ``arccos`` is ``acos``), bound from the rows in this one loop (``Op.numpy_face``,
# ``Op.aliases``; tests/test_optable_signatures.py checks each row has its function).
FUNCTIONS: dict = {}
ALIASES: dict[str, str] = {}  # alias -> row name (the same object as the row's function)
for _row in elementwise_rows():
    FUNCTIONS[_row.name] = (_make_unary if _row.nin == 1 else _make_binary)(_row)
    for _alias in _row.aliases:
        FUNCTIONS[_alias] = FUNCTIONS[_row.name]
        ALIASES[_alias] = _row.name
del _row, _alias

# The unary operators (``-x``, ``+x``, ``abs(x)``, ``~x``) take their rows' fast paths too, with
# tensor results (``Tensor.__neg__`` ...; the NumPy face makes 0-d results scalars itself): 5
# Python frames instead of 10 for ``-x`` on the GPU.
TENSOR_UNARY.update((n, _make_unary(OPS[n], False)) for n in TENSOR_UNARY)

__all__ = [*bind(__name__, FUNCTIONS), "fabs", "where", "clip"]


def fabs(x, /):
    """Absolute value as a float: NumPy's ``fabs`` (integers and bools give the float dtype
    ``np.sin`` would; complex input is an error), unlike ``absolute``."""
    x = asarray(x) if not isinstance(x, Tensor) else x
    dt = x._dtype
    if dt.kind == "c":
        raise DTypeError(f"fabs: got a {dt.name} array; fabs is defined for real input only\n"
                         f"  hint: trueno.absolute(x) gives the magnitude of complex numbers")
    if dt.kind not in "f":
        dt = D.promote(dt, D.float16) if x._face == "numpy" else x._default_float
        x = x.astype(dt)
    return FUNCTIONS["abs"](x)



def _pair_dtype(cls, a, b) -> D.DType:
    """Promoted dtype of two operands that are tensors or Python scalars."""
    face = cls._face
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return D.promote(a._dtype, b._dtype, face)
    if isinstance(a, Tensor):
        return D.weak_scalar_dtype(b, a._dtype, cls._default_float)
    if isinstance(b, Tensor):
        return D.weak_scalar_dtype(a, b._dtype, cls._default_float)
    return D.result_type(a, b, face=face)


def where(condition, x1=None, x2=None, /):
    """Elements of ``x1`` where ``condition`` is true, else of ``x2`` (broadcast together).

    With only ``condition``, returns ``nonzero(condition)`` as NumPy does.
    """
    if x1 is None and x2 is None:
        from ._indexing import nonzero
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise TypeError("where: either both or neither of x1 and x2 must be given")
    cond = _as_tensor(condition)
    ts = [t for t in (x1, x2) if isinstance(t, Tensor)]
    if not ts and not isinstance(x1, (bool, int, float, complex)):
        x1 = asarray(x1)
        ts = [x1]
    if not ts and not isinstance(x2, (bool, int, float, complex)):
        x2 = asarray(x2)
        ts = [x2]
    if not isinstance(x1, (Tensor, bool, int, float, complex)):
        x1 = asarray(x1)
    if not isinstance(x2, (Tensor, bool, int, float, complex)):
        x2 = asarray(x2)
    cls = (ts[0] if ts else cond).__class__
    dt = _pair_dtype(cls, x1, x2)
    device = (ts[0] if ts else cond)._device
    full = [t if isinstance(t, Tensor) else
            asarray(asarray(t), dtype=dt, device=device, cls=cls)  # wraps as np.where does
            for t in (x1, x2)]
    for t in full:
        if t._device is not cond._device:
            X.check_device("where", cond, t)
    broadcast_shapes(cond.shape, full[0].shape, full[1].shape)
    c = X.cast_data(cond, D.bool_)
    return X.run(OPS["where"], (cond, full[0], full[1]),
                 (c, X.cast_data(full[0], dt), X.cast_data(full[1], dt)), {}, cls,
                 full[0]._device, dt)


def clip(x, /, min=None, max=None):  # noqa: A002
    """Clamp ``x`` to ``[min, max]``; either bound may be None, a scalar or an array.

    Bounds that are None or Python numbers which keep ``x``'s dtype go through the ``clip``
    row (a backend's clip kernel, one pass); anything that promotes (a float bound on an
    integer array, an array bound) goes through ``maximum``/``minimum`` as NumPy's ufunc does.
    """
    x = _as_tensor(x)
    if x._dtype.kind == "c" and x._face == "torch":  # NumPy orders complex lexicographically
        raise DTypeError("clamp: complex inputs are not supported (no ordering)")
    if x._dtype.kind in "iu" and min is not None and max is not None:
        # NumPy's clip ufunc clamps Python-int bounds the dtype cannot hold (clip(i8, 0, 300))
        info = D.iinfo(x._dtype)
        min, max = (b if b.__class__ is not int else info.min if b < info.min else  # noqa: A001
                    info.max if b > info.max else b for b in (min, max))
    if (min is not None or max is not None) and _keeps_dtype(x._dtype, min) \
            and _keeps_dtype(x._dtype, max):
        r = X.unary(OPS["clip"], x, min=min, max=max)
    else:
        r = _clip_decomposition(x, min=min, max=max)  # the row's decomposition
    return X.scalar_result(r) if isinstance(r, Tensor) else r  # NumPy 2's clip is a ufunc


def _keeps_dtype(dt, bound) -> bool:
    """Whether a clip bound is None or a Python number that leaves ``dt`` as the result."""
    if bound is None:
        return True
    if dt.kind == "f":
        return bound.__class__ in (int, float)
    if dt.kind in "iu" and bound.__class__ is int:
        info = D.iinfo(dt)
        return info.min <= bound <= info.max
    return False

