"""Ops across channels: ``local_response_norm`` and ``channel_shuffle``, as PyTorch's, from
views, ``pad`` and sums (differentiable, any device)."""

from __future__ import annotations

from ._errors import ModuleValueError
from ._functional_shape import pad

__all__ = ["local_response_norm", "channel_shuffle"]


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0):
    """Divide each value by ``(k + alpha * mean of the squares of `size` neighbouring
    channels)^beta``, the window centred as PyTorch's (``size // 2`` before).

    Parameters
    ----------
    input : Tensor
        ``(N, C, *)``, at least 3-D.

    Returns
    -------
    Tensor
        Of the input's shape.
    """
    if input.ndim < 3:
        raise ModuleValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                               f"dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = input * input
    flat = sq.reshape(input.shape[0], c, -1)
    padded = pad(flat, (0, 0, size // 2, (size - 1) // 2))
    total = padded.narrow(1, 0, c)
    for i in range(1, size):
        total = total + padded.narrow(1, i, c)
    div = (total / size).reshape(input.shape)
    return input / div.mul(alpha).add(k).pow(beta)


def channel_shuffle(input, groups: int):  # noqa: A002
    """``(N, g * c, *) -> (N, c * g, *)``: the channels of ``groups`` groups interleaved."""
    if input.ndim < 3:
        raise ModuleValueError(f"channel_shuffle expects input with > 2 dims, but got input "
                               f"with sizes {list(input.shape)}")
    if groups <= 0:
        raise ModuleValueError(f"Number of groups to divide channels in must be positive. "
                               f"Value of groups:{groups}")
    n, c = input.shape[0], input.shape[1]
    if c % groups:
        raise ModuleValueError(f"Number of channels must be divisible by groups. Got {c} "
                               f"channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)
