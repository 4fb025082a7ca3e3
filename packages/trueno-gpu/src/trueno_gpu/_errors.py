"""Errors of the GPU backend; they subclass trueno's error types once trueno-core has them."""

from __future__ import annotations

try:  # trueno-core defines the error hierarchy (docs/design.md section 5)
    from trueno.backend import DeviceError as _DeviceBase
except Exception:  # pragma: no cover - core without _errors yet
    _DeviceBase = RuntimeError
try:
    from trueno.backend import TruenoError as _TruenoBase
except Exception:  # pragma: no cover
    _TruenoBase = Exception
try:
    from trueno.backend import TruenoIndexError as _IndexBase
except Exception:  # pragma: no cover
    _IndexBase = IndexError

__all__ = ["GpuUnavailableError", "GpuDtypeError", "GpuLimitError", "GpuValueError",
           "GpuIndexError"]


def _bases(*parents):
    bases = []
    for b in parents:
        if b is not Exception and not any(issubclass(x, b) for x in bases):
            bases.append(b)
    return tuple(bases)


class GpuUnavailableError(*_bases(_DeviceBase, _TruenoBase, RuntimeError)):
    """No usable WebGPU adapter: the message names the missing piece and the adapters seen."""


class GpuDtypeError(*_bases(_DeviceBase, _TruenoBase, TypeError)):
    """A dtype the GPU (or this adapter) cannot hold or compute with: a device problem
    (trueno's DeviceError, a RuntimeError) and a TypeError, as it always was."""


class GpuLimitError(*_bases(_DeviceBase, _TruenoBase, RuntimeError)):
    """A buffer larger than the adapter's per-binding limit."""


class GpuValueError(*_bases(_TruenoBase, ValueError)):
    """An argument value NumPy refuses with a ValueError (e.g. a negative integer exponent)."""


class GpuIndexError(*_bases(_IndexBase, _TruenoBase, IndexError, RuntimeError)):
    """An index out of range that a GPU kernel found (``_index_checks``), raised at the next
    sync: an IndexError (NumPy's type) and a RuntimeError (PyTorch's device-side assert)."""
