"""GPU kernels of the complex64/complex128 kernels."""

from __future__ import annotations

__all__ = ["make_kernels"]


def make_kernels(dtypes) -> dict:
    """op name -> {dtype name: kernel}."""
    return {}
