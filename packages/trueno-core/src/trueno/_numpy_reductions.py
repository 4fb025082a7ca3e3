"""The NumPy face's reductions: ``trueno.sum``, ``trueno.mean``, ... return a NumPy scalar
(``numpy.float64`` ...) where NumPy does, that is where the result is 0-d and no ``out`` is
given; ``out=`` is written and returned. NumPy's ``where=`` (``sum``, ``prod``, ``max``,
``min``, ``mean``, ``any``, ``all``) and ``initial=`` (``sum``, ``prod``, ``max``, ``min``)
are taken here.

The engine's functions in ``_reduction`` (which the PyTorch face, linalg, einsum and the
autograd rules call) always return arrays; these wrappers are what ``trueno/__init__.py``
exports (through ``_numpy_wrappers``) and what ``trueno.ndarray``'s methods call.
"""

from __future__ import annotations

import functools

import numpy as np

from . import _dtypes as D
from . import _reduction as Rd
from ._tensor import numpy_result

__all__ = ["sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax",
           "argmin", "any", "all"]

_NOVALUE = np._NoValue  # NumPy's "not given" (``initial=None`` is a value for max/min)


def _face(fn, out_pos, masked=None):
    """``fn`` returning a NumPy scalar for a 0-d result when no ``out`` is given (``out`` is
    its ``out_pos``-th positional argument or the keyword); ``where=``/``initial=`` go to
    ``masked``."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and masked is not None and ("where" in kwargs or "initial" in kwargs or
                                              "mean" in kwargs):
            return masked(*args, **kwargs)
        r = fn(*args, **kwargs)
        if kwargs.get("out") is not None or (len(args) > out_pos and args[out_pos] is not None):
            return r
        return numpy_result(r)
    wrapper.__module__ = "trueno"
    return wrapper


def _finish(r, out):
    if out is None:
        return numpy_result(r)
    out[...] = r
    return out


def _where(mask, x, fill):
    """``x`` where ``mask`` (broadcast), ``fill`` (a value of ``x``'s dtype) elsewhere."""
    from ._creation import asarray
    from ._elementwise import where
    from ._surface_ops import as_t
    fill = asarray(fill, dtype=x._dtype, device=x._device, cls=x.__class__)
    return where(as_t(mask, x), x, fill)


def _arr(v, dt):
    """``v`` (an array, or the NumPy scalar an operator of 0-d arrays gives) as an array of
    ``dt``."""
    from ._surface_ops import as_t
    return as_t(v).astype(dt, copy=False)


def _reduced_shape(x, axis, keepdims) -> tuple[int, ...]:
    dummy = np.broadcast_to(np.zeros((), bool), x.shape)
    return np.sum(dummy, axis=axis, keepdims=bool(keepdims)).shape


def _sum_like(name, fn, identity):
    def masked(a, axis=None, dtype=None, out=None, keepdims=False, *, initial=_NOVALUE,
               where=True):
        from ._surface_ops import as_t
        x = as_t(a)
        if where is not True:
            x = _where(where, x, identity)
        r = fn(x, axis, dtype, None, keepdims)
        if initial is not _NOVALUE:
            r = _arr(r + initial if name == "sum" else r * initial, r._dtype)
        return _finish(r, out)
    return masked


def _extremum(name, fn):
    op = "maximum" if name == "max" else "minimum"

    def masked(a, axis=None, out=None, keepdims=False, *, initial=_NOVALUE, where=True):
        from ._creation import full
        from ._surface_ops import as_t
        x = as_t(a)
        if initial is _NOVALUE or initial is None:
            if where is not True:
                raise ValueError(f"{name}: reduction operation '{op}' does not have an "
                                 f"identity, so to use a where mask one has to specify "
                                 f"'initial'\n  hint: e.g. initial=-numpy.inf")
            return _finish(fn(x, axis, None, keepdims), out)
        if where is not True:
            x = _where(where, x, initial)
        if x.size == 0:
            r = full(_reduced_shape(x, axis, keepdims), initial, dtype=x._dtype,
                     device=x._device, cls=x.__class__)
        else:
            from ._elementwise import maximum, minimum
            r = fn(x, axis, None, keepdims)
            r = _arr((maximum if name == "max" else minimum)(r, initial), x._dtype)
        return _finish(r, out)
    return masked


def _mean_masked(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    from ._surface_ops import as_t
    x = as_t(a)
    if where is True:
        return _finish(Rd.mean(x, axis, dtype, None, keepdims), out)
    if x._dtype.kind in "mO":  # timedelta64, object: NumPy's masked mean on the host
        from ._host_dtypes import on_host
        return _finish(on_host("mean", np.mean, x, axis=axis, keepdims=keepdims, where=where),
                       out)
    if dtype is not None:
        dt = D.as_dtype(dtype)
    else:
        dt = x._dtype if x._dtype.kind in "fc" else D.float64
    xs = _where(where, x.astype(dt, copy=False), 0)
    num = Rd.sum(xs, axis, dt, None, keepdims)
    cnt = Rd.sum(_where(where, x.astype(D.bool_, copy=False) | True, False), axis, None,
                 None, keepdims)
    return _finish(_arr(num / cnt, dt), out)


def _spread(name):
    """``var``/``std`` with NumPy's ``where=`` and ``mean=`` (a precomputed mean of
    keepdims shape): the mean of ``|x - mean|**2`` over the selected elements, divided by
    ``n - ddof``."""
    def masked(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
               mean=_NOVALUE, correction=_NOVALUE):
        from ._creation import ones_like
        from ._elementwise import sqrt
        from ._surface_ops import as_t
        x = as_t(a)
        if correction is not _NOVALUE:
            ddof = correction
        fn = Rd.var if name == "var" else Rd.std
        if where is True and mean is _NOVALUE:
            return _finish(fn(x, axis, dtype, None, ddof, keepdims), out)
        if dtype is not None:
            dt = D.as_dtype(dtype)
        else:
            dt = x._dtype if x._dtype.kind in "fc" else D.float64
        xf = x.astype(dt, copy=False)
        if mean is _NOVALUE:
            m = as_t(_mean_masked(xf, axis, dt, None, True, where=where))
        else:
            m = as_t(mean)
        d = xf - m
        sq = _arr((d * d.conj()).real if dt.kind == "c" else d * d, D.float64 if dt is
                  D.complex128 else D.float32 if dt is D.complex64 else dt)
        ones = ones_like(sq, dtype=D.int64)
        if where is not True:
            ones = _where(where, ones, 0)
            sq = _where(where, sq, 0)
        n = Rd.sum(ones, axis, D.int64, None, keepdims)
        r = _arr(Rd.sum(sq, axis, None, None, keepdims) / (n - ddof), sq._dtype)
        if name == "std":
            r = _arr(sqrt(r), sq._dtype)
        return _finish(r, out)
    return masked


def _logical(name, fn):
    def masked(a, axis=None, out=None, keepdims=False, *, where=True):
        from ._surface_ops import as_t
        x = as_t(a)
        if where is not True:
            x = _where(where, x.astype(D.bool_, copy=False), name == "all")
        return _finish(fn(x, axis, None, keepdims), out)
    return masked


sum = _face(Rd.sum, 3, _sum_like("sum", Rd.sum, 0))  # noqa: A001
prod = _face(Rd.prod, 3, _sum_like("prod", Rd.prod, 1))
mean = _face(Rd.mean, 3, _mean_masked)
var = _face(Rd.var, 3, _spread("var"))
std = _face(Rd.std, 3, _spread("std"))
max = _face(Rd.max, 2, _extremum("max", Rd.max))  # noqa: A001
min = _face(Rd.min, 2, _extremum("min", Rd.min))  # noqa: A001
amax = max
amin = min
argmax = _face(Rd.argmax, 2)
argmin = _face(Rd.argmin, 2)
any = _face(Rd.any, 2, _logical("any", Rd.any))  # noqa: A001
all = _face(Rd.all, 2, _logical("all", Rd.all))  # noqa: A001
