"""PyTorch's functional spatial ops (issue 16), gathered from their modules for
``trueno.nn.functional``: 3-D and transposed convolutions, interpolation, fold/unfold,
adaptive, 3-D, fractional and LP pooling (and the ``*_with_indices`` forms), max unpooling,
instance norm, local response norm, channel-wise and alpha dropout, embedding_bag,
channel_shuffle, affine_grid and grid_sample."""

from __future__ import annotations

from ._functional_channel import channel_shuffle, local_response_norm
from ._functional_convnd import conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from ._functional_dropout import (
    alpha_dropout, dropout1d, dropout2d, dropout3d, feature_alpha_dropout,
)
from ._functional_embedding_bag import embedding_bag
from ._functional_fold import fold, unfold
from ._functional_grid import affine_grid, grid_sample
from ._functional_instance_norm import instance_norm
from ._functional_interpolate import (
    interpolate, upsample, upsample_bilinear, upsample_nearest,
)
from .pooling import (
    adaptive_max_pool1d, adaptive_max_pool1d_with_indices, adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices, lp_pool1d, lp_pool2d, max_pool1d_with_indices,
    max_pool2d_with_indices, max_unpool1d, max_unpool2d,
)
from .pooling3d import (
    adaptive_avg_pool3d, adaptive_max_pool3d, adaptive_max_pool3d_with_indices, avg_pool3d,
    lp_pool3d, max_pool3d, max_pool3d_with_indices, max_unpool3d,
)
from .pooling_fractional import (
    fractional_max_pool2d, fractional_max_pool2d_with_indices, fractional_max_pool3d,
    fractional_max_pool3d_with_indices,
)

__all__ = ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "fold", "unfold", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool1d",
           "max_unpool2d", "instance_norm", "dropout1d", "dropout2d", "dropout3d",
           "alpha_dropout", "feature_alpha_dropout", "embedding_bag", "max_pool3d", "avg_pool3d",
           "adaptive_avg_pool3d", "adaptive_max_pool3d", "max_unpool3d", "lp_pool1d",
           "lp_pool2d", "lp_pool3d", "local_response_norm", "channel_shuffle", "affine_grid",
           "grid_sample", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "max_pool3d_with_indices", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices",
           "fractional_max_pool2d", "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]
