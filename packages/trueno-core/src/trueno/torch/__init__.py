"""``import trueno.torch as torch``: the PyTorch face over trueno's engine (DESIGN.md §8).

PyTorch's names, defaults (float32) and results at the tensor level; ``torch.nn``,
``torch.optim`` and ``torch.utils.data`` are the trueno-nn objects when that extra is
installed. docs/compat.md lists where this face and the NumPy face differ.
"""

from __future__ import annotations

import importlib as _importlib

from .. import _dtypes as _D
from .._creation import _DEFAULT_CLASS  # noqa: F401  (keeps the NumPy face registered first)
from .._errors import (  # noqa: F401
    DeviceError, DTypeError, ShapeError, TruenoError,
)
from .._grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .._registry import get_num_threads, set_num_threads
from . import _dtype as _T, _promotion
from . import _functions, backends, cuda, fft, linalg, random, special, testing
from . import amp, cpu
from .amp import autocast, get_autocast_dtype
from .._autocast import (
    clear_autocast_cache, is_autocast_cache_enabled, is_autocast_enabled,
    set_autocast_cache_enabled, set_autocast_dtype, set_autocast_enabled,
)
from ._device import device
from ._functions import *  # noqa: F403
from ._ops_pointwise import *  # noqa: F403
from ._ops_shape import *  # noqa: F403
from ._ops_index import *  # noqa: F403
from ._ops_reduce import *  # noqa: F403
from ._ops_linalg import *  # noqa: F403
from ._ops_misc import *  # noqa: F403
from ._ops_extra import *  # noqa: F403
from ._ops_spectral import *  # noqa: F403
from ._random import (
    Generator, bernoulli, manual_seed, multinomial, normal, rand, rand_like, randint, randn,
    randn_like, randperm, seed,
)
from ._random import (
    default_generator, get_rng_state, initial_seed, randint_like, set_rng_state,
)
from ._printing import set_printoptions
from ._random_discrete import binomial, poisson
from ._serialization import load, save
from ._defaults import (
    are_deterministic_algorithms_enabled, get_default_device,
    is_deterministic_algorithms_warn_only_enabled, set_default_device,
    use_deterministic_algorithms, with_default_device as _with_default_device,
    filled_if_deterministic as _filled,
)
from ._tensor import Size, Tensor, return_types
from . import _ops_extra, _ops_index, _ops_linalg, _ops_misc, _ops_pointwise, _ops_reduce
from . import _ops_shape, _ops_spectral
from ._tensor_extra import LEGACY as _LEGACY, bind_extra as _bind_extra
from ._tensor_methods import INPLACE_FUNCTIONS as _INPLACE_FUNCTIONS, bind as _bind

_OPS_MODULES = (_ops_pointwise, _ops_shape, _ops_index, _ops_reduce, _ops_linalg, _ops_misc,
                _ops_extra, _ops_spectral)
_promotion.install(globals())  # weak 0-d operands, before the methods bind the functions
_bind(globals())
_bind_extra()
globals().update(_LEGACY)
# factories honour torch.set_default_device / `with torch.device(...)` (wrapped after the
# methods are bound: the face's own code calls the unwrapped functions)
_FACTORIES = ("tensor", "zeros", "ones", "empty", "full", "arange", "range", "linspace",
              "logspace", "eye", "rand", "randn", "randint", "randperm", "scalar_tensor",
              "empty_strided", "empty_permuted", "tril_indices", "triu_indices", "asarray",
              "bartlett_window", "blackman_window", "hamming_window", "hann_window",
              "kaiser_window")
for _name in _FACTORIES:
    globals()[_name] = _with_default_device(globals()[_name])
for _name in ("empty", "empty_like", "empty_strided", "empty_permuted"):
    globals()[_name] = _filled(globals()[_name])

float32 = float = _T.by_name("float32")  # noqa: A001
float64 = double = _T.by_name("float64")
float16 = half = _T.by_name("float16")
bfloat16 = _T.by_name("bfloat16")
int8 = _T.by_name("int8")
int16 = short = _T.by_name("int16")
int32 = int = _T.by_name("int32")  # noqa: A001
int64 = long = _T.by_name("int64")
uint8 = _T.by_name("uint8")
uint16 = _T.by_name("uint16")
uint32 = _T.by_name("uint32")
uint64 = _T.by_name("uint64")
bool = _T.by_name("bool")  # noqa: A001
complex64 = cfloat = _T.by_name("complex64")
complex128 = cdouble = _T.by_name("complex128")
dtype = _D.DType
finfo = _D.finfo
iinfo = _D.iinfo
promote_types = _promotion.promote_types
result_type = _promotion.result_type
pi = 3.141592653589793
e = 2.718281828459045
inf = 1e999
nan = inf - inf


def __getattr__(name):
    """``torch.nn``, ``torch.optim``, ``torch.utils``, ``torch.autograd`` on first use.

    An AttributeError (with the install hint) when the extra is missing, so that
    ``hasattr(torch, "nn")`` is False rather than an ImportError.
    """
    if name in ("nn", "optim", "utils", "autograd"):
        module = "trueno.torch.utils" if name == "utils" else f"trueno.{name}"
        try:
            return _importlib.import_module(module)
        except ImportError as exc:
            raise AttributeError(f"module 'trueno.torch' has no attribute {name!r}: "
                                 f"{exc}") from exc
    raise AttributeError(f"module 'trueno.torch' has no attribute {name!r}")


__all__ = [n for n in dir(_functions) if not n.startswith("_") and n not in (
    "C", "D", "E", "L", "M", "Rd", "np", "run", "OPS", "ShapeError", "normalize_axis",
    "annotations", "Size", "Tensor", "values_indices")] + [
    "Tensor", "Size", "return_types", "device", "Generator", "manual_seed", "seed", "rand",
    "randn", "randint", "randperm", "normal", "rand_like", "randn_like", "bernoulli",
    "multinomial", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
    "is_grad_enabled", "set_num_threads", "get_num_threads", "float32", "float", "float64",
    "double", "float16", "half", "bfloat16", "int8", "int16", "short", "int32", "int", "int64",
    "long", "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "cfloat",
    "cdouble", "dtype", "finfo", "iinfo", "promote_types", "result_type", "pi", "e", "inf",
    "nan", "cuda", "backends", "TruenoError", "linalg", "fft", "random", "special",
    "testing",
    "amp", "cpu", "autocast", "get_autocast_dtype", "is_autocast_enabled",
    "set_autocast_enabled", "set_autocast_dtype", "clear_autocast_cache",
    "is_autocast_cache_enabled", "set_autocast_cache_enabled",
    "default_generator", "get_rng_state", "set_rng_state", "initial_seed", "randint_like",
    "save", "load", "set_printoptions", "poisson", "binomial", "set_default_device",
    "get_default_device",
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled",
] + [n for m in _OPS_MODULES for n in m.__all__] + [n + "_" for n in _INPLACE_FUNCTIONS] + \
    list(_LEGACY)
