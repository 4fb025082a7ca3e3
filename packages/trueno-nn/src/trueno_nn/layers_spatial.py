"""PyTorch's spatial layers (issue 16), gathered from their modules for ``trueno.nn``:
3-D and transposed convolutions."""

from __future__ import annotations

from .layers_convnd import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = ["Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
