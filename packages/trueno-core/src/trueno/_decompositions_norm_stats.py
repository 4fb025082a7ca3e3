"""Decomposition of the row ``batch_norm_update_stats``: batch_norm's running statistics moved
toward a batch's, in place (trueno-nn's training step; one fused pass on a backend with a
kernel, where the tensor ops take a multiply, an add and a copy per buffer).

``running_mean = (1 - momentum) running_mean + momentum mean`` and ``running_var = (1 -
momentum) running_var + (momentum factor) var`` (``factor = n / (n - 1)`` turns the batch's
biased variance into the unbiased one), the scalars formed on the host in double precision,
the tensors in their dtype (float16/bfloat16 in float32, rounded once); the layer's integer
``num_batches_tracked`` (when given) counts the batch.
"""

from __future__ import annotations

from ._decompositions_optim import _compute, _NoGrad, _store

__all__ = ["batch_norm_update_stats"]


def batch_norm_update_stats(running_mean, running_var, mean, var, num_batches_tracked=None, *,
                            momentum, factor=1.0):
    """Move ``running_mean`` and ``running_var`` (each (C,), or None) toward ``mean`` and
    ``factor * var`` by ``momentum`` and add 1 to ``num_batches_tracked`` (or None), in
    place; returns ``running_mean`` (or ``running_var`` without one)."""
    keep, scale = 1.0 - momentum, momentum * factor
    with _NoGrad():
        if running_mean is not None:
            _store(running_mean, _compute(running_mean) * keep + _compute(mean) * momentum)
        if running_var is not None:
            _store(running_var, _compute(running_var) * keep + _compute(var) * scale)
        if num_batches_tracked is not None:
            _store(num_batches_tracked, num_batches_tracked + 1)
    return running_mean if running_mean is not None else running_var
