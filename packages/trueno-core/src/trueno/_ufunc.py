"""NumPy's ufunc interface on the NumPy face: ``trueno.add`` and the other functions that are
ufuncs in NumPy take ``out=``, ``where=``, ``dtype=``, ``casting=``, ``order=`` and have
NumPy's methods (``reduce``, ``accumulate``, ``outer``, ``at``, ``reduceat``) and attributes
(``nin``, ``nout``, ``nargs``, ``identity``, ``ntypes``, ``types``, ``signature``).

Each is a plain function with these attributes, not an instance of a ufunc class: a call
without keywords goes straight to the engine's function (no ``__call__`` slot in between, which
costs about 130 ns a call in CPython 3.11). ``isinstance(trueno.add, trueno.ufunc)`` is True.

The methods compute with trueno's ops on the array's device: ``reduce``/``accumulate`` of
``add``, ``multiply``, ``maximum``, ``minimum``, ``logical_and``/``logical_or`` are the engine's
reductions and scans, other ufuncs fold along the axis with the ufunc itself. ``at`` of a CPU
array that autograd does not record is NumPy's ``ufunc.at`` on the array's memory. The methods
are in ``_ufunc_methods``; this module holds the type, the calls with keywords and the ufuncs.
"""

from __future__ import annotations

import sys

import numpy as np

from . import _dtypes as D
from ._errors import DTypeError, ShapeError
from ._optable import OPS
from ._optable._faces import bind
from ._tensor import Tensor, numpy_result
from ._ufunc_methods import _NOVALUE, _accumulate, _at, _outer, _reduce, _reduceat, _t


_SCALARS = (bool, int, float, complex)


class _UfuncType(type):
    def __instancecheck__(cls, obj) -> bool:
        return getattr(obj, "_np_ufunc", None) is not None


class ufunc(metaclass=_UfuncType):  # noqa: N801  (NumPy's name)
    """The type of trueno's ufuncs for ``isinstance`` checks (NumPy's ``numpy.ufunc``).

    Note: trueno's ufuncs are functions with NumPy's attributes and methods, so
    ``type(trueno.add)`` is ``function``, not this class.
    """

    def __new__(cls, *args, **kwargs):
        raise TypeError("cannot create 'trueno.ufunc' instances\n  hint: trueno.vectorize or "
                        "trueno.frompyfunc make a function elementwise")


def _first_tensor(args):
    return next((a for a in args if isinstance(a, Tensor)), None)


# -- calls with keywords ------------------------------------------------------------------------
def _check_out(name, rd, shape, o, casting):
    """``out`` can take a result of dtype ``rd`` and shape ``shape`` (NumPy's checks)."""
    if not isinstance(o, Tensor):
        raise TypeError(f"{name}(..., out=): out must be a trueno array, got "
                        f"{type(o).__name__}\n  hint: out=trueno.empty_like(x)")
    if not D.can_cast(rd, o._dtype, casting):
        raise DTypeError(f"{name}(..., out=): cannot cast the result from {rd.name} to "
                         f"{o._dtype.name} with casting rule {casting!r}\n  hint: pass "
                         f"casting='unsafe', or an out of dtype {rd.name}")
    from ._views import broadcast_shapes
    try:
        ok = broadcast_shapes(tuple(shape), o.shape) == tuple(o.shape)
    except ValueError:
        ok = False
    if not ok:
        raise ShapeError(f"{name}(..., out=): non-broadcastable output operand with shape "
                         f"{tuple(o.shape)} doesn't match the broadcast shape {tuple(shape)}")


def _outs(name, out, nout):
    """``out`` as a tuple of ``nout`` arrays or Nones (NumPy accepts an array for one output)."""
    if out is None:
        return (None,) * nout
    if not isinstance(out, tuple):
        out = (out,)
    if len(out) != nout:
        raise ValueError(f"{name}: The 'out' tuple must have exactly {nout} entries: one per "
                         f"ufunc output (got {len(out)})")
    return out


def _call_kw(spec, args, out, where, casting, order, dtype, subok, signature):
    """A ufunc call with NumPy's keyword arguments (the path of calls that pass any)."""
    name, fn, nin, nout = spec["name"], spec["fn"], spec["nin"], spec["nout"]
    if len(args) == nin + nout and out is None:  # outputs given positionally, as NumPy allows
        args, out = args[:nin], args[nin:] if nout > 1 else args[nin]
    if len(args) != nin:
        raise TypeError(f"{name}() takes from {nin} to {nin + nout} positional arguments but "
                        f"{len(args)} were given")
    if signature is not None:
        raise DTypeError(f"{name}(..., signature={signature!r}): choosing a loop by its "
                         f"signature is not supported\n  hint: pass dtype= (the computation "
                         f"dtype) instead")
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"{name}: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"or 'unsafe' (got {casting!r})")
    if order not in ("K", "A", "C", "F", None):
        raise ValueError(f"{name}: order must be one of 'C', 'F', 'A', or 'K' (got {order!r})")
    if subok not in (True, False):
        raise TypeError(f"{name}: subok must be a bool (got {subok!r})")
    outs = _outs(name, out, nout)
    like = _first_tensor(args)
    like = _first_tensor(outs) if like is None else like
    if dtype is not None:
        dt = D.as_dtype(dtype)
        conv = []
        for a in args:
            t = _t(a, like)
            if isinstance(a, Tensor) and not D.can_cast(t._dtype, dt, casting):
                raise DTypeError(f"{name}(..., dtype={dt.name}): cannot cast the input from "
                                 f"{t._dtype.name} to {dt.name} with casting rule "
                                 f"{casting!r}")
            conv.append(t.astype(dt, copy=False))
        args = tuple(conv)
    elif like is not None:
        args = tuple(a if isinstance(a, (Tensor, *_SCALARS)) else _t(a, like) for a in args)
    if where is True:
        res = fn(*args)
        res = res if nout > 1 else (res,)
        final = []
        for r, o in zip(res, outs):
            rt = _t(r, like)
            if o is None:
                if order == "F" and rt.ndim > 1:
                    from ._manipulation import copy_order
                    rt = copy_order(rt, "F")
                final.append(numpy_result(rt))
                continue
            _check_out(name, rt._dtype, rt.shape, o, casting)
            o[...] = rt
            final.append(o)
        return tuple(final) if nout > 1 else final[0]
    return _call_where(spec, args, outs, where, casting, like)


def _call_where(spec, args, outs, where, casting, like):
    """``where=``: the ufunc runs on the selected elements only (so the others raise no
    floating-point warnings, as in NumPy) and writes them into ``out``; without ``out`` the
    other elements of the new array are zeros (NumPy leaves them uninitialised)."""
    name, fn, nout = spec["name"], spec["fn"], spec["nout"]
    mask = _t(where, like)
    if mask._dtype is not D.bool_:
        raise DTypeError(f"{name}(..., where=): where must be a boolean array, got "
                         f"{mask._dtype.name}\n  hint: where=(m != 0)")
    from ._manipulation import broadcast_to
    from ._views import broadcast_shapes
    ts = [a for a in args if isinstance(a, Tensor)]
    shp = broadcast_shapes(mask.shape, *(t.shape for t in ts),
                           *(o.shape for o in outs if isinstance(o, Tensor)))
    m = broadcast_to(mask, shp)
    sel = tuple(broadcast_to(a, shp)[m] if isinstance(a, Tensor) else a for a in args)
    res = fn(*sel)
    res = res if nout > 1 else (res,)
    final = []
    for r, o in zip(res, outs):
        rt = _t(r, like)
        if o is None:
            from ._creation import zeros
            o = zeros(shp, dtype=rt._dtype, device=rt._device, cls=rt.__class__)
            o[m] = rt
            final.append(numpy_result(o))
            continue
        _check_out(name, rt._dtype, shp, o, casting)
        o[m] = rt
        final.append(o)
    return tuple(final) if nout > 1 else final[0]


def _make_call(spec):
    fn, nin, nout = spec["fn"], spec["nin"], spec["nout"]
    fast = getattr(fn, "_tensor_fast", None)  # an elementwise row's binary_fn (x1 a tensor)
    if nout == 1 and nin == 2 and fast is not None:
        tensor = Tensor

        def call(x1, x2, /, out=None, *, where=True, casting="same_kind", order="K",
                 dtype=None, subok=True, signature=None):
            if out is None and where is True and dtype is None and order == "K" and \
                    casting == "same_kind" and signature is None:
                # the engine function's own first step, inlined: one Python frame less
                return fast(x1, x2) if isinstance(x1, tensor) else fn(x1, x2)
            return _call_kw(spec, (x1, x2), out, where, casting, order, dtype, subok,
                            signature)
    elif nout == 1 and nin == 2:
        def call(x1, x2, /, out=None, *, where=True, casting="same_kind", order="K",
                 dtype=None, subok=True, signature=None):
            if out is None and where is True and dtype is None and order == "K" and \
                    casting == "same_kind" and signature is None:
                return fn(x1, x2)
            return _call_kw(spec, (x1, x2), out, where, casting, order, dtype, subok,
                            signature)
    elif nout == 1 and nin == 1:
        def call(x, /, out=None, *, where=True, casting="same_kind", order="K", dtype=None,
                 subok=True, signature=None):
            if out is None and where is True and dtype is None and order == "K" and \
                    casting == "same_kind" and signature is None:
                return fn(x)
            return _call_kw(spec, (x,), out, where, casting, order, dtype, subok, signature)
    else:
        def call(*args, out=None, where=True, casting="same_kind", order="K", dtype=None,
                 subok=True, signature=None):
            return _call_kw(spec, args, out, where, casting, order, dtype, subok, signature)
    return call


# -- building the ufuncs ------------------------------------------------------------------------
# modules whose functions give 0-d arrays for scalar and 0-d inputs (NumPy's ufuncs give NumPy
# scalars): their ufuncs convert such results, as the dispatcher does for the others
_ARRAY_RESULT_MODULES = frozenset({"trueno._numpy_elementwise"})


def _scalar_results(call):
    """``call`` giving NumPy scalars for 0-d CPU results when no ``out`` is given, as NumPy."""
    import functools

    @functools.wraps(call)
    def scalar_call(*args, **kwargs):
        r = call(*args, **kwargs)
        if kwargs.get("out") is not None or len(args) > 2 and args[2] is not None:
            return r
        if isinstance(r, tuple):
            return tuple(numpy_result(v) for v in r)
        return numpy_result(r)
    return scalar_call


def _wrap(name, fn, npu):
    spec = {"name": npu.__name__, "fn": fn, "nin": npu.nin, "nout": npu.nout, "np": npu,
            "identity": npu.identity}
    call = _make_call(spec)
    if getattr(fn, "__module__", None) in _ARRAY_RESULT_MODULES:
        call = _scalar_results(call)
    spec["call"] = call
    call.__name__ = call.__qualname__ = npu.__name__
    call.__module__ = "trueno"
    call.__doc__ = (fn.__doc__ or f"NumPy's ufunc ``{npu.__name__}``.") + (
        "\n\nA ufunc: ``out=``, ``where=``, ``dtype=``, ``casting=``, ``order=`` as NumPy; "
        "methods ``reduce``, ``accumulate``, ``outer``, ``at``, ``reduceat``.")
    call._np_ufunc = npu
    call.nin, call.nout, call.nargs = npu.nin, npu.nout, npu.nargs
    call.identity, call.ntypes, call.types = npu.identity, npu.ntypes, npu.types
    call.signature = None

    def reduce(array, axis=0, dtype=None, out=None, keepdims=False, initial=_NOVALUE,
               where=True):
        return _reduce(spec, array, axis, dtype, out, keepdims, initial, where)

    def accumulate(array, axis=0, dtype=None, out=None):
        return _accumulate(spec, array, axis, dtype, out)

    def outer(A, B, /, **kwargs):  # noqa: N803  (NumPy's names)
        return _outer(spec, A, B, **kwargs)

    def at(a, indices, b=None, /):
        return _at(spec, a, indices, b)

    def reduceat(array, indices, axis=0, dtype=None, out=None):
        return _reduceat(spec, array, indices, axis, dtype, out)

    for m in (reduce, accumulate, outer, at, reduceat):
        m.__qualname__ = f"{npu.__name__}.{m.__name__}"
        m.__doc__ = f"NumPy's ``{npu.__name__}.{m.__name__}``."
        setattr(call, m.__name__, m)
    return call


_NS = sys.modules[__package__]  # trueno, imported up to the line that imports this module
_MADE: dict[int, object] = {}  # the wrapped function's id -> its ufunc (aliases: one object)


def _ufunc(name: str):
    """The ufunc of NumPy's ``name`` over ``trueno.<name>`` (one object per function)."""
    fn = getattr(_NS, name)
    made = _MADE.get(id(fn))
    if made is None:
        made = _MADE[id(fn)] = _wrap(name, fn, getattr(np, name))
    return made


# NumPy's functions that are ufuncs, made from trueno's functions of the same names, which are
# not rows (the others are read from the rows, ``_ufunc_names``).
NOT_ROWS = ("fabs", "isnat", "bitwise_not")


def _ufunc_names() -> list[str]:
    """The names of trueno's ufuncs, from the table: each NumPy-face name (``Op.numpy_names``)
    of an elementwise row whose ``numpy_face`` is "ufunc" where NumPy's function of that name
    is a ufunc (generalized ufuncs such as matmul and vecdot stay functions), and
    ``NOT_ROWS``; sorted. tests/test_optable_signatures.py checks them against NumPy's and
    trueno's namespaces."""
    from . import _elementwise, _numpy_elementwise
    bound = _elementwise.FUNCTIONS.keys() | _numpy_elementwise.FUNCTIONS.keys()
    names = {n for row in OPS.values() if row.numpy_face == "ufunc" for n in row.numpy_names
             if n in bound and isinstance(getattr(np, n, None), np.ufunc)
             and getattr(np, n).signature is None}
    return sorted(names | set(NOT_ROWS))


# The ufuncs, bound from the rows in this one loop (``_optable._faces.bind``).
UFUNCS = {name: _ufunc(name) for name in _ufunc_names()}
__all__ = ["ufunc", *bind(__name__, UFUNCS)]
