"""``torch.utils`` on the PyTorch face: ``torch.utils.data`` (needs the 'nn' extra)."""

from __future__ import annotations

from . import data

__all__ = ["data"]
