"""NumPy-surface functions (issue 5), re-exported by ``trueno/__init__.py``."""

from __future__ import annotations

__all__: list[str] = []
