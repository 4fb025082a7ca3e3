"""GPU kernels of the the less common elementwise ops."""

from __future__ import annotations

__all__ = ["make_kernels"]


def make_kernels(dtypes) -> dict:
    """op name -> {dtype name: kernel}."""
    return {}
