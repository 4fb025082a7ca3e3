"""Functional ``instance_norm``: each sample's channels normalised over their own spatial
extent, optionally moving running statistics as PyTorch's kernel does (a batch norm of the
``(1, N*C, ...)`` view whose per-instance updates are averaged over the batch): with the
input's statistics it is that batch norm's node (``_functional_batch_norm``), whose backward
is closed-form."""

from __future__ import annotations

import trueno.torch as torch

from ._errors import ModuleValueError
from ._functional_batch_norm import batch_norm_training

__all__ = ["instance_norm"]


def instance_norm(input, running_mean=None, running_var=None, weight=None,  # noqa: A002
                  bias=None, use_input_stats: bool = True, momentum: float = 0.1,
                  eps: float = 1e-5):
    """Normalise ``(N, C, *spatial)`` per sample and channel.

    Parameters
    ----------
    input : Tensor
        At least 3-D, ``(N, C, *spatial)``.
    running_mean, running_var : Tensor, optional
        ``(C,)`` buffers: moved in place by ``momentum`` toward the batch average of the
        instance means and unbiased variances (``use_input_stats``), else used to normalise.
    weight, bias : Tensor, optional
        The per-channel affine.

    Returns
    -------
    Tensor
        Of the input's shape.
    """
    if input.ndim < 3:
        raise ModuleValueError(f"instance_norm: expected an input of at least 3 dims "
                               f"(N, C, *spatial), got {tuple(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    shape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        count = input.numel() // max(n * c, 1)
        if count == 1:
            raise ModuleValueError(f"Expected more than 1 spatial element when training, got "
                                   f"input size {list(input.shape)}")
        # a batch norm in training of the (1, N*C, L) view (one node, closed-form backward),
        # with the per-channel affine repeated for every sample
        w, b = (None if t is None else t.reshape(1, c).expand(n, c).reshape(n * c)
                for t in (weight, bias))
        out, mean, var = batch_norm_training(input.reshape(1, n * c, -1), w, b, eps)
        if running_mean is not None or running_var is not None:
            with torch.no_grad():
                if running_mean is not None:
                    m = mean.reshape(n, c).mean(0)
                    running_mean.mul_(1 - momentum).add_(m.to(running_mean.dtype) * momentum)
                if running_var is not None:
                    v = var.reshape(n, c).mean(0) * (count / (count - 1))
                    running_var.mul_(1 - momentum).add_(v.to(running_var.dtype) * momentum)
        return out.reshape(input.shape)
    if running_mean is None or running_var is None:
        raise ModuleValueError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
    mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) * torch.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
