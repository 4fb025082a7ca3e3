"""``torch.utils`` on the PyTorch face: ``torch.utils.data`` (needs the 'nn' extra) and
``torch.utils.checkpoint`` (activation checkpointing)."""

from __future__ import annotations

from . import checkpoint, data

__all__ = ["checkpoint", "data"]
