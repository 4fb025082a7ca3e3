"""NumPy's type descriptors on the NumPy face: ``trueno.dtype(...)``, NumPy's attributes of a
dtype (``byteorder``, ``str``, ``num``, ``alignment``, ``descr``, ...) and ``finfo``/``iinfo``
with every field NumPy has, of NumPy's types (``finfo(float32).eps`` is a ``numpy.float32``).

The attributes are read from the NumPy dtype that stores each trueno dtype on the CPU
(``DType.numpy``); ``kind`` and ``char`` stay trueno's (``bfloat16`` is kind ``'f'``, char
``'E'``, as ml_dtypes has it).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from . import _dtypes as D
from ._tensor import Tensor

__all__ = ["dtype", "finfo", "iinfo",
           # NumPy's other names of trueno's dtypes
           "int_", "intp", "uintp", "long", "ulong", "longlong", "ulonglong", "uint", "byte",
           "ubyte", "short", "ushort", "intc", "uintc", "half", "single", "double", "csingle",
           "cdouble",
           # NumPy's abstract scalar types (issubdtype, isinstance of NumPy scalars)
           "generic", "number", "integer", "signedinteger", "unsignedinteger", "inexact",
           "floating", "complexfloating", "flexible", "character", "object_", "str_",
           "bytes_", "void", "datetime64", "timedelta64"]

int_ = intp = long = longlong = D.int64
uintp = ulong = ulonglong = uint = D.uint64
byte, ubyte, short, ushort, intc, uintc = D.int8, D.uint8, D.int16, D.uint16, D.int32, D.uint32
half, single, double, csingle, cdouble = D.float16, D.float32, D.float64, D.complex64, D.complex128
generic, number, integer, signedinteger = np.generic, np.number, np.integer, np.signedinteger
unsignedinteger, inexact, floating = np.unsignedinteger, np.inexact, np.floating
complexfloating, flexible, character = np.complexfloating, np.flexible, np.character
object_, str_, bytes_, void = np.object_, np.str_, np.bytes_, np.void
datetime64, timedelta64 = np.datetime64, np.timedelta64


class _DTypeType(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, (D.DType, np.dtype))


class dtype(metaclass=_DTypeType):  # noqa: N801  (NumPy's name)
    """``trueno.dtype(spec)``: the trueno dtype of ``spec`` (a name such as ``"float32"`` or
    ``"<f4"``, a Python or NumPy type, a NumPy dtype, a trueno dtype), as ``numpy.dtype``.

    A spec trueno has no dtype for (strings, structured, datetime) gives NumPy's own dtype
    object, so code that builds such dtypes keeps working on the NumPy side.
    ``isinstance(x, trueno.dtype)`` is True for trueno and NumPy dtypes.
    """

    def __new__(cls, obj, align=False, copy=False, metadata=None):
        if isinstance(obj, D.DType):
            return obj
        try:
            return D.as_dtype(obj)
        except (TypeError, ValueError):
            kw = {} if metadata is None else {"metadata": metadata}
            return np.dtype(obj, align=align, copy=copy, **kw)


# -- NumPy's attributes of a dtype, on trueno's DType ---------------------------------------------
def _np_attr(name):
    def get(self):
        return getattr(self.numpy, name)
    get.__name__ = name
    get.__doc__ = f"NumPy's ``dtype.{name}`` of this dtype."
    return property(get)


_ATTRS = ("byteorder", "str", "num", "alignment", "names", "fields", "shape", "descr",
          "isbuiltin", "isnative", "subdtype", "hasobject", "flags", "ndim", "metadata",
          "isalignedstruct")
for _a in _ATTRS:
    if not hasattr(D.DType, _a):
        setattr(D.DType, _a, _np_attr(_a))
if not hasattr(D.DType, "base"):
    D.DType.base = property(lambda self: self, doc="The dtype itself (NumPy: no sub-array).")


# -- finfo / iinfo ------------------------------------------------------------------------------
_FINFO_FIELDS = ("eps", "epsneg", "iexp", "machep", "max", "maxexp", "min", "minexp", "negep",
                 "nexp", "nmant", "precision", "resolution", "smallest_normal",
                 "smallest_subnormal", "tiny")


def _of(x):
    """The dtype spec of ``x``: an array's or a NumPy scalar's dtype, else ``x``."""
    if isinstance(x, (Tensor, np.ndarray, np.generic)):
        return x.dtype
    return x


class finfo(D.finfo):  # noqa: N801  (NumPy's name)
    """Machine limits of a floating dtype, as ``numpy.finfo``: every NumPy field, of NumPy's
    types (``eps``, ``max``, ... are scalars of the dtype; ``bits``, ``nmant``, ... ints);
    ``dtype`` is the trueno dtype (float32 for complex64, as NumPy)."""

    def __init__(self, dtype) -> None:
        super().__init__(_of(dtype))
        d = self.dtype
        info = ml_dtypes.finfo(d.numpy) if d is D.bfloat16 else np.finfo(d.numpy)
        for f in _FINFO_FIELDS:
            setattr(self, f, getattr(info, f))
        self.bits = int(info.bits)
        self._info = info

    def __str__(self) -> str:
        return str(self._info)  # NumPy's table of machine parameters

    def __repr__(self) -> str:
        return repr(self._info)

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and other.dtype is self.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))


class iinfo(D.iinfo):  # noqa: N801  (NumPy's name)
    """Machine limits of an integer dtype, as ``numpy.iinfo`` (``min``/``max`` Python ints,
    ``bits``, ``kind``); ``dtype`` is the trueno dtype."""

    def __init__(self, dtype) -> None:
        super().__init__(_of(dtype))
        self.kind = self.dtype.kind
        self.key = f"{self.kind}{self.bits}"

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and other.dtype is self.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))
