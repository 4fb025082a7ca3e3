"""``torch.nn`` on the PyTorch face: the same module object as ``trueno.nn``, so that
``import trueno.torch.nn as nn`` works as a first import (needs the 'nn' extra)."""

from __future__ import annotations

import sys

from .. import nn as _nn

sys.modules[__name__] = _nn
