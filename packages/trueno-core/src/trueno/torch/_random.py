"""The PyTorch face's global random generator: ``manual_seed``, ``rand``, ``randn``, ...

Seeded runs are reproducible; the values are not PyTorch's (its Philox/MT streams are not
reproduced), which docs/compat.md records.
"""

from __future__ import annotations

import numpy as np

from .. import _dtypes as D
from .._creation import _place
from ._tensor import Tensor

_gen = [np.random.default_rng()]


class Generator:
    """A torch-style generator object (``torch.Generator().manual_seed(0)``)."""

    def __init__(self, device="cpu") -> None:
        self._g = np.random.default_rng()

    def manual_seed(self, seed: int):
        self._g = np.random.default_rng(int(seed))
        return self

    def seed(self) -> int:
        s = int(np.random.SeedSequence().entropy % (2 ** 63))
        self._g = np.random.default_rng(s)
        return s


def manual_seed(seed: int):
    """Seed the global generator (``torch.manual_seed``)."""
    _gen[0] = np.random.default_rng(int(seed))
    g = Generator()
    g._g = _gen[0]
    return g


def seed() -> int:
    s = int(np.random.SeedSequence().entropy % (2 ** 63))
    _gen[0] = np.random.default_rng(s)
    return s


def _g(generator):
    return generator._g if generator is not None else _gen[0]


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(size)


def _out(values, dtype, device, requires_grad=False):
    dt = D.as_dtype(dtype) if dtype is not None else Tensor._default_float
    t = _place(Tensor, np.asarray(values).astype(dt.numpy), device, dt)
    return t.requires_grad_() if requires_grad else t


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _out(_g(generator).random(_size(size)), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    return _out(_g(generator).standard_normal(_size(size)), dtype, device, requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing required argument 'size'")
    vals = _g(generator).integers(low, high, tuple(size))
    return _out(vals, dtype or D.int64, device)


def randperm(n, *, generator=None, dtype=None, device=None):
    return _out(_g(generator).permutation(n), dtype or D.int64, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    m = mean._host() if isinstance(mean, Tensor) else mean
    s = std._host() if isinstance(std, Tensor) else std
    shape = size if size is not None else np.broadcast_shapes(np.shape(m), np.shape(s))
    vals = _g(generator).normal(m, s, shape)
    return _out(vals, dtype or (mean.dtype if isinstance(mean, Tensor) else None), device)


def rand_like(x, *, dtype=None, device=None):
    return rand(*x.shape, dtype=dtype or x.dtype, device=device or x.device)


def randn_like(x, *, dtype=None, device=None):
    return randn(*x.shape, dtype=dtype or x.dtype, device=device or x.device)


def normal_like(x, mean, std):
    return _out(_gen[0].normal(mean, std, x.shape), x.dtype, x.device)


def uniform_like(x, a, b):
    return _out(_gen[0].uniform(a, b, x.shape), x.dtype, x.device)


def bernoulli(p, *, generator=None):
    host = p._host()
    return _out(_g(generator).random(host.shape) < host, p.dtype, p.device)


def multinomial(probs, num_samples, replacement=False, *, generator=None):
    host = np.atleast_2d(probs._host()).astype(np.float64)
    g = _g(generator)
    rows = []
    for row in host:
        p = row / row.sum()
        rows.append(g.choice(len(p), num_samples, replace=replacement, p=p))
    out = np.asarray(rows)
    return _out(out if probs.ndim == 2 else out[0], D.int64, probs.device)
