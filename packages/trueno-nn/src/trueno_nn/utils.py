"""``nn.utils`` (PyTorch's ``torch.nn.utils``): gradient clipping and the conversion between
parameters and one flat vector; the same functions as ``trueno.optim``'s."""

from __future__ import annotations

from .optim._clip import *  # noqa: F403
from .optim._clip import __all__  # noqa: F401
