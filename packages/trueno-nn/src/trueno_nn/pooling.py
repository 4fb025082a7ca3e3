"""Pooling: max_pool1d/2d, avg_pool1d/2d, adaptive_avg_pool1d/2d and their modules.

Each window is read as strided views of the (padded) input, one per kernel tap, so the ops
are views, ``stack``, ``argmax``/``gather`` and sums: autograd differentiates them and they run
on every device. Max pooling sends the gradient to the first maximum of each window in scan
order, as PyTorch's CPU kernel."""

from __future__ import annotations

import math

import trueno.torch as torch

from ._errors import ModuleValueError
from .module import Module

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d"]


def _tup(v, n=2):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * n


def _out_size(size, k, s, p, d, ceil_mode):
    eff = d * (k - 1) + 1
    num = size + 2 * p - eff
    if num < 0:
        raise ModuleValueError(f"pool: the kernel ({k}, dilation {d}) is larger than the "
                               f"padded input ({size} + 2*{p})")
    out = (math.ceil(num / s) if ceil_mode else num // s) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pad2d(x, pads, value):
    """Pad the last two dims: ``pads = ((top, bottom), (left, right))`` (a concatenation)."""
    for dim, (lo, hi) in zip((-2, -1), pads):
        parts = []
        for n in (lo, hi):
            shape = list(x.shape)
            shape[dim] = n
            parts.append(torch.full(shape, value, dtype=x.dtype, device=x.device) if n else None)
        x = torch.cat([t for t in (parts[0], x, parts[1]) if t is not None], dim)
    return x


def _taps(x, kernel, stride, padding, dilation, ceil_mode, value):
    """The padded input's window taps, each ``(..., oh, ow)``, and the output size."""
    h, w = x.shape[-2:]
    oh = _out_size(h, kernel[0], stride[0], padding[0], dilation[0], ceil_mode)
    ow = _out_size(w, kernel[1], stride[1], padding[1], dilation[1], ceil_mode)
    extra = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
             for o, s, d, k, n, p in zip((oh, ow), stride, dilation, kernel, (h, w), padding)]
    xp = _pad2d(x, ((padding[0], padding[0] + extra[0]), (padding[1], padding[1] + extra[1])),
                value)
    taps = []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            r0, c0 = i * dilation[0], j * dilation[1]
            taps.append(xp[..., r0:r0 + stride[0] * (oh - 1) + 1:stride[0],
                           c0:c0 + stride[1] * (ow - 1) + 1:stride[1]])
    return taps, (oh, ow), extra


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum of each window of ``(N, C, H, W)`` or ``(C, H, W)``."""
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices is not supported yet")
    k = _tup(kernel_size)
    s = _tup(stride) if stride not in (None, ()) else k
    p, d = _tup(padding), _tup(dilation)
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise ModuleValueError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[0]}, kernel_size={k[0]}")
    taps, _, _ = _taps(input, k, s, p, d, ceil_mode, float("-inf"))
    st = torch.stack(taps, -1)
    return torch.gather(st, -1, st.argmax(-1, keepdim=True)).squeeze(-1)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override=None):
    """The mean of each window; the divisor counts padding (``count_include_pad``) but never
    the part of a ``ceil_mode`` window beyond it, as PyTorch."""
    k = _tup(kernel_size)
    s = _tup(stride) if stride not in (None, ()) else k
    p = _tup(padding)
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise ModuleValueError(f"pad should be at most half of kernel size, but got "
                               f"pad={p[0]}, kernel_size={k[0]}")
    taps, (oh, ow), extra = _taps(input, k, s, p, (1, 1), ceil_mode, 0.0)
    total = taps[0]
    for t in taps[1:]:
        total = total + t
    if divisor_override:
        return total / divisor_override
    h, w = input.shape[-2:]
    ones = torch.ones((h, w), dtype=input.dtype, device=input.device)
    if count_include_pad:
        ones = _pad2d(ones, ((p[0], p[0]), (p[1], p[1])), 1.0)
        ones = _pad2d(ones, ((0, extra[0]), (0, extra[1])), 0.0)
        mtaps = _taps_of_padded(ones, k, s, (oh, ow))
    else:
        mtaps, _, _ = _taps(ones, k, s, p, (1, 1), ceil_mode, 0.0)
    count = mtaps[0]
    for t in mtaps[1:]:
        count = count + t
    return total / count


def _taps_of_padded(xp, k, s, out):
    return [xp[..., i:i + s[0] * (out[0] - 1) + 1:s[0], j:j + s[1] * (out[1] - 1) + 1:s[1]]
            for i in range(k[0]) for j in range(k[1])]


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    s = (1, _tup(stride, 1)[0]) if stride not in (None, ()) else None
    k = _tup(kernel_size, 1)[0]
    return max_pool2d(input.unsqueeze(-2), (1, k), s if s else (1, k),
                      (0, _tup(padding, 1)[0]), (1, _tup(dilation, 1)[0]), ceil_mode,
                      return_indices).squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True):
    k = _tup(kernel_size, 1)[0]
    s = (1, _tup(stride, 1)[0]) if stride not in (None, ()) else (1, k)
    return avg_pool2d(input.unsqueeze(-2), (1, k), s, (0, _tup(padding, 1)[0]), ceil_mode,
                      count_include_pad).squeeze(-2)


def _adaptive_mean(x, dim, out):
    n = x.shape[dim]
    parts = []
    for i in range(out):
        lo, hi = (i * n) // out, -(-((i + 1) * n) // out)
        parts.append(x.narrow(dim, lo, hi - lo).mean(dim, keepdim=True))
    return torch.cat(parts, dim)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Mean over PyTorch's adaptive windows ``[floor(i H / oh), ceil((i+1) H / oh))``,
    separably along H then W."""
    oh, ow = _tup(output_size)
    oh = input.shape[-2] if oh is None else oh
    ow = input.shape[-1] if ow is None else ow
    return _adaptive_mean(_adaptive_mean(input, input.ndim - 2, oh), input.ndim - 1, ow)


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    return _adaptive_mean(input, input.ndim - 1, _tup(output_size, 1)[0])


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    def forward(self, input):  # noqa: A002
        return max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class MaxPool1d(_MaxPoolNd):
    def forward(self, input):  # noqa: A002
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode, self.return_indices)


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        return avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _tup(kernel_size, 1)
        self.stride = _tup(stride if stride is not None else kernel_size, 1)
        self.padding = _tup(padding, 1)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input):  # noqa: A002
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    def forward(self, input):  # noqa: A002
        return adaptive_avg_pool1d(input, self.output_size)
