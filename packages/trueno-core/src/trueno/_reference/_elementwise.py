"""Reference elementwise kernels: NumPy ufuncs, plus the few ops NumPy lacks.

``KERNELS`` is derived from the table: NumPy's function of each elementwise row's
``numpy_name``, then every function of this module named after a row (an op NumPy lacks, or
one whose NumPy ufunc differs, as ``expm1``'s complex special cases). A new row NumPy lacks
gets its kernel by a function of its name here; tests/test_optable_reference_kernels.py fails
for a row with no reference kernel."""

from __future__ import annotations

import math

import numpy as np

from .._optable import ELEMENTWISE_BINARY, ELEMENTWISE_UNARY, OPS

_erf64 = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    out = np.asarray(_erf64(x.astype(np.float64, copy=False)), dtype=np.float64)
    return out.astype(x.dtype, copy=False)


def sigmoid(x):
    # Stable on both tails: exp of a non-positive number only.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def relu(x):
    return np.maximum(x, x.dtype.type(0))


def gelu(x, approximate="none"):
    if approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        return (0.5 * x * (1 + np.tanh(c * (x + 0.044715 * x ** 3)))).astype(x.dtype)
    return (0.5 * x * (1 + erf(x / x.dtype.type(math.sqrt(2))))).astype(x.dtype, copy=False)


def silu(x):
    return (x * sigmoid(x)).astype(x.dtype, copy=False)


def expm1(x):
    """NumPy's ``expm1``; for complex infinities and NaNs the Array API's special cases, which
    are C99's ``cexp(z) - 1`` (NumPy's formula gives NaN + NaN j for most of them)."""
    out = np.asarray(np.expm1(x))
    if x.dtype.kind != "c":
        return out
    re, im = x.real, x.imag
    finite = np.isfinite(re) & np.isfinite(im)
    if not finite.all():
        with np.errstate(all="ignore"):
            out[~finite] = np.exp(x[~finite]) - 1
        nan_re = np.isnan(re) & (im == 0)  # NaN + 0j: NaN + 0j (same sign of zero)
        out.imag[nan_re] = im[nan_re]
    real_axis = finite & (im == 0)  # expm1(a) + 0j even where exp(a) overflows
    out.imag[real_axis] = im[real_axis]
    return out


def i0e(x):
    """Cephes' ``i0e`` with NumPy's ``i0`` coefficient tables, in float64."""
    from numpy.lib._function_base_impl import _chbevl, _i0A, _i0B
    a = np.abs(x.astype(np.float64))
    small = a <= 8.0
    hi = np.where(small, 16.0, a)
    with np.errstate(invalid="ignore"):
        out = np.where(small, _chbevl(a / 2.0 - 2.0, _i0A),
                       _chbevl(32.0 / hi - 2.0, _i0B) / np.sqrt(hi))
    return np.asarray(out).astype(x.dtype, copy=False)


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x`` is 0 and ``y`` is not NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(x * np.log(y))
    return np.where((x == 0) & ~np.isnan(y), out.dtype.type(0), out)


def xlog1py(x, y):
    """``x * log1p(y)``, 0 where ``x`` is 0 and ``y`` is not NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.asarray(x * np.log1p(y))
    return np.where((x == 0) & ~np.isnan(y), out.dtype.type(0), out)


def entr(x):
    """``-x log x`` for ``x > 0``, 0 at 0, -inf below; NaN stays NaN."""
    pos = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        r = -(x * np.log(np.where(pos, x, x.dtype.type(1))))
    other = np.where(x == 0, x.dtype.type(0), np.where(np.isnan(x), x, x.dtype.type(-np.inf)))
    return np.where(pos, r, other)


_SELU_ALPHA = 1.6732632423543772848170429916717  # PyTorch's constants
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
    """``scale * (x if x > 0 else alpha * expm1(x))``."""
    neg = np.expm1(np.minimum(x, x.dtype.type(0))) * x.dtype.type(_SELU_ALPHA)
    return (np.where(x > 0, x, neg) * x.dtype.type(_SELU_SCALE)).astype(x.dtype, copy=False)


def where(cond, x, y):
    return np.where(cond, x, y)


def clip(x, min=None, max=None):
    if min is None and max is None:
        return x.copy()
    out = x
    if min is not None:
        out = np.maximum(out, min)
    if max is not None:
        out = np.minimum(out, max)
    # np.maximum of a 0-d array is a NumPy scalar: asarray, never copy=False, takes it
    return np.array(out, dtype=x.dtype) if out is x else np.asarray(out, dtype=x.dtype)


def copy_(dst, src):
    np.copyto(dst, src, casting="unsafe")
    return dst


def astype(x, dtype):
    return x.astype(dtype)


def contiguous(x):
    return np.array(x, order="C", copy=True)


def addcmul(x, t1, t2, value=1.0):
    return x + x.dtype.type(value) * t1 * t2


def _ufunc(row):
    return getattr(np, row.numpy_name or row.name)


def index(x, key):
    return x[key]


def index_put(x, key, value, accumulate=False):
    if accumulate:
        np.add.at(x, key, value)
    else:
        x[key] = value
    return x



def concat(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


def _kernels() -> dict:
    """NumPy's function of each elementwise row that has one, then this module's function of
    each row's name (``KERNELS``; the module docstring says why)."""
    out = {row.name: _ufunc(row) for row in ELEMENTWISE_UNARY + ELEMENTWISE_BINARY
           if row.numpy_name is not None}
    out.update({name: fn for name, fn in globals().items() if name in OPS and callable(fn)
                and getattr(fn, "__module__", None) == __name__})
    return out


KERNELS = _kernels()
