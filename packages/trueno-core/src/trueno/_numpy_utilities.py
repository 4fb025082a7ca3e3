"""The rest of NumPy's everyday namespace: copies and conversions, ``fill_diagonal``,
``apply_along_axis``, window functions, polynomials, 2-D histograms, type helpers.

Copies and conversions are core ops; ``apply_along_axis`` calls the function on trueno views.
Window functions, polynomials and ``histogram2d``/``histogramdd`` are small host
computations with NumPy whose results are placed on the input's device (as creation
functions do).
"""

from __future__ import annotations

import builtins

import numpy as np

from . import _dtypes as D
from ._creation import _place, asarray, default_class
from ._device import CPU as _CPU
from ._errors import ShapeError
from ._gather_scatter import put
from ._manipulation import moveaxis, stack
from ._surface_ops import as_t
from ._tensor import Tensor

__all__ = [
    "copy", "copyto", "ascontiguousarray", "asanyarray", "asarray_chkfinite",
    "asfortranarray", "require", "fill_diagonal", "geomspace", "apply_along_axis",
    "apply_over_axes", "histogram2d", "histogramdd", "piecewise", "fromfunction", "fromiter",
    "promote_types", "issubdtype", "shares_memory", "may_share_memory", "isscalar",
    "iscomplexobj", "isrealobj", "iterable", "bartlett", "blackman", "hamming", "hanning",
    "kaiser", "poly", "roots", "polyval", "polyfit", "polyadd", "polysub", "polymul",
    "polyder", "polyint", "polydiv", "matvec", "vecmat", "mask_indices",
    "array2string", "array_repr", "array_str", "set_printoptions", "get_printoptions",
    "printoptions", "seterr", "geterr", "seterrcall", "geterrcall", "errstate", "base_repr",
    "binary_repr", "isfortran", "min_scalar_type", "common_type", "mintypecode", "typename",
    "packbits", "unpackbits", "format_float_positional", "format_float_scientific",
    "getbufsize", "setbufsize", "show_config", "show_runtime", "info", "euler_gamma", "poly1d",
]

euler_gamma = np.euler_gamma  # NumPy's constant (a Python float)

from . import exceptions, lib  # noqa: E402,F401  (as numpy.exceptions, numpy.lib)
from ._poly1d import poly1d  # noqa: E402


def _host(v):
    if isinstance(v, Tensor):
        return v._host()
    if isinstance(v, (list, tuple)):
        return type(v)(_host(i) for i in v)
    return v


def _out(like, arr):
    """Place a NumPy result on ``like``'s device, in its class (int64 indices stay int64)."""
    arr = np.asarray(arr)
    if arr.dtype == np.intp:
        arr = arr.astype(np.int64)
    cls = like.__class__ if isinstance(like, Tensor) else default_class()
    return _place(cls, arr, like._device if isinstance(like, Tensor) else None)


def _like(name, out, like):
    """``out`` made like ``like`` (NumPy's ``like=``: None, or a trueno array whose class and
    device the result takes)."""
    if like is None:
        return out
    if not isinstance(like, Tensor):
        raise TypeError(f"{name}(..., like=): like must be None or a trueno array, got "
                        f"{type(like).__name__}\n  hint: trueno functions create trueno "
                        f"arrays; use numpy.{name} for NumPy arrays")
    return out if out is None else asarray(out, device=like._device, cls=like.__class__)


def copy(a, order="K", subok=False):
    """A copy of ``a`` laid out in ``order`` ('K' keeps the layout, as NumPy's ``copy``).

    ``subok`` has nothing to choose here: the copy of a trueno array is of its class.
    """
    from ._manipulation import copy_order
    return copy_order(as_t(a), order)


def copyto(dst, src, casting="same_kind", where=True):
    """In place: copy ``src`` into ``dst`` (broadcast), only where ``where`` is true."""
    if not isinstance(dst, Tensor):
        raise TypeError("copyto: dst must be a trueno array (it is changed in place)")
    s = as_t(src, dst) if not isinstance(src, (bool, int, float, complex)) else src
    if isinstance(s, Tensor) and not D.can_cast(s._dtype, dst._dtype, casting):
        from ._errors import DTypeError
        raise DTypeError(f"copyto: cannot cast array data from {s._dtype.name} to "
                         f"{dst._dtype.name} according to the rule {casting!r}")
    if where is True:
        dst[...] = s
        return
    from ._elementwise import where as _where
    m = as_t(where, dst)
    dst[...] = _where(m, s, dst)


def _in_order(name, out, order):
    """``out`` laid out in ``order`` (NumPy's conversion orders: None/'K'/'A' keep a layout
    that is C or F contiguous, 'C'/'F' copy when the layout differs)."""
    from ._manipulation import check_order, copy_order, resolve_order
    o = check_order(name, order)
    if order is None or o == "K":
        return out
    o = resolve_order(out, o)
    if o == "C":
        return out if out.is_contiguous() else out.copy()
    from ._manipulation import _is_f_contiguous
    return out if _is_f_contiguous(out) else copy_order(out, "F")


def ascontiguousarray(a, dtype=None, *, like=None):
    out = _like("ascontiguousarray", asarray(a, dtype=dtype), like)
    return out.contiguous() if out.ndim else out._reshape((1,))  # ndim >= 1, as NumPy


def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    out = _like("asanyarray", asarray(a, dtype=dtype, device=device, copy=copy), like)
    return _in_order("asanyarray", out, order)


def asfortranarray(a, dtype=None, *, like=None):
    """An array laid out in Fortran order (column-major), a copy when it is not already."""
    out = _like("asfortranarray", asarray(a, dtype=dtype), like)
    return _in_order("asfortranarray", out if out.ndim else out._reshape((1,)), "F")


_REQUIREMENTS = {"C": "C", "C_CONTIGUOUS": "C", "CONTIGUOUS": "C", "F": "F",
                 "F_CONTIGUOUS": "F", "FORTRAN": "F", "A": "A", "ALIGNED": "A", "W": "W",
                 "WRITEABLE": "W", "O": "O", "OWNDATA": "O", "E": "E", "ENSUREARRAY": "E"}


def require(a, dtype=None, requirements=None, *, like=None):
    """An array of ``dtype`` that meets ``requirements`` ('C', 'F', 'A', 'W', 'O', 'E' and
    their long names, as NumPy's ``require``): copied when it does not."""
    out = _like("require", asarray(a, dtype=dtype), like)
    if requirements is None:
        return out
    reqs = list(requirements)  # a string is read letter by letter, as NumPy does
    try:
        flags = {_REQUIREMENTS[str(r).upper()] for r in reqs}
    except KeyError as exc:
        raise ValueError(f"require: unknown requirement {exc.args[0]!r}; expected C, F, A, W, O "
                         f"or E (or their long names)") from None
    if "C" in flags and "F" in flags:
        raise ValueError("require: cannot specify both 'C' and 'F' order")
    order = "C" if "C" in flags else "F" if "F" in flags else "A"
    laid = _in_order("require", out, order)
    if laid._device is _CPU:
        owns, writeable = laid._data.base is None, laid._data.flags.writeable
    else:
        owns, writeable = getattr(laid, "_base", None) is None, True
    if ("O" in flags and not owns) or ("W" in flags and not writeable):
        from ._manipulation import copy_order
        laid = copy_order(laid, order)
    return laid


def asarray_chkfinite(a, dtype=None, order=None):
    """``asarray`` that raises ValueError when the data holds NaN or infinity."""
    out = _in_order("asarray_chkfinite", asarray(a, dtype=dtype), order)
    if out._dtype.kind in "fc":
        from ._elementwise import isfinite
        from ._reduction import all as _all
        if not bool(_all(isfinite(out))):
            raise ValueError("array must not contain infs or NaNs")
    return out


def fill_diagonal(a, val, wrap=False):
    """In place: write ``val`` on the main diagonal of ``a`` (NumPy's flat-step rule)."""
    if not isinstance(a, Tensor):
        raise TypeError("fill_diagonal: a must be a trueno array (it is changed in place)")
    if a.ndim < 2:
        raise ShapeError("fill_diagonal: array must be at least 2-d")
    if a.ndim == 2:
        step = a.shape[1] + 1
        end = None if wrap else a.shape[1] * a.shape[1]
    else:
        if len(set(a.shape)) != 1:
            raise ShapeError("fill_diagonal: all dimensions of input must be of equal length")
        step = 1 + int(np.cumprod(a.shape[:-1]).sum())
        end = None
    n = a.numel()
    idx = np.arange(0, n if end is None else builtins.min(end, n), step)
    put(a, idx, val)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale between ``start`` and ``stop``."""
    dt = None if dtype is None else D.as_dtype(dtype).numpy
    return _out(None, np.geomspace(_host(start), _host(stop), num, endpoint, dt, axis))


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    """Call ``func1d`` on every 1-D slice of ``arr`` along ``axis`` and stack the results."""
    a = as_t(arr)
    from ._views import normalize_axis
    ax = normalize_axis(axis, a.ndim)
    moved = moveaxis(a, ax, -1)
    outer = moved.shape[:-1]
    if 0 in outer:
        raise ValueError("apply_along_axis: cannot apply_along_axis when any iteration "
                         "dimensions are 0")
    res = [as_t(func1d(moved[idx], *args, **kwargs), a) for idx in np.ndindex(*outer)]
    out = stack(res)._reshape(outer + res[0].shape)
    k = res[0].ndim
    if k == 0:
        return out
    return moveaxis(out, tuple(range(len(outer), len(outer) + k)),
                    tuple(range(ax, ax + k)))


def apply_over_axes(func, a, axes):
    """Apply ``func(a, axis)`` repeatedly over ``axes``, keeping the number of dimensions."""
    val = as_t(a)
    for ax in (axes if isinstance(axes, (list, tuple)) else [axes]):
        ax = ax + val.ndim if ax < 0 else ax
        res = as_t(func(val, ax), val)
        if res.ndim == val.ndim:
            val = res
        elif res.ndim == val.ndim - 1:
            val = res._expand_dims(ax)
        else:
            raise ValueError("apply_over_axes: function is not returning an array of the "
                             "correct shape")
    return val


def histogram2d(x, y, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """2-D histogram of the points ``(x, y)``: counts, x edges, y edges."""
    like = x if isinstance(x, Tensor) else None
    h, ex, ey = np.histogram2d(_host(x), _host(y), _host(bins), range, density,
                               _host(weights))
    return _out(like, h), _out(like, ex), _out(like, ey)


def histogramdd(sample, bins=10, range=None, density=None, weights=None):  # noqa: A002
    """D-dimensional histogram: counts and a tuple of edge arrays."""
    like = sample if isinstance(sample, Tensor) else None
    h, edges = np.histogramdd(_host(sample), _host(bins), range, density, _host(weights))
    return _out(like, h), tuple(_out(like, e) for e in edges)


def piecewise(x, condlist, funclist, *args, **kw):
    """Evaluate ``funclist[i]`` (a function or a constant) where ``condlist[i]`` holds."""
    from ._elementwise import where as _where
    t = as_t(x)
    conds = [as_t(c, t) for c in (condlist if isinstance(condlist, list) else [condlist])]
    n = len(conds)
    if len(funclist) not in (n, n + 1):
        raise ValueError(f"piecewise: with {n} condition(s), either {n} or {n + 1} "
                         f"functions are expected")
    from ._creation import zeros_like
    out = zeros_like(t)
    if len(funclist) == n + 1:
        from ._reduction import any as _any
        rest = ~_any(stack(conds), axis=0) if n else asarray(True)
        conds = conds + [rest]
    for c, f in zip(conds, funclist):
        v = f(t, *args, **kw) if callable(f) else f
        out = _where(c, v, out).astype(t._dtype, copy=False)
    return out


def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """``function(*coordinate_arrays)`` over a grid of ``shape``."""
    from ._gather_scatter import indices
    if like is not None:
        _like("fromfunction", None, like)  # checks like
        idx = [asarray(i, device=like._device, cls=like.__class__)
               for i in indices(shape, dtype=dtype)]
        return function(*idx, **kwargs)
    return function(*indices(shape, dtype=dtype), **kwargs)


def fromiter(iter, dtype, count=-1, *, like=None):  # noqa: A002
    dt = D.as_dtype(dtype)
    out = _out(None, np.fromiter(iter, dtype=dt.numpy, count=count))
    return _like("fromiter", out, like)


def promote_types(type1, type2):
    """The smallest dtype both can be cast to safely (NumPy's rule)."""
    return D.as_dtype(np.promote_types(D.as_dtype(type1).numpy, D.as_dtype(type2).numpy))


def issubdtype(arg1, arg2):
    """NumPy's ``issubdtype`` for trueno dtypes, NumPy dtypes and abstract types
    (``bfloat16`` is a floating type here; ml_dtypes' NumPy dtype of it is kind 'V')."""
    if arg1 is D.bfloat16 or (isinstance(arg1, np.dtype) and arg1 == D.bfloat16.numpy):
        if arg2 in (np.floating, np.inexact, np.number, np.generic):
            return True
        try:
            return D.as_dtype(arg2) is D.bfloat16
        except Exception:  # noqa: BLE001  (not a dtype spelling: not a supertype either)
            return False

    def conv(a):
        if isinstance(a, D.DType):
            return a.numpy
        return a
    return np.issubdtype(conv(arg1), conv(arg2))


def shares_memory(a, b, max_work=None) -> bool:
    """Whether two arrays view the same storage at overlapping addresses (CPU arrays)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._device is not b._device:
            return False
        if not isinstance(a._data, np.ndarray):
            return a.storage is b.storage
    return bool(np.shares_memory(_host(a), _host(b), max_work=max_work))


def may_share_memory(a, b, max_work=None) -> bool:
    """Whether two arrays may share memory (bounds only by default; ``max_work`` as NumPy)."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and not isinstance(a._data, np.ndarray):
        return a.storage is b.storage
    return bool(np.may_share_memory(_host(a), _host(b), max_work=max_work))


def isscalar(element) -> bool:
    """True for Python and NumPy scalars (not for 0-d arrays, as in NumPy)."""
    return np.isscalar(element)


def iscomplexobj(x) -> bool:
    return (x._dtype.kind == "c") if isinstance(x, Tensor) else np.iscomplexobj(x)


def isrealobj(x) -> bool:
    return not iscomplexobj(x)


def iterable(y) -> bool:
    try:
        iter(y)
    except TypeError:
        return False
    return True


def bartlett(M):  # noqa: N803  (NumPy's names)
    return _out(None, np.bartlett(M))


def blackman(M):  # noqa: N803
    return _out(None, np.blackman(M))


def hamming(M):  # noqa: N803
    return _out(None, np.hamming(M))


def hanning(M):  # noqa: N803
    return _out(None, np.hanning(M))


def kaiser(M, beta):  # noqa: N803
    return _out(None, np.kaiser(M, beta))


def _poly(fn, *args, **kw):
    like = next((a for a in args if isinstance(a, Tensor)), None)
    out = fn(*(_host(a) for a in args), **{k: _host(v) for k, v in kw.items()})
    if isinstance(out, tuple):
        return tuple(_out(like, o) for o in out)
    return _out(like, out)


def poly(seq_of_zeros):
    return _poly(np.poly, seq_of_zeros)


def roots(p):
    return _poly(np.roots, p)


def polyval(p, x):
    """Evaluate the polynomial with coefficients ``p`` (highest power first) at ``x`` (a NumPy
    scalar for a scalar ``x``, as NumPy)."""
    from ._tensor import numpy_result
    return numpy_result(_poly(np.polyval, p, x))


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    """Least-squares polynomial fit (NumPy's ``polyfit``)."""
    return _poly(np.polyfit, x, y, deg, rcond, full, w, cov)


def polyadd(a1, a2):
    return _poly(np.polyadd, a1, a2)


def polysub(a1, a2):
    return _poly(np.polysub, a1, a2)


def polymul(a1, a2):
    return _poly(np.polymul, a1, a2)


def polyder(p, m=1):
    return _poly(np.polyder, p, m)


def polyint(p, m=1, k=None):
    return _poly(np.polyint, p, m, k)


def polydiv(u, v):
    return _poly(np.polydiv, u, v)


def matvec(x1, x2, /):
    """Matrix-vector product over the last axes: ``(..., m, n) x (..., n) -> (..., m)``."""
    from ._linalg_ops import matmul
    a, b = as_t(x1), as_t(x2)
    if a.ndim < 2 or b.ndim < 1:
        raise ShapeError(f"matvec: needs a matrix and a vector, got shapes {a.shape} and "
                         f"{b.shape}")
    return matmul(a, b._expand_dims(-1))[..., 0]


def vecmat(x1, x2, /):
    """Vector-matrix product over the last axes: ``conj(x1) (..., n) x (..., n, m)``."""
    from ._linalg_ops import matmul
    a, b = as_t(x1), as_t(x2)
    if a.ndim < 1 or b.ndim < 2:
        raise ShapeError(f"vecmat: needs a vector and a matrix, got shapes {a.shape} and "
                         f"{b.shape}")
    return matmul(a.conj()._expand_dims(-2), b)[..., 0, :]


def mask_indices(n, mask_func, k=0):
    """Indices of the non-zero entries of ``mask_func(ones((n, n)), k)``."""
    from ._creation import ones
    from ._indexing import nonzero
    m = as_t(mask_func(ones((n, n), dtype=D.int64), k=k))
    return nonzero(m != 0)


# --- printing, error state, type names ---------------------------------------------------------
# The NumPy face prints through NumPy (``_format``) and the reference backend computes with
# NumPy, so NumPy's print options and floating-point error state are trueno's too.
set_printoptions = np.set_printoptions
get_printoptions = np.get_printoptions
printoptions = np.printoptions
seterr = np.seterr
geterr = np.geterr
seterrcall = np.seterrcall
geterrcall = np.geterrcall
errstate = np.errstate
base_repr = np.base_repr
binary_repr = np.binary_repr
mintypecode = np.mintypecode
typename = np.typename
format_float_positional = np.format_float_positional
format_float_scientific = np.format_float_scientific
getbufsize = np.getbufsize  # NumPy's ufunc buffer size, used by the reference backend
setbufsize = np.setbufsize


def show_config(mode="stdout"):
    """trueno's version, backends (with their devices and op counts) and devices, then
    NumPy's build configuration; ``mode="dicts"`` returns it all as a dict."""
    import trueno

    from ._registry import backends
    info_ = {"trueno": {"version": trueno.__version__, "backends": backends(),
                        "devices": [str(d) for d in
                                    trueno.__array_namespace_info__().devices()]},
             "numpy": np.show_config(mode="dicts")}
    if mode == "dicts":
        return info_
    if mode != "stdout":
        raise ValueError(f"show_config: mode must be 'stdout' or 'dicts', not {mode!r}")
    t = info_["trueno"]
    print(f"trueno {t['version']}")
    print("backends:")
    for b in t["backends"]:
        print(f"  {b['name']} (plugin {b['plugin']}): devices {', '.join(b['devices'])}, "
              f"priority {b['priority']}, {b['ops']} ops")
    print(f"devices: {', '.join(t['devices'])}")
    print(f"numpy {np.__version__}:")
    np.show_config()
    return None


def show_runtime() -> None:
    """trueno's backends and devices, then NumPy's runtime information (SIMD, BLAS threads)."""
    show_config()
    np.show_runtime()


def info(object=None, maxwidth=76, output=None, toplevel="trueno"):  # noqa: A002
    """NumPy's ``info``: the documentation of ``object`` (a trueno function, class, ...)."""
    import sys
    if object is None:
        import trueno
        object = trueno  # noqa: A001
    np.info(object, maxwidth, output if output is not None else sys.stdout, toplevel)


def array2string(a, *args, **kwargs):
    """NumPy's ``array2string`` of the values of ``a``."""
    return np.array2string(as_t(a)._host(), *args, **kwargs)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
    return np.array_repr(as_t(arr)._host(), max_line_width, precision, suppress_small)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
    return np.array_str(as_t(a)._host(), max_line_width, precision, suppress_small)


def isfortran(a) -> bool:
    """True when ``a`` is Fortran-contiguous and not C-contiguous (e.g. ``x.T``)."""
    t = as_t(a)
    if isinstance(t._data, np.ndarray):
        return bool(np.isfortran(t._data))
    from ._strided import contiguous_strides
    rev = contiguous_strides(t.shape[::-1])[::-1]
    return t.ndim > 1 and tuple(t._data.strides) == tuple(rev) and not t.is_contiguous()


def min_scalar_type(a):
    """The smallest dtype that holds ``a`` (a scalar or the values of an array)."""
    return D.as_dtype(np.min_scalar_type(_host(a)))


def common_type(*arrays):
    """The float or complex dtype that all ``arrays`` convert to (NumPy's rule)."""
    return D.as_dtype(np.common_type(*(np.empty(0, as_t(a)._dtype.numpy) for a in arrays)))


def packbits(a, /, axis=None, bitorder="big"):
    """Pack a binary-valued array into the bits of a uint8 array."""
    t = as_t(a)
    if t._dtype.kind not in "biu":
        raise TypeError("packbits: expected an input array of integer or boolean data type")
    return _out(t, np.packbits(t._host(), axis=axis, bitorder=bitorder))


def unpackbits(a, /, axis=None, count=None, bitorder="big"):
    """Unpack the bits of a uint8 array."""
    t = as_t(a)
    if t._dtype is not D.uint8:
        raise TypeError("unpackbits: expected an input array of unsigned byte data type")
    return _out(t, np.unpackbits(t._host(), axis=axis, count=count, bitorder=bitorder))
