"""Functional padding and rearrangement: ``pad`` (constant, reflect, replicate, circular),
``pixel_shuffle``/``pixel_unshuffle``, ``glu``, ``prelu``, ``hardshrink``, ``softshrink``.
Each is a composition of views, ``cat`` and elementwise ops (differentiable, any device)."""

from __future__ import annotations

from trueno.amp import autocast_function
import trueno.torch as torch

from ._errors import ModuleValueError

__all__ = ["pad", "pixel_shuffle", "pixel_unshuffle", "glu", "prelu", "hardshrink",
           "softshrink"]


def _pad_dim(x, dim: int, lo: int, hi: int, mode: str, value: float):
    n = x.shape[dim]
    if lo < 0:  # negative padding crops, as PyTorch
        x, lo, n = x.narrow(dim, -lo, n + lo), 0, n + lo
    if hi < 0:
        x, hi, n = x.narrow(dim, 0, n + hi), 0, n + hi
    if lo == 0 and hi == 0:
        return x
    parts = []
    for side, k in (("lo", lo), ("hi", hi)):
        if k == 0:
            parts.append(None)
            continue
        if mode == "constant":
            shape = list(x.shape)
            shape[dim] = k
            part = torch.full(shape, value, dtype=x.dtype, device=x.device)
        elif mode == "reflect":
            if k >= n:
                raise ModuleValueError(f"pad: padding size {k} should be less than the "
                                       f"corresponding input dimension {n} (reflect)")
            part = x.narrow(dim, 1, k).flip(dim) if side == "lo" else \
                x.narrow(dim, n - 1 - k, k).flip(dim)
        elif mode == "replicate":
            edge = x.narrow(dim, 0, 1) if side == "lo" else x.narrow(dim, n - 1, 1)
            shape = list(x.shape)
            shape[dim] = k
            part = edge.expand(*shape)
        else:  # circular
            if k > n:
                raise ModuleValueError(f"pad: padding size {k} should be at most the input "
                                       f"dimension {n} (circular)")
            part = x.narrow(dim, n - k, k) if side == "lo" else x.narrow(dim, 0, k)
        parts.append(part)
    return torch.cat([p for p in (parts[0], x, parts[1]) if p is not None], dim)


def pad(input, pad, mode: str = "constant", value=None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` dims: ``pad = (left, right, top, bottom, ...)`` from the
    last dim backwards, as PyTorch."""
    if len(pad) % 2:
        raise ModuleValueError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise ModuleValueError("Padding length should be less than or equal to two times the "
                               "input dimension")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad: mode {mode!r} is not supported")
    if mode != "constant" and value not in (None, 0):
        raise ModuleValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    out = input
    for i in range(len(pad) // 2):
        out = _pad_dim(out, input.ndim - 1 - i, pad[2 * i], pad[2 * i + 1], mode,
                       0.0 if value is None else value)
    return out


def pixel_shuffle(input, upscale_factor: int):  # noqa: A002
    """``(*, C r^2, H, W) -> (*, C, H r, W r)``."""
    r = upscale_factor
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ModuleValueError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                               f"divisible by the square of upscale_factor, but input.size(-3)"
                               f"={c} is not divisible by {r * r}")
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor: int):  # noqa: A002
    """``(*, C, H r, W r) -> (*, C r^2, H, W)``."""
    r = downscale_factor
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ModuleValueError(f"pixel_unshuffle expects height and width to be divisible by "
                               f"downscale_factor, got {h}x{w} and {r}")
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    n = len(lead)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def glu(input, dim: int = -1):  # noqa: A002
    """``a * sigmoid(b)`` of the two halves of ``dim``."""
    if input.shape[dim] % 2:
        raise ModuleValueError(f"Halving dimension must be even, but dimension {dim} is size "
                               f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * torch.sigmoid(b)


@autocast_function("prelu")
def prelu(input, weight):  # noqa: A002
    """``x`` where ``x > 0``, else ``weight * x`` (``weight`` per channel, dim 1)."""
    w = weight
    if w.numel() > 1 and input.ndim > 1:
        w = w.reshape((1, -1) + (1,) * (input.ndim - 2))
    return torch.where(input > 0, input, input * w)


def hardshrink(input, lambd: float = 0.5):  # noqa: A002
    return torch.where((input > lambd) | (input < -lambd), input, torch.zeros_like(input))


def softshrink(input, lambd: float = 0.5):  # noqa: A002
    return torch.where(input > lambd, input - lambd,
                       torch.where(input < -lambd, input + lambd, torch.zeros_like(input)))
