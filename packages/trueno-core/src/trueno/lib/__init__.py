"""NumPy's ``numpy.lib`` namespace, the parts trueno has: ``stride_tricks``."""

from __future__ import annotations

from . import stride_tricks

__all__ = ["stride_tricks"]
