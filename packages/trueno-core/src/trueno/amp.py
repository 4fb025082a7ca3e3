"""``trueno.amp``: mixed precision. ``autocast`` lives in the core (the dispatcher consults
it); ``GradScaler`` needs optimizers and comes from the plugin package (DESIGN.md §1).

``autocast_function(name)`` decorates a function that has no op row of its own (an nn
functional op such as ``linear``, ``conv2d`` or a loss) so that its tensor arguments follow
autocast's policy for ``name``, as PyTorch's per-op autocast kernels do."""

from __future__ import annotations

from ._autocast import (
    AutocastError, autocast, autocast_function, get_autocast_dtype, is_autocast_available,
    is_autocast_enabled,
)

__all__ = ["autocast", "GradScaler",  # noqa: F822  (__getattr__)
           "is_autocast_available", "is_autocast_enabled",
           "get_autocast_dtype", "autocast_function", "AutocastError"]


def __getattr__(name: str):
    """``GradScaler`` from trueno-nn on first use (an ImportError naming the extra when the
    package is missing)."""
    if name == "GradScaler":
        from ._errors import missing_extra
        try:
            from trueno_nn.amp import GradScaler
        except ImportError as exc:
            if exc.name is None or not exc.name.startswith("trueno_"):
                raise
            raise missing_extra("trueno.amp.GradScaler", "nn") from None
        return GradScaler
    raise AttributeError(f"module 'trueno.amp' has no attribute {name!r}")
