"""The methods of trueno's ufuncs (NumPy's ``reduce``, ``accumulate``, ``outer``, ``reduceat``,
``at``), as functions of the ufunc's spec (the dict ``_ufunc._wrap`` builds: name, function,
nin, nout, NumPy's ufunc, identity).

``reduce``/``accumulate`` of ``add``, ``multiply``, ``maximum``, ``minimum``,
``logical_and``/``logical_or`` are the engine's reductions and scans; other ufuncs fold along
the axis with the ufunc itself. ``at`` of a CPU array that autograd does not record is NumPy's
``ufunc.at`` on the array's memory.
"""

from __future__ import annotations

import numpy as np

from . import _dtypes as D
from ._creation import asarray
from ._device import CPU
from ._errors import DTypeError
from ._tensor import Tensor

_NOVALUE = object()
def _reorderable(npu) -> bool:
    """Whether NumPy's binary ufunc ``npu`` is reorderable (a reduce over several axes at once
    is allowed): NumPy's own answer, asked once per ufunc with a 1x1 array (NumPy has no
    public attribute for it), so no list of names needs a new op added."""
    got = _REORDERABLE.get(npu)
    if got is None:
        got = False
        for dt in ("float64", "int64", "bool"):
            try:
                with np.errstate(all="ignore"):
                    npu.reduce(np.ones((1, 1), dt), axis=(0, 1))
            except ValueError as exc:  # "... is not reorderable ..."
                if "reorderable" in str(exc):
                    break
            except (TypeError, RuntimeError):  # no loop for this dtype: try the next
                continue
            else:
                got = True
                break
        _REORDERABLE[npu] = got
    return got


_REORDERABLE: dict = {}  # NumPy ufunc -> reorderable (``_reorderable``'s cache)


def _t(x, like=None):
    if isinstance(x, Tensor):
        return x
    if like is not None:
        return asarray(x, device=like._device, cls=like.__class__)
    return asarray(x)



def _binary_only(spec, method):
    if spec["nin"] != 2 or spec["nout"] != 1:
        raise ValueError(f"{spec['name']}.{method}: {method} only supported for binary "
                         f"functions")


def _axes(axis, ndim, name, method):
    from ._views import normalize_axis
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, tuple):
        axes = tuple(normalize_axis(a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{name}.{method}: duplicate value in 'axis'")
        return axes
    return (normalize_axis(axis, ndim),)


_COMPARISONS = frozenset({"equal", "not_equal", "less", "less_equal", "greater",
                          "greater_equal"})


def _loop_dtypes(spec, x, method):
    """NumPy's reduce/accumulate loop for ``x``'s dtype: ``(accumulator dtype, element
    dtype)``, NumPy's own resolution (``ufunc.resolve_dtypes(..., reduction=True)``: ``ldexp``
    of int8 accumulates float16 with int32 exponents, shifts of bools run in int8, ``nextafter``
    of int32 in float64); for dtypes NumPy has no loop for, trueno's result dtype for two
    operands of ``x``'s dtype. A dtype NumPy refuses (``gcd`` of floats, comparisons of
    non-bools) raises DTypeError with NumPy's message."""
    name = spec["name"]
    npd = x._dtype.numpy
    if isinstance(npd, np.dtype) and npd.kind in "biufc" and npd.type.__module__ == "numpy":
        try:
            acc, elem, _ = spec["np"].resolve_dtypes((None, npd, None), reduction=True)
        except TypeError as exc:  # NumPy's UFuncTypeError: no loop for this dtype
            hint = (f"{name}.{method}(x.astype(bool)), or compare neighbours directly"
                    if name in _COMPARISONS else f"{name}.{method}(x.astype(<a dtype "
                    f"{name} takes>))")
            raise DTypeError(f"{name}.{method}: no loop for {x._dtype.name} input (NumPy: "
                             f"{exc})\n  hint: {hint}") from None
        return D.as_dtype(acc), D.as_dtype(elem)
    e = x._reshape((-1,))[:0]
    with np.errstate(all="ignore"):
        rd = _t(spec["fn"](e, e), x)._dtype
    if rd is D.bool_ and name in _COMPARISONS and x._dtype is not D.bool_:
        raise DTypeError(f"{name}.{method}: no loop for {x._dtype.name} inputs whose result "
                         f"({rd.name}) can be fed back into the ufunc (NumPy: 'No loop matching "
                         f"the specified signature and casting was found')\n  hint: "
                         f"{name}.{method}(x.astype(bool)), or compare neighbours directly")
    return rd, rd


def _loop_input(spec, x, method):
    """``x`` cast to the elements' dtype of NumPy's reduce/accumulate loop, and the
    accumulator's dtype (``_loop_dtypes``); ``add``/``multiply`` are the engine's sum/prod and
    cumsum/cumprod, which widen small ints as NumPy (``x`` as it is, acc None)."""
    if spec["name"] in ("add", "multiply"):
        return x, None
    acc, elem = _loop_dtypes(spec, x, method)
    return (x if x._dtype is elem else x.astype(elem)), acc


def _fold(fn, x, ax, start=None, acc_dtype=None):
    """``fn`` folded left to right along axis ``ax`` of ``x`` (from ``start`` when given); the
    running value is kept in ``acc_dtype`` (NumPy's accumulator: ``ldexp``'s float16 beside
    int32 exponents)."""
    from ._manipulation import moveaxis
    m = moveaxis(x, ax, 0)
    acc = start
    for i in range(m.shape[0]):
        acc = _t(m[i], x) if acc is None else _t(fn(acc, m[i]), x)
        if acc_dtype is not None and acc._dtype is not acc_dtype:
            acc = acc.astype(acc_dtype)
    return acc


def _merge_axes(x, axes):
    """``x`` with ``axes`` moved to the end, in order, and merged into one (C order): the
    order NumPy's reduce visits the elements of a C-contiguous array reduced over several
    axes (a fold of floats rounds differently in another order)."""
    from ._manipulation import moveaxis
    axes = sorted(axes)  # NumPy visits them in memory order, whatever order axis= names
    keep = [a for a in range(x.ndim) if a not in axes]
    m = moveaxis(x, axes, list(range(len(keep), x.ndim)))
    return m._reshape(tuple(x.shape[a] for a in keep) + (-1,))


def _reduce(spec, array, axis=0, dtype=None, out=None, keepdims=False, initial=_NOVALUE,
            where=True):
    name, fn = spec["name"], spec["fn"]
    _binary_only(spec, "reduce")
    x = _t(array)
    if dtype is not None:
        x = x.astype(dtype, copy=False) if name not in ("add", "multiply") else x
    x, acc = _loop_input(spec, x, "reduce")
    axes = _axes(axis, x.ndim, name, "reduce")
    if len(axes) > 1 and not _reorderable(spec["np"]):
        raise ValueError(f"reduction operation '{name}' is not reorderable, so at most one "
                         f"axis may be specified")
    ident = spec["identity"]
    start = ident if initial is _NOVALUE else initial
    if where is not True:
        if start is None:
            raise ValueError(f"reduction operation '{name}' does not have an identity, so to "
                             f"use a where mask one has to specify 'initial'")
        from ._elementwise import where as _where
        x = _where(_t(where, x), x, start)
    if initial is _NOVALUE and ident is None and any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"zero-size array to reduction operation {name} which has no "
                         f"identity")
    from . import _reduction as R
    engine = {"add": R.sum, "multiply": R.prod, "maximum": R.max, "minimum": R.min,
              "logical_and": R.all, "logical_or": R.any}.get(name)
    if engine in (R.max, R.min) and (x._dtype.kind in "bc" or
                                     not all(x.shape[a] for a in axes)):
        engine = None  # bool, complex (lexicographic), empty: the ufunc's own fold
    if engine is not None and not (engine in (R.all, R.any) and x._dtype is not D.bool_):
        kw = {"dtype": dtype} if engine in (R.sum, R.prod) else {}
        res = engine(x, axis=axes, keepdims=keepdims, **kw) if axes or kw or \
            engine in (R.sum, R.prod) else x
        if initial is not _NOVALUE:
            res = _t(fn(res, initial), x)
    else:
        res = x
        folds = sorted(axes, reverse=True)
        if len(axes) > 1 and acc.kind in "fc":  # rounding depends on the order: NumPy's
            res = _merge_axes(x, axes)
            folds = [res.ndim - 1]
        for a in folds:
            st = None if initial is _NOVALUE and res.shape[a] else start
            if st is not None:
                st = asarray(st, dtype=acc, device=res._device, cls=res.__class__)
            res = _fold(fn, res, a, st, acc)
            if res is None:  # an empty axis of a ufunc with an identity and no initial
                res = asarray(ident, dtype=acc, device=x._device, cls=x.__class__)
        if res._dtype is not acc:  # axis=(): the elements in the loop's result dtype
            res = res.astype(acc)
        if keepdims:
            for a in sorted(axes):
                res = res._expand_dims(a)
    from ._reduction import finish
    return finish(f"{name}.reduce", _t(res, x), out, "unsafe", scalar=True)


def _accumulate(spec, array, axis=0, dtype=None, out=None):
    name, fn = spec["name"], spec["fn"]
    _binary_only(spec, "accumulate")
    x = _t(array)
    if x.ndim == 0:
        raise ValueError(f"{name}.accumulate: cannot accumulate on a scalar")
    from ._views import normalize_axis
    ax = normalize_axis(axis, x.ndim)
    from . import _reduction as R
    if name in ("add", "multiply"):
        res = (R.cumsum if name == "add" else R.cumprod)(x, axis=ax, dtype=dtype)
    else:
        if dtype is not None:
            x = x.astype(dtype, copy=False)
        x, acc_dtype = _loop_input(spec, x, "accumulate")
        if acc_dtype is not x._dtype:  # NumPy's accumulate needs one dtype in and out
            raise DTypeError(f"{name}.accumulate: the resolved dtypes are not compatible with "
                             f"{name}.accumulate (NumPy's loop: a {acc_dtype.name} "
                             f"accumulator with {x._dtype.name} elements)\n  hint: "
                             f"{name}.reduce gives the last value")
        from ._manipulation import moveaxis, stack
        m = moveaxis(x, ax, 0)
        acc, parts = None, []
        for i in range(m.shape[0]):
            acc = _t(m[i], x) if acc is None else _t(fn(acc, m[i]), x)
            if acc._dtype is not acc_dtype:  # NumPy's accumulator dtype (ldexp: float16)
                acc = acc.astype(acc_dtype)
            parts.append(acc)
        if not parts:
            return x.astype(acc_dtype)
        res = moveaxis(stack(parts), 0, ax)
    from ._reduction import finish
    return finish(f"{name}.accumulate", res, out, "unsafe")


def _outer(spec, A, B, /, **kwargs):
    _binary_only(spec, "outer")
    a = _t(A)
    b = _t(B, a)
    return spec["call"](a._reshape(a.shape + (1,) * b.ndim), b, **kwargs)


def _reduceat(spec, array, indices, axis=0, dtype=None, out=None):
    name = spec["name"]
    _binary_only(spec, "reduceat")
    x = _t(array)
    from ._views import normalize_axis
    ax = normalize_axis(axis, x.ndim)
    idx = np.asarray(indices._host() if isinstance(indices, Tensor) else indices)
    if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
        raise TypeError(f"{name}.reduceat: indices must be a 1-d sequence of integers")
    n = x.shape[ax]
    parts = []
    from ._manipulation import moveaxis, stack
    m = moveaxis(x, ax, 0)
    for k, i in enumerate(idx.tolist()):
        if not -n <= i < n:
            from ._errors import TruenoIndexError
            raise TruenoIndexError(f"{name}.reduceat: index {i} out-of-bounds in reduceat "
                                   f"for an axis of size {n}")
        i %= n
        j = int(idx[k + 1]) % n if k + 1 < len(idx) else n
        if i < j:
            parts.append(_t(_reduce(spec, m[i:j], 0, dtype), x))
        else:
            parts.append(_t(_reduce(spec, m[i:i + 1], 0, dtype), x))
    if not parts:
        raise ValueError(f"{name}.reduceat: indices must not be empty")
    res = moveaxis(stack(parts), 0, ax)
    from ._reduction import finish
    return finish(f"{name}.reduceat", res, out, "unsafe")


def _at(spec, a, indices, b=None, /):
    name, fn = spec["name"], spec["fn"]
    if not isinstance(a, Tensor):
        raise TypeError(f"{name}.at: a must be a trueno array (it is changed in place)")
    if (b is None) != (spec["nin"] == 1):
        raise ValueError(f"{name}.at: {'a' if spec['nin'] == 1 else 'second'} operand "
                         f"{'must not' if spec['nin'] == 1 else 'needed'} for "
                         f"{'unary' if spec['nin'] == 1 else 'binary'} ufunc")
    from ._indexing import _host_key
    key = _host_key(a, indices)
    key = key[0] if not isinstance(indices, tuple) else key
    if a._device is CPU and a._ag is None and isinstance(a._data, np.ndarray):
        data = a._data
        if not data.flags.writeable:
            a._writable(f"{name}.at")
        hb = () if b is None else (b._host() if isinstance(b, Tensor) else b,)
        spec["np"].at(data, key, *hb)
        a._version[0] += 1
        return
    # other devices and autograd: flat positions (repeats kept), then element by element
    pos = np.arange(a.numel()).reshape(a.shape)[key]
    flat = np.ravel(pos)
    bflat = None
    if b is not None:
        from ._manipulation import broadcast_to
        bflat = broadcast_to(_t(b, a), np.shape(pos))._reshape((-1,))
    if name in ("add", "subtract"):
        from ._indexing import setitem_advanced
        key_t = tuple(asarray(i.astype(np.int64), device=a._device)
                      for i in np.unravel_index(flat, a.shape))
        setitem_advanced(a, key_t, bflat if name == "add" else -bflat, accumulate=True)
        return
    for k, p in enumerate(flat.tolist()):  # one-element index arrays: 1-element arrays, which
        ij = tuple(np.array([i]) for i in np.unravel_index(p, a.shape))  # autograd records
        a[ij] = fn(a[ij]) if bflat is None else fn(a[ij], bflat[k:k + 1])
