"""GPU kernels of the linalg ops (one workgroup per matrix)."""

from __future__ import annotations

__all__ = ["make_kernels"]


def make_kernels(dtypes) -> dict:
    """op name -> {dtype name: kernel}."""
    return {}
