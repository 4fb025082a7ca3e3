"""The rest of the PyTorch face's tensor-level functions: the ``*_copy`` forms of the view
ops, ``*_scatter`` (the inverse of a view), complex views, windows, special functions
(erfc, erfinv, lgamma, digamma), legacy constructors and small queries."""

from __future__ import annotations

import builtins
import math

import numpy as np

import trueno as _tn

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .. import _manipulation as M
from .._tensor import Tensor as _Base
from . import _special
from ._errors import TorchDTypeError, TorchShapeError, can_cast as _can_cast
from ._functions import _t, get_default_dtype, set_default_dtype
from ._tensor import Tensor

__all__ = [
    "alias_copy", "detach_copy", "diagonal_copy", "expand_copy", "permute_copy",
    "select_copy", "slice_copy", "split_copy", "split_with_sizes_copy", "squeeze_copy",
    "t_copy", "transpose_copy", "unbind_copy", "unfold_copy", "unsqueeze_copy", "view_copy",
    "view_as_real", "view_as_complex", "view_as_real_copy", "view_as_complex_copy",
    "diagonal_scatter", "select_scatter", "slice_scatter", "complex", "polar", "can_cast",
    "asarray", "range", "unravel_index", "gradient", "bartlett_window", "blackman_window",
    "hamming_window", "hann_window", "kaiser_window", "erfc", "erfinv", "lgamma", "digamma",
    "mvlgamma", "hardshrink", "prelu", "typename", "is_storage", "is_inference",
    "get_device", "get_default_device", "set_default_tensor_type",
    "get_float32_matmul_precision", "set_float32_matmul_precision", "empty_strided",
    "empty_permuted", "frombuffer", "from_dlpack", "layout", "strided", "memory_format",
    "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
    "legacy_contiguous_format",
]


class layout:  # noqa: N801 - PyTorch's name
    """A tensor layout; trueno's tensors are all ``torch.strided``."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


class memory_format:  # noqa: N801
    """A memory-format tag (``torch.contiguous_format`` ...), accepted and ignored by ``to``,
    ``clone`` and ``contiguous``: trueno lays new tensors out C-contiguous."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")
legacy_contiguous_format = contiguous_format


# -- *_copy: the view op's result as a new tensor ---------------------------------------------
def _copy_of(method):
    def f(input, *args, **kwargs):  # noqa: A002
        out = getattr(_t(input), method)(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return type(out)(o.clone() for o in out) if isinstance(out, tuple) else \
                [o.clone() for o in out]
        return out.clone()
    f.__name__ = method + "_copy"
    f.__doc__ = f"``torch.{method}_copy``: ``x.{method}(...)`` as a new tensor (no view)."
    return f




def alias_copy(input):  # noqa: A002
    return _t(input).clone()


detach_copy = _copy_of("detach")
diagonal_copy = _copy_of("diagonal")
expand_copy = _copy_of("expand")
permute_copy = _copy_of("permute")
select_copy = _copy_of("select")
split_copy = _copy_of("split")
split_with_sizes_copy = _copy_of("split_with_sizes")
squeeze_copy = _copy_of("squeeze")
t_copy = _copy_of("t")
transpose_copy = _copy_of("transpose")
unbind_copy = _copy_of("unbind")
unfold_copy = _copy_of("unfold")
unsqueeze_copy = _copy_of("unsqueeze")
view_copy = _copy_of("view")


def slice_copy(input, dim=0, start=None, end=None, step=1):  # noqa: A002
    x = _t(input)
    return x[(slice(None),) * (dim % x.ndim) + (slice(start, end, step),)].clone()


# -- *_scatter: write src into the view of a copy ---------------------------------------------
def _scatter_into(name, x, view, src):
    s = _t(src)
    if tuple(s.shape) != tuple(view.shape):
        raise TorchShapeError(f"{name}: expected src to have a size equal to the slice of "
                              f"self. src size = {list(s.shape)}, slice size = "
                              f"{list(view.shape)}")
    view[...] = s.astype(x.dtype, copy=False)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    """A copy of ``input`` with ``src`` written on its ``offset`` diagonal."""
    out = _t(input).clone()
    _scatter_into("diagonal_scatter", out, out.diagonal(offset, dim1=dim1, dim2=dim2), src)
    return out


def select_scatter(input, src, dim, index):  # noqa: A002
    out = _t(input).clone()
    _scatter_into("select_scatter", out, out.select(dim, index), src)
    return out


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    out = _t(input).clone()
    view = out[(slice(None),) * (dim % out.ndim) + (slice(start, end, step),)]
    _scatter_into("slice_scatter", out, view, src)
    return out


# -- complex ----------------------------------------------------------------------------------
def view_as_real(input):  # noqa: A002
    """A complex tensor's (real, imag) pairs as a last dim of size 2 (a copy here)."""
    x = _t(input)
    if x.dtype.kind != "c":
        raise TorchDTypeError("view_as_real is only supported for complex tensors")
    return M.stack([x.real, x.imag], axis=-1)


def view_as_complex(input):  # noqa: A002
    x = _t(input)
    if x.dtype not in (D.float32, D.float64):
        raise TorchDTypeError(f"view_as_complex is only supported for float and double "
                              f"tensors, but got a tensor of scalar type: {x.dtype.name}")
    if not x.ndim or x.shape[-1] != 2:
        raise TorchShapeError("Tensor must have a last dimension of size 2")
    return complex(x[..., 0], x[..., 1])


view_as_real_copy, view_as_complex_copy = view_as_real, view_as_complex


def complex(real, imag):  # noqa: A001
    """``real + 1j * imag`` (both float32 or both float64)."""
    r, i = _t(real), _t(imag)
    if r._dtype is not i._dtype or r.dtype not in (D.float32, D.float64, D.float16):
        raise TorchDTypeError(f"complex(): expected both inputs to be Half, Float or Double "
                              f"tensors of one dtype but got {r.dtype.name} and {i.dtype.name}")
    ct = D.complex128 if r._dtype is D.float64 else D.complex64
    return E.add(r.astype(ct), E.multiply(i.astype(ct), 1j)).astype(ct, copy=False)


def polar(abs, angle):  # noqa: A002
    a, t = _t(abs), _t(angle)
    return complex(E.multiply(a, E.cos(t)), E.multiply(a, E.sin(t)))


# -- creation and queries ---------------------------------------------------------------------
def can_cast(from_, to) -> bool:
    """PyTorch's casting rule for in-place ops: no float to int, complex to real, to bool."""
    return _can_cast(D.as_dtype(from_), D.as_dtype(to))


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor from ``obj``, sharing memory when it can (``copy=None``)."""
    out = C.asarray(obj, dtype, device=device, copy=copy, cls=Tensor)
    if not isinstance(out, Tensor):
        out = C.asarray(out, cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def range(start=0, end=None, step=1, *, dtype=None, device=None,  # noqa: A001
          requires_grad=False):
    """The deprecated inclusive ``arange``: ``start, start+step, ..., end`` (default float)."""
    if end is None:
        start, end = 0, start
    n = int(math.floor((end - start) / step)) + 1
    out = E.add(E.multiply(C.arange(max(n, 0), dtype=D.float64, device=device, cls=Tensor),
                           step), start).astype(dtype or get_default_dtype())
    return out.requires_grad_() if requires_grad else out


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in a tensor of ``shape``, one tensor per dim."""
    idx = _t(indices)
    if idx.dtype.kind not in "iu":
        raise TorchDTypeError(f"expected 'indices' to be integer dtype, but got "
                              f"{idx.dtype.name}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    n = int(np.prod(shape))
    flat = E.remainder(idx, n) if n else idx  # Note: as PyTorch, out-of-range indices wrap
    out = []
    for s in reversed(shape):
        out.append(E.remainder(flat, s))
        flat = E.floor_divide(flat, s)
    return tuple(reversed(out))


def gradient(input, *, spacing=1, dim=None, edge_order=1):  # noqa: A002
    """Central differences along ``dim`` (every dim when None), one tensor per dim."""
    x = _t(input)
    dims = tuple(builtins.range(x.ndim)) if dim is None else ((dim,) if isinstance(dim, int)
                                                      else tuple(dim))
    if isinstance(spacing, (list, tuple)):
        sp = [s.tolist() if isinstance(s, _Base) and s.ndim else
              (s.item() if isinstance(s, _Base) else s) for s in spacing]
    else:
        sp = [spacing] * len(dims)
    out = _tn.gradient(x if x.dtype.kind in "fc" else x.astype(get_default_dtype()), *sp,
                       axis=dims, edge_order=edge_order)
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


def _window(name, fn):
    def f(window_length, periodic=True, *args, dtype=None, device=None, requires_grad=False,
          **kw):
        if window_length < 0:
            raise TorchShapeError(f"{name} requires non-negative window_length, got "
                                  f"window_length={window_length}")
        dt = D.as_dtype(dtype or get_default_dtype())
        if window_length <= 1:
            vals = np.ones(window_length)
        else:
            n = window_length + 1 if periodic else window_length
            vals = fn(n, *args, **kw)[:window_length]
        out = C.asarray(vals, dt, device=device, cls=Tensor)
        return out.requires_grad_() if requires_grad else out
    f.__name__ = name
    f.__doc__ = f"PyTorch's ``torch.{name}`` (periodic by default)."
    return f


def _cosine(n, *coeffs):
    k = np.arange(n)
    return sum((-1) ** i * c * np.cos(2 * np.pi * i * k / (n - 1)) for i, c in
               enumerate(coeffs))


bartlett_window = _window("bartlett_window", lambda n: 1 - np.abs(2 * np.arange(n) / (n - 1) - 1))
blackman_window = _window("blackman_window", lambda n: _cosine(n, 0.42, 0.5, 0.08))
hann_window = _window("hann_window", lambda n: _cosine(n, 0.5, 0.5))
hamming_window = _window("hamming_window",
                         lambda n, alpha=0.54, beta=0.46: _cosine(n, alpha, beta))
kaiser_window = _window("kaiser_window", lambda n, beta=12.0: np.i0(
    beta * np.sqrt(np.maximum(0, 1 - (2 * np.arange(n) / (n - 1) - 1) ** 2))) / np.i0(beta))


# -- special functions (trueno/torch/_special.py: elementwise ops on the input's device) -----
def _float_input(name, x):
    t = _t(x)
    if t.dtype.kind in "iub":
        t = t.astype(get_default_dtype())
    if t.dtype.kind == "c":
        raise TorchDTypeError(f"{name}: complex tensors are not supported")
    return t


def erfc(input):  # noqa: A002
    """``1 - erf(input)`` without cancellation for large inputs (on the input's device)."""
    return _special.erfc(_float_input("erfc", input))


def lgamma(input):  # noqa: A002
    """``log(|gamma(input)|)`` (+inf at the poles 0, -1, -2, ...; on the input's device)."""
    return _special.lgamma(_float_input("lgamma", input))


def erfinv(input):  # noqa: A002
    """The inverse of ``erf`` on (-1, 1); +-inf at +-1, NaN outside (on the input's device)."""
    return _special.erfinv(_float_input("erfinv", input))


def digamma(input):  # noqa: A002
    """The logarithmic derivative of gamma (-inf at 0, NaN at the negative integers; on the
    input's device)."""
    return _special.digamma(_float_input("digamma", input))


def mvlgamma(input, p):  # noqa: A002
    """The multivariate log-gamma of dimension ``p``: ``sum_j lgamma(x - j/2)`` plus a
    constant (inf where a term hits a pole, as PyTorch)."""
    x = _t(input)
    out = lgamma(x)
    for j in builtins.range(1, p):
        out = E.add(out, lgamma(E.subtract(x, j / 2)))
    return E.add(out, p * (p - 1) / 4 * math.log(math.pi)).astype(out.dtype, copy=False)


def hardshrink(input, lambd=0.5):  # noqa: A002
    x = _t(input)
    return E.where(E.abs(x) > lambd, x, 0).astype(x.dtype, copy=False)


def prelu(input, weight):  # noqa: A002
    """``max(0, x) + weight * min(0, x)``; ``weight`` per channel (dim 1) or one value."""
    x, w = _t(input), _t(weight)
    if w.numel() > 1:
        w = w.reshape((1, -1) + (1,) * (x.ndim - 2)) if x.ndim >= 2 else w
    return E.where(x >= 0, x, E.multiply(w, x)).astype(x.dtype, copy=False)


def typename(obj) -> str:
    if isinstance(obj, _Base):
        return obj.type()
    t = type(obj)
    return t.__qualname__ if t.__module__ in ("builtins", "__builtin__") else \
        f"{t.__module__}.{t.__qualname__}"


def is_storage(obj) -> bool:
    return False  # Note: trueno exposes no storage objects on this face


def is_inference(input) -> bool:  # noqa: A002
    return False  # Note: tensors made under inference_mode are ordinary tensors here


def get_device(input) -> int:  # noqa: A002
    return _t(input).get_device()


def get_default_device():
    from ._device import device
    return device("cpu")


def set_default_tensor_type(t) -> None:
    """The legacy default: ``torch.DoubleTensor`` (or its name) sets float64, ...Float float32."""
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    dt = {"DoubleTensor": D.float64, "FloatTensor": D.float32, "HalfTensor": D.float16,
          "BFloat16Tensor": D.bfloat16}.get(name.split(".")[-1])
    if dt is None:
        raise TypeError(f"set_default_tensor_type: only floating-point types are supported as "
                        f"the default type, got {name}")
    set_default_dtype(dt)


_MATMUL_PRECISION = ["highest"]


def get_float32_matmul_precision() -> str:
    return _MATMUL_PRECISION[0]


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"``; trueno's float32 matmul always runs
    at full float32 precision, which every setting allows."""
    if precision not in ("highest", "high", "medium"):
        raise ValueError(f"Invalid precision {precision!r}: expected 'highest', 'high' or "
                         f"'medium'")
    _MATMUL_PRECISION[0] = precision


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor of ``size`` (laid out C-contiguous; ``stride`` is not kept)."""
    out = C.empty(tuple(size), dtype or get_default_dtype(), device=device, cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def empty_permuted(size, physical_layout, *, dtype=None, device=None, requires_grad=False):
    return empty_strided(size, None, dtype=dtype, device=device, requires_grad=requires_grad)


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the bytes of ``buffer`` (shares its memory, as PyTorch)."""
    arr = np.frombuffer(buffer, dtype=D.as_dtype(dtype).numpy, count=count, offset=offset)
    out = C.asarray(arr, cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def from_dlpack(ext_tensor):
    return C.asarray(_tn.from_dlpack(ext_tensor), cls=Tensor)
