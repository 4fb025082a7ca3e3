"""Reference (NumPy) kernel of ``batch_norm_update_stats`` (decomposition and semantics in
``_decompositions_norm_stats``): batch_norm's running statistics moved in place."""

from __future__ import annotations

import numpy as np


def _move(running, stat, keep: float, scale: float) -> None:
    ct = np.float32 if running.dtype.itemsize == 2 else running.dtype.type
    new = running.astype(ct) * ct(keep) + stat.astype(ct) * ct(scale)
    np.copyto(running, new, casting="unsafe")


def batch_norm_update_stats(running_mean, running_var, mean, var, num_batches_tracked=None, *,
                            momentum, factor=1.0):
    """``running = (1 - momentum) running + momentum (factor) stat`` for the mean and the
    variance and ``num_batches_tracked += 1``, in place; returns ``running_mean``
    (``running_var`` without one)."""
    if running_mean is not None:
        _move(running_mean, mean, 1.0 - momentum, momentum)
    if running_var is not None:
        _move(running_var, var, 1.0 - momentum, momentum * factor)
    if num_batches_tracked is not None:
        num_batches_tracked += 1
    return running_mean if running_mean is not None else running_var


KERNELS = {"batch_norm_update_stats": batch_norm_update_stats}
