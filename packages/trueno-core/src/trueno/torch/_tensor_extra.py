"""``torch.Tensor(...)`` and the legacy typed constructors (``torch.FloatTensor`` ...), and
Tensor methods that are no function's method form: ``new``/``new_empty``, ``fill_diagonal_``,
``resize_``, ``sum_to_size``, ``apply_``/``map_``, the dtype shorthands and Python dunders."""

from __future__ import annotations

import copy as _copy
import warnings

import numpy as np

from .. import _creation as C
from .. import _dtypes as D
from .._tensor import Tensor as _Base
from . import _dtype as _T
from ._errors import TorchDTypeError, TorchShapeError
from ._functions import get_default_dtype
from ._tensor import Size, Tensor

__all__ = ["LEGACY", "bind_extra"]


def _build(dtype, args, kwargs, device=None):
    """PyTorch's legacy constructor rules: ``()`` empty, ``(*sizes)`` or ``(Size)``
    uninitialised, ``(sequence)`` data, ``(tensor)`` the same data."""
    size = kwargs.pop("size", None)
    device = kwargs.pop("device", device)
    if kwargs:
        raise TypeError(f"new(): unexpected keyword arguments {sorted(kwargs)}")
    if size is not None:
        args = (tuple(size),)
    if not args:
        return C.empty((0,), dtype, device=device, cls=Tensor)
    if len(args) == 1 and isinstance(args[0], _Base):
        t = args[0]
        if t._dtype is not D.as_dtype(dtype):
            raise TorchDTypeError(f"expected {dtype.name} (got {t.dtype.name})\n  hint: "
                                  f"x.to(dtype) converts")
        return t.detach()
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
        return C.empty(tuple(args), dtype, device=device, cls=Tensor)
    if len(args) == 1 and isinstance(args[0], Size):
        return C.empty(tuple(args[0]), dtype, device=device, cls=Tensor)
    if len(args) == 1:
        return C.asarray(args[0], dtype, device=device, copy=True, cls=Tensor)
    raise TypeError(f"new(): invalid arguments {args!r}\n  hint: torch.Tensor(2, 3) or "
                    f"torch.Tensor([1.0, 2.0])")


def _tensor_new(cls, *args, **kwargs):
    """``torch.Tensor(data)`` / ``torch.Tensor(*sizes)``: the default float dtype."""
    return _build(get_default_dtype(), args, dict(kwargs))


class _LegacyMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._dtype is cls._trueno_dtype and \
            obj._device.type == "cpu"

    def __call__(cls, *args, **kwargs):
        return _build(cls._trueno_dtype, args, dict(kwargs))

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


_LEGACY_DTYPES = {"FloatTensor": D.float32, "DoubleTensor": D.float64,
                  "HalfTensor": D.float16, "BFloat16Tensor": D.bfloat16,
                  "ByteTensor": D.uint8, "CharTensor": D.int8, "ShortTensor": D.int16,
                  "IntTensor": D.int32, "LongTensor": D.int64, "BoolTensor": D.bool_}
LEGACY = {name: _LegacyMeta(name, (), {"_trueno_dtype": dt, "dtype": _T.of(dt), "__doc__":
          f"``torch.{name}``: the legacy constructor of {dt.name} CPU tensors; "
          f"``isinstance(t, torch.{name})`` tests the dtype."})
          for name, dt in _LEGACY_DTYPES.items()}
_BY_DTYPE = {dt: name for name, dt in _LEGACY_DTYPES.items()}


def _type(self, dtype=None, non_blocking=False):
    """``x.type()`` names the legacy type (``'torch.FloatTensor'``); ``x.type(t)`` converts
    to a dtype, a legacy class or its name."""
    if dtype is None:
        name = _BY_DTYPE.get(self.dtype, self.dtype.name)
        return f"torch.{'cuda.' if self._device.type == 'gpu' else ''}{name}"
    if isinstance(dtype, str) and dtype.startswith("torch."):
        dtype = LEGACY[dtype.rsplit(".", 1)[-1]]
    return self.astype(D.as_dtype(dtype), copy=False)


def _new(self, *args, **kwargs):
    """``x.new(...)``: the legacy constructor with ``x``'s dtype and device."""
    return _build(self.dtype, args, dict(kwargs), device=self._device)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    s = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    out = C.empty(s, dtype or self.dtype, device=device or self._device, cls=Tensor)
    return out.requires_grad_() if requires_grad else out


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    return _new_empty(self, tuple(size), dtype=dtype, device=device,
                      requires_grad=requires_grad)


def _fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (all dims equal, or 2-D; ``wrap`` restarts it below a tall
    matrix's square part every ``cols + 1`` rows, as PyTorch)."""
    if self.ndim < 2:
        raise TorchShapeError("fill_diagonal_: dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise TorchShapeError("fill_diagonal_: all dimensions of input must be of equal length")
    if self.ndim == 2:
        n, m = self.shape
        end = n * m if wrap and n > m else min(n, m) * m
        flat = np.arange(0, end, m + 1)
        key = (C.asarray(flat // m, D.int64, device=self._device, cls=Tensor),
               C.asarray(flat % m, D.int64, device=self._device, cls=Tensor))
    else:
        ar = C.arange(self.shape[0], dtype=D.int64, device=self._device, cls=Tensor)
        key = (ar,) * self.ndim
    self[key] = fill_value
    return self


def _resize_(self, *sizes, memory_format=None):
    """Give the tensor a new shape over its storage from its offset, C-contiguous (as
    PyTorch, new elements are uninitialised). When the storage is too small the tensor gets
    new memory holding its leading elements (PyTorch grows the shared storage instead, so
    other views of it would see the new memory; here they keep the old one)."""
    shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) \
        else tuple(sizes)
    if self._ag is not None:
        raise TorchDTypeError("cannot resize variables that require grad")
    n = int(np.prod(shape))
    if n == self.numel() and self.is_contiguous():
        self._data = self.reshape(shape)._data
        return self
    from .._strided import contiguous_strides
    from ._ops_spectral import as_strided
    room = self.storage.size if isinstance(self._data, np.ndarray) else \
        getattr(self._data.storage, "size", -1)
    if self.offset + n <= room:
        self._data = as_strided(self, shape, contiguous_strides(shape), self.offset)._data
        return self
    out = C.empty(shape, self.dtype, device=self._device, cls=Tensor)
    k = min(n, self.numel())
    if k:
        out.reshape(-1)[:k] = self.reshape(-1)[:k]
    self._data = out._data
    self._version = out._version
    if getattr(self, "_base", None) is not None:
        del self._base  # new memory: no longer a view of anything
    return self


def _resize_as_(self, other, memory_format=None):
    return _resize_(self, tuple(other.shape))


def _sum_to_size(self, *size):
    """Sum over the broadcast dims so the result has ``size`` (``size`` broadcasts to x)."""
    s = tuple(size[0]) if len(size) == 1 and not isinstance(size[0], int) else tuple(size)
    lead = self.ndim - len(s)
    if lead < 0 or any(t not in (1, n) for t, n in zip(s, self.shape[lead:])):
        raise TorchShapeError(f"size {list(s)} is not expandable to size "
                              f"{list(self.shape)}")
    out = self.sum(tuple(range(lead))) if lead else self
    dims = tuple(i for i, (t, n) in enumerate(zip(s, out.shape)) if t == 1 and n != 1)
    return out.sum(dims, keepdim=True) if dims else out


def _host_only(self, what):
    if self._device.type != "cpu":
        raise TorchDTypeError(f"{what} is only implemented on CPU tensors")


def _apply_(self, callable):  # noqa: A002
    """Replace each element by ``callable(element)`` (CPU only; slow, as in PyTorch)."""
    _host_only(self, "apply_")
    h = self._host()
    self[...] = np.frompyfunc(callable, 1, 1)(h).astype(h.dtype)
    return self


def _map_(self, tensor, callable):  # noqa: A002
    _host_only(self, "map_")
    h = self._host()
    o = np.broadcast_to(tensor._host(), h.shape)
    self[...] = np.frompyfunc(callable, 2, 1)(h, o).astype(h.dtype)
    return self


def _map2_(self, x, y, callable):  # noqa: A002
    _host_only(self, "map2_")
    h = self._host()
    a, b = (np.broadcast_to(t._host(), h.shape) for t in (x, y))
    self[...] = np.frompyfunc(callable, 3, 1)(h, a, b).astype(h.dtype)
    return self


def _contains(self, element) -> bool:
    if not isinstance(element, (_Base, bool, int, float, complex)):
        raise TypeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed "
                        f"in a {type(element).__name__}.")
    return bool((self == element).any().item())


def _reversed(self):
    return self if self.ndim == 0 else self.flip(0)


def _deepcopy(self, memo):
    """A deep copy: new memory, the same ``requires_grad`` (and a copy of ``.grad``)."""
    if not self.is_leaf:
        raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                           "the deepcopy protocol at the moment.  If you were attempting to "
                           "deepcopy a module, this may be because of a torch.nn.utils.weight_"
                           "norm usage, see https://github.com/pytorch/pytorch/pull/103001")
    out = self.detach().clone()
    if self.requires_grad:
        out.requires_grad_()
    if getattr(self, "grad", None) is not None:
        out.grad = _copy.deepcopy(self.grad, memo)
    memo[id(self)] = out
    return out


def _array_wrap(self, array, context=None, return_scalar=False):
    return C.asarray(array, cls=Tensor)


def _dim_order(self, *, ambiguity_check=False):
    st = self.stride()
    return tuple(sorted(range(self.ndim), key=lambda d: -st[d]))


def _nonzero_static(self, *, size, fill_value=-1):
    """``nonzero()`` padded with ``fill_value`` (or cut) to exactly ``size`` rows."""
    nz = self.nonzero()
    k = nz.shape[0]
    if k >= size:
        return nz[:size]
    pad = C.full((size - k, self.ndim), fill_value, D.int64, device=self._device, cls=Tensor)
    from .._manipulation import concat
    return concat([nz, pad])


def _detach_(self):
    """Detach in place: the tensor becomes a leaf that does not require grad (a view of a
    graph tensor refuses, as PyTorch)."""
    if self._ag is not None:
        if getattr(self, "_base", None) is not None:
            from ._errors import TorchArgumentError
            raise TorchArgumentError("Can't detach views in-place. Use detach() instead.\n"
                                     "  hint: y = x.detach()")
        self._ag = None
    return self


def _resize(self, *sizes):
    """The deprecated out-of-place resize: a view with ``sizes`` of the same element count."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    shape = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) \
        else tuple(sizes)
    if int(np.prod(shape)) != self.numel():
        raise TorchShapeError(f"resize: shape {list(shape)} is invalid for input of size "
                              f"{self.numel()}\n  hint: x.resize_(...) grows or shrinks")
    return self.contiguous().view(shape)


def _resize_as(self, tensor):
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return _resize(self, tuple(tensor.shape))


def _retains_grad(self) -> bool:
    """True for a non-leaf whose ``.grad`` is kept because ``retain_grad()`` was called."""
    ag = self._ag
    return ag is not None and ag.grad_fn is not None and bool(getattr(ag, "retains_grad", 0))


def _delitem(self, key):
    raise TypeError("Tensor does not support deleting items")


def _volatile(self) -> bool:
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                  stacklevel=2)
    return False


def bind_extra() -> None:
    """Attach these to ``Tensor`` (once, at import)."""
    T = Tensor
    T.__new__ = staticmethod(_tensor_new)
    T.type = _type
    T.new, T.new_empty, T.new_empty_strided = _new, _new_empty, _new_empty_strided
    T.fill_diagonal_, T.resize_, T.resize_as_ = _fill_diagonal_, _resize_, _resize_as_
    T.sum_to_size, T.apply_, T.map_, T.map2_ = _sum_to_size, _apply_, _map_, _map2_
    T.__contains__, T.__reversed__, T.__deepcopy__ = _contains, _reversed, _deepcopy
    T.__array_wrap__, T.dim_order, T.nonzero_static = _array_wrap, _dim_order, _nonzero_static
    T.__long__ = T.__int__
    T.__nonzero__ = T.__bool__
    T.__div__, T.__rdiv__, T.__idiv__ = T.__truediv__, T.__rtruediv__, T.__itruediv__
    T.char = lambda self: self.astype(D.int8, copy=False)
    T.cfloat = lambda self: self.astype(D.complex64, copy=False)
    T.cdouble = lambda self: self.astype(D.complex128, copy=False)
    T.to_dense = lambda self, dtype=None, *, masked_grad=None: \
        self if dtype is None else self.astype(dtype, copy=False)
    T.is_inference = lambda self: False
    T.const_data_ptr = T.data_ptr
    T.volatile = property(_volatile)
    T.__delitem__ = _delitem
    T.detach_, T.resize, T.resize_as = _detach_, _resize, _resize_as
    T.retains_grad = property(_retains_grad)
    T.grad_dtype = property(lambda self: self.dtype)
    T.name = property(lambda self: None)
    from ._ops_misc import strided
    from ._printing import tensor_repr
    T.__repr__ = T.__str__ = tensor_repr
    T.layout = property(lambda self: strided)
