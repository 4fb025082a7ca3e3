"""PyTorch's spatial layers (issue 16), gathered from their modules for ``trueno.nn``:
3-D and transposed convolutions, upsampling."""

from __future__ import annotations

from .layers_convnd import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers_upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d"]
