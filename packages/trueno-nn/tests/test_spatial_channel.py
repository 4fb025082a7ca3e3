"""LPPool1d/2d/3d, LocalResponseNorm, ChannelShuffle, Softmax2d and the 3-D padding modules
vs PyTorch 2.13: repr, forward and input gradients, float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("lp2d", lambda m: m.LPPool2d(2, 3, stride=2), (2, 3, 7, 6), False),
    ("lp2d_ceil", lambda m: m.LPPool2d(3, (2, 3), ceil_mode=True), (1, 2, 5, 7), True),
    ("lp1d", lambda m: m.LPPool1d(1.5, 3), (2, 3, 9), True),
    ("lp1d_stride", lambda m: m.LPPool1d(2, 2, stride=1), (3, 8), False),
    ("lp3d", lambda m: m.LPPool3d(2, 2), (1, 2, 4, 4, 5), False),
    ("lrn3d", lambda m: m.LocalResponseNorm(3), (2, 5, 7), False),
    ("lrn4d", lambda m: m.LocalResponseNorm(4, alpha=0.1, beta=0.5, k=2.0), (2, 6, 3, 4),
     False),
    ("lrn5d", lambda m: m.LocalResponseNorm(2, alpha=0.05), (1, 3, 2, 3, 2), False),
    ("shuffle", lambda m: m.ChannelShuffle(3), (2, 6, 2, 3), False),
    ("shuffle3d", lambda m: m.ChannelShuffle(2), (2, 4, 5), False),
    ("softmax2d", lambda m: m.Softmax2d(), (2, 3, 2, 4), False),
    ("softmax2d_unbatched", lambda m: m.Softmax2d(), (3, 2, 4), False),
    ("constpad3d", lambda m: m.ConstantPad3d((1, 0, 2, 1, 0, 1), 1.5), (1, 2, 2, 3, 2), False),
    ("zeropad3d", lambda m: m.ZeroPad3d(1), (2, 2, 2, 2), False),
    ("reflpad3d", lambda m: m.ReflectionPad3d((1, 2, 0, 1, 1, 1)), (1, 2, 3, 3, 4), False),
    ("replpad3d", lambda m: m.ReplicationPad3d(2), (1, 1, 2, 3, 2), False),
    ("circpad3d", lambda m: m.CircularPad3d((1, 1, 2, 0, 1, 2)), (1, 2, 3, 3, 3), False),
]


@pytest.mark.parametrize("name,make,shape,positive", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_pytorch(name, make, shape, positive, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    if positive:  # a fractional or odd power of a negative mean is NaN in both
        x = np.abs(x) + 0.1
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a(xa), b(xb)
    close(ya, yb, dtype, 10)
    g = np.random.default_rng(1).standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 100)


def test_functional_forms_match_pytorch():
    x = np.random.default_rng(2).standard_normal((2, 4, 5, 3))
    close(F.lp_pool2d(torch.tensor(x), 2.0, 2), T.nn.functional.lp_pool2d(T.tensor(x), 2.0, 2),
          "float64")
    close(F.local_response_norm(torch.tensor(x), 3),
          T.nn.functional.local_response_norm(T.tensor(x), 3), "float64")
    close(F.channel_shuffle(torch.tensor(x), 2), T.nn.functional.channel_shuffle(T.tensor(x), 2),
          "float64")


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(torch.zeros(3, 4), 2)
    with pytest.raises(ValueError, match="Number of channels must be divisible by groups"):
        nn.ChannelShuffle(4)(torch.zeros(1, 6, 2))
