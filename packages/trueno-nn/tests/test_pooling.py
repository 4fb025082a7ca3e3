"""Pooling vs PyTorch 2.13: max/avg 1-D and 2-D (stride, padding, dilation, ceil_mode,
count_include_pad, divisor_override) and adaptive average, forward and input gradients."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.torch as torch

CASES = [
    ("max2d", lambda m: m.MaxPool2d(2), (2, 3, 6, 7)),
    ("max2d_pad_dil_ceil", lambda m: m.MaxPool2d((3, 2), stride=(2, 1), padding=1,
                                                 dilation=(1, 2), ceil_mode=True), (2, 2, 7, 8)),
    ("max2d_unbatched", lambda m: m.MaxPool2d(3, stride=2, padding=1), (3, 5, 5)),
    ("max1d_ceil", lambda m: m.MaxPool1d(3, stride=2, ceil_mode=True), (2, 3, 8)),
    ("avg2d", lambda m: m.AvgPool2d(2), (2, 3, 6, 7)),
    ("avg2d_pad_ceil", lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
     (1, 2, 6, 8)),
    ("avg2d_nopadcount", lambda m: m.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                               count_include_pad=False), (1, 2, 6, 8)),
    ("avg2d_divisor", lambda m: m.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    ("avg1d", lambda m: m.AvgPool1d(3, stride=2, padding=1), (2, 3, 9)),
    ("adaptive2d", lambda m: m.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    ("adaptive2d_none", lambda m: m.AdaptiveAvgPool2d((None, 4)), (1, 2, 3, 9)),
    ("adaptive1d", lambda m: m.AdaptiveAvgPool1d(4), (2, 3, 10)),
]


@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_pooling_matches_pytorch(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if name.startswith("max"):
        x[..., 0, :2] = 5.0  # a tie inside a window: the gradient goes to the first maximum
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a(xa), b(xb)
    close(ya, yb, dtype)
    g = np.random.default_rng(1).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 10)


def test_pool_errors():
    with pytest.raises(ValueError, match="pad should be at most half"):
        nn.MaxPool2d(2, padding=2)(torch.zeros(1, 1, 4, 4))


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool_modules_match_pytorch(nd):
    """MaxUnpool1d/2d/3d (each module's own functional form) invert MaxPool1d/2d/3d's
    indices as PyTorch's do, with and without ``output_size``."""
    shape = (2, 3) + (5, 6, 4)[:nd]
    x = np.random.default_rng(nd).standard_normal(shape).astype("float32")
    pool = {1: T.nn.MaxPool1d, 2: T.nn.MaxPool2d, 3: T.nn.MaxPool3d}[nd](2, return_indices=True)
    y, idx = pool(T.tensor(x))
    a = {1: nn.MaxUnpool1d, 2: nn.MaxUnpool2d, 3: nn.MaxUnpool3d}[nd](2)
    b = {1: T.nn.MaxUnpool1d, 2: T.nn.MaxUnpool2d, 3: T.nn.MaxUnpool3d}[nd](2)
    assert repr(a) == repr(b)
    ya, ia = torch.tensor(y.numpy()), torch.tensor(idx.numpy())
    close(a(ya, ia), b(y, idx), "float32")
    close(a(ya, ia, output_size=shape), b(y, idx, output_size=shape), "float32")
