"""Error types of ``trueno.utils.data``: each subclasses ``TruenoError`` and PyTorch's built-in."""

from __future__ import annotations

from trueno import TruenoError

__all__ = ["DataRuntimeError", "DataTypeError", "DataValueError"]


class DataValueError(TruenoError, ValueError):
    """A bad argument to a dataset, sampler or ``DataLoader`` (PyTorch: ``ValueError``)."""


class DataTypeError(TruenoError, TypeError):
    """A value of the wrong type, e.g. a batch element ``default_collate`` cannot stack."""


class DataRuntimeError(TruenoError, RuntimeError):
    """A failure while loading, e.g. list samples of different lengths or a dead worker."""
