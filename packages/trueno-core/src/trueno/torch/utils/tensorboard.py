"""``torch.utils.tensorboard`` on the PyTorch face: the same objects as
``trueno.utils.tensorboard`` (``SummaryWriter``)."""

from __future__ import annotations

from trueno.utils.tensorboard import *  # noqa: F403
from trueno.utils.tensorboard import __all__  # noqa: F401
