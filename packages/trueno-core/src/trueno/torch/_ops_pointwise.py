"""Elementwise functions of the PyTorch face beyond the basic ones in ``_functions``.

Built on trueno's engine functions (so they run on every device), with PyTorch's argument
names and its promotion of integer inputs to the default float dtype. The functions of rows
with a ``torch_face`` (``torch.hypot``, ``torch.exp2``, ...) are bound from the rows at the end
of the module (``FUNCTIONS``); the others are written here.
"""

from __future__ import annotations

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .._optable._faces import bind, torch_rows
from .._tensor import Tensor as _Base
from . import return_types
from ._errors import TorchDTypeError
from ._functions import _t, get_default_dtype
from ._tensor import Tensor

# Functions written here by hand (the others are bound from the rows, at the end).
_HAND = [
    "heaviside", "ldexp", "float_power", "frexp", "angle", "bitwise_not", "positive", "sgn",
    "frac", "logit", "xlogy", "lerp", "addcmul", "addcdiv", "rsub", "clamp_min", "clamp_max",
    "nan_to_num", "real", "imag", "conj_physical", "resolve_conj", "resolve_neg", "is_conj",
    "is_neg", "isin", "is_floating_point", "is_complex", "is_signed", "is_nonzero",
    "is_same_size", "conj", "sign", "absolute", "scalar_tensor", "reciprocal", "square",
    "round",
]

frexp_result = return_types.frexp


def _fl(x):
    """``x`` as a tensor, an integer or bool one cast to the default float dtype (PyTorch's
    rule for float-valued functions of integers)."""
    x = _t(x)
    return x.astype(get_default_dtype()) if x.dtype.kind in "iub" else x


def _unary(fn, name):
    def f(input):  # noqa: A002
        return fn(_t(input))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}``."
    return f


def _unary_float(fn, name):
    def f(input):  # noqa: A002
        return fn(_fl(input))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}`` (integers give the default float dtype)."
    return f




def _torch_type(x, other):
    """PyTorch's result dtype of ``x`` with ``other`` (a tensor or a Python scalar)."""
    return D.result_type(x, other, face="torch")


def _binary(fn, name, floats=False):
    def f(input, other):  # noqa: A002
        x = _t(input)
        dt = _torch_type(x, other)  # PyTorch's promoted type, then made floating (int32 with
        # float16 is float16; the default float only where both are integers or bools)
        if floats and dt.kind in "iub":
            dt = D.as_dtype(get_default_dtype())
        if dt.kind in "fc":  # compute in PyTorch's type (NumPy's rules would widen)
            x = x.astype(dt, copy=False)
            if isinstance(other, _Base):
                other = other.astype(dt, copy=False)
        out = fn(x, other)
        return out if out._dtype is dt or out._dtype is D.bool_ else out.astype(dt, copy=False)
    f.__name__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}(input, other)``."
    return f


def heaviside(input, values):  # noqa: A002
    """0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive."""
    x, v = _t(input), _t(values)
    dt = D.promote(x.dtype, v.dtype, "torch")
    return _tn.heaviside(x, v).astype(dt, copy=False)


def ldexp(input, other):  # noqa: A002
    """``input * 2**other`` (PyTorch gives a float result for integer inputs)."""
    x, e = _fl(input), _t(other)
    dt = x.dtype if e.dtype.kind in "iub" else D.promote(x.dtype, e.dtype, "torch")
    return E.multiply(x.astype(dt, copy=False), _tn.exp2(e.astype(dt, copy=False)))


def float_power(input, exponent):  # noqa: A002
    """``input ** exponent`` in double precision (complex128 for complex inputs)."""
    x = _t(input)
    dt = D.complex128 if x.dtype.kind == "c" or (
        isinstance(exponent, _Base) and exponent.dtype.kind == "c") else D.float64
    e = exponent.astype(dt) if isinstance(exponent, _Base) else exponent
    return E.pow(x.astype(dt), e)


def frexp(input):  # noqa: A002
    """``(mantissa, exponent)`` with ``input == mantissa * 2**exponent`` (exponent int32)."""
    m, e = _tn.frexp(_t(input))
    return frexp_result(m, e.astype(D.int32, copy=False))


def sign(input):  # noqa: A002
    x = _t(input)
    return x.clone() if x._dtype is D.bool_ else E.sign(x)


def round(input, *, decimals=0):  # noqa: A001,A002
    """Round half to even, to ``decimals`` places (negative: to tens, hundreds, ...), with
    PyTorch's arithmetic: ``round(x * 10**d) / 10**d``."""
    x = _t(input)
    if not decimals:
        return E.round(x)
    if x.dtype.kind not in "fc":
        raise TorchDTypeError(f"round: decimals is not supported for {x.dtype.name} tensors")
    if decimals > 0:
        ten = 10.0 ** decimals
        return E.divide(E.round(E.multiply(x, ten)), ten).astype(x.dtype, copy=False)
    ten = 10.0 ** -decimals
    return E.multiply(E.round(E.divide(x, ten)), ten).astype(x.dtype, copy=False)


def reciprocal(input):  # noqa: A002
    """``1 / input`` (integers and bools give the default float dtype, as PyTorch)."""
    return E.reciprocal(_fl(input))


def square(input):  # noqa: A002
    x = _t(input)
    return E.square(x.astype(D.int64) if x._dtype is D.bool_ else x)


def angle(input):  # noqa: A002
    """The argument of each element (a float for real inputs: 0 or pi)."""
    return _tn.angle(_fl(input))


def bitwise_not(input):  # noqa: A002
    return _tn.bitwise_not(_t(input))


def positive(input):  # noqa: A002
    x = _t(input)
    if x._dtype is D.bool_:
        raise TypeError("The `+` operator, on a bool tensor is not supported.")
    return x


def sgn(input):  # noqa: A002
    """``sign`` extended to complex numbers (``x / |x|``)."""
    x = _t(input)
    if x.dtype.kind != "c":
        return sign(x)
    a = E.abs(x)
    return E.where(a == 0, 0, E.divide(x, E.where(a == 0, 1, a)))


def frac(input):  # noqa: A002
    """The fractional part, ``input - trunc(input)`` (floats only, as PyTorch)."""
    x = _t(input)
    if x.dtype.kind not in "fc":
        raise TorchDTypeError(f"frac: expected a floating point tensor, got {x.dtype.name}")
    return E.subtract(x, E.trunc(x))


def logit(input, eps=None):  # noqa: A002
    """``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = _fl(input)
    if eps is not None:  # PyTorch's rule: below eps -> eps, else above 1 - eps -> 1 - eps
        x = E.where(x < eps, eps, E.where(x > 1 - eps, 1 - eps, x)).astype(x.dtype,
                                                                             copy=False)
    return E.log(E.divide(x, E.subtract(1, x)))


def xlogy(input, other):  # noqa: A002
    """``input * log(other)``, 0 where ``input`` is 0 (NaN stays NaN)."""
    x, y = _float_pair(input, other)
    out = E.multiply(x, E.log(y))
    return E.where(E.logical_and(x == 0, E.logical_not(E.isnan(y))), 0, out).astype(
        out.dtype, copy=False)


def _float_pair(input, other):  # noqa: A002
    """Both operands as tensors of PyTorch's result dtype, made floating (default float)."""
    x = _t(input)
    dt = _torch_type(x, other)
    dt = get_default_dtype() if dt.kind in "iub" else dt
    y = other.astype(dt, copy=False) if isinstance(other, _Base) else \
        C.full((), other, dt, device=x._device, cls=Tensor)
    return x.astype(dt, copy=False), y


def lerp(input, end, weight):  # noqa: A002
    """``input + weight * (end - input)``."""
    x = _t(input)
    return E.add(x, E.multiply(weight, E.subtract(end, x)))


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 * tensor2``."""
    p = E.multiply(tensor1, tensor2)
    return E.add(_t(input), p if value == 1 else E.multiply(p, value))


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 / tensor2`` (integer division is refused, as PyTorch)."""
    t1, t2 = _t(tensor1), _t(tensor2)
    if t1.dtype.kind in "iub" and t2.dtype.kind in "iub":
        raise TorchDTypeError("addcdiv: integer division of tensors using addcdiv is no longer "
                        "supported\n  hint: convert tensor1 or tensor2 to a float dtype")
    q = E.divide(t1, t2)
    return E.add(_t(input), q if value == 1 else E.multiply(q, value))


def rsub(input, other, *, alpha=1):  # noqa: A002
    """``other - alpha * input``."""
    x = _t(input)
    return E.subtract(other, x if alpha == 1 else E.multiply(x, alpha))


def clamp_min(input, min):  # noqa: A002
    return E.clip(_t(input), min, None)


def clamp_max(input, max):  # noqa: A002
    return E.clip(_t(input), None, max)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """NaN to ``nan``, +-inf to ``posinf``/``neginf`` (default: the dtype's extremes)."""
    x = _t(input)
    if x.dtype.kind not in "fc":
        return x.clone()
    return _tn.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def real(input):  # noqa: A002
    return _t(input).real


def imag(input):  # noqa: A002
    x = _t(input)
    if x.dtype.kind != "c":
        raise TorchDTypeError("imag is not implemented for tensors with non-complex dtypes.\n"
                              "  hint: a real tensor's imaginary part is zeros_like(x)")
    return x.imag


def conj(input):  # noqa: A002
    return _t(input).conj()


conj_physical = conj


def resolve_conj(input):  # noqa: A002
    """``input`` itself: trueno conjugates eagerly, so no lazy conjugate bit is pending."""
    return _t(input)


def resolve_neg(input):  # noqa: A002
    return _t(input)


def is_conj(input) -> bool:  # noqa: A002
    return False  # Note: trueno conjugates eagerly; no tensor carries a lazy conj bit


def is_neg(input) -> bool:  # noqa: A002
    return False


def absolute(input):  # noqa: A002
    return E.abs(_t(input))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """True where an element of ``elements`` is in ``test_elements``."""
    return _tn.isin(_t(elements), _t(test_elements), assume_unique=assume_unique,
                    invert=invert)


def is_floating_point(input) -> bool:  # noqa: A002
    return _t(input).dtype.kind == "f"


def is_complex(input) -> bool:  # noqa: A002
    return _t(input).dtype.kind == "c"


def is_signed(input) -> bool:  # noqa: A002
    return _t(input).dtype.kind in "ifc"


def is_nonzero(input) -> bool:  # noqa: A002
    """The truth of a one-element tensor (PyTorch raises for any other size)."""
    x = _t(input)
    if x.numel() != 1:
        from ._errors import TorchShapeError
        raise TorchShapeError(f"is_nonzero: Boolean value of Tensor with "
                              f"{'no values' if not x.numel() else 'more than one value'} is "
                              f"ambiguous\n  hint: use .any() or .all()")
    return bool(x.item())


def is_same_size(input, other) -> bool:  # noqa: A002
    return tuple(_t(input).shape) == tuple(_t(other).shape)


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    """A 0-d tensor holding ``s`` (the default float dtype unless ``dtype`` says)."""
    from ._functions import tensor
    return tensor(s, dtype=dtype or get_default_dtype(), device=device,
                  requires_grad=requires_grad)


# --- bound from the rows ---------------------------------------------------------------------
_KINDS = {"tensor": _unary, "float": _unary_float, "binary": _binary,
          "binary_float": lambda fn, name: _binary(fn, name, floats=True)}


def _engine(row):
    """The engine function of a row: the NumPy face's function of its name (``trueno.exp2``,
    ``trueno._elementwise.cosh``)."""
    fn = E.FUNCTIONS.get(row.name)
    return fn if fn is not None else getattr(_tn, row.name)


def functions(module: str = "") -> dict:
    """``torch.<module>.<name>`` of every row with a ``torch_face`` (``Op.torch_face``) of
    that module ("" for ``torch``, "special") and a kind other than "hand": the kind says how
    the function is made from the row's engine function; its names share one function."""
    out = {}
    for row in torch_rows(module=module):
        if row.torch_face.kind == "hand":  # written in this module or in _functions
            continue
        face, fn = row.torch_face, _engine(row)
        if face.kind != "engine":
            fn = _KINDS[face.kind](fn, row.torch_names[0])
        for name in row.torch_names:
            out[name] = fn
    return out


FUNCTIONS = functions()
__all__ = [*_HAND, *bind(__name__, FUNCTIONS)]
