"""``unfold`` (im2col) and ``fold`` (col2im), as PyTorch's ``F.unfold``/``F.fold``.

``unfold`` stacks the strided window taps of the zero-padded input (views); ``fold`` sums the
blocks back into the padded plane with one ``index_add`` over precomputed flat positions and
crops the padding. Both are differentiable compositions that run on every device."""

from __future__ import annotations

import math

import numpy as np

import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["unfold", "fold"]


def _pair(v) -> tuple:
    return tuple(int(e) for e in v) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _blocks(size, k, d, p, s, name: str) -> tuple:
    out = tuple((n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
                for n, kk, dd, pp, ss in zip(size, k, d, p, s))
    if any(o <= 0 for o in out):
        raise ModuleValueError(
            f"{name}: given input spatial size {tuple(size)}, kernel_size={k}, dilation={d}, "
            f"padding={p}, stride={s}, the calculated shape of the array of sliding blocks "
            f"is {out}, but its components must be at least one")
    return out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Extract sliding local blocks: ``(N, C, H, W) -> (N, C * kh * kw, L)``.

    Parameters
    ----------
    input : Tensor
        ``(N, C, H, W)`` or unbatched ``(C, H, W)``.
    kernel_size, dilation, padding, stride : int or pair
        As PyTorch's ``F.unfold``.

    Returns
    -------
    Tensor
        Each column one block, channel-major then kernel row and column.
    """
    if input.ndim not in (3, 4):
        raise ModuleValueError(f"unfold: expected 3D or 4D (batch mode) tensor, but got input "
                               f"of shape {tuple(input.shape)}\n  hint: (N, C, H, W)")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    n, c, h, w = x.shape
    oh, ow = _blocks((h, w), k, d, p, s, "unfold")
    if p != (0, 0):
        xp = torch.zeros((n, c, h + 2 * p[0], w + 2 * p[1]), dtype=x.dtype, device=x.device)
        xp[:, :, p[0]:p[0] + h, p[1]:p[1] + w] = x
        x = xp
    taps = [x[:, :, i * d[0]:i * d[0] + s[0] * (oh - 1) + 1:s[0],
              j * d[1]:j * d[1] + s[1] * (ow - 1) + 1:s[1]]
            for i in range(k[0]) for j in range(k[1])]
    out = torch.stack(taps, 2).reshape(n, c * k[0] * k[1], oh * ow)
    return out.squeeze(0) if unbatched else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002
    """Sum sliding local blocks into a tensor: ``(N, C * kh * kw, L) -> (N, C, H, W)``, the
    adjoint of ``unfold`` (overlapping values add).

    Parameters
    ----------
    input : Tensor
        ``(N, C * kh * kw, L)`` or unbatched ``(C * kh * kw, L)``.
    output_size : int or pair
        ``(H, W)``.

    Returns
    -------
    Tensor
        ``(N, C, H, W)``.
    """
    if input.ndim not in (2, 3):
        raise ModuleValueError(f"fold: expected 2D or 3D (batch mode) tensor, but got input "
                               f"of shape {tuple(input.shape)}\n  hint: (N, C * kh * kw, L)")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    size = _pair(output_size)
    k, d, p, s = _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride)
    n, ck, length = x.shape
    kk = k[0] * k[1]
    if ck % kk:
        raise ModuleValueError(
            f"Expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={ck} and kernel_size={k}")
    oh, ow = _blocks(size, k, d, p, s, "fold")
    if oh * ow != length:
        raise ModuleValueError(
            f"Given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, "
            f"stride={s}, expected size of input's dimension 2 to match the calculated number "
            f"of sliding blocks {oh} * {ow} = {oh * ow}, but got input.size(2)={length}.")
    c = ck // kk
    hp, wp = size[0] + 2 * p[0], size[1] + 2 * p[1]
    ti, tj = np.divmod(np.arange(kk), k[1])
    rows = ti[:, None, None] * d[0] + np.arange(oh)[None, :, None] * s[0]
    cols = tj[:, None, None] * d[1] + np.arange(ow)[None, None, :] * s[1]
    idx = torch.tensor((rows * wp + cols).reshape(-1), dtype=torch.int64, device=x.device)
    plane = torch.zeros((n, c, math.prod((hp, wp))), dtype=x.dtype, device=x.device)
    out = plane.index_add(2, idx, x.reshape(n, c, kk * length))
    out = out.reshape(n, c, hp, wp)[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]
    return out.squeeze(0) if unbatched else out
