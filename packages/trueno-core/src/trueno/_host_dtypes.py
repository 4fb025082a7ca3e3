"""Host dtypes: every NumPy dtype that is not a number or a bool (strings ``<U``/``S``,
``object``, ``datetime64``/``timedelta64``, structured ``V``), on the CPU only.

Such an array is a NumPy array on the CPU like any other, with a ``HostDType``: one object per
NumPy dtype (made on first use, then the same object, as ``np.dtype('<U5')`` is for NumPy),
which prints and compares as NumPy's (``str(a.dtype) == '<U5'``). The dispatcher treats it as
any dtype: its cache key is its own ``_code`` (above every numeric code, so that numeric keys
keep their small ints), the rows in ``_ALLOWED`` accept it (every other row refuses it with
the usual ``DTypeError``), and ``_registry.resolve_kernel`` gives it the NumPy kernels of
``kernel_for`` on the CPU only (never a fast backend's). Combining two host dtypes, or a host
dtype and a number, gives the dtype NumPy computes in (``promote``); a pairing NumPy computes
without a common dtype (``datetime64 + timedelta64``, ``timedelta64 * int``, ``'a' == 1``) gives
a ``PairDType`` marker whose kernel knows both sides. A datetime64/timedelta64 array with an
integer, float or the other time kind is a ``raw`` pair: its kernel is NumPy's ufunc on the
operands as they are, in operand order (``timedelta - datetime`` raises as NumPy's, ``timedelta
* float_array`` is NumPy's), where the dispatcher passes them uncast (``binary`` skips the cast to
a raw pair); operands that arrive cast to the pair's dtype get the int64 arithmetic of
``_ints`` (which cannot tell the sides apart).
"""

from __future__ import annotations

import threading
import types

import numpy as np

from . import _dtypes as D
from ._device import Device, device as as_device
from ._errors import DeviceError, DTypeError

__all__ = ["HostDType", "HostOnlyError", "host_dtype", "is_host", "promote", "weak_scalar",
           "kernel_for", "HOST_CODE", "isnat", "check_device", "field", "flexible",
           "check_cast", "astype", "frompyfunc", "on_host",
           "char", "strings"]

HOST_KINDS = "OUSMmV"
HOST_CODE = 1 << 20  # every host dtype's _code is >= this (Device codes are multiples of 64)
_NAT = np.iinfo(np.int64).min


class HostOnlyError(DTypeError, DeviceError):
    """A string/object/datetime/structured array sent to a device other than the CPU."""


class HostDType(D.DType):
    """The trueno dtype of a NumPy dtype of kind U, S, O, M, m or V (CPU only).

    ``str``, ``repr``, ``name``, ``kind`` and ``char`` are NumPy's (``str(dt) == '<U5'``,
    ``dt.kind == 'U'``); it equals its NumPy dtype and every spelling of it.
    """

    __slots__ = ()

    def __init__(self, npd: np.dtype, code: int) -> None:  # noqa: D107  (made by host_dtype)
        self.numpy = npd
        self.name = npd.name
        self.kind = npd.kind
        self.itemsize = npd.itemsize
        self.type = npd.type
        self._rank = 0
        self._code = code
        self._core = self

    def __repr__(self) -> str:
        return repr(self.numpy)

    def __str__(self) -> str:
        return str(self.numpy)

    def __reduce__(self):
        return (host_dtype, (self.numpy,))

    def __len__(self) -> int:
        return len(self.numpy)

    def __getitem__(self, key):
        """A field's dtype (``dt['x']``), as NumPy's structured dtypes."""
        return D.as_dtype(self.numpy[key])


class PairDType(HostDType):
    """What ``promote`` gives for operands NumPy computes on without a common dtype: both
    sides are cast to ``numpy`` (a reinterpretation, same unit) and the kernel knows the pair.

    ``how`` is "native" (the kernel is NumPy's ufunc: a Python scalar operand, converted by
    ``type``), "ints" (a datetime64/timedelta64 array with an integer, float or the other time
    kind: ``raw``, see the module's docstring) or "unequal" (values that never compare equal:
    ``'a' == 1`` is False). ``raw``: the kernel takes the operands uncast."""

    __slots__ = ("how", "pair", "res", "raw")

    def __init__(self, npd, code, how, pair, conv=None, res=None) -> None:
        super().__init__(npd, code)
        self.how = how
        self.pair = pair
        self.res = res
        self.raw = how == "ints"
        if conv is not None:
            self.type = conv
        if self.kind == "m" or self.raw:
            # timedelta64 / int is a timedelta64 in NumPy: a "float" row (divide) must not
            # make the dispatcher compute it in float64 (nor datetime64 / int, which NumPy
            # refuses)
            self.kind = "f"


_lock = threading.Lock()
_count = [0]
_PAIRS: dict = {}

# the rows that take host dtypes, by kind: every other row refuses them (DTypeError)
_MOVE = ("contiguous", "copy_", "astype", "reshape", "permute_dims", "expand", "getitem",
         "diagonal", "index", "index_put", "concat", "take", "take_along_axis", "gather",
         "where", "equal", "not_equal", "to_device")
_ORDER = ("less", "less_equal", "greater", "greater_equal", "sort", "argsort", "searchsorted",
          "unique_all")
_TIME = ("add", "subtract", "maximum", "minimum", "isnan", "max", "min", "argmax", "argmin")
_ALLOWED = {
    "U": _MOVE + _ORDER + ("add", "argmax", "argmin"),
    "S": _MOVE + _ORDER + ("add", "argmax", "argmin"),
    "O": _MOVE + _ORDER + ("add", "subtract", "multiply", "divide", "floor_divide", "remainder",
                           "pow", "negative", "abs", "positive", "maximum", "minimum", "sum",
                           "prod", "cumsum", "mean", "max", "min", "argmax", "argmin"),
    "M": _MOVE + _ORDER + _TIME,
    "m": _MOVE + _ORDER + _TIME + ("multiply", "divide", "floor_divide", "remainder",
                                   "negative", "abs", "positive", "sum", "cumsum", "mean"),
    "V": _MOVE + ("sort", "argsort", "searchsorted", "unique_all"),
}
_PAIR_OPS = {"native": None, "ints": ("add", "subtract", "multiply", "divide", "floor_divide"),
             "unequal": ("equal", "not_equal")}


def _accept(dt: HostDType, names) -> None:
    """Let the rows ``names`` (that exist) accept ``dt`` (hold ``_lock``)."""
    from ._optable import OPS
    for n in names:
        row = OPS.get(n)
        if row is not None and dt not in row.accepts:
            row.accepts = row.accepts | {dt}


def host_dtype(npd) -> HostDType:
    """The one ``HostDType`` of NumPy dtype ``npd`` (kind U, S, O, M, m or V)."""
    npd = np.dtype(npd)
    if npd.type is not np.void and npd.kind == "V":
        npd = np.dtype((np.void, npd))  # a record dtype equals its plain one: one HostDType
    d = D.BY_NUMPY.get(npd)
    if d is not None:
        return d
    if npd.kind not in HOST_KINDS:
        raise DTypeError(f"data type {npd} is not supported by trueno")
    with _lock:
        d = D.BY_NUMPY.get(npd)
        if d is None:
            _count[0] += 1
            d = HostDType(npd, HOST_CODE * _count[0])
            _accept(d, _ALLOWED[npd.kind])
            D.BY_NUMPY[npd] = d
    return d


def _pair(key, npd, how, conv=None, res=None) -> PairDType:
    d = _PAIRS.get(key)
    if d is None:
        with _lock:
            d = _PAIRS.get(key)
            if d is None:
                _count[0] += 1
                d = PairDType(np.dtype(npd), HOST_CODE * _count[0], how, key, conv, res)
                names = _PAIR_OPS[how]
                if names is None:
                    names = _ALLOWED[d.numpy.kind]
                elif how == "unequal" and res is not None:
                    names = names + _MOVE
                _accept(d, names)
                _PAIRS[key] = d
    return d


def is_host(dt) -> bool:
    return dt._code >= HOST_CODE


def _unit(npd) -> str:
    return np.datetime_data(npd)[0]


def promote(a, b) -> D.DType:
    """The dtype ``a op b`` computes in when either is a host dtype (``D.promote``'s branch)."""
    na, nb = a.numpy, b.numpy
    ka, kb = na.kind, nb.kind
    if "O" in (ka, kb):
        return host_dtype(np.dtype(object))
    if ka in "Mm" and kb in "Mm":
        if ka == kb:
            if ka == "m" and na != nb:  # both go to the finer unit; "divide" stays a
                return _pair((na, nb), np.promote_types(na, nb), "native")  # timedelta ratio
            return host_dtype(np.promote_types(na, nb))
        # both sides go to the finer unit as int64 values: the coarser side converts within
        # its own kind (NumPy converts units there), the finer one is only reinterpreted
        m, t = (na, nb) if ka == "M" else (nb, na)
        w = np.promote_types(m, np.dtype(f"M8[{_unit(t)}]"))  # M8 of the finer unit
        cast = np.dtype(f"m8[{_unit(w)}]") if _unit(m) == _unit(w) else w
        return _pair((na, nb), cast, "ints", res=w)
    if ka in "Mm" and kb in "biu" or kb in "Mm" and ka in "biu":
        t = na if ka in "Mm" else nb
        return _pair((na, nb), t, "ints", res=t)
    if ka in "Mm" and kb in "fc" or kb in "Mm" and ka in "fc":
        # timedelta64 * float array, timedelta64 / float array: NumPy's loops on the raw
        # operands (cast to the time dtype, the floats would lose their fractions)
        return _pair((na, nb), na if ka in "Mm" else nb, "ints")
    if ka in "US" and kb in "US" and ka == kb:
        return host_dtype(np.promote_types(na, nb))
    if ka == "V" and kb == "V":
        try:
            return host_dtype(np.promote_types(na, nb))
        except TypeError:
            pass
    if ka in "USV" or kb in "USV":
        # never equal ('a' == 1 is False); copies (concatenate, where) in NumPy's common
        # dtype where it has one (str and int: '<U21')
        try:
            common = np.promote_types(na, nb)
        except TypeError:
            common = None
        return _pair((na, nb), object if common is None else common, "unequal",
                     res=common)
    raise DTypeError(f"no common dtype for {na} and {nb} (NumPy has no loop for these types)"
                     f"\n  hint: cast one operand with .astype(...)")


def weak_scalar(value, dtype) -> D.DType:
    """The dtype ``host_array op value`` computes in for a Python scalar ``value``: a marker
    whose kernel is NumPy's own ufunc on the array and the scalar, as NumPy computes it."""
    t = type(value)
    return _pair((dtype.numpy, t), dtype.numpy, "native", t)


# -- kernels ---------------------------------------------------------------------------------

def _register(out):
    """``out`` with its host dtypes registered; a Python object (an object array's
    reduction) as a 0-d object array, which the NumPy face gives back as the object."""
    if isinstance(out, tuple):
        return tuple(_register(o) for o in out)
    if not isinstance(out, (np.ndarray, np.generic)):
        out = np.array(out, dtype=object) if not isinstance(out, (list, tuple)) else out
    if isinstance(out, (np.ndarray, np.generic)) and out.dtype.kind in HOST_KINDS:
        host_dtype(out.dtype)
    return out


def _refused(name, args, e):
    types = ", ".join(str(getattr(a, "dtype", type(a).__name__)) for a in args)
    return DTypeError(f"{name}: NumPy has no loop for ({types}): {e}\n  hint: cast with "
                      f".astype(...) to a dtype the operation takes")


def _wrap(name, fn):
    def k(*args, **params):
        try:
            out = fn(*args, **params)
        except TypeError as e:
            if isinstance(e, DTypeError):
                raise
            raise _refused(name, args, e) from None
        return _register(out)
    k.__name__ = name
    return k


def _unequal(name):
    def k(x, y):
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        return np.full(shape, name == "not_equal")
    return k


def _equality(name):
    """``==``/``!=`` as NumPy's operators: values NumPy cannot compare are unequal."""
    def k(x, y):
        try:
            r = (x == y) if name == "equal" else (x != y)  # (structured: field by field)
            if r is NotImplemented:
                raise TypeError(name)
            return np.asarray(r)
        except TypeError:
            return _unequal(name)(x, y)
    return k


_UFUNCS = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply,
           "divide": np.true_divide, "floor_divide": np.floor_divide}


def _ints(name, dt: PairDType):
    """The kernel of a raw pair (``dt.raw``): NumPy's ufunc on the operands as they are; for
    operands cast to ``dt.numpy`` (both sides one dtype: the dispatcher did not pass them
    raw), datetime arithmetic on their int64 values in one unit (NaT kept), which cannot tell
    ``timedelta - datetime`` from ``datetime - timedelta``."""
    a, b = dt.pair
    kinds = {getattr(a, "kind", "i"), getattr(b, "kind", "i")}
    mkind = dt.numpy.kind  # M when a datetime takes part, else m
    ufunc = _UFUNCS[name]

    def k(x, y):
        if x.dtype != dt.numpy or y.dtype != dt.numpy:
            return ufunc(x, y)  # the raw operands, in operand order
        if dt.res is None or kinds & set("fc"):
            raise _refused(name, (a, b), "the operands arrived cast to one dtype")
        xi, yi = x.view(np.int64), y.view(np.int64)
        nat = (xi == _NAT) | (yi == _NAT)
        if name in ("divide", "floor_divide"):
            if mkind != "m" or kinds != {"m", "i"} and kinds != {"m", "u"} and \
                    kinds != {"m", "b"}:
                raise _refused(name, (a, b), "no such loop")
            return np.true_divide(x, yi) if name == "divide" else np.floor_divide(x, yi)
        if name == "multiply" and mkind != "m":
            raise _refused(name, (a, b), "no such loop")
        with np.errstate(over="ignore"):
            r = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply}[name](xi, yi)
        return np.where(nat, _NAT, r).view(dt.res)
    return k


def kernel_for(op, dtype):
    """The NumPy kernel of row ``op`` for host dtype ``dtype`` on the CPU (None: none)."""
    name = op.name
    if isinstance(dtype, PairDType):
        if dtype.how == "unequal" and name in ("equal", "not_equal"):
            return _unequal(name)
        if dtype.how == "ints":
            return _wrap(name, _ints(name, dtype)) if name in _UFUNCS else None
    if name in ("equal", "not_equal"):
        return _wrap(name, _equality(name))
    if name == "isnan":
        return _wrap(name, np.isnat)
    if name in ("sum", "prod", "cumsum", "mean"):
        fn = {"sum": np.sum, "prod": np.prod, "cumsum": np.cumsum, "mean": np.mean}[name]

        def acc(x, *, dtype=None, **params):  # NumPy picks the dtype (timedelta64 stays)
            return fn(x, **params)
        return _wrap(name, acc)
    from ._reference.plugin import kernels
    k = _REF.get(name)
    if k is None:
        _REF.update(kernels())
        k = _REF.get(name)
    return None if k is None else _wrap(name, k)


_REF: dict = {}


def on_host(name: str, fn, x, **kw):
    """NumPy's ``fn(x, **kw)`` of a host-dtype array ``x`` (trueno arrays in ``kw`` read to the
    host) as a trueno array; NumPy's TypeError (no loop) as ``DTypeError``."""
    from ._creation import asarray
    from ._tensor import Tensor
    kw = {k: v._host() if isinstance(v, Tensor) else v for k, v in kw.items()}
    return asarray(_wrap(name, fn)(x._host(), **kw), cls=x.__class__)


def check_device(dt, device) -> None:
    """Raise ``HostOnlyError`` for a host dtype going to a device other than the CPU."""
    if not isinstance(device, Device):
        device = as_device(device)
    if dt._code >= HOST_CODE and device.type != "cpu":
        raise HostOnlyError(f"to('{device}'): {dt} arrays live on the CPU only (strings, "
                            f"object, datetime64/timedelta64 and structured dtypes are stored "
                            f"as NumPy arrays)\n  hint: keep it on 'cpu', or convert it to a "
                            f"numeric dtype first (a.astype(...))")


def isnat(x, /):
    """NumPy's ``isnat``: which elements of a datetime64/timedelta64 array are NaT."""
    from ._creation import asarray
    from ._tensor import Tensor, numpy_result
    t = x if isinstance(x, Tensor) else asarray(x)
    if t._dtype.kind not in "Mm":
        raise DTypeError(f"isnat: expected a datetime64 or timedelta64 array, got {t.dtype}\n"
                         f"  hint: use isnan for floating-point arrays")
    return numpy_result(asarray(np.isnat(t._host()), cls=t.__class__))


def flexible(dt) -> bool:
    """Whether NumPy picks this dtype's size or unit from the values (``str``, ``'S'``,
    ``'M8'``): a cast to it gives a dtype of its own."""
    npd = dt.numpy
    if npd.kind in "Mm":
        return _unit(npd) == "generic"
    return npd.itemsize == 0 and npd.kind in "USV"


def astype(t, dt, order: str, casting: str):
    """``ndarray.astype``'s NumPy part: the checks of ``casting``/``order``, a layout other
    than 'K', a flexible target (``str``, ``'S'``, ``'M8'``: NumPy sizes it from the values);
    None where ``Tensor.astype`` does the rest."""
    if casting != "unsafe" or order != "K":
        check_cast(t._dtype, dt, casting, order)
    from ._creation import asarray
    if order != "K" and t._ag is None and t._device.type == "cpu":
        return asarray(t._data.astype(dt.numpy, order=order), cls=t.__class__)
    if order == "F" and t.ndim > 1:
        raise ValueError(f"astype(order='F'): only a CPU array that autograd does not record "
                         f"is laid out in Fortran order here (this one is on {t._device})\n"
                         f"  hint: trueno.asfortranarray(a.astype(...)) on the CPU")
    if dt._code >= HOST_CODE and flexible(dt):
        return asarray(t._host().astype(dt.numpy), cls=t.__class__)
    return None


def check_cast(src, dst, casting: str, order: str) -> None:
    """NumPy's checks of ``astype(dst, casting=..., order=...)`` on an array of ``src``."""
    if order not in ("K", "A", "C", "F"):
        raise ValueError(f"astype: order must be one of 'K', 'A', 'C', 'F' (got {order!r})")
    if casting not in ("no", "equiv", "safe", "same_kind", "unsafe"):
        raise ValueError(f"astype: casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"'unsafe' (got {casting!r})")
    if src._code >= HOST_CODE or dst._code >= HOST_CODE or D.bfloat16 in (src, dst):
        ok = np.can_cast(src.numpy, dst.numpy, casting)
    else:
        ok = D.can_cast(src, dst, casting)
    if not ok:
        raise DTypeError(f"astype: cannot cast array data from {src.numpy!r} to {dst.numpy!r} "
                         f"according to the rule {casting!r}\n  hint: casting='unsafe' (the "
                         f"default) casts anyway")


def field(t, key):
    """``a['x']`` / ``a[['x', 'y']]`` of a structured array: a view of the field(s)."""
    if t._dtype.numpy.names is None:
        from ._errors import TruenoIndexError
        raise TruenoIndexError(f"only integers, slices (`:`), ellipsis (`...`), numpy.newaxis "
                               f"(`None`) and integer or boolean arrays are valid indices "
                               f"(got {key!r} for a {t.dtype} array without fields)")
    data = t._host()[key]
    out = t._view("getitem", data, {"key": key})
    out._dtype = D.as_dtype(data.dtype)
    return out


def frompyfunc(func, /, nin: int, nout: int, *, identity=None):
    """NumPy's ``frompyfunc``: a ufunc calling the Python function ``func`` on each element,
    whose results are ``object`` arrays (CPU only), with NumPy's ufunc methods and keywords."""
    from ._creation import asarray
    from ._tensor import Tensor
    from ._ufunc import _wrap as as_ufunc
    kw = {} if identity is None else {"identity": identity}
    npu = np.frompyfunc(func, nin, nout, **kw)

    def result(o):
        return asarray(o) if isinstance(o, np.ndarray) else o

    def fn(*xs):
        r = npu(*[x._host() if isinstance(x, Tensor) else x for x in xs])
        return tuple(result(o) for o in r) if nout > 1 else result(r)
    fn.__doc__ = f"NumPy's frompyfunc of {getattr(func, '__name__', func)!r}."
    return as_ufunc(npu.__name__, fn, npu)


class _NumpyStringFunctions(types.ModuleType):
    """``trueno.char`` / ``trueno.strings``: NumPy's string functions (``numpy.char``,
    ``numpy.strings``) on trueno arrays, computed by NumPy on the CPU; array results are
    trueno arrays."""

    def __init__(self, name: str, source) -> None:
        super().__init__(f"trueno.{name}", self.__doc__)
        self._source = source

    def __getattr__(self, name: str):
        fn = getattr(self._source, name)  # NumPy's AttributeError for a name it lacks
        if not callable(fn) or isinstance(fn, type):
            return fn
        from ._creation import asarray
        from ._tensor import Tensor

        def host(v):
            return v._host() if isinstance(v, Tensor) else v

        def result(r):
            if isinstance(r, np.ndarray):
                return asarray(r)
            if isinstance(r, (tuple, list)):
                return type(r)(result(x) for x in r)
            return r

        def call(*args, **kwargs):
            return result(fn(*[host(a) for a in args], **{k: host(v) for k, v in
                                                          kwargs.items()}))
        call.__name__ = call.__qualname__ = name
        call.__doc__ = f"NumPy's ``{self._source.__name__}.{name}`` on trueno arrays."
        return call

    def __dir__(self):
        return dir(self._source)


char = _NumpyStringFunctions("char", np.char)
strings = _NumpyStringFunctions("strings", np.strings)
