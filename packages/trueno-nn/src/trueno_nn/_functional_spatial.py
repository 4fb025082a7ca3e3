"""PyTorch's functional spatial ops (issue 16), gathered from their modules for
``trueno.nn.functional``: 3-D and transposed convolutions."""

from __future__ import annotations

from ._functional_convnd import conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d

__all__ = ["conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
