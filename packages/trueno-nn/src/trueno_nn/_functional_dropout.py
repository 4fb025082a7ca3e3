"""Channel-wise and alpha dropout: ``dropout1d/2d/3d``, ``alpha_dropout`` and
``feature_alpha_dropout``, drawing their masks as PyTorch's CPU kernel does
(``bernoulli_(1 - p)`` on the PyTorch face's generator, one draw per element or, for the
feature forms, per ``(N, C)`` channel), so the same seed zeroes the same values."""

from __future__ import annotations

import math
import warnings

import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # SELU's alpha * scale: the value alpha dropout drops to


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ModuleValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _apply(input, noise, b, inplace: bool):  # noqa: A002
    if inplace:
        input.mul_(noise)  # noqa: A001
        return input if b is None else input.add_(b)
    out = input * noise
    return out if b is None else out + b


def _dropout_impl(input, p: float, training: bool, inplace: bool, feature: bool,  # noqa: A002
                  alpha: bool):
    """ATen's ``_dropout_impl``: the mask and, for alpha dropout, the affine that keeps the
    mean and variance of SELU activations."""
    if feature and input.ndim < 2:
        raise ModuleValueError(f"Feature dropout requires at least 2 dimensions in the input "
                               f"(got {tuple(input.shape)})")
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = torch.zeros((), dtype=input.dtype, device=input.device)
        return _apply(input, zero, None, inplace)
    shape = (tuple(input.shape[:2]) + (1,) * (input.ndim - 2)) if feature else \
        tuple(input.shape)
    # torch.bernoulli(t, q): the draws of t.bernoulli_(q), as a new tensor (on a GPU one
    # launch on the device's generator, not a draw and a copy into t)
    noise = torch.bernoulli(torch.empty(shape, dtype=input.dtype, device=input.device), 1 - p)
    b = None
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
    else:
        noise.div_(1 - p)
    return _apply(input, noise, b, inplace)


def _feature(input, p: float, training: bool, inplace: bool, batched: bool):  # noqa: A002
    x = input if batched else input.unsqueeze(0)
    out = _dropout_impl(x, p, training, inplace and batched, True, False)
    if batched:
        return out
    out = out.squeeze(0)
    if inplace:
        input.copy_(out)
        return input
    return out


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, L)`` or ``(C, L)`` with probability ``p``, scaling the
    rest by ``1/(1-p)``."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise ModuleValueError(
            f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note "
            f"that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial "
            f"dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D "
            f"inputs).")
    return _feature(input, p, training, inplace, input.ndim == 3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, H, W)`` with probability ``p`` (a 3-D input is read
    as ``(N, C, L)``, with PyTorch's warning)."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
            f"will result in an error in a future release. To retain the behavior and silence "
            f"this warning, please use dropout instead. Note that dropout2d exists to provide "
            f"channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, "
            f"and an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D "
            "dropout behavior is desired - input is interpreted as shape (N, C, L), where C is "
            "the channel dim. This behavior will change in a future release to interpret the "
            "input as one without a batch dimension, i.e. shape (C, H, W). To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2)
    return _feature(input, p, training, inplace, True)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):  # noqa: A002
    """Zero whole channels of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` with probability
    ``p``."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and "
            f"will result in an error in a future release. To retain the behavior and silence "
            f"this warning, please use dropout instead. Note that dropout3d exists to provide "
            f"channel-wise dropout on inputs with 3 spatial dimensions, a channel dimension, "
            f"and an optional batch dimension (i.e. 4D or 5D inputs).", stacklevel=2)
    return _feature(input, p, training, inplace, input.ndim == 5)


def alpha_dropout(input, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False):
    """Dropout for SELU networks: dropped values go to SELU's negative saturation and an
    affine map keeps the mean and variance."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, False, True)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False):
    """Alpha dropout of whole ``(N, C)`` channels."""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, True, True)
