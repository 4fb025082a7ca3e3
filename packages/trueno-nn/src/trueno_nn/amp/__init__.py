"""``trueno.amp`` (and ``trueno.torch.amp``): mixed precision. ``autocast`` is the core's
(``trueno.amp``, consulted by the dispatcher); ``GradScaler`` scales the loss so that
float16 gradients do not underflow, and skips a step whose gradients overflowed."""

from __future__ import annotations

from trueno.amp import (
    autocast, autocast_function, get_autocast_dtype, is_autocast_available, is_autocast_enabled,
)

from .grad_scaler import GradScaler, GradScalerError, GradScalerValueError, OptState

__all__ = ["autocast", "GradScaler", "GradScalerError", "GradScalerValueError", "OptState",
           "is_autocast_available", "is_autocast_enabled", "get_autocast_dtype",
           "autocast_function"]
