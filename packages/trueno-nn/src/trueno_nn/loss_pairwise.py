"""Placeholder module wired into trueno.nn; filled in by the issue-16 work."""

from __future__ import annotations

__all__: list[str] = []
