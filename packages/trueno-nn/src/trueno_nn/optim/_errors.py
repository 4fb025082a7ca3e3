"""Error types of ``trueno.optim``: each subclasses ``TruenoError`` and PyTorch's built-in."""

from __future__ import annotations

from trueno import TruenoError

__all__ = ["OptimizerTypeError", "OptimizerValueError", "OptimizerKeyError"]


class OptimizerValueError(TruenoError, ValueError):
    """A bad hyperparameter, parameter group or state dict for an optimizer or scheduler."""


class OptimizerTypeError(TruenoError, TypeError):
    """Parameters or a parameter group of the wrong kind."""


class OptimizerKeyError(TruenoError, KeyError):
    """A state dict or parameter group without a required key."""
