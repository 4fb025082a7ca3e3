"""``trueno.torch.Tensor``: the PyTorch face's tensor class (PyTorch's method semantics).

Same engine, storage and dispatcher as ``trueno.ndarray``; only the methods whose meaning
differs between NumPy and PyTorch are defined here (docs/compat.md lists each clash).
"""

from __future__ import annotations

from .. import _dtypes as D
from .. import _reduction as Rd
from .._errors import ShapeError
from .._tensor import Tensor as _Base
from .._views import normalize_axis
from . import return_types
from ._dtype import BY_CODE as _TORCH_DTYPE
from ._promotion import weak_pair

__all__ = ["Tensor", "Size", "return_types"]

_TORCH_DEVICES: dict = {}  # trueno Device -> its torch.device (both immutable)
values_indices = return_types.max  # Note: kept for old imports; each op has its own type


class Size(tuple):
    """A shape, as ``torch.Size``: a tuple with ``numel()``."""

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"


def _torch_shape_error(exc):
    from ._errors import TorchShapeError
    return exc if isinstance(exc, RuntimeError) else TorchShapeError(str(exc))


def _float_only(msg):
    from ._errors import TorchDTypeError
    return TorchDTypeError(msg + "\n  hint: x.float() first, or pass dtype=")


def _dims(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


class Tensor(_Base):
    """A tensor with PyTorch's semantics (float32 default, ``x.size()`` a method, ``max(dim)``
    returning ``(values, indices)``, ``std`` unbiased, ``repeat`` tiling)."""

    __slots__ = ()
    _face = "torch"
    _default_float = D.float32
    # PyTorch's weak 0-d operands (trueno/torch/_promotion.py), for the dispatcher's binary
    # path to apply to operators; until trueno._dispatch reads it, the face's functions,
    # methods and in-place operators apply it themselves (docs/compat.md)
    _weak_0d = staticmethod(weak_pair)
    # PyTorch tensors hash by identity (dict keys, sets of parameters); NumPy arrays do not
    __hash__ = object.__hash__

    # -- shape ---------------------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        """``x.size()`` is the shape; ``x.size(d)`` one dimension's length."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[normalize_axis(dim, self.ndim, "dim")]

    def dim(self) -> int:
        return self.ndim

    ndimension = dim

    def nelement(self) -> int:
        return self.numel()

    def element_size(self) -> int:
        return self.itemsize

    def stride(self, dim=None):
        s = self.stride_elements()
        return s if dim is None else s[normalize_axis(dim, self.ndim, "dim")]

    def storage_offset(self) -> int:
        return self.offset

    @property
    def data(self):
        return self.detach()

    # -- views ---------------------------------------------------------------------------------
    def view(self, *shape):
        """A view with a new shape; raises when the strides do not allow one (as torch)."""
        if len(shape) == 1 and not isinstance(shape[0], (int, tuple, list)):
            return self.to(shape[0]) if self.itemsize == D.as_dtype(shape[0]).itemsize else \
                self._bad_view_dtype(shape[0])
        try:
            return self._reshape(_dims(shape), copy_ok=False, name="view")
        except ShapeError as exc:
            raise _torch_shape_error(exc) from None

    def _bad_view_dtype(self, dtype):
        raise ShapeError(f"view(dtype): {self.dtype.name} -> {D.as_dtype(dtype).name} changes "
                         "the element size; not supported")

    def view_as(self, other):
        return self.view(other.shape)

    def reshape(self, *shape):
        try:
            return self._reshape(_dims(shape))
        except ShapeError as exc:
            raise _torch_shape_error(exc) from None

    def reshape_as(self, other):
        return self._reshape(tuple(other.shape))

    def permute(self, *dims):
        return self.permute_dims(_dims(dims))

    def transpose(self, dim0, dim1):
        """Swap two dimensions (PyTorch's transpose; NumPy's reverses all axes)."""
        return self.swapaxes(dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                             f"{self.ndim}D")
        return self.permute_dims(tuple(range(self.ndim))[::-1])

    def unsqueeze(self, dim):
        return self._expand_dims(dim)

    def squeeze(self, dim=None):
        if dim is None:
            return self._squeeze(None)
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        nd = self.ndim
        keep = tuple(d for d in (normalize_axis(x, nd, "dim") for x in dims)
                     if self.shape[d] == 1)
        return self._squeeze(keep) if keep else self._view("reshape", self._data,
                                                          {"shape": self.shape})

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim..end_dim`` into one (a view when the strides allow)."""
        if self.ndim == 0:
            return self._reshape((1,))
        s = normalize_axis(start_dim, self.ndim, "start_dim")
        e = normalize_axis(end_dim, self.ndim, "end_dim")
        if s > e:
            raise ValueError("flatten() has invalid args: start_dim cannot come after end_dim")
        shp = self.shape
        return self._reshape(shp[:s] + (-1,) + shp[e + 1:] if self.numel() else
                             shp[:s] + (Size(shp[s:e + 1]).numel(),) + shp[e + 1:])

    def unflatten(self, dim, sizes):
        d = normalize_axis(dim, self.ndim, "dim")
        return self._reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def expand(self, *sizes):
        sizes = _dims(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ShapeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                             f"greater or equal to the number of dimensions ({self.ndim})")
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        return self.expand_to(shape)

    def expand_as(self, other):
        return self.expand_to(tuple(other.shape))

    def repeat(self, *sizes):
        """Tile the tensor ``sizes`` times along each dim (PyTorch's repeat = NumPy's tile)."""
        sizes = _dims(sizes)
        if len(sizes) < self.ndim:
            raise ShapeError("repeat: number of dimensions of repeat dims can not be smaller "
                             "than number of dimensions of tensor")
        from .._manipulation import concat
        x = self._reshape((1,) * (len(sizes) - self.ndim) + self.shape)
        for d, r in enumerate(sizes):
            if r != 1:
                x = concat([x] * r, axis=d) if r else x[(slice(None),) * d + (slice(0, 0),)]
        return x if x is not self else self.clone()

    def chunk(self, chunks, dim=0):
        d = normalize_axis(dim, self.ndim, "dim")
        n = self.shape[d]
        if not n:  # as PyTorch: ``chunks`` empty pieces
            return tuple(self[(slice(None),) * d + (slice(0, 0),)] for _ in range(chunks))
        return self.split(-(-n // chunks), d)

    def split(self, split_size_or_sections, dim=0):
        d = normalize_axis(dim, self.ndim, "dim")
        n = self.shape[d]
        if isinstance(split_size_or_sections, int):
            sizes = [split_size_or_sections] * (n // split_size_or_sections)
            if n % split_size_or_sections or not sizes:
                sizes.append(n % split_size_or_sections if sizes else n)
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                                 f"(input tensor's size at dimension {d}), but got "
                                 f"split_sizes={sizes}")
        out, start = [], 0
        for s in sizes:
            out.append(self[(slice(None),) * d + (slice(start, start + s),)])
            start += s
        return tuple(out)

    # -- reductions with PyTorch's return conventions ------------------------------------------
    def _minmax(self, name, dim, keepdim):
        if dim is None:
            return getattr(Rd, name)(self)
        if isinstance(dim, Tensor):
            from .. import _elementwise as E
            return getattr(E, "maximum" if name == "max" else "minimum")(self, dim)
        values = getattr(Rd, name)(self, dim, keepdims=keepdim)
        indices = getattr(Rd, "arg" + name)(self, dim, keepdims=keepdim)
        return getattr(return_types, name)(values, indices)

    def max(self, dim=None, keepdim=False):
        return self._minmax("max", dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return self._minmax("min", dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return Rd.argmax(self, dim, keepdims=keepdim)

    def argmin(self, dim=None, keepdim=False):
        return Rd.argmin(self, dim, keepdims=keepdim)

    def amax(self, dim=None, keepdim=False):
        return Rd.max(self, dim if dim != () else None, keepdims=keepdim)

    def amin(self, dim=None, keepdim=False):
        return Rd.min(self, dim if dim != () else None, keepdims=keepdim)

    def sum(self, dim=None, keepdim=False, dtype=None):
        """The sum; integers and bools sum in int64 (PyTorch), floats in their own dtype."""
        if dtype is None and self._dtype.kind in "iub":
            dtype = D.int64
        return Rd.sum(self, dim, dtype, keepdims=keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None):
        if dtype is None and self._dtype.kind in "iub":
            dtype = D.int64
        return Rd.prod(self, dim, dtype, keepdims=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        if dtype is None and self._dtype.kind not in "fc":
            raise _float_only("mean(): could not infer output dtype. Input dtype must be "
                              f"either a floating point or complex dtype. Got: {self.dtype.name}")
        return Rd.mean(self, dim, dtype, keepdims=keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Variance, unbiased by default (PyTorch; NumPy's default is ddof=0)."""
        if self._dtype.kind not in "fc":
            raise _float_only("std and var only support floating point and complex dtypes")
        return Rd.var(self, dim, keepdims=keepdim, unbiased=unbiased, correction=correction,
                      _default_correction=1.0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if self._dtype.kind not in "fc":
            raise _float_only("std and var only support floating point and complex dtypes")
        return Rd.std(self, dim, keepdims=keepdim, unbiased=unbiased, correction=correction,
                      _default_correction=1.0)

    def all(self, dim=None, keepdim=False):
        return Rd.all(self, dim, keepdims=keepdim)

    def any(self, dim=None, keepdim=False):
        return Rd.any(self, dim, keepdims=keepdim)

    def cumsum(self, dim, dtype=None):
        return Rd.cumsum(self, dim, dtype)

    def cumprod(self, dim, dtype=None):
        return Rd.cumprod(self, dim, dtype)

    def logsumexp(self, dim, keepdim=False):
        return Rd.logsumexp(self, dim, keepdims=keepdim)

    def norm(self, p=2, dim=None, keepdim=False):
        from .._dispatch import run
        from .._optable import OPS
        from .._views import normalize_axes
        axes = normalize_axes(dim, self.ndim)
        return run(OPS["vector_norm"], (self,), (self._data,),
                   {"axis": axes, "keepdims": keepdim, "ord": float(p)}, self.__class__,
                   self._device, self._dtype)

    def sort(self, dim=-1, descending=False, stable=False):
        """Sorted values and their indices (PyTorch; NumPy's ``a.sort()`` sorts in place)."""
        from .._sorting import argsort, sort
        if self.ndim == 0:
            return return_types.sort(self.clone(), self.new_zeros((), dtype=D.int64))
        return return_types.sort(sort(self, axis=dim, descending=descending),
                              argsort(self, axis=dim, descending=descending))

    def argsort(self, dim=-1, descending=False, stable=False):
        from .._sorting import argsort
        if self.ndim == 0:
            return self.new_zeros((), dtype=D.int64)
        return argsort(self, axis=dim, descending=descending)

    def nonzero(self, *, as_tuple=False):
        """Indices of non-zero elements as an ``(n, ndim)`` tensor (PyTorch's layout)."""
        from .._indexing import nonzero
        if self.ndim == 0:  # as PyTorch: a 0-d tensor is one element of a 1-d one
            idx = nonzero(self.reshape(1))
            return idx if as_tuple else self.new_zeros((idx[0].shape[0], 0), dtype=D.int64)
        idx = nonzero(self)
        if as_tuple:
            return idx
        from .._manipulation import stack
        return stack(list(idx), axis=1) if idx else self.new_zeros((0, 0), dtype=D.int64)

    # -- dtype and device ----------------------------------------------------------------------
    @property
    def dtype(self):
        """The dtype as this face shows it: ``torch.float32`` (equal to ``trueno.float32`` and
        accepted wherever a dtype is; docs/compat.md)."""
        return _TORCH_DTYPE[self._dtype._code]

    def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other_tensor)``."""
        for a in args:
            if isinstance(a, _Base):
                dtype, device = a.dtype, a.device
            elif isinstance(a, D.DType) or (isinstance(a, type)) or \
                    getattr(a, "_trueno_dtype", None) is not None:
                dtype = a
            else:
                try:
                    dtype = D.as_dtype(a) if not isinstance(a, str) or a in D.BY_NAME else None
                except Exception:
                    dtype = None
                if dtype is None:
                    device = a
        out = self
        if device is not None:
            out = out.to_device(device)
        if dtype is not None:
            out = out.astype(dtype, copy=False)
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        if dtype is None:
            return f"torch.{self._dtype.name.capitalize()}Tensor"
        return self.astype(dtype, copy=False)

    def type_as(self, other):
        return self.astype(other.dtype, copy=False)

    def float(self):
        return self.astype(D.float32, copy=False)

    def double(self):
        return self.astype(D.float64, copy=False)

    def half(self):
        return self.astype(D.float16, copy=False)

    def bfloat16(self):
        return self.astype(D.bfloat16, copy=False)

    def long(self):
        return self.astype(D.int64, copy=False)

    def int(self):
        return self.astype(D.int32, copy=False)

    def short(self):
        return self.astype(D.int16, copy=False)

    def bool(self):
        return self.astype(D.bool_, copy=False)

    def byte(self):
        return self.astype(D.uint8, copy=False)

    def cuda(self, device=None):
        return self.to_device("gpu" if device is None else f"gpu:{device}")

    @property
    def device(self):
        """The tensor's ``torch.device`` (``device(type='cpu')``; trueno's GPU is ``'cuda'``)."""
        d = self._device
        out = _TORCH_DEVICES.get(d)
        if out is None:
            from ._device import device
            out = _TORCH_DEVICES[d] = device(d)
        return out

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "gpu"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    @property
    def is_meta(self) -> bool:
        return False

    def get_device(self) -> int:
        """The device index of a GPU tensor; -1 for a CPU tensor (as PyTorch)."""
        return -1 if self._device.type == "cpu" else self._device.index

    def is_floating_point(self) -> bool:
        return self._dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._dtype.kind == "c"

    def data_ptr(self) -> int:
        return self._host().__array_interface__["data"][0]

    # -- elementwise methods a PyTorch user calls ----------------------------------------------
    def masked_fill(self, mask, value):
        from .._elementwise import where
        v = value.item() if isinstance(value, _Base) else value
        return where(mask, v, self).astype(self._dtype, copy=False)

    def masked_fill_(self, mask, value):
        self._assign(self.masked_fill(mask, value))
        return self

    def clamp(self, min=None, max=None):  # noqa: A002
        from .._elementwise import clip
        return clip(self, min, max)

    clip = clamp

    def clamp_(self, min=None, max=None):  # noqa: A002
        self._assign(self.clamp(min, max))
        return self

    def zero_(self):
        self[...] = 0
        return self

    def fill_(self, value):
        self[...] = value
        return self

    def copy_(self, src, non_blocking=False):
        """Copy ``src`` into this tensor, in place: PyTorch's rule, also from another device
        (moved here first; differentiable through the move) or dtype, broadcast to this shape."""
        if isinstance(src, Tensor) and src._device is not self._device:
            src = src.to(self._device)
        self[...] = src
        return self

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        from . import _random
        self[...] = _random.normal_like(self, mean, std, generator)
        return self

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        from . import _random
        self[...] = _random.uniform_like(self, a, b, generator)
        return self

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` (a tuple or varargs) with this tensor's dtype and device."""
        from .._creation import zeros
        out = zeros(_dims(size), dtype or self._dtype, device=device or self._device,
                    cls=self.__class__)
        return out.requires_grad_() if requires_grad else out

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .._creation import ones
        out = ones(_dims(size), dtype or self._dtype, device=device or self._device,
                   cls=self.__class__)
        return out.requires_grad_() if requires_grad else out

    def new_full(self, size, fill_value, dtype=None, device=None):
        from .._creation import full
        return full(size, fill_value, dtype or self._dtype, device=device or self._device,
                    cls=self.__class__)

    def new_tensor(self, data, dtype=None, device=None):
        from .._creation import asarray
        return asarray(data, dtype or self._dtype, device=device or self._device,
                       cls=self.__class__, copy=True)

    def item(self, *args):
        """The single element as a Python number (a RuntimeError for more elements)."""
        if not args and self.numel() != 1:
            from ._errors import TorchShapeError
            raise TorchShapeError(f"a Tensor with {self.numel()} elements cannot be converted "
                                  f"to Scalar\n  hint: x.tolist(), or index one element")
        return super().item(*args)

    def numpy(self, *, force=False):
        return super().numpy(force=force)

    def __repr__(self) -> str:
        from .._format import tensor_repr
        return tensor_repr(self)


def _method_from_function(name, fn_name=None):
    """A Tensor method that calls the namespace function of the same name."""
    def method(self, *args, **kwargs):
        from . import _functions
        return getattr(_functions, fn_name or name)(self, *args, **kwargs)
    method.__name__ = name
    return method


for _n in ("add sub mul div true_divide floor_divide remainder pow exp log log2 log10 log1p "
           "expm1 sqrt rsqrt abs neg sin cos tan tanh sigmoid relu sign floor ceil round trunc "
           "reciprocal square eq ne lt le gt ge matmul mm bmm dot softmax log_softmax erf "
           "logical_not logical_and logical_or maximum minimum atan2 where allclose equal "
           "gather index_select topk outer").split():
    if not hasattr(Tensor, _n) or _n == "abs":
        setattr(Tensor, _n, _method_from_function(_n))
