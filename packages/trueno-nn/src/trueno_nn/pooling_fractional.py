"""Fractional max pooling (Graham, 2014): ``fractional_max_pool2d/3d`` and
FractionalMaxPool2d/3d, as PyTorch's.

The pseudo-random window starts come from one uniform sample per (batch, channel, dim), drawn
with the PyTorch face's ``rand`` as PyTorch draws them (so the same seed gives the same
windows) and turned into intervals with PyTorch's arithmetic; the windows are read with one
``gather`` and reduced by ``argmax`` (the first maximum gets the gradient), so autograd
differentiates the result on every device."""

from __future__ import annotations

import itertools

import numpy as np

import trueno.torch as torch

from ._errors import ModuleValueError
from .module import Module
from .pooling import _max_of_taps, _tup

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices",
           "FractionalMaxPool2d", "FractionalMaxPool3d"]

# which column of a plane's random sample drives each spatial dim (PyTorch's kernels: the
# 2-D one reads W from column 0 and H from column 1, the 3-D one T, H, W in order)
_SAMPLE_COLUMN = {2: (1, 0), 3: (0, 1, 2)}


def _intervals(sample: np.ndarray, n_in: int, n_out: int, pool: int) -> np.ndarray:
    """PyTorch's ``generate_intervals`` for each plane's ``sample`` (in its dtype)."""
    dt = sample.dtype.type
    seq = np.zeros(sample.shape + (n_out,), dtype=np.int64)
    if n_out > 1:
        alpha = dt(n_in - pool) / dt(n_out - 1)
        i = np.arange(n_out, dtype=sample.dtype)
        seq = ((i + sample[..., None]) * alpha).astype(np.int64) \
            - (sample * alpha).astype(np.int64)[..., None]
    if n_out > 0:
        seq[..., -1] = n_in - pool
    return seq


def _fractional(name: str, nd: int, input, kernel_size, output_size, output_ratio,  # noqa: A002
                return_indices: bool, samples):
    if output_size is None and output_ratio is None:
        raise ModuleValueError(f"{name} requires specifying either an output_size or an "
                               f"output_ratio")
    if input.ndim not in (nd + 1, nd + 2):
        raise ModuleValueError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got: "
                               f"{list(input.shape)}")
    k = _tup(kernel_size, nd)
    if output_size is None:
        ratio = _tup(output_ratio, nd) if isinstance(output_ratio, (tuple, list)) else \
            (output_ratio,) * nd
        out = tuple(int(n * r) for n, r in zip(input.shape[-nd:], ratio))
    else:
        out = _tup(output_size, nd)
    x = input if input.ndim == nd + 2 else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    sizes = tuple(x.shape[2:])
    for i, (o, kk, s) in enumerate(zip(out, k, sizes)):
        if o + kk - 1 > s:
            what = ("time", "height", "width")[i] if nd == 3 else ("height", "width")[i]
            raise ModuleValueError(f"{name}(): pool {what} {kk} too large relative to input "
                                   f"{what} {s}\n  hint: output_size + kernel_size - 1 must "
                                   f"not exceed the input size")
    if samples is None:
        samples = torch.rand(n, c, nd, dtype=input.dtype, device=input.device)
    if tuple(samples.shape) != (n, c, nd):
        raise ModuleValueError(f"{name}(): expect _random_samples to be of shape {(n, c, nd)}, "
                               f"got {tuple(samples.shape)}")
    smp = np.asarray(samples.detach().to("cpu"))
    starts = [_intervals(smp[..., col], s, o, kk)
              for col, s, o, kk in zip(_SAMPLE_COLUMN[nd], sizes, out, k)]
    strides = [int(np.prod(sizes[i + 1:])) for i in range(nd)]
    pos = np.zeros((n, c) + out + (int(np.prod(k)),), dtype=np.int64)
    for t, offs in enumerate(itertools.product(*(range(kk) for kk in k))):
        flat = np.zeros((n, c) + out, dtype=np.int64)
        for i in range(nd):
            shape = [n, c] + [1] * nd
            shape[2 + i] = out[i]
            flat = flat + ((starts[i] + offs[i]) * strides[i]).reshape(shape)
        pos[..., t] = flat
    idx = torch.tensor(pos.reshape(n, c, -1), dtype=torch.int64, device=input.device)
    st = torch.gather(x.reshape(n, c, -1), 2, idx).reshape(*pos.shape)
    res = _max_of_taps(st, pos, return_indices)
    if input.ndim == nd + 2:
        return res
    return (res[0].squeeze(0), res[1].squeeze(0)) if return_indices else res.squeeze(0)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
                          return_indices: bool = False, _random_samples=None):
    """Max pooling over pseudo-random, overlapping ``kernel_size`` windows of ``(N, C, H, W)``
    placed to give ``output_size`` (or ``output_ratio`` of the input size)."""
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size,
                       output_ratio, return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
                          return_indices: bool = False, _random_samples=None):
    """Fractional max pooling of ``(N, C, T, H, W)``."""
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size,
                       output_ratio, return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,  # noqa: A002
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """``fractional_max_pool2d`` returning the maxima and their indices."""
    return fractional_max_pool2d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,  # noqa: A002
                                       output_ratio=None, return_indices: bool = False,
                                       _random_samples=None):
    """``fractional_max_pool3d`` returning the maxima and their indices."""
    return fractional_max_pool3d(input, kernel_size, output_size, output_ratio, True,
                                 _random_samples)


class FractionalMaxPool2d(Module):
    _nd = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None,
                 return_indices: bool = False, _random_samples=None) -> None:
        super().__init__()
        nd = self._nd
        self.kernel_size = _tup(kernel_size, nd)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = _tup(output_size, nd) if output_size is not None else None
        self.output_ratio = _tup(output_ratio, nd) if output_ratio is not None else None
        name = type(self).__name__
        if output_size is None and output_ratio is None:
            raise ModuleValueError(f"{name} requires specifying either an output size, or a "
                                   f"pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ModuleValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ModuleValueError(f"output_ratio must be between 0 and 1 (got "
                                   f"{output_ratio})")

    def forward(self, input):  # noqa: A002
        return _fractional(f"fractional_max_pool{self._nd}d", self._nd, input,
                           self.kernel_size, self.output_size, self.output_ratio,
                           self.return_indices, self._random_samples)


class FractionalMaxPool3d(FractionalMaxPool2d):
    _nd = 3
