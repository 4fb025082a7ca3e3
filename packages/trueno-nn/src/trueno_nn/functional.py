"""``trueno.nn.functional`` (``import trueno.nn.functional as F``): PyTorch's functional API."""

from __future__ import annotations

from ._functional_act import *  # noqa: F403
from ._functional_act import __all__ as _act
from ._functional_conv_norm import *  # noqa: F403
from ._functional_conv_norm import __all__ as _conv
from ._functional_loss import *  # noqa: F403
from ._functional_loss import __all__ as _loss
from .attention import scaled_dot_product_attention

__all__ = list(_act) + list(_conv) + list(_loss) + ["scaled_dot_product_attention"]
