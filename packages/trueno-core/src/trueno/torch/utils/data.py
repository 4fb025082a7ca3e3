"""``torch.utils.data`` on the PyTorch face: the same objects as ``trueno.utils.data``."""

from __future__ import annotations

from trueno.utils.data import *  # noqa: F403
from trueno.utils.data import __all__  # noqa: F401
