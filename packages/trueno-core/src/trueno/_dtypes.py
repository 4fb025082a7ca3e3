"""Dtypes and the one promotion table.

Within a kind (bool, signed, unsigned, real float, complex) the table is the Array API
standard's. Across kinds, which the standard leaves open, the NumPy face follows NumPy 2
(``int32 + float32 -> float64``) and the PyTorch face follows PyTorch (``int32 + float32 ->
float32``). Python scalars are "weak" as in NEP 50: they take the array's dtype unless their
kind is higher (``int_array + 1.5`` gives the face's default float).
"""

from __future__ import annotations

import builtins

import ml_dtypes
import numpy as np

from ._errors import DTypeError

__all__ = [
    "DType", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "result_type", "can_cast", "finfo", "iinfo", "isdtype", "as_dtype",
]


class DType:
    """A trueno dtype: a name, a kind and the NumPy dtype used for CPU storage.

    Compares equal to its NumPy dtype, its scalar type and its name, so code written against
    NumPy (``a.dtype == np.float32``) keeps working.
    """

    __slots__ = ("name", "kind", "itemsize", "numpy", "type", "_rank", "_code", "_core")
    _count = 0

    def __init__(self, name: str, kind: str, np_dtype, rank: int) -> None:
        self.name = name
        self.kind = kind  # "b", "i", "u", "f", "c"
        self.numpy = np.dtype(np_dtype)
        self.itemsize = self.numpy.itemsize
        self.type = self.numpy.type
        self._rank = rank
        self._code = DType._count  # small int: with Device._code, the hot path's cache key
        DType._count += 1
        # The core dtype this one stands for: itself here; a face's twin (the PyTorch face's
        # ``torch.float32``, trueno/torch/_dtype.py) shares every field but ``str``/``repr``.
        self._core = self

    def __repr__(self) -> str:
        return f"trueno.{self.name}"

    def __str__(self) -> str:
        # NumPy's: ``str(a.dtype) == "float64"``, ``print(a.dtype)`` prints ``float64``
        return self.name

    def __call__(self, *args, **kwargs):
        """NumPy's scalar type: ``trueno.float32(0.1)`` is ``numpy.float32(0.1)``; an array
        (trueno's, NumPy's, a list) gives a trueno array of this dtype, as NumPy gives one."""
        if len(args) == 1 and not kwargs:
            x = args[0]
            if type(x).__module__.startswith("trueno") and hasattr(x, "astype"):
                return x.astype(self)
            if isinstance(x, (list, tuple, np.ndarray)):
                from ._creation import asarray
                return asarray(x, dtype=self)
        return self.type(*args, **kwargs)

    def __instancecheck__(self, obj) -> bool:
        # ``isinstance(a[0], trueno.float64)``: the NumPy scalar type decides
        return isinstance(obj, self.type)

    def __subclasscheck__(self, cls) -> bool:
        return isinstance(cls, type) and issubclass(cls, self.type)

    def __eq__(self, other) -> bool:
        # Never raises: anything that is not a dtype spelling is simply unequal (NumPy's
        # ``np.dtype("float32") == "no such dtype"`` is False too).
        if other is self:
            return True
        if isinstance(other, DType):
            return other._core is self._core
        try:
            return _lookup(other) is self._core
        except Exception:  # np.dtype raises TypeError, ValueError, ... for non-dtypes
            return False

    def __ne__(self, other) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        # The hash of the NumPy dtype, so that a dict keyed by trueno dtypes is indexed by
        # NumPy dtypes too (``{tn.float32: 1}[np.dtype("float32")]``). Like ``np.dtype``, a
        # dtype also equals its name and scalar type but does not hash like them.
        return hash(self.numpy)

    def __reduce__(self):
        return (as_dtype, (self.name,))

    @property
    def is_floating_point(self) -> bool:
        return self.kind == "f"

    @property
    def is_complex(self) -> bool:
        return self.kind == "c"

    @property
    def is_signed(self) -> bool:
        return self.kind in "ifc"

    @property
    def char(self) -> str:
        return self.numpy.char

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype: NumPy reads an object's ``dtype``, so NumPy's own functions take a
        trueno dtype (``numpy.zeros(2, dtype=trueno.int32)``, ``x.astype(trueno.int32)`` of a
        NumPy scalar)."""
        return self.numpy


bool_ = DType("bool", "b", np.bool_, 0)
int8 = DType("int8", "i", np.int8, 1)
int16 = DType("int16", "i", np.int16, 2)
int32 = DType("int32", "i", np.int32, 3)
int64 = DType("int64", "i", np.int64, 4)
uint8 = DType("uint8", "u", np.uint8, 1)
uint16 = DType("uint16", "u", np.uint16, 2)
uint32 = DType("uint32", "u", np.uint32, 3)
uint64 = DType("uint64", "u", np.uint64, 4)
float16 = DType("float16", "f", np.float16, 1)
bfloat16 = DType("bfloat16", "f", ml_dtypes.bfloat16, 1)
float32 = DType("float32", "f", np.float32, 2)
float64 = DType("float64", "f", np.float64, 3)
complex64 = DType("complex64", "c", np.complex64, 2)
complex128 = DType("complex128", "c", np.complex128, 3)

ALL = (bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
       float16, bfloat16, float32, float64, complex64, complex128)
BY_NAME = {d.name: d for d in ALL}
BY_NUMPY = {d.numpy: d for d in ALL}
_ALIASES = {"bool_": bool_, "float": float64, "double": float64, "half": float16, "long": int64,
            "int": int64, "short": int16, "cfloat": complex64, "cdouble": complex128,
            "byte": int8, "ubyte": uint8}


def _builtin_dtype(t, default_float: DType) -> DType | None:
    """The dtype of Python's scalar type ``t`` (bool, int, float, complex; floats and complex
    numbers in ``default_float`` and its complex twin), or None for any other object."""
    if t is builtins.bool:
        return bool_
    if t is builtins.int:
        return int64
    if t is builtins.float:
        return default_float
    if t is builtins.complex:
        return _COMPLEX_OF[default_float]
    return None


def _lookup(obj) -> DType:
    if isinstance(obj, DType):
        return obj._core  # a face's twin (``torch.float32``) stands for the core dtype
    if isinstance(obj, str):
        d = BY_NAME.get(obj) or _ALIASES.get(obj)
        if d is not None:
            return d
    d = _builtin_dtype(obj, float64)
    if d is not None:
        return d
    torch_name = getattr(obj, "_trueno_dtype", None)
    if torch_name is not None:
        return torch_name
    try:
        npd = np.dtype(obj)
    except TypeError:
        raise DTypeError(f"data type {obj!r} not understood; expected one of "
                         f"{', '.join(BY_NAME)}") from None
    d = BY_NUMPY.get(npd)
    if d is None and npd.kind in "OUSMmV":
        return _H.host_dtype(npd)  # strings, object, datetime, structured: CPU only
    if d is None:
        raise DTypeError(f"data type {npd} is not supported by trueno; expected one of "
                         f"{', '.join(BY_NAME)}")
    return d


def as_dtype(obj) -> DType:
    """Turn a dtype spelling (trueno or NumPy dtype, scalar type, name) into a core ``DType``
    (a face's twin such as the PyTorch face's ``torch.float32`` gives the core dtype)."""
    if obj.__class__ is DType:
        return obj
    return _lookup(obj)


# ---------------------------------------------------------------------------------------------
# The promotion table.
# ---------------------------------------------------------------------------------------------

_SIGNED = (int8, int16, int32, int64)
_UNSIGNED = (uint8, uint16, uint32, uint64)
_COMPLEX_OF = {float16: complex64, bfloat16: complex64, float32: complex64, float64: complex128}


def _float_join(a: DType, b: DType) -> DType:
    if a is b:
        return a
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


def _int_float_numpy(i: DType, f: DType) -> DType:
    """NumPy's rule: the smallest float that holds every value of the int type."""
    need = {1: float16, 2: float32, 3: float64, 4: float64}[i._rank]
    if f.kind == "c":
        return _complex_join(_COMPLEX_OF[need], f)
    if f is bfloat16 and need is float16:
        return bfloat16
    return _float_join(need, f)


def _real_of(c: DType) -> DType:
    return float32 if c is complex64 else float64


def _complex_join(a: DType, b: DType) -> DType:
    return a if a._rank >= b._rank else b


def _promote_pair(a: DType, b: DType, face: str) -> DType:
    if a is b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "b":
        return b
    if kb == "b":
        return a
    if ka == kb:
        if ka == "f":
            return _float_join(a, b)
        return a if a._rank >= b._rank else b
    if {ka, kb} == {"i", "u"}:
        s, u = (a, b) if ka == "i" else (b, a)
        if u._rank < s._rank:
            return s
        if u._rank < 4:
            return _SIGNED[u._rank]
        if face == "torch":
            raise DTypeError(f"promotion of {a.name} and {b.name} is not supported "
                             "(PyTorch has no type that holds both)")
        return float64
    if {ka, kb} <= {"f", "c"}:
        c, f = (a, b) if ka == "c" else (b, a)
        return _complex_join(c, _COMPLEX_OF[f])
    # integer with floating/complex
    i, f = (a, b) if ka in "iu" else (b, a)
    if face == "torch":
        return f
    return _int_float_numpy(i, f)


PROMOTION: dict[tuple[DType, DType, str], DType] = {
    (a, b, face): _promote_pair(a, b, face)
    for face in ("numpy",)
    for a in ALL for b in ALL
}
for _a in ALL:
    for _b in ALL:
        try:
            PROMOTION[(_a, _b, "torch")] = _promote_pair(_a, _b, "torch")
        except DTypeError:
            pass


def promote(a: DType, b: DType, face: str = "numpy") -> DType:
    """Result dtype of combining arrays of dtypes ``a`` and ``b`` (one table lookup)."""
    try:
        return PROMOTION[(a, b, face)]
    except KeyError:
        if a._code >= _H.HOST_CODE or b._code >= _H.HOST_CODE:
            return _H.promote(a, b)
        return _promote_pair(a._core, b._core, face)  # raises the explanatory DTypeError


def weak_scalar_dtype(value, dtype: DType, default_float: DType) -> DType:
    """Dtype of ``array(dtype) op value`` for a Python scalar ``value`` (NEP 50)."""
    if dtype._code >= _H.HOST_CODE:
        return _H.weak_scalar(value, dtype)
    k = dtype.kind
    t = type(value)
    if t is builtins.bool:
        return dtype
    if t is builtins.int:
        return int64 if k == "b" else dtype
    if t is builtins.float:
        return dtype if k in "fc" else default_float
    if t is builtins.complex:
        if k == "c":
            return dtype
        if k == "f":
            return _COMPLEX_OF[dtype]
        return _COMPLEX_OF[default_float]
    raise DTypeError(f"unsupported scalar type {t.__name__}")


def scalar_dtype(value, default_float: DType) -> DType:
    """Dtype of a Python scalar standing alone (``asarray(1.5)``)."""
    d = _builtin_dtype(type(value), default_float)
    if d is not None:
        return d
    if isinstance(value, np.generic):
        return as_dtype(value.dtype)
    raise DTypeError(f"unsupported scalar type {type(value).__name__}")


def result_type(*arrays_and_dtypes, face: str = "numpy") -> DType:
    """The dtype that results from applying the promotion rules to the arguments.

    Examples
    --------
    >>> import trueno as tn
    >>> tn.result_type(tn.int8, tn.uint8)
    trueno.int16
    """
    dts = []
    scalars = []
    for x in arrays_and_dtypes:
        if isinstance(x, (builtins.bool, builtins.int, builtins.float, builtins.complex)):
            scalars.append(x)
            continue
        dt = x if isinstance(x, type) else getattr(x, "dtype", x)  # np.int8 is a type
        dts.append(as_dtype(dt))
    if not dts:
        if not scalars:
            raise ValueError("at least one array or dtype is required")
        dts.append(scalar_dtype(scalars.pop(0), float64))
    # NumPy's promotion is not associative across kinds; like NumPy, a dtype that every other
    # promotes to wins (result_type(int8, uint8, float16) is float16, not float32).
    out = next((d for d in dts if builtins.all(promote(d, e, face) is d for e in dts)), None)
    if out is None:
        out = dts[0]
        for d in dts[1:]:
            out = promote(out, d, face)
    default_float = float64 if face == "numpy" else float32
    for s in scalars:
        out = weak_scalar_dtype(s, out, default_float)
    return out


def can_cast(from_, to, casting: str = "safe") -> bool:
    """Whether a cast from ``from_`` to ``to`` keeps every value (``casting="safe"``).

    ``casting`` follows NumPy: "no", "equiv", "safe", "same_kind", "unsafe".
    """
    f = as_dtype(from_ if isinstance(from_, type) else getattr(from_, "dtype", from_))
    t = as_dtype(to)
    if f._code >= _H.HOST_CODE or t._code >= _H.HOST_CODE:  # strings, datetime, ...: NumPy's
        return builtins.bool(np.can_cast(f.numpy, t.numpy, casting))
    if casting in ("no", "equiv"):
        return f is t
    if casting == "unsafe":
        return True
    order = "buifc"
    if casting == "same_kind":
        if f.kind == "u" and t.kind == "i":
            return True
        return order.index(f.kind) <= order.index(t.kind) or f is t
    if casting != "safe":
        raise ValueError(f"casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
                         f"'unsafe', not {casting!r}")
    try:
        return promote(f, t, "numpy") is t
    except DTypeError:
        return False


class finfo:
    """Machine limits of a floating dtype (like ``numpy.finfo``)."""

    def __init__(self, dtype) -> None:
        d = as_dtype(dtype if isinstance(dtype, type) else getattr(dtype, "dtype", dtype))
        if d.kind == "c":
            d = _real_of(d)
        if d.kind != "f":
            raise DTypeError(f"finfo: {d.name} is not a floating dtype; use iinfo for integers")
        info = ml_dtypes.finfo(d.numpy) if d is bfloat16 else np.finfo(d.numpy)
        self.dtype = d
        self.bits = d.itemsize * 8
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.smallest_normal = float(info.smallest_normal)
        self.tiny = self.smallest_normal
        self.resolution = float(info.resolution)

    def __repr__(self) -> str:
        return f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, " \
               f"dtype={self.dtype.name})"


class iinfo:
    """Machine limits of an integer dtype (like ``numpy.iinfo``)."""

    def __init__(self, dtype) -> None:
        d = as_dtype(dtype if isinstance(dtype, type) else getattr(dtype, "dtype", dtype))
        if d.kind not in "iu":
            raise DTypeError(f"iinfo: {d.name} is not an integer dtype; use finfo for floats")
        info = np.iinfo(d.numpy)
        self.dtype = d
        self.bits = info.bits
        self.min = int(info.min)
        self.max = int(info.max)

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype.name})"


_KINDS = {
    "bool": "b", "signed integer": "i", "unsigned integer": "u", "integral": "iu",
    "real floating": "f", "complex floating": "c", "numeric": "iufc",
}


def isdtype(dtype, kind) -> bool:
    """Array API ``isdtype``: is ``dtype`` of ``kind`` (a name, a dtype, or a tuple of them)."""
    d = as_dtype(dtype)
    if isinstance(kind, tuple):
        return any(isdtype(d, k) for k in kind)
    if isinstance(kind, str) and kind in _KINDS:
        return d.kind in _KINDS[kind]
    return d is as_dtype(kind)


# dtype categories used by the op table's ``accepts``
CATEGORIES = {
    "any": frozenset(ALL),
    "numeric": frozenset(d for d in ALL if d.kind != "b"),
    "real": frozenset(d for d in ALL if d.kind in "iuf"),
    "real numeric": frozenset(d for d in ALL if d.kind in "iuf"),
    "floating": frozenset(d for d in ALL if d.kind in "fc"),
    "real floating": frozenset(d for d in ALL if d.kind == "f"),
    "integer": frozenset(d for d in ALL if d.kind in "iu"),
    "integer or boolean": frozenset(d for d in ALL if d.kind in "biu"),
    "boolean": frozenset((bool_,)),
    "real or boolean": frozenset(d for d in ALL if d.kind in "biuf"),
}


from . import _host_dtypes as _H  # noqa: E402  (it subclasses DType)
