"""PyTorch's spatial layers (issue 16), gathered from their modules for ``trueno.nn``:
3-D and transposed convolutions, upsampling,
fold/unfold, adaptive max pooling and max unpooling."""

from __future__ import annotations

from .layers_convnd import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers_fold import Fold, Unfold
from .layers_upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .pooling import AdaptiveMaxPool1d, AdaptiveMaxPool2d, MaxUnpool1d, MaxUnpool2d

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d", "Fold", "Unfold", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d"]
