"""3-D pooling: max_pool3d (with indices), avg_pool3d, adaptive_avg_pool3d,
adaptive_max_pool3d, max_unpool3d, lp_pool3d and their modules, as PyTorch's.

As in ``pooling``: each window tap is a strided view of the (padded) input; the taps are
stacked and reduced (``argmax``/``gather`` for the maximum, the first in scan order getting
the gradient; a sum for the mean), so autograd differentiates them on every device."""

from __future__ import annotations

import itertools

import numpy as np

import trueno.torch as torch

from ._errors import ModuleValueError
from .pooling import (
    AdaptiveAvgPool2d, AdaptiveMaxPool2d, LPPool2d, MaxUnpool2d, _adaptive_mean,
    _adaptive_taps, _AvgPoolNd, _lp_finish, _max_of_taps, _MaxPoolNd, _out_size, _tup, _unpool,
)

__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "max_unpool3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d",
           "MaxUnpool3d", "lp_pool3d", "LPPool3d", "max_pool3d_with_indices",
           "adaptive_max_pool3d_with_indices"]


def _pad3(x, pads, value):
    """Pad the last three dims by ``pads = ((lo, hi), ...)`` with ``value`` (a concatenation)."""
    for dim, (lo, hi) in zip((-3, -2, -1), pads):
        parts = []
        for n in (lo, hi):
            shape = list(x.shape)
            shape[dim] = n
            parts.append(torch.full(shape, value, dtype=x.dtype, device=x.device) if n else None)
        x = torch.cat([t for t in (parts[0], x, parts[1]) if t is not None], dim)
    return x


def _taps3(x, k, s, p, d, ceil_mode, value, extra_value=None):
    """The window taps of the padded input, each ``(..., od, oh, ow)``, and the output size;
    the part of a ``ceil_mode`` window beyond the padding holds ``extra_value``."""
    sizes = tuple(x.shape[-3:])
    out = tuple(_out_size(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip(sizes, k, s, p, d))
    extra = [max(0, (o - 1) * ss + dd * (kk - 1) + 1 - (n + 2 * pp))
             for o, ss, dd, kk, n, pp in zip(out, s, d, k, sizes, p)]
    xp = _pad3(x, [(pp, pp) for pp in p], value)
    xp = _pad3(xp, [(0, e) for e in extra], value if extra_value is None else extra_value)
    taps = []
    for offs in itertools.product(*(range(kk) for kk in k)):
        taps.append(xp[(Ellipsis,) + tuple(
            slice(o * dd, o * dd + ss * (n - 1) + 1, ss)
            for o, dd, ss, n in zip(offs, d, s, out))])
    return taps, out


def _check(name: str, input, k, p):  # noqa: A002
    if input.ndim not in (4, 5):
        raise ModuleValueError(f"{name}: expected a 4-D (C, D, H, W) or 5-D (N, C, D, H, W) "
                               f"input, got {tuple(input.shape)}")
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise ModuleValueError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[0]}, kernel_size={k[0]}")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum of each window of ``(N, C, D, H, W)`` or ``(C, D, H, W)``; with
    ``return_indices`` also its flat index ``(d * H + h) * W + w`` in the input volume."""
    k = _tup(kernel_size, 3)
    s = _tup(stride, 3) if stride not in (None, ()) else k
    p, d = _tup(padding, 3), _tup(dilation, 3)
    _check("max_pool3d", input, k, p)
    taps, out = _taps3(input, k, s, p, d, ceil_mode, float("-inf"))
    st = torch.stack(taps, -1)
    positions = None
    if return_indices:
        sizes = tuple(input.shape[-3:])
        pos = []
        for offs in itertools.product(*(range(kk) for kk in k)):
            c = [np.clip(np.arange(o) * ss - pp + t * dd, 0, n - 1)
                 for o, ss, pp, t, dd, n in zip(out, s, p, offs, d, sizes)]
            pos.append((c[0][:, None, None] * sizes[1] + c[1][None, :, None]) * sizes[2]
                       + c[2][None, None, :])
        positions = np.stack(pos, -1)
    return _max_of_taps(st, positions, return_indices)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override=None):
    """The mean of each window of ``(N, C, D, H, W)``; the divisor counts padding
    (``count_include_pad``) but never the part of a ``ceil_mode`` window beyond it."""
    k = _tup(kernel_size, 3)
    s = _tup(stride, 3) if stride not in (None, ()) else k
    p = _tup(padding, 3)
    _check("avg_pool3d", input, k, p)
    taps, out = _taps3(input, k, s, p, (1, 1, 1), ceil_mode, 0.0)
    total = taps[0]
    for t in taps[1:]:
        total = total + t
    if divisor_override:
        return total / divisor_override
    ones = torch.ones(tuple(input.shape[-3:]), dtype=input.dtype, device=input.device)
    mtaps, _ = _taps3(ones, k, s, p, (1, 1, 1), ceil_mode, 1.0 if count_include_pad else 0.0,
                      0.0)
    count = mtaps[0]
    for t in mtaps[1:]:
        count = count + t
    return total / count


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Mean over PyTorch's adaptive windows along D, H and W (separably)."""
    sizes = [n if o is None else o for n, o in zip(input.shape[-3:], _tup(output_size, 3))]
    x = input
    for i, o in enumerate(sizes):
        x = _adaptive_mean(x, input.ndim - 3 + i, o)
    return x


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):  # noqa: A002
    """The maximum over PyTorch's adaptive windows of ``(N, C, D, H, W)`` or
    ``(C, D, H, W)``; with ``return_indices`` also its flat index in the input volume."""
    if input.ndim not in (4, 5):
        raise ModuleValueError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got "
                               f"{list(input.shape)}")
    sizes = tuple(input.shape[-3:])
    outs = [n if o is None else o for n, o in zip(sizes, _tup(output_size, 3))]
    idx = [_adaptive_taps(n, o) for n, o in zip(sizes, outs)]
    x = input
    for i, ix in enumerate(idx):
        x = x.index_select(input.ndim - 3 + i, torch.tensor(ix.reshape(-1), dtype=torch.int64,
                                                            device=input.device))
    lead = tuple(input.shape[:-3])
    ks = [ix.shape[1] for ix in idx]
    x = x.reshape(*lead, outs[0], ks[0], outs[1], ks[1], outs[2], ks[2])
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3, n + 5)
    x = x.reshape(*lead, *outs, ks[0] * ks[1] * ks[2])
    positions = None
    if return_indices:
        a, b, c = idx
        positions = ((a[:, None, None, :, None, None] * sizes[1]
                      + b[None, :, None, None, :, None]) * sizes[2]
                     + c[None, None, :, None, None, :]).reshape(*outs, -1)
    return _max_of_taps(x, positions, return_indices)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """The inverse of ``max_pool3d(return_indices=True)``."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                   output_size)


def lp_pool3d(input, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False):
    """The ``p``-norm of each window of ``(N, C, D, H, W)``."""
    kd, kh, kw = _tup(kernel_size, 3)
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kd * kh * kw)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False, return_indices: bool = True):
    """``max_pool3d(..., return_indices=True)``: the maxima and their indices."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def adaptive_max_pool3d_with_indices(input, output_size,  # noqa: A002
                                     return_indices: bool = True):
    """``adaptive_max_pool3d(..., return_indices=True)``."""
    return adaptive_max_pool3d(input, output_size, return_indices)


class MaxPool3d(_MaxPoolNd):
    _fn = staticmethod(max_pool3d)


class AvgPool3d(_AvgPoolNd):
    _fn = staticmethod(avg_pool3d)


class AdaptiveAvgPool3d(AdaptiveAvgPool2d):
    _fn = staticmethod(adaptive_avg_pool3d)


class AdaptiveMaxPool3d(AdaptiveMaxPool2d):
    _fn = staticmethod(adaptive_max_pool3d)


class MaxUnpool3d(MaxUnpool2d):
    _nd, _fn = 3, staticmethod(max_unpool3d)


class LPPool3d(LPPool2d):
    _fn = staticmethod(lp_pool3d)
