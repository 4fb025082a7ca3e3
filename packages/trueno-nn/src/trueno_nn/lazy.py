"""Lazy modules (PyTorch's ``torch.nn.modules.lazy``): ``LazyLinear``, ``LazyConv1d/2d/3d``,
``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d`` and ``LazyInstanceNorm1d/2d/3d``.

Their parameters (and norm buffers) are ``UninitializedParameter``/``UninitializedBuffer``
until the first call: a forward pre-hook reads ``in_features``/``in_channels``/
``num_features`` off the input, materialises the tensors, runs the layer's own
``reset_parameters`` (the same random draws as PyTorch's) and turns the module into its
non-lazy class (``cls_to_become``)."""

from __future__ import annotations

import itertools

import trueno.torch as torch
from trueno import TruenoError

from ._errors import ModuleValueError
from .layers import Linear
from .layers_conv_norm import BatchNorm1d, BatchNorm2d, Conv1d, Conv2d
from .layers_convnd import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers_instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers_norm3d import BatchNorm3d
from .parameter import Parameter

__all__ = ["UninitializedParameter", "UninitializedBuffer", "is_lazy", "LazyModuleMixin",
           "LazyModuleError", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]

_Tensor = torch.Tensor
# the storage slot of every tensor, reached past the mixin's ``_data`` guard below
_DATA = next(c.__dict__["_data"] for c in _Tensor.__mro__ if "_data" in c.__dict__)
_SET_CLASS = object.__dict__["__class__"].__set__  # past Parameter's read-only __class__


class LazyModuleError(TruenoError, RuntimeError):
    """An uninitialized parameter's shape was read, or a lazy module's first call left it
    uninitialized (PyTorch raises RuntimeError)."""


class UninitializedTensorMixin:
    """What the uninitialized tensors share: no shape and no data until ``materialize``; any
    op that reads their data raises ValueError, as PyTorch's do. Moving and casting
    (``to``, ``double``, ``cuda``...) only change the dtype/device they will get."""

    __slots__ = ()
    cls_to_become: type = _Tensor

    @property
    def _data(self):
        raise ModuleValueError(
            f"Attempted to use an uninitialized parameter ({type(self).__name__}). This error "
            f"happens when you are using a `LazyModule` or explicitly manipulating "
            f"`torch.nn.parameter.{type(self).__name__}` objects. When using LazyModules Call "
            f"`forward` with a dummy batch to initialize the parameters before calling torch "
            f"functions")

    @_data.setter
    def _data(self, value) -> None:
        _DATA.__set__(self, value)

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give this tensor storage of ``shape`` (uninitialized values) on its device and dtype
        (or the ones given), and make it a plain ``Parameter``/``Tensor``."""
        new = torch.empty(tuple(shape), device=device if device is not None else self.device,
                          dtype=dtype if dtype is not None else self.dtype)
        _DATA.__set__(self, new._data)
        self._dtype, self._device, self._version = new._dtype, new._device, new._version
        _SET_CLASS(self, self.cls_to_become)

    @property
    def shape(self):
        raise LazyModuleError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into "
            "an initialized one. Call `forward` to initialize the parameters before accessing "
            "their attributes.")

    def size(self, dim=None):
        """``torch.Size([0])`` (PyTorch allows ``size()`` on uninitialized tensors)."""
        return torch.Size([0]) if dim is None else torch.Size([0])[dim]

    def share_memory_(self):
        raise LazyModuleError(
            "Can't share memory on an uninitialized parameter or buffer. Call `forward` to "
            "initialize the parameters before calling `module.share_memory()`.")

    def _moved(self, name: str, *args, **kwargs):
        real = getattr(torch.empty(0, dtype=self.dtype, device=self.device), name)(
            *args, **kwargs)
        return self._like(real)

    def to(self, *args, **kwargs):
        return self._moved("to", *args, **kwargs)

    def cpu(self, *args, **kwargs):
        return self._moved("cpu", *args, **kwargs)

    def cuda(self, *args, **kwargs):
        return self._moved("cuda", *args, **kwargs)

    def float(self):
        return self._moved("float")

    def double(self):
        return self._moved("double")

    def half(self):
        return self._moved("half")

    def bfloat16(self):
        return self._moved("bfloat16")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad,))

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, self.device, self.dtype)
        return memo[id(self)]


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` whose shape is not known yet (a lazy module's, before its first call).

    Parameters
    ----------
    requires_grad : bool
        Whether the materialised parameter requires gradients.
    device, dtype
        Where and of which dtype it will be materialised (moving the module changes them).
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        return Parameter.__new__(cls, torch.empty(0, device=device, dtype=dtype),
                                 requires_grad)

    def __init__(self, requires_grad: bool = True, device=None, dtype=None) -> None:
        pass

    def _like(self, real):
        # Module._apply points the parameter itself at the result's (empty) storage
        return real


class UninitializedBuffer(UninitializedTensorMixin, _Tensor):
    """A buffer whose shape is not known yet (a lazy norm's running statistics)."""

    __slots__ = ()
    cls_to_become = _Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from .parameter import share
        out = share(cls, torch.empty(0, device=device, dtype=dtype))
        if requires_grad:
            out.requires_grad_(True)
        return out

    def __init__(self, requires_grad: bool = False, device=None, dtype=None) -> None:
        pass

    def _like(self, real):
        # Module._apply stores the result as the buffer: it stays uninitialized
        return UninitializedBuffer(self.requires_grad, real.device, real.dtype)


def is_lazy(param) -> bool:
    """Whether ``param`` is an ``UninitializedParameter`` or ``UninitializedBuffer``."""
    return isinstance(param, UninitializedTensorMixin)


class LazyModuleMixin:
    """Makes a layer lazy: a forward pre-hook calls ``initialize_parameters(*args)`` on the
    first call, then drops the hook and turns the module into ``cls_to_become``."""

    cls_to_become = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                                with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if is_lazy(p) or keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if is_lazy(b) or keep_vars else b.detach()

    def _load_from_state_dict(self, state_dict, prefix, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False) -> None:
        """Materialise an uninitialized tensor to the shape of the initialized one loaded into
        it (PyTorch's ``_lazy_load_hook``); uninitialized into uninitialized loads nothing."""
        skip = set()
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if key in state_dict and t is not None and is_lazy(t):
                src = state_dict[key]
                if is_lazy(src):
                    skip.add(key)
                else:
                    with torch.no_grad():
                        t.materialize(src.shape)
        if skip:
            state_dict = {k: v for k, v in state_dict.items() if k not in skip}
        n = len(missing_keys)
        super()._load_from_state_dict(state_dict, prefix, strict, missing_keys,
                                      unexpected_keys, error_msgs, assign)
        missing_keys[n:] = [k for k in missing_keys[n:] if k not in skip]

    def initialize_parameters(self, *args, **kwargs) -> None:
        """Infer the shapes from the first input and initialise (each lazy layer's own)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer is still uninitialized."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                        self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None) -> None:
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise LazyModuleError(f"module {module._get_name()} has not been fully initialized")
        module.__dict__.pop("_initialize_hook").remove()
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """A ``Linear`` whose ``in_features`` is read off the first input's last dimension."""

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:  # noqa: A002
        if self.has_uninitialized_params():
            with torch.no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # weights loaded from a state_dict before the first call
            if input.shape[-1] != self.weight.shape[-1]:
                raise LazyModuleError(
                    f"The in_features inferred from input: {input.shape[-1]} is not equal to "
                    f"in_features from self.weight: {self.weight.shape[-1]}")
            self.in_features = input.shape[-1]


class _LazyConvXdMixin(LazyModuleMixin):
    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        self.in_channels = self._get_in_channels(input)
        if self.in_channels % self.groups != 0:
            raise ModuleValueError(
                f"{type(self).__name__}: in_channels must be divisible by groups (the input "
                f"has {self.in_channels} channels, groups={self.groups})")
        g, k = self.groups, tuple(self.kernel_size)
        with torch.no_grad():
            if self.transposed:
                self.weight.materialize((self.in_channels, self.out_channels // g) + k)
            else:
                self.weight.materialize((self.out_channels, self.in_channels // g) + k)
            if self.bias is not None:
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()

    def _get_in_channels(self, input) -> int:  # noqa: A002
        nd = self._nd + 1
        if input.ndim not in (nd, nd + 1):
            raise LazyModuleError(
                f"Expected {nd}D (unbatched) or {nd + 1}D (batched) input to "
                f"{type(self).__name__}, but got input of size: {input.shape}")
        return input.shape[1] if input.ndim == nd + 1 else input.shape[0]


class _LazyConv(_LazyConvXdMixin):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device=None,
                 dtype=None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False,
                         padding_mode, device=device, dtype=dtype)
        _lazy_weights(self, out_channels, bias, device, dtype)


class _LazyConvTranspose(_LazyConvXdMixin):
    def __init__(self, out_channels: int, kernel_size, stride=1, padding=0, output_padding=0,
                 groups: int = 1, bias: bool = True, dilation=1, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, output_padding, groups, False,
                         dilation, padding_mode, device=device, dtype=dtype)
        _lazy_weights(self, out_channels, bias, device, dtype)


def _lazy_weights(conv, out_channels: int, bias: bool, device, dtype) -> None:
    conv.weight = UninitializedParameter(device=device, dtype=dtype)
    conv.out_channels = out_channels
    if bias:
        conv.bias = UninitializedParameter(device=device, dtype=dtype)


def _lazy_class(mixin: type, base: type, read: str) -> type:
    """``Lazy<base>``: ``base`` behind ``mixin``, whose ``read`` is read off the first input,
    turning into ``base`` then (PyTorch writes each out as a class of two lines)."""
    name = "Lazy" + base.__name__
    return type(base)(name, (mixin, base), {
        "__doc__": f"A ``{base.__name__}`` whose ``{read}`` is read off the first input.",
        "__module__": __name__, "__qualname__": name, "cls_to_become": base})


LazyConv1d = _lazy_class(_LazyConv, Conv1d, "in_channels")
LazyConv2d = _lazy_class(_LazyConv, Conv2d, "in_channels")
LazyConv3d = _lazy_class(_LazyConv, Conv3d, "in_channels")
LazyConvTranspose1d = _lazy_class(_LazyConvTranspose, ConvTranspose1d, "in_channels")
LazyConvTranspose2d = _lazy_class(_LazyConvTranspose, ConvTranspose2d, "in_channels")
LazyConvTranspose3d = _lazy_class(_LazyConvTranspose, ConvTranspose3d, "in_channels")


class _LazyNormBase(LazyModuleMixin):
    """PyTorch's lazy norms: affine and track_running_stats default to True (the instance
    norms' too), ``num_features`` is the input's dimension 1."""

    def __init__(self, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(0, eps, momentum, False, False, device, dtype, bias=False)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = torch.tensor(0, dtype=torch.int64, device=device)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input) -> None:  # noqa: A002
        if not self.has_uninitialized_params():
            return
        self.num_features = input.shape[1]
        with torch.no_grad():
            for t in (self.weight, self.bias, self.running_mean, self.running_var):
                if t is not None:
                    t.materialize((self.num_features,))
            self.reset_parameters()


# ``num_features`` is the first input's dimension 1
LazyBatchNorm1d = _lazy_class(_LazyNormBase, BatchNorm1d, "num_features")
LazyBatchNorm2d = _lazy_class(_LazyNormBase, BatchNorm2d, "num_features")
LazyBatchNorm3d = _lazy_class(_LazyNormBase, BatchNorm3d, "num_features")
LazyInstanceNorm1d = _lazy_class(_LazyNormBase, InstanceNorm1d, "num_features")
LazyInstanceNorm2d = _lazy_class(_LazyNormBase, InstanceNorm2d, "num_features")
LazyInstanceNorm3d = _lazy_class(_LazyNormBase, InstanceNorm3d, "num_features")
