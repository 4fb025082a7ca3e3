"""BatchNorm3d and Softmax2d, as PyTorch's (BatchNorm3d shares BatchNorm2d's parameters,
buffers, statistics and repr)."""

from __future__ import annotations

from ._errors import ModuleValueError
from ._functional_act import softmax
from .layers_conv_norm import _BatchNorm
from .module import Module

__all__ = ["BatchNorm3d", "Softmax2d"]


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of ``(N, C, D, H, W)`` over N, D, H, W."""

    _dims = (5,)


class Softmax2d(Module):
    """Softmax over the channels of each spatial location of ``(N, C, H, W)`` or
    ``(C, H, W)``."""

    def forward(self, input):  # noqa: A002
        if input.ndim not in (3, 4):
            raise ModuleValueError(f"Softmax2d: expected input to be 3D or 4D, got "
                                   f"{input.ndim}D instead")
        return softmax(input, -3)
