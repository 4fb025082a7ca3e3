"""``trueno.autograd``: the public face of the trueno-autograd plugin (a shim; DESIGN.md §1)."""

from __future__ import annotations

from ._errors import missing_extra

try:
    from trueno_autograd import *  # noqa: F403
    from trueno_autograd import __all__  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised by the missing-extra test
    if exc.name is None or not exc.name.startswith("trueno_autograd"):
        raise
    raise missing_extra("trueno.autograd", "autograd") from None
