"""Placeholder module wired into trueno.nn.functional; filled in by the issue-16 work."""

from __future__ import annotations

__all__: list[str] = []
