"""``trueno.utils.tensorboard``: ``SummaryWriter`` for TensorBoard event files; a shim that
imports the plugin package providing it (DESIGN.md §1)."""

from __future__ import annotations

from .._errors import missing_extra

try:
    from trueno_nn.tensorboard import *  # noqa: F403
    from trueno_nn.tensorboard import __all__  # noqa: F401
except ImportError as exc:
    if exc.name is None or not exc.name.startswith("trueno_"):
        raise
    raise missing_extra("trueno.utils.tensorboard", "nn") from None
