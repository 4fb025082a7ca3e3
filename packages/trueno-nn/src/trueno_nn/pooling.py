"""Pooling: max_pool1d/2d (with indices), avg_pool1d/2d, adaptive_avg_pool1d/2d,
adaptive_max_pool1d/2d, max_unpool1d/2d, lp_pool1d/2d and their modules.

Each window is read as strided views of the (padded) input, one per kernel tap, so the ops
are views, ``stack``, ``argmax``/``gather`` and sums: autograd differentiates them and they run
on every device. Max pooling sends the gradient to the first maximum of each window in scan
order, as PyTorch's CPU kernel. ``max_pool2d`` (and ``max_pool1d``) of a CPU float32/float64
tensor is one autograd node that computes on the NumPy array (``_functional_max_pool``)."""

from __future__ import annotations

import functools
import math

import numpy as np

import trueno.torch as torch

from ._errors import ModuleValueError
from ._functional_max_pool import (
    Geometry, device_max_pool2d, host_max_pool2d, is_device_input, is_host_input, row_plan,
    window_starts,
)
from .module import Module

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
           "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "adaptive_max_pool1d",
           "adaptive_max_pool2d", "max_unpool1d", "max_unpool2d", "AdaptiveMaxPool1d",
           "AdaptiveMaxPool2d", "MaxUnpool1d", "MaxUnpool2d", "lp_pool1d", "lp_pool2d",
           "LPPool1d", "LPPool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices"]


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


def _tap_positions(size, kernel, stride, padding, dilation, out):
    """The flat input index (``row * W + col``) each window tap reads, ``(oh, ow, K)``;
    a tap in the padding gets the window's first in-bounds position, the index PyTorch's
    kernel starts from (and keeps when every value is ``-inf``)."""
    h, w = size
    first = [np.arange(o) * s - p for o, s, p in zip(out, stride, padding)]
    start = [f + window_starts(o, s, p, d) * d
             for f, o, s, p, d in zip(first, out, stride, padding, dilation)]
    start = start[0][:, None] * w + start[1][None, :]
    pos = []
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows, cols = first[0] + i * dilation[0], first[1] + j * dilation[1]
            inside = ((rows >= 0) & (rows < h))[:, None] & ((cols >= 0) & (cols < w))[None, :]
            pos.append(np.where(inside, rows[:, None] * w + cols[None, :], start))
    return np.stack(pos, -1)


def _max_of_taps(st, positions, return_indices: bool):
    """The maximum over the last dim of ``st`` (the first one in scan order: PyTorch's CPU
    gradient and index; on the CPU the last NaN where a window has NaNs, as PyTorch's
    kernels) and, if asked, its flat input index."""
    am = st.argmax(-1, keepdim=True)
    if st.device.type == "cpu":
        if st.is_floating_point():
            nan = torch.isnan(st)
            if bool(nan.any()):  # PyTorch's kernels let a window's last NaN win
                last = (nan * torch.arange(1, st.shape[-1] + 1)).amax(-1, keepdim=True)
                am = torch.where(last > 0, last - 1, am)
        out = torch.gather(st, -1, am).squeeze(-1)
    else:
        # off the CPU, the first maximum picked by a mask: gather checks its index on the host
        # (a read from the device per call). The sum of the pick and -0.0 elsewhere is the pick
        # (NaN and -inf included; a -0.0 pick may come out +0.0 where the device's sum starts
        # from +0.0), and its gradient reaches the pick alone (a max would share it among ties)
        first = torch.arange(st.shape[-1], device=st.device) == am
        out = torch.where(first, st, -0.0).sum(-1)
    if not return_indices:
        return out
    pos = torch.tensor(positions, dtype=torch.int64, device=st.device).expand(*st.shape)
    return out, torch.gather(pos, -1, am).squeeze(-1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """The maximum of each window of ``(N, C, H, W)`` or ``(C, H, W)``; with
    ``return_indices`` also its flat index ``row * W + col`` in the input plane (for
    ``max_unpool2d``)."""
    if is_device_input(input):  # the rows; the arguments checked once per shape
        try:
            key = (kernel_size, stride, padding, dilation, bool(ceil_mode), input.shape)
            plan = _ROW_PLANS.get(key)
        except TypeError:  # (a list argument)
            key, plan = None, None
        if plan is None:
            plan = _row_plan(input, kernel_size, stride, padding, dilation, ceil_mode)
            if key is not None:
                if len(_ROW_PLANS) > 256:
                    _ROW_PLANS.clear()
                _ROW_PLANS[key] = plan
        return device_max_pool2d(input, plan, return_indices)
    k, s, p, d = _check_pool2d(input, kernel_size, stride, padding, dilation)
    if is_host_input(input):
        out = tuple(_out_size(n, kk, ss, pp, dd, ceil_mode)
                    for n, kk, ss, pp, dd in zip(input.shape[-2:], k, s, p, d))
        generic = functools.partial(_max_pool2d_taps, kernel=k, stride=s, padding=p,
                                    dilation=d, ceil_mode=ceil_mode)
        return host_max_pool2d(input, Geometry(k, s, p, d, out), return_indices, generic)
    return _max_pool2d_taps(input, k, s, p, d, ceil_mode, return_indices)


_ROW_PLANS: dict = {}  # (arguments, input shape) -> RowPlan


def _check_pool2d(input, kernel_size, stride, padding, dilation):  # noqa: A002
    """max_pool2d's arguments as pairs ``(k, s, p, d)``, after PyTorch's checks."""
    k = _tup(kernel_size)
    s = _tup(stride) if stride not in (None, ()) else k
    p, d = _tup(padding), _tup(dilation)
    if any(pp > kk // 2 for pp, kk in zip(p, k)):
        raise ModuleValueError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[0]}, kernel_size={k[0]}")
    if input.ndim not in (3, 4) or 0 in tuple(input.shape)[-3:]:
        raise ModuleValueError(
            f"max_pool2d(): Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
            f"size for input, but got: {list(input.shape)}\n  hint: (N, C, H, W) or (C, H, W) "
            f"with C, H and W above 0")
    return k, s, p, d


def _row_plan(input, kernel_size, stride, padding, dilation, ceil_mode):  # noqa: A002
    k, s, p, d = _check_pool2d(input, kernel_size, stride, padding, dilation)
    out = tuple(_out_size(n, kk, ss, pp, dd, ceil_mode)
                for n, kk, ss, pp, dd in zip(input.shape[-2:], k, s, p, d))
    generic = functools.partial(_max_pool2d_taps, kernel=k, stride=s, padding=p, dilation=d,
                                ceil_mode=ceil_mode)
    return row_plan(Geometry(k, s, p, d, out), ceil_mode, tuple(input.shape[-2:]), generic)


def _max_pool2d_taps(input, kernel, stride, padding, dilation, ceil_mode,  # noqa: A002
                     return_indices=False):
    """``max_pool2d`` as trueno ops (every device; differentiable twice)."""
    k, s, p, d = kernel, stride, padding, dilation
    taps, out, _ = _taps(input, k, s, p, d, ceil_mode, float("-inf"))
    st = torch.stack(taps, -1)
    positions = _tap_positions(tuple(input.shape[-2:]), k, s, p, d, out) \
        if return_indices else None
    return _max_of_taps(st, positions, return_indices)


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
    out = max_pool2d(input.unsqueeze(-2), (1, k), s if s else (1, k),
                     (0, _tup(padding, 1)[0]), (1, _tup(dilation, 1)[0]), ceil_mode,
                     return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


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


def _adaptive_taps(n: int, out: int):
    """PyTorch's adaptive windows ``[floor(i n / out), ceil((i+1) n / out))`` as an
    ``(out, kmax)`` index array, short windows padded by repeating their last index (which
    changes neither the maximum nor which one comes first)."""
    lo = (np.arange(out) * n) // out
    hi = -(-((np.arange(out) + 1) * n) // out)
    kmax = int((hi - lo).max())
    return np.minimum(lo[:, None] + np.arange(kmax)[None, :], hi[:, None] - 1)


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):  # noqa: A002
    """The maximum over PyTorch's adaptive windows of ``(N, C, H, W)`` or ``(C, H, W)``; with
    ``return_indices`` also its flat index ``row * W + col``."""
    if input.ndim not in (3, 4):
        raise ModuleValueError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got "
                               f"{list(input.shape)}")
    oh, ow = _tup(output_size)
    h, w = input.shape[-2:]
    oh, ow = h if oh is None else oh, w if ow is None else ow
    rows, cols = _adaptive_taps(h, oh), _adaptive_taps(w, ow)
    kh, kw = rows.shape[1], cols.shape[1]
    dev = input.device
    x = input.index_select(-2, torch.tensor(rows.reshape(-1), dtype=torch.int64, device=dev))
    x = x.index_select(-1, torch.tensor(cols.reshape(-1), dtype=torch.int64, device=dev))
    lead = tuple(input.shape[:-2])
    x = x.reshape(*lead, oh, kh, ow, kw).movedim(-3, -2).reshape(*lead, oh, ow, kh * kw)
    positions = None
    if return_indices:
        positions = (rows[:, None, :, None] * w + cols[None, :, None, :]).reshape(oh, ow, -1)
    return _max_of_taps(x, positions, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):  # noqa: A002
    """The maximum over PyTorch's adaptive windows of ``(N, C, L)`` or ``(C, L)``."""
    if input.ndim not in (2, 3):
        raise ModuleValueError(f"adaptive_max_pool1d(): Expected 2D or 3D tensor, but got "
                               f"{list(input.shape)}")
    out = adaptive_max_pool2d(input.unsqueeze(-2), (1, _tup(output_size, 1)[0]),
                              return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def _unpool(name: str, nd: int, input, indices, kernel_size, stride, padding,  # noqa: A002
            output_size):
    k = _tup(kernel_size, nd)
    s = _tup(stride, nd) if stride not in (None, ()) else k
    p = _tup(padding, nd)
    if tuple(indices.shape) != tuple(input.shape):
        raise ModuleValueError(f"{name}: expected indices of the input's shape "
                               f"{tuple(input.shape)}, got {tuple(indices.shape)}")
    if input.ndim not in (nd + 1, nd + 2):
        raise ModuleValueError(f"{name}: expected a {nd + 1}-D or {nd + 2}-D input, got "
                               f"{tuple(input.shape)}")
    lead = tuple(input.shape[:-nd])
    default = [(n - 1) * ss - 2 * pp + kk for n, ss, pp, kk in
               zip(input.shape[-nd:], s, p, k)]
    if output_size is None:
        size = default
    else:
        size = [int(v) for v in output_size]
        if len(size) == nd + 2:
            size = size[2:]
        if len(size) != nd:
            raise ModuleValueError(f"output_size should be a sequence containing {nd} or "
                                   f"{nd + 2} elements, but it has a length of "
                                   f"'{len(output_size)}'")
        for i, (want, dflt, ss) in enumerate(zip(size, default, s)):
            if not dflt - ss < want < dflt + ss:
                raise ModuleValueError(
                    f'invalid output_size "{size}" (dim {i} must be between {dflt - ss} and '
                    f"{dflt + ss})\n  hint: the default is {default}")
    plane = math.prod(size)
    flat_in = input.reshape(*lead, -1)
    out = torch.zeros((*lead, plane), dtype=input.dtype, device=input.device)
    out = out.scatter(-1, indices.reshape(*lead, -1), flat_in)
    return out.reshape(*lead, *size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """The inverse of ``max_pool2d(return_indices=True)``: each value put back at its index
    in a zero plane of ``output_size`` (default ``(H - 1) stride - 2 padding + kernel``)."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                   output_size)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """The inverse of ``max_pool1d(return_indices=True)``."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                   output_size)


def _lp_finish(out, norm_type: float, count: int):
    """PyTorch's ``(sign(out) * relu(|out|)) * count) ** (1 / p)`` of a mean of powers."""
    return (torch.sign(out) * torch.relu(torch.abs(out))).mul(count).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False):
    """The ``p``-norm of each window, ``(sum x^p)^(1/p)``, as PyTorch's (a mean of powers)."""
    kh, kw = _tup(kernel_size)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, kh * kw)


def lp_pool1d(input, norm_type: float, kernel_size, stride=None,  # noqa: A002
              ceil_mode: bool = False):
    """The ``p``-norm of each window of ``(N, C, L)``."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, _tup(kernel_size, 1)[0])


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False, return_indices: bool = True):
    """``max_pool1d(..., return_indices=True)``: the maxima and their indices."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0,  # noqa: A002
                            dilation=1, ceil_mode: bool = False, return_indices: bool = True):
    """``max_pool2d(..., return_indices=True)``: the maxima and their indices."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def adaptive_max_pool1d_with_indices(input, output_size,  # noqa: A002
                                     return_indices: bool = True):
    """``adaptive_max_pool1d(..., return_indices=True)``."""
    return adaptive_max_pool1d(input, output_size, return_indices)


def adaptive_max_pool2d_with_indices(input, output_size,  # noqa: A002
                                     return_indices: bool = True):
    """``adaptive_max_pool2d(..., return_indices=True)``."""
    return adaptive_max_pool2d(input, output_size, return_indices)


class _MaxPoolNd(Module):
    """MaxPool1d/2d/3d's arguments, forward (their functional form ``_fn``) and repr."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
                f", dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    _fn = staticmethod(max_pool2d)


class MaxPool1d(_MaxPoolNd):
    _fn = staticmethod(max_pool1d)


class _AvgPoolNd(Module):
    """AvgPool2d's and AvgPool3d's arguments, forward (their functional form ``_fn``) and
    repr (PyTorch's ``_AvgPoolNd``)."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding,
                              self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    _fn = staticmethod(avg_pool2d)


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
    _fn = staticmethod(adaptive_avg_pool2d)

    def __init__(self, output_size) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(AdaptiveAvgPool2d):
    _fn = staticmethod(adaptive_avg_pool1d)


class AdaptiveMaxPool2d(Module):
    _fn = staticmethod(adaptive_max_pool2d)

    def __init__(self, output_size, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(AdaptiveMaxPool2d):
    _fn = staticmethod(adaptive_max_pool1d)


class MaxUnpool2d(Module):
    _nd, _fn = 2, staticmethod(max_unpool2d)

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        self.kernel_size = _tup(kernel_size, self._nd)
        self.stride = _tup(stride if stride is not None else kernel_size, self._nd)
        self.padding = _tup(padding, self._nd)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(MaxUnpool2d):
    _nd, _fn = 1, staticmethod(max_unpool1d)


class LPPool2d(Module):
    _fn = staticmethod(lp_pool2d)

    def __init__(self, norm_type: float, kernel_size, stride=None,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.norm_type, self.kernel_size, self.stride = norm_type, kernel_size, stride
        self.ceil_mode = ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(LPPool2d):
    _fn = staticmethod(lp_pool1d)
