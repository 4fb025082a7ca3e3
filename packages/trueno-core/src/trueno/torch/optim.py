"""``torch.optim`` on the PyTorch face: the same module object as ``trueno.optim``, so that
``import trueno.torch.optim`` works as a first import (needs the 'nn' extra)."""

from __future__ import annotations

import sys

from .. import optim as _optim

sys.modules[__name__] = _optim
