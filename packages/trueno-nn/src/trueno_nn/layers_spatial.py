"""PyTorch's spatial layers (issue 16), gathered from their modules for ``trueno.nn``:
3-D and transposed convolutions, upsampling, fold/unfold, adaptive, 3-D, fractional and LP
pooling, max unpooling, instance norm, BatchNorm3d, LocalResponseNorm, channel-wise and alpha
dropout, EmbeddingBag, ChannelShuffle, Softmax2d and the 3-D padding modules."""

from __future__ import annotations

from .layers_channel import ChannelShuffle, LocalResponseNorm
from .layers_convnd import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers_dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .layers_embedding_bag import EmbeddingBag
from .layers_fold import Fold, Unfold
from .layers_instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers_upsample import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d
from .layers_norm3d import BatchNorm3d, Softmax2d
from .layers_pad3d import (
    CircularPad3d, ConstantPad3d, ReflectionPad3d, ReplicationPad3d, ZeroPad3d,
)
from .pooling import (
    AdaptiveMaxPool1d, AdaptiveMaxPool2d, LPPool1d, LPPool2d, MaxUnpool1d, MaxUnpool2d,
)
from .pooling3d import (
    AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, LPPool3d, MaxPool3d, MaxUnpool3d,
)
from .pooling_fractional import FractionalMaxPool2d, FractionalMaxPool3d

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Upsample",
           "UpsamplingNearest2d", "UpsamplingBilinear2d", "Fold", "Unfold", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout", "EmbeddingBag", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d",
           "AdaptiveMaxPool3d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d",
           "LocalResponseNorm", "ChannelShuffle", "ConstantPad3d", "ZeroPad3d", "ReflectionPad3d",
           "ReplicationPad3d", "CircularPad3d", "BatchNorm3d", "Softmax2d", "FractionalMaxPool2d",
           "FractionalMaxPool3d"]
