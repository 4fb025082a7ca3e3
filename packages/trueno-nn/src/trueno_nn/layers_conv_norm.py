"""Conv1d, Conv2d, BatchNorm1d/2d, GroupNorm and RMSNorm, with PyTorch's arguments, parameter
and buffer names, initialisation and repr."""

from __future__ import annotations

import math

import trueno.torch as torch

from . import _functional_conv_norm as F
from . import _functional_shape as FS
from . import init
from ._errors import ModuleValueError
from ._functional_batch_norm import batch_norm_counted
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "GroupNorm", "RMSNorm"]


def _empty(shape, device=None, dtype=None):
    return torch.empty(shape, dtype=dtype or torch.float32, device=device)


class _ConvNd(Module):
    _nd = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        nd = self._nd
        if groups <= 0:
            raise ModuleValueError("groups must be a positive integer")
        if in_channels % groups or out_channels % groups:
            raise ModuleValueError("in_channels and out_channels must be divisible by groups")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ModuleValueError(f"padding_mode must be one of ['zeros', 'reflect', "
                                   f"'replicate', 'circular'], but got padding_mode="
                                   f"'{padding_mode}'")

        def tup(v):
            return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.dilation = tup(kernel_size), tup(stride), \
            tup(dilation)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ModuleValueError(f"Invalid padding string {padding!r}, should be one of "
                                       f"{{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ModuleValueError("padding='same' is not supported for strided "
                                       "convolutions")
            self.padding = padding
        else:
            self.padding = tup(padding)
        self.output_padding = (0,) * nd
        self.transposed = False
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(_empty((out_channels, in_channels // groups)
                                       + self.kernel_size, device, dtype))
        if bias:
            self.bias = Parameter(_empty((out_channels,), device, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.kernel_size):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _padded(self, input):  # noqa: A002
        """``padding_mode`` other than zeros: pad the input with it (PyTorch's reversed,
        repeated padding; 'same' splits the total, the odd one on the right)."""
        if self.padding_mode == "zeros":
            return input, self.padding
        pads = []
        for i in reversed(range(len(self.kernel_size))):
            if self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                pads += [total // 2, total - total // 2]
            elif self.padding == "valid":
                pads += [0, 0]
            else:
                pads += [self.padding[i], self.padding[i]]
        return FS.pad(input, pads, self.padding_mode), 0


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over ``(N, C, H, W)``."""

    def forward(self, input):  # noqa: A002
        x, padding = self._padded(input)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over ``(N, C, L)``."""

    _nd = 1

    def forward(self, input):  # noqa: A002
        x, padding = self._padded(input)
        pad = padding if isinstance(padding, (str, int)) else padding[0]
        return F.conv1d(x, self.weight, self.bias, self.stride[0], pad, self.dilation[0],
                        self.groups)


class _BatchNorm(Module):
    _dims: tuple = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(_empty((num_features,), device, dtype))
            if bias:
                self.bias = Parameter(_empty((num_features,), device, dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", torch.zeros(num_features, device=device,
                                                             dtype=dtype or torch.float32))
            self.register_buffer("running_var", torch.ones(num_features, device=device,
                                                           dtype=dtype or torch.float32))
            self.register_buffer("num_batches_tracked",
                                 torch.tensor(0, dtype=torch.int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        if input.ndim not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ModuleValueError(f"expected {want} input (got {input.ndim}D input)")
        d = self.__dict__
        bufs, params = d["_buffers"], d["_parameters"]
        plain = _PLAIN.get(type(self))
        if plain is None:
            plain = _plain(type(self))
        if not (plain and "running_mean" in bufs and "running_var" in bufs and
                "weight" in params and "bias" in params and "num_batches_tracked" in bufs):
            return self._forward_attrs(input)
        # the registered buffers and parameters read from their stores (what the attribute
        # reads return, without Module.__getattr__'s call for each: once per layer and step)
        momentum, training = self.momentum, self.training
        factor = 0.0 if momentum is None else momentum
        counter = None
        if training and self.track_running_stats:
            if momentum is None:
                bufs["num_batches_tracked"].add_(1)
                factor = 1.0 / float(bufs["num_batches_tracked"])
            else:  # counted with the running statistics (one launch with them on a GPU)
                counter = bufs["num_batches_tracked"]
        running_mean = bufs["running_mean"]
        use_batch = training or running_mean is None
        track = not training or self.track_running_stats
        return batch_norm_counted(input, running_mean if track else None,
                                  bufs["running_var"] if track else None, params["weight"],
                                  params["bias"], use_batch, factor, self.eps, counter)

    def _forward_attrs(self, input):  # noqa: A002
        """``forward`` through attribute reads (a layer whose stores were changed)."""
        factor = 0.0 if self.momentum is None else self.momentum
        counter = None
        if self.training and self.track_running_stats:
            if self.momentum is None:
                self.num_batches_tracked.add_(1)
                factor = 1.0 / float(self.num_batches_tracked)
            else:  # counted with the running statistics (one launch with them on a GPU)
                counter = self.num_batches_tracked
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm_counted(input, self.running_mean if track else None,
                                  self.running_var if track else None, self.weight, self.bias,
                                  use_batch, factor, self.eps, counter)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


_STORED = ("running_mean", "running_var", "num_batches_tracked", "weight", "bias")
_PLAIN: dict = {}  # a _BatchNorm class -> whether no class attribute shadows a stored name


def _plain(cls) -> bool:
    """Whether instances of ``cls`` read ``_STORED`` names from their stores (no class in its
    MRO defines one: a property would take precedence over ``Module.__getattr__``)."""
    ok = _PLAIN[cls] = not any(n in c.__dict__ for c in cls.__mro__ for n in _STORED)
    return ok


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` or ``(N, C, L)`` over N (and L)."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of ``(N, C, H, W)`` over N, H, W."""

    _dims = (4,)


class GroupNorm(Module):
    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ModuleValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, \
            num_channels, eps, affine
        if affine:
            self.weight = Parameter(_empty((num_channels,), device, dtype))
            init.ones_(self.weight)
            if bias:
                self.bias = Parameter(_empty((num_channels,), device, dtype))
                init.zeros_(self.bias)
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class RMSNorm(Module):
    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_empty(self.normalized_shape, device, dtype))
            init.ones_(self.weight)
        else:
            self.register_parameter("weight", None)

    def forward(self, input):  # noqa: A002
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
