"""Error types. Each subclasses ``TruenoError`` and the built-in a Python user would catch."""

from __future__ import annotations

__all__ = [
    "TruenoError", "ShapeError", "DTypeError", "AxisError", "TruenoIndexError", "DeviceError",
    "BackendError", "LinAlgError", "FormatError", "MissingExtraError", "InternalOverlapError",
]


class TruenoError(Exception):
    """Base class of every error trueno raises for a user mistake."""


class ShapeError(TruenoError, ValueError, RuntimeError):
    """Shapes that do not fit the op's rule (broadcasting, matmul, reshape, ...): a ValueError
    as NumPy raises, and a RuntimeError as PyTorch raises, so either face's ``except`` works."""


class DTypeError(TruenoError, TypeError):
    """A dtype the op does not accept, or a cast the casting rule forbids."""


class ScalarOverflowError(DTypeError, OverflowError):
    """A Python int the array's dtype cannot hold (NumPy 2 raises OverflowError, NEP 50)."""


class AxisError(TruenoError, ValueError, IndexError):
    """An axis out of range for the array's number of dimensions (like ``numpy.AxisError``)."""


class TruenoIndexError(TruenoError, IndexError):
    """An index out of range, or an index expression of the wrong kind."""


class DeviceError(TruenoError, RuntimeError):
    """Tensors on different devices, or an op/dtype a device does not have."""


class BackendError(TruenoError, RuntimeError):
    """An unknown backend name, or a backend that could not be used."""


class LinAlgError(TruenoError, ValueError):
    """A linear-algebra failure a NumPy user knows as ``numpy.linalg.LinAlgError``."""


class FormatError(TruenoError, ValueError):
    """A corrupt, truncated or unsafe file."""


class MissingExtraError(TruenoError, ImportError):
    """A feature that needs an optional package (an extra) that is not installed."""


def missing_extra(feature: str, extra: str) -> MissingExtraError:
    """The one message for a feature whose extra is not installed."""
    return MissingExtraError(f"{feature} needs the '{extra}' extra: pip install 'trueno[{extra}]'")


class InternalOverlapError(TruenoError, ValueError, RuntimeError):
    """An in-place write into a view whose elements share memory (PyTorch: RuntimeError;
    NumPy: ValueError, since its broadcast views are read-only)."""
