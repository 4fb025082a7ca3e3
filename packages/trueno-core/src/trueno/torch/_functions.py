"""Functions of the PyTorch face: ``torch.tensor``, ``torch.cat``, ``torch.max(x, dim)``, ...

Each one takes PyTorch's argument names and defaults and calls the same engine functions the
NumPy face uses, with ``cls=Tensor`` so results are PyTorch-flavoured.
"""

from __future__ import annotations

import numpy as np

from .. import _creation as C
from .. import _dtypes as D
from .. import _elementwise as E
from .. import _linalg_ops as L
from .. import _manipulation as M
from .. import _reduction as Rd
from .._dispatch import cast_data, check_accepts, compute_dtype, run
from .._errors import ShapeError, TruenoIndexError
from .._gather_scatter import _device_checks, gather_checked
from .._optable import OPS
from .._tensor import Tensor as _Base
from .._views import normalize_axis
from . import _dtype as _T
from . import return_types
from ._tensor import Size, Tensor

_default = [D.float32]


def _t(x):
    return x if isinstance(x, _Base) else C.asarray(x, cls=Tensor)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        return tuple(size[0])
    return tuple(size)


def _grad(t, requires_grad):
    return t.requires_grad_() if requires_grad else t


# -- creation ---------------------------------------------------------------------------------
def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (Python floats become float32)."""
    if isinstance(data, _Base):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.detach()
    return _grad(C.asarray(data, dtype, device=device, copy=True, cls=Tensor), requires_grad)


def as_tensor(data, dtype=None, device=None):
    return C.asarray(data, dtype, device=device, cls=Tensor)


def from_numpy(arr):
    """A tensor sharing memory with the NumPy array ``arr`` (as torch.from_numpy)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(arr).__name__})")
    return C.asarray(arr, cls=Tensor)


def _creator(fn):
    def make(*size, dtype=None, device=None, requires_grad=False, out=None):
        return _grad(fn(_size(size), dtype, device=device, cls=Tensor), requires_grad)
    make.__name__ = fn.__name__
    return make


zeros = _creator(C.zeros)
ones = _creator(C.ones)
empty = _creator(C.empty)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    dt = dtype
    if dt is None and isinstance(fill_value, float):
        dt = _default[0]
    return _grad(C.full(tuple(size), fill_value, dt, device=device, cls=Tensor), requires_grad)


def _like(fn):
    def make(x, *, dtype=None, device=None, requires_grad=False):
        return _grad(fn(_t(x), dtype=dtype, device=device), requires_grad)
    make.__name__ = fn.__name__
    return make


zeros_like = _like(C.zeros_like)
ones_like = _like(C.ones_like)
empty_like = _like(C.empty_like)


def full_like(x, fill_value, *, dtype=None, device=None):
    return C.full_like(_t(x), fill_value, dtype=dtype, device=device)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    return _grad(C.arange(start, end, step, dtype=dtype, device=device, cls=Tensor),
                 requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None):
    return C.linspace(start, end, steps, dtype=dtype, device=device, cls=Tensor)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None):
    return C.logspace(start, end, steps, base=base, dtype=dtype, device=device, cls=Tensor)


def eye(n, m=None, *, dtype=None, device=None):
    return C.eye(n, m, dtype=dtype, device=device, cls=Tensor)


def is_tensor(obj) -> bool:
    return isinstance(obj, _Base)


def numel(x) -> int:
    return _t(x).numel()


def get_default_dtype():
    return _T.of(_default[0])


def set_default_dtype(dtype) -> None:
    dt = D.as_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dt.name}")
    _default[0] = dt
    Tensor._default_float = dt


# -- joining and splitting --------------------------------------------------------------------
def _torch_shape_errors(fn):
    """Re-raise trueno's ShapeError as the face's TorchShapeError (also a RuntimeError)."""
    import functools

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ShapeError as exc:
            from ._errors import TorchShapeError
            if isinstance(exc, RuntimeError):
                raise
            raise TorchShapeError(str(exc)) from None
    return wrapped


@_torch_shape_errors
def cat(tensors, dim=0, *, axis=None):
    return M.concat([_t(t) for t in tensors], axis=dim if axis is None else axis)


concat = concatenate = cat


@_torch_shape_errors
def stack(tensors, dim=0):
    return M.stack([_t(t) for t in tensors], axis=dim)


def split(x, split_size_or_sections, dim=0):
    return _t(x).split(split_size_or_sections, dim)


def chunk(x, chunks, dim=0):
    return _t(x).chunk(chunks, dim)


def unbind(x, dim=0):
    x = _t(x)
    d = normalize_axis(dim, x.ndim, "dim")
    return tuple(x[(slice(None),) * d + (i,)] for i in range(x.shape[d]))


def flatten(x, start_dim=0, end_dim=-1):
    return _t(x).flatten(start_dim, end_dim)


def reshape(x, shape):
    return _t(x).reshape(shape)


def transpose(x, dim0, dim1):
    return _t(x).transpose(dim0, dim1)


def permute(x, dims):
    return _t(x).permute(dims)


def squeeze(x, dim=None):
    return _t(x).squeeze(dim)


def unsqueeze(x, dim):
    return _t(x).unsqueeze(dim)


def broadcast_to(x, size):
    return _t(x).expand_to(tuple(size))


def where(condition, input=None, other=None):  # noqa: A002
    if input is None and other is None:
        return _t(condition).nonzero(as_tuple=True)
    from ._promotion import weak_pair
    input, other = weak_pair(input, other)  # noqa: A001  (0-d tensors are weak, as PyTorch)
    return E.where(_t(condition), input, other)


# -- reductions with PyTorch's conventions ----------------------------------------------------
def max(input, dim=None, keepdim=False, *, other=None):  # noqa: A001,A002
    if isinstance(dim, _Base):
        return E.maximum(input, dim)
    return _t(input).max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001,A002
    if isinstance(dim, _Base):
        return E.minimum(input, dim)
    return _t(input).min(dim, keepdim)


def _red(name):
    def fn(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
        return getattr(_t(input), name)(dim, keepdim, dtype=dtype) if name in (
            "sum", "mean", "prod") else getattr(_t(input), name)(dim, keepdim)
    fn.__name__ = name
    return fn


sum = _red("sum")  # noqa: A001
mean = _red("mean")
prod = _red("prod")
all = _red("all")  # noqa: A001
any = _red("any")  # noqa: A001
argmax = _red("argmax")
argmin = _red("argmin")
amax = _red("amax")
amin = _red("amin")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return _t(input).std(dim, unbiased, keepdim, correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return _t(input).var(dim, unbiased, keepdim, correction=correction)


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return Rd.logsumexp(_t(input), dim, keepdims=keepdim)


def cumsum(input, dim, *, dtype=None):  # noqa: A002
    return Rd.cumsum(_t(input), dim, dtype)


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    return Rd.cumprod(_t(input), dim, dtype)


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return _t(input).sort(dim, descending)


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    return _t(input).argsort(dim, descending)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (or smallest) values along ``dim`` and their indices."""
    x = _t(input)
    d = normalize_axis(dim, x.ndim, "dim") if x.ndim else 0
    if k > (x.shape[d] if x.ndim else 1):
        raise ShapeError(f"topk: k ({k}) is out of range for dimension {dim} of size "
                         f"{x.shape[d] if x.ndim else 1}")
    idx = x.argsort(d, descending=largest)[(slice(None),) * d + (slice(0, k),)]
    vals = take_along_dim(x, idx, d)
    return return_types.topk(vals, idx)


def take_along_dim(x, indices, dim):
    import trueno
    return trueno.take_along_axis(_t(x), indices, axis=dim)


def norm(input, p="fro", dim=None, keepdim=False):  # noqa: A002
    return _t(input).norm(2 if p == "fro" else p, dim, keepdim)


# -- elementwise with PyTorch's extra arguments -----------------------------------------------
def add(input, other, *, alpha=1):  # noqa: A002
    return E.add(_t(input), other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):  # noqa: A002
    return E.subtract(_t(input), other if alpha == 1 else other * alpha)


subtract = sub


def mul(input, other):  # noqa: A002
    return E.multiply(_t(input), other)


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    x = _t(input)
    if rounding_mode is None:
        return E.divide(x, other)
    if rounding_mode == "floor":
        return E.floor_divide(x, other)
    if rounding_mode == "trunc":
        q = E.trunc(E.divide(x, other))
        int_other = not isinstance(other, (_Base, float)) or \
            (isinstance(other, _Base) and other.dtype.kind in "iu")
        return q.astype(x.dtype) if x.dtype.kind in "iu" and int_other else q
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


divide = true_divide = div


def floor_divide(input, other):  # noqa: A002
    return E.floor_divide(_t(input), other)


def remainder(input, other):  # noqa: A002
    return E.remainder(_t(input), other)


def pow(input, exponent):  # noqa: A001,A002
    """``input ** exponent``; integer tensors to negative integer tensor powers give
    PyTorch's integer results (1 and -1 keep their magnitude, the rest truncate to 0)."""
    if not isinstance(input, _Base):
        return E.pow(C.asarray(input, cls=Tensor, dtype=exponent.dtype), exponent)
    if isinstance(exponent, _Base) and input.dtype.kind in "iu" and \
            exponent.dtype.kind in "iu" and exponent.numel() and \
            int(Rd.min(exponent).item()) < 0:
        e = exponent
        pos = E.pow(input, E.maximum(e, 0))
        odd = E.not_equal(E.remainder(e, 2), 0)
        neg = E.where(input == 1, 1, E.where(input == -1, E.where(odd, -1, 1), 0))
        return E.where(e >= 0, pos, neg).astype(pos.dtype, copy=False)
    try:
        return E.pow(input, exponent)
    except ValueError as exc:
        if "negative integer powers" not in str(exc):
            raise
        from ._errors import TorchArgumentError
        raise TorchArgumentError(f"{exc}\n  hint: x.float() ** n") from None


def rsqrt(input):  # noqa: A002
    return E.reciprocal(E.sqrt(_t(input)))


def neg(input):  # noqa: A002
    return E.negative(_t(input))


negative = neg


def clamp(input, min=None, max=None):  # noqa: A002
    return E.clip(_t(input), min, max)


clip = clamp


def eq(input, other):  # noqa: A002
    return E.equal(_t(input), other)


def ne(input, other):  # noqa: A002
    return E.not_equal(_t(input), other)


def lt(input, other):  # noqa: A002
    return E.less(_t(input), other)


def le(input, other):  # noqa: A002
    return E.less_equal(_t(input), other)


def gt(input, other):  # noqa: A002
    return E.greater(_t(input), other)


def ge(input, other):  # noqa: A002
    return E.greater_equal(_t(input), other)


def equal(input, other) -> bool:  # noqa: A002
    a, b = _t(input), _t(other)
    return a.shape == b.shape and bool(E.equal(a, b).all())


def allclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False) -> bool:  # noqa: A002
    a, b = _t(input)._host(), _t(other)._host()
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input, other, rtol=1e-5, atol=1e-8, equal_nan=False):  # noqa: A002
    a = _t(input)
    return C.asarray(np.isclose(a._host(), _t(other)._host(), rtol, atol, equal_nan),
                     device=a.device, cls=Tensor)


def softmax(input, dim, dtype=None):  # noqa: A002
    x = _t(input) if dtype is None else _t(input).astype(dtype)
    d = normalize_axis(dim, x.ndim, "dim") if x.ndim else 0
    return _composite("softmax", x, {"axis": d})


def log_softmax(input, dim, dtype=None):  # noqa: A002
    x = _t(input) if dtype is None else _t(input).astype(dtype)
    d = normalize_axis(dim, x.ndim, "dim") if x.ndim else 0
    return _composite("log_softmax", x, {"axis": d})


def _composite(name, x, params):
    row = OPS[name]
    dt = x._dtype  # core's dtype: x.dtype is the face's, not ``is`` it, so cast_data would copy
    if dt not in row.accepts:
        check_accepts(row, dt)
    ct, _ = compute_dtype(row, dt, x.__class__)
    return run(row, (x,), (cast_data(x, ct),), params, x.__class__, x._device, ct)


@_torch_shape_errors
def matmul(input, other):  # noqa: A002
    return L.matmul(_t(input), other)


@_torch_shape_errors
def mm(input, mat2):  # noqa: A002
    a, b = _t(input), _t(mat2)
    if a.ndim != 2 or b.ndim != 2:
        raise ShapeError(f"mm: both arguments must be 2-D, got {a.ndim}-D and {b.ndim}-D")
    return matmul(a, b)


@_torch_shape_errors
def bmm(input, mat2):  # noqa: A002
    a, b = _t(input), _t(mat2)
    if a.ndim != 3 or b.ndim != 3:
        raise ShapeError(f"bmm: both arguments must be 3-D, got {a.ndim}-D and {b.ndim}-D")
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"bmm: batch sizes differ ({a.shape[0]} != {b.shape[0]})")
    return matmul(a, b)


def dot(input, other):  # noqa: A002
    a, b = _t(input), _t(other)
    if a.ndim != 1 or b.ndim != 1:
        raise ShapeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return L.matmul(a, b)


def outer(input, vec2):  # noqa: A002
    return L.outer(_t(input), vec2)


def einsum(equation, *operands):
    import trueno
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return trueno.einsum(equation, *operands)


class IndexOutOfBoundsError(TruenoIndexError, RuntimeError):
    """An index out of range for ``gather``: PyTorch raises a RuntimeError, so this is one too
    (and an IndexError, as on the NumPy face)."""


def _index_bounds(name, x, dim, index, err, what="is out of bounds for dimension"):
    """Check ``index`` against ``x.shape[dim]`` as PyTorch does: no negative indices."""
    idx = index if isinstance(index, _Base) else C.asarray(index, cls=Tensor)
    d = normalize_axis(dim, x.ndim if x.ndim else 1, "dim")
    n = x.shape[d] if x.ndim else 1
    if idx.numel() and idx._dtype.kind in "iu":
        h = idx._host()
        lo, hi = int(h.min()), int(h.max())
        if lo < 0 or hi >= n:
            raise err(f"{name}: index {lo if lo < 0 else hi} {what} {d} with size {n}\n"
                      f"  rule: 0 <= index < {n} (PyTorch's {name} takes no negative index)\n"
                      f"  hint: index % {n} wraps negative indices")
    return idx, d


def gather(input, dim, index):  # noqa: A002
    """PyTorch's ``gather``: an index outside ``[0, size)``, -1 included, is a RuntimeError.

    On a device whose kernels check indices (the GPU), the index is not read back: the
    kernel flags an index out of range and the next sync raises (an IndexError and a
    RuntimeError), as PyTorch CUDA's device-side assert."""
    x = _t(input)
    if isinstance(index, _Base) and _device_checks(index._device):
        return gather_checked(x, dim, index, False)
    idx, _ = _index_bounds("gather", x, dim, index, IndexOutOfBoundsError)
    return gather_checked(x, dim, idx, True)


def index_select(input, dim, index):  # noqa: A002
    """PyTorch's ``index_select``: an index outside ``[0, size)`` is an IndexError."""
    x = _t(input)
    idx, d = _index_bounds("index_select", x, dim, index, TruenoIndexError,
                           "is out of range for dimension")
    return x[(slice(None),) * d + (idx,)]


def relu(input):  # noqa: A002
    return E.relu(input if isinstance(input, _Base) else _t(input))


def sigmoid(input):  # noqa: A002
    return E.sigmoid(input if isinstance(input, _Base) else _t(input))


def square(input):  # noqa: A002
    return E.square(input if isinstance(input, _Base) else _t(input))


# PyTorch's aliases of other functions (the elementwise functions of rows with a
# ``torch_face`` are bound from the rows in ``_ops_pointwise``).
fix = E.trunc
true_divide = div
