"""The 3-D padding modules (the last three dims), as PyTorch's: ConstantPad3d, ZeroPad3d,
ReflectionPad3d, ReplicationPad3d and CircularPad3d; ``F.pad`` does the work."""

from __future__ import annotations

from .layers_extra import _ConstantPadNd, _PadNd

__all__ = ["ConstantPad3d", "ZeroPad3d", "ReflectionPad3d", "ReplicationPad3d",
           "CircularPad3d"]


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with ``value``."""

    _nd = 3


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(_PadNd):
    """Reflect the last three dims at their edges (the edge not repeated)."""

    _mode, _nd = "reflect", 3


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims."""

    _mode, _nd = "replicate", 3


class CircularPad3d(_PadNd):
    """Wrap the last three dims around."""

    _mode, _nd = "circular", 3
