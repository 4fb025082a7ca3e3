"""NumPy's ``numpy.lib.stride_tricks`` on trueno arrays: ``as_strided`` and
``sliding_window_view`` give views of a CPU array's memory (NumPy's own code computes them),
``broadcast_to``/``broadcast_arrays``/``broadcast_shapes`` are trueno's."""

from __future__ import annotations

import numpy as np

from .. import _dispatch as X
from .._device import CPU
from .._errors import DeviceError
from .._manipulation import broadcast_arrays, broadcast_shapes, broadcast_to
from .._surface_ops import as_t

__all__ = ["as_strided", "sliding_window_view", "broadcast_to", "broadcast_arrays",
           "broadcast_shapes"]


def _strided_view(name: str, x, data: np.ndarray):
    """Wrap the NumPy view ``data`` of CPU array ``x`` as a trueno view of ``x``."""
    out = X.wrap(x.__class__, data, CPU, x._version, x._dtype)
    out._base = (x, name, {})
    return out


def _check(name: str, x) -> None:
    if x._device is not CPU:
        raise DeviceError(f"{name}: views with arbitrary strides are made of CPU arrays only "
                          f"(this one is on {x._device})\n  hint: x.to('cpu') first")
    if x._ag is not None:
        raise DeviceError(f"{name}: autograd cannot record a view with arbitrary strides\n"
                          f"  hint: use x.detach()")


def as_strided(x, shape=None, strides=None, subok: bool = False, writeable: bool = True):
    """NumPy's ``as_strided``: a view of ``x``'s memory with ``shape`` and byte ``strides``
    (no bounds check, as NumPy: a wrong stride reads other memory)."""
    x = as_t(x)
    _check("as_strided", x)
    data = np.lib.stride_tricks.as_strided(x._data, shape=shape, strides=strides,
                                           writeable=writeable)
    return _strided_view("as_strided", x, data)


def sliding_window_view(x, window_shape, axis=None, *, subok: bool = False,
                        writeable: bool = False):
    """NumPy's ``sliding_window_view``: every window of ``window_shape`` over ``axis`` as a
    read-only view (``writeable=True`` makes it writeable, as NumPy)."""
    x = as_t(x)
    _check("sliding_window_view", x)
    data = np.lib.stride_tricks.sliding_window_view(x._data, window_shape, axis=axis,
                                                    writeable=writeable)
    return _strided_view("sliding_window_view", x, data)
