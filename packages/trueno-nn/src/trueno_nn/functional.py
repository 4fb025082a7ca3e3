"""``trueno.nn.functional`` (``import trueno.nn.functional as F``): PyTorch's functional API."""

from __future__ import annotations

from ._functional_act import *  # noqa: F403
from ._functional_act import __all__ as _act
from ._functional_conv_norm import *  # noqa: F403
from ._functional_conv_norm import __all__ as _conv
from ._functional_loss import *  # noqa: F403
from ._functional_loss import __all__ as _loss
from ._functional_loss_pairwise import *  # noqa: F403
from ._functional_loss_pairwise import __all__ as _pairwise
from ._functional_shape import *  # noqa: F403
from ._functional_shape import __all__ as _shape
from ._functional_spatial import *  # noqa: F403
from ._functional_spatial import __all__ as _spatial
from .attention import scaled_dot_product_attention
from .pooling import (
    adaptive_avg_pool1d, adaptive_avg_pool2d, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d,
)

__all__ = list(_act) + list(_conv) + list(_loss) + list(_shape) + list(_pairwise) + \
    list(_spatial) + [
    "scaled_dot_product_attention", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d"]
