"""Conv3d and ConvTranspose1d/2d/3d, with PyTorch's arguments, parameter names and shapes,
initialisation (same random draws) and repr."""

from __future__ import annotations

import trueno.torch as torch

from . import _functional_convnd as F
from ._errors import ModuleValueError
from .layers_conv_norm import _ConvNd
from .module import Module
from .parameter import Parameter

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class Conv3d(_ConvNd):
    """3-D convolution (cross-correlation) over ``(N, C, D, H, W)``."""

    _nd = 3

    def forward(self, input):  # noqa: A002
        x, padding = self._padded(input)
        return F.conv3d(x, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution: weight ``(in, out/groups, *kernel)``, initialised as a
    convolution's (its fan-in is ``out/groups * prod(kernel)``, as PyTorch computes it)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        Module.__init__(self)
        nd = self._nd
        name = type(self).__name__
        if padding_mode != "zeros":
            raise ModuleValueError(f'Only "zeros" padding mode is supported for {name}')
        if groups <= 0:
            raise ModuleValueError("groups must be a positive integer")
        if in_channels % groups or out_channels % groups:
            raise ModuleValueError("in_channels and out_channels must be divisible by groups")
        if isinstance(padding, str):
            raise ModuleValueError(f"{name}: padding={padding!r} is not supported\n"
                                   f"  hint: give the padding as ints")

        def tup(v):
            return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = tup(kernel_size), tup(stride), \
            tup(padding)
        self.dilation, self.output_padding = tup(dilation), tup(output_padding)
        self.transposed = True
        self.groups, self.padding_mode = groups, padding_mode
        dt = dtype or torch.float32
        self.weight = Parameter(torch.empty((in_channels, out_channels // groups)
                                            + self.kernel_size, dtype=dt, device=device))
        if bias:
            self.bias = Parameter(torch.empty((out_channels,), dtype=dt, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def _output_padding(self, input, output_size) -> tuple:  # noqa: A002
        """PyTorch's ``output_size=``: the output padding that gives that size (the size's
        leading batch and channel entries may be given too)."""
        nd = self._nd
        if output_size is None:
            return self.output_padding
        lead = 2 if input.ndim == nd + 2 else 1
        size = [int(v) for v in output_size]
        if len(size) == lead + nd:
            size = size[lead:]
        if len(size) != nd:
            raise ModuleValueError(
                f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} or "
                f"{nd + lead} elements (got {len(output_size)})")
        lo = [(input.shape[lead + i] - 1) * self.stride[i] - 2 * self.padding[i]
              + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(nd)]
        hi = [lo[i] + self.stride[i] - 1 for i in range(nd)]
        if any(not lo[i] <= size[i] <= hi[i] for i in range(nd)):
            raise ModuleValueError(
                f"requested an output size of {size}, but valid sizes range from {lo} to "
                f"{hi} (for an input of {list(input.shape[lead:])})")
        return tuple(size[i] - lo[i] for i in range(nd))

    def forward(self, input, output_size=None):  # noqa: A002
        op = self._output_padding(input, output_size)
        return self._fn(input, self.weight, self.bias, self.stride, self.padding, op,
                        self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution over ``(N, C, L)``."""

    _nd = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution over ``(N, C, H, W)``."""

    _nd = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution over ``(N, C, D, H, W)``."""

    _nd = 3
    _fn = staticmethod(F.conv_transpose3d)
