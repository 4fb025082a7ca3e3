"""``threshold_backward``: relu's input gradient from its output, PyTorch's
``x <= threshold ? 0 : grad``, in one elementwise launch (the row's decomposition is a compare
and a ``where``: two). ``x`` NaN passes ``grad`` on (an ordered ``<=`` is false for NaN, as
the comparison kernels compute it); the threshold travels as a scalar of ``x``'s dtype in the
launch's metadata, so a call uploads nothing."""

from __future__ import annotations

import numpy as np

from ._codegen import ZERO, new_array
from ._dtypes import dtype_info
from ._elementwise import launch, rt_of

__all__ = ["threshold_backward", "make_kernels"]


def threshold_backward(grad, x, threshold=0.0):
    """``grad`` where ``x > threshold`` (or NaN), else 0: a new array of the broadcast shape
    and ``grad``'s dtype (core has given both operands one dtype)."""
    dt = dtype_info(grad.dtype)
    rt = rt_of(grad)
    shape = grad.shape if grad.shape == x.shape else np.broadcast_shapes(grad.shape, x.shape)
    return launch(("threshold_backward", dt.name), f"select(x0, {ZERO[dt.tkey]}, x1 <= x2)",
                  [grad, x, (threshold, x.dtype)], new_array(rt, shape, grad.dtype), rt)


def make_kernels(all_dtypes) -> dict:
    """Every float dtype (narrowed to the adapter's features at registration)."""
    return {"threshold_backward": {d: threshold_backward for d in all_dtypes
                                   if dtype_info(d).kind == "f"}}
