"""pad (constant/reflect/replicate/circular, negative), padding modules, Conv padding_mode,
PixelShuffle/Unshuffle, GLU, PReLU, Hardshrink, Softshrink, Threshold vs PyTorch 2.13:
same-seed parameters, forward and gradients, repr."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn.functional as TF
from conftest import close
from nn_checks import backward_pair, grads_match, same_seed_pair

import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("const_pad2d", lambda m: m.ConstantPad2d((1, 2, 0, 3), 1.5), (2, 3, 4)),
    ("zero_pad2d", lambda m: m.ZeroPad2d(2), (1, 2, 3, 3)),
    ("zero_pad1d", lambda m: m.ZeroPad1d((0, 2)), (2, 3, 4)),
    ("reflect1d", lambda m: m.ReflectionPad1d((2, 3)), (2, 3, 5)),
    ("reflect2d", lambda m: m.ReflectionPad2d((1, 2, 2, 1)), (1, 2, 4, 4)),
    ("replicate2d", lambda m: m.ReplicationPad2d(2), (1, 2, 3, 4)),
    ("replicate1d", lambda m: m.ReplicationPad1d((3, 0)), (2, 2, 3)),
    ("circular2d", lambda m: m.CircularPad2d((1, 2, 2, 0)), (1, 2, 3, 4)),
    ("conv_reflect", lambda m: m.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
     (1, 2, 5, 6)),
    ("conv_circular_same", lambda m: m.Conv2d(2, 3, (2, 3), padding="same",
                                              padding_mode="circular"), (1, 2, 5, 6)),
    ("conv1d_replicate", lambda m: m.Conv1d(2, 3, 3, padding=2, padding_mode="replicate"),
     (2, 2, 7)),
    ("pixel_shuffle", lambda m: m.PixelShuffle(2), (2, 8, 3, 2)),
    ("pixel_unshuffle", lambda m: m.PixelUnshuffle(2), (1, 2, 4, 6)),
    ("glu", lambda m: m.GLU(1), (3, 4, 2)),
    ("prelu", lambda m: m.PReLU(), (3, 4)),
    ("prelu_channels", lambda m: m.PReLU(3, init=0.1), (2, 3, 4)),
    ("hardshrink", lambda m: m.Hardshrink(0.7), (3, 5)),
    ("softshrink", lambda m: m.Softshrink(), (3, 5)),
    ("threshold", lambda m: m.Threshold(0.2, -1.0), (3, 5)),
]


@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_matches_pytorch(name, make, shape, dtype):
    a, b = same_seed_pair(make)
    if dtype == "float64":
        a.double()
        b.double()
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = a(xa), b(xb)
    close(ya, yb, dtype, 10)
    backward_pair(ya, yb, dtype, np.random.default_rng(1))
    close(xa.grad, xb.grad, dtype, 10)
    grads_match(a, b, dtype)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_functional_pad_with_crops(mode):
    x = np.random.default_rng(2).standard_normal((2, 3, 5, 6)).astype("float32")
    cases = ((1, -2), (-1, 2, 2, -1), (0, 1, 1, 0)) if mode == "constant" else \
        ((2, 1, 0, 3), (0, 1, 1, 0))  # PyTorch pads the last 2 dims of a 4-D input only
    for pads in cases:
        a = F.pad(torch.tensor(x), pads, mode)
        b = TF.pad(T.tensor(x), pads, mode)
        close(a, b, "float32")
    with pytest.raises(ValueError, match="divisible by 2"):
        F.pad(torch.tensor(x), (1,))
