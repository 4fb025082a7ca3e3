"""trueno: a NumPy- and PyTorch-class tensor library with plugin backends.

``import trueno as np`` is the NumPy / Array API face; ``import trueno.torch as torch`` is the
PyTorch face. Both run on one engine: the op table, the dispatcher and the backends that
plugins register through the ``trueno`` entry-point group.
"""

from __future__ import annotations

import math as _math

from . import random
from ._creation import (
    _DEFAULT_CLASS, arange, array, asarray, empty, empty_like, eye, from_dlpack, frombuffer,
    full, full_like, identity, linspace, logspace, meshgrid, ones, ones_like, tril, triu,
    zeros, zeros_like,
)
from ._device import Device, DeviceAPI, device
from ._dtypes import (
    DType, bfloat16, bool_, can_cast, complex64, complex128, finfo, float16, float32, float64,
    iinfo, int8, int16, int32, int64, isdtype, result_type, uint8, uint16, uint32, uint64,
)
from ._elementwise import *  # noqa: F403  (generated from the op table; listed in __all__)
from ._elementwise import __all__ as _elementwise_all
from ._errors import (
    AxisError, BackendError, DeviceError, DTypeError, FormatError, InternalOverlapError,
    LinAlgError, MissingExtraError, ShapeError, TruenoError, TruenoIndexError,
)
from ._grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from ._indexing import nonzero
from ._linalg_ops import dot, inner, matmul, outer, tensordot, vdot, vecdot
from ._manipulation import (
    astype, broadcast_arrays, broadcast_shapes, broadcast_to, concat, concatenate, diagonal,
    expand_dims, flatten, matrix_transpose, moveaxis, permute_dims, ravel, reshape, squeeze,
    stack, swapaxes, transpose,
)
from ._ndarray import ndarray
from ._optable import OPS, Op
from ._reduction import (
    all, amax, amin, any, argmax, argmin, cumprod, cumsum, cumulative_prod, cumulative_sum,
    logsumexp, max, mean, min, prod, std, sum, var,
)
from ._registry import backends, use_backend
from ._threads import get_num_threads, set_num_threads
from ._sorting import argsort, sort
from ._strided import StridedArray
from ._tensor import Tensor
from .hookspecs import hookimpl

_DEFAULT_CLASS.append(ndarray)

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

bool = bool_  # noqa: A001  (the Array API name of the dtype)
e = _math.e
pi = _math.pi
inf = _math.inf
nan = _math.nan
newaxis = None


# The Array API's dtypes (float16 and bfloat16 are trueno's extras, left out of dtypes()).
_ARRAY_API_DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                     "uint64", "float32", "float64", "complex64", "complex128")


class _NamespaceInfo:
    """Array API inspection object returned by ``__array_namespace_info__()`` (2023.12).

    ``device=None`` means the default device, the CPU; a device's dtypes are those its
    backend can store (the GPU without ``shader-f64`` has no float64, for example).
    """

    def capabilities(self) -> dict:
        """``boolean indexing`` and ``data-dependent shapes`` are supported; at most 64
        dimensions, as NumPy."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self) -> Device:
        """The CPU: arrays created without ``device=`` live there."""
        return device("cpu")

    def devices(self) -> list:
        """Every device usable as ``device=`` now: the CPU, then each plugin device found."""
        from ._registry import load_plugins
        reg = load_plugins()
        out = [device("cpu")]
        for t, api in reg.devices.items():
            try:
                out += [Device(t, i) for i in range(api.device_count())]
            except Exception:  # a device whose driver is missing has no devices
                pass
        return out

    def _stored(self, dev) -> dict:
        from ._dtypes import ALL
        dev = device(dev)
        by_name = {d.name: d for d in ALL}
        if dev.type == "cpu":
            names = _ARRAY_API_DTYPES
        else:
            from ._registry import device_api
            have = device_api(dev).dtypes(dev.index or 0)
            names = [n for n in _ARRAY_API_DTYPES if n in have]
        return {n: by_name[n] for n in names}

    def default_dtypes(self, *, device=None) -> dict:  # noqa: A002 - the spec's name
        """float64, complex128, int64 and int64 (NumPy's), or the widest a device has."""
        have = self._stored(device)

        def first(*names):
            return next((have[n] for n in names if n in have), None)

        integral = first("int64", "int32")
        return {"real floating": first("float64", "float32"),
                "complex floating": first("complex128", "complex64"),
                "integral": integral, "indexing": integral}

    def dtypes(self, *, device=None, kind=None) -> dict:  # noqa: A002 - the spec's name
        """The Array API dtypes ``device`` can hold, by canonical name, optionally only those
        of ``kind`` (a kind name or a tuple of them, as ``isdtype``)."""
        out = self._stored(device)
        if kind is not None:
            out = {n: d for n, d in out.items() if isdtype(d, kind)}
        return out


def __array_namespace_info__() -> _NamespaceInfo:
    return _NamespaceInfo()


def size(x) -> int:
    """Number of elements (NumPy's ``np.size``)."""
    return asarray(x).numel() if not isinstance(x, Tensor) else x.numel()


def shape(x) -> tuple[int, ...]:
    return asarray(x).shape


def ndim(x) -> int:
    return asarray(x).ndim


def __getattr__(name):
    """Import the submodules and extra shims on first use (DESIGN.md §1): ``trueno.nn``, ...

    Always an AttributeError when the attribute cannot be had (``hasattr(trueno, "nn")`` is
    False without the extra), with the install hint in the message; ``import trueno.nn`` still
    raises the shim's ImportError.
    """
    import importlib
    if name in ("nn", "optim", "hub", "autograd", "torch", "linalg", "fft", "backend", "utils"):
        try:
            return importlib.import_module(f"trueno.{name}")
        except ImportError as exc:
            raise AttributeError(f"module 'trueno' has no attribute {name!r}: {exc}") from exc
    if name == "gpu":
        raise AttributeError("module 'trueno' has no attribute 'gpu': the GPU is a device, not "
                             "a module: tn.asarray(x, device='gpu') (the 'gpu' extra: pip "
                             "install 'trueno[gpu]')")
    raise AttributeError(f"module 'trueno' has no attribute {name!r}")


__all__ = [
    "Tensor", "ndarray", "DType", "Device", "DeviceAPI", "StridedArray", "Op", "OPS",
    "bool", "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "e", "pi", "inf", "nan", "newaxis",
    "result_type", "can_cast", "finfo", "iinfo", "isdtype", "astype",
    "asarray", "array", "zeros", "ones", "full", "empty", "zeros_like", "ones_like",
    "full_like", "empty_like", "arange", "linspace", "logspace", "eye", "identity", "meshgrid",
    "tril", "triu", "from_dlpack", "frombuffer",
    *_elementwise_all,
    "sum", "prod", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin",
    "any", "all", "logsumexp", "cumsum", "cumprod", "cumulative_sum", "cumulative_prod",
    "matmul", "vecdot", "dot", "tensordot", "outer", "inner", "vdot", "matrix_transpose",
    "reshape", "permute_dims", "transpose", "squeeze", "expand_dims", "moveaxis", "swapaxes",
    "broadcast_to", "broadcast_arrays", "broadcast_shapes", "concat", "concatenate", "stack",
    "ravel", "flatten", "diagonal", "sort", "argsort", "nonzero", "size", "shape", "ndim",
    "random", "device", "backends", "use_backend", "set_num_threads", "get_num_threads",
    "no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
    "hookimpl", "TruenoError", "ShapeError", "DTypeError", "AxisError", "TruenoIndexError",
    "DeviceError", "BackendError", "LinAlgError", "FormatError", "MissingExtraError",
    "InternalOverlapError", "__array_namespace_info__", "__array_api_version__",
]

# The rest of the NumPy surface lives in its own modules; each lists what it exports.
from ._numpy_namespace import *  # noqa: E402,F403
from ._numpy_namespace import __all__ as _data_all  # noqa: E402
from ._numpy_wrappers import *  # noqa: E402,F403
from ._numpy_wrappers import __all__ as _la_all  # noqa: E402

__all__ += _data_all + _la_all

# NumPy's ufuncs: the functions above of a NumPy ufunc's name, with its methods and keywords
from ._host_dtypes import isnat  # noqa: E402,F401  (made a ufunc by _ufunc, below)
from ._ufunc import *  # noqa: E402,F403
from ._ufunc import __all__ as _ufunc_all  # noqa: E402

__all__ += [n for n in _ufunc_all if n not in __all__]

# NumPy's index and iteration helpers (r_, c_, s_, mgrid, ogrid, ndindex, nditer, ...)
from ._index_tricks import *  # noqa: E402,F403
from ._index_tricks import __all__ as _index_tricks_all  # noqa: E402

__all__ += _index_tricks_all

# NumPy's type descriptors: dtype(...), finfo/iinfo with NumPy's fields and field types,
# NumPy's other dtype names (int_, double, ...) and abstract scalar types (floating, ...)
from ._numpy_types import *  # noqa: E402,F403
from ._numpy_types import __all__ as _numpy_types_all  # noqa: E402

__all__ += [n for n in _numpy_types_all if n not in __all__]

# record arrays (NumPy's non-numeric dtypes on the CPU: strings, object, datetime64, ...)
from ._host_dtypes import char, frompyfunc, strings  # noqa: E402
from ._records import rec, recarray  # noqa: E402

__all__ += ["char", "frompyfunc", "rec", "recarray", "strings"]

# NumPy's vectorize (a Python function over the elements, broadcast)
from ._vectorize import vectorize  # noqa: E402

__all__ += ["vectorize"]

# NumPy's testing helpers accepting trueno arrays (numpy.testing is imported on first use)
from . import testing  # noqa: E402,F401
from . import emath  # noqa: E402,F401  (NumPy's emath: complex results outside the real domain)

# NumPy's remaining constants and classes (True_, typecodes, sctypeDict, broadcast, flatiter,
# record, ...) and the gufunc attributes of matmul/matvec/vecmat/vecdot
from ._numpy_constants import *  # noqa: E402,F403
from ._numpy_constants import __all__ as _numpy_constants_all  # noqa: E402

__all__ += _numpy_constants_all

# NumPy's datetime helpers (busday_count, is_busday, datetime_as_string, ...) on host values
from ._numpy_datetime import (  # noqa: E402
    busday_count, busday_offset, busdaycalendar, datetime_as_string, datetime_data, is_busday,
)

__all__ += ["busday_count", "busday_offset", "busdaycalendar", "datetime_as_string",
            "datetime_data", "is_busday"]
