"""trueno-gpu's optional C extension, ``_crecord`` (issue 18: a small op's record path and
the storage finalizer in C), or None: not built (no C compiler at install time) or turned
off with ``TRUENO_PURE_PYTHON=1`` (as trueno-core's ``_cindex``). Every user keeps the same
path in Python."""

from __future__ import annotations

import os

try:
    if os.environ.get("TRUENO_PURE_PYTHON") == "1":
        raise ImportError("TRUENO_PURE_PYTHON=1")
    from . import _crecord as crecord
except ImportError:
    crecord = None

__all__ = ["crecord"]
