"""The one helper that runs the NumPy surface's op rows (issue 5).

Gathers and scatters (``take``, ``gather``, ``scatter_add``, ...) and the data-dependent
functions (``unique``, ``histogram``, ``searchsorted``, ...) are ops: one row each in the op
table (``trueno._optable``, declared with ``numpy_row``; ``SURFACE_OPS`` names them) and one
reference kernel each in ``_reference/_surface.py``, so a backend can register a kernel of the
same name (the GPU backend's ``take(x, indices, axis)``, ``gather(x, axis, index)`` and
``scatter_add(x, axis, index, src)`` return new arrays). Kernels receive the device arrays of
the tensor inputs, then the parameters by keyword; they return a new array or a tuple of
arrays. Functions that are compositions of other ops (``flip``, ``hstack``, ...) have no row.
"""

from __future__ import annotations

import numpy as np

from . import _dispatch as X
from ._creation import asarray
from ._errors import AxisError
from ._optable import OPS, SURFACE_OPS
from ._tensor import Tensor

__all__ = ["call", "as_t", "SURFACE_OPS"]


def as_t(x, like=None, dtype=None):
    """``x`` as a tensor (on ``like``'s device and of its class when ``like`` is given)."""
    if isinstance(x, Tensor):
        return x if dtype is None else x.astype(dtype, copy=False)
    if like is not None:
        return asarray(x, dtype=dtype, device=like._device, cls=like.__class__)
    return asarray(x, dtype=dtype)


def call(name, tensors, params=None, dtype=None):
    """Run op ``name`` on ``tensors`` (same device) with keyword ``params``; the first tensor
    gives the class, device and (unless ``dtype`` is given) the kernel's dtype."""
    x0 = tensors[0]
    for t in tensors[1:]:
        if t._device is not x0._device:
            X.check_device(name, x0, t)
    try:
        return X.run(OPS[name], tuple(tensors), tuple(t._data for t in tensors),
                     params or {}, x0.__class__, x0._device, dtype or x0._dtype)
    except np.exceptions.AxisError as exc:  # from a NumPy-based kernel
        raise AxisError(f"{name}: {exc}") from None
