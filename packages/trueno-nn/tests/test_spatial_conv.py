"""Conv3d and ConvTranspose1d/2d/3d vs PyTorch 2.13: same-seed parameters and repr, forward
and gradients (input and parameters), output_size=, the functional forms, errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import backward_pair, grads_match, same_seed_pair

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("convT2d", lambda m: m.ConvTranspose2d(3, 4, 3), (2, 3, 4, 5), None),
    ("convT2d_all", lambda m: m.ConvTranspose2d(4, 6, (3, 2), stride=(2, 3), padding=(1, 2),
                                                output_padding=(1, 0), groups=2,
                                                dilation=(1, 2)), (2, 4, 4, 3), None),
    ("convT2d_dil_op", lambda m: m.ConvTranspose2d(2, 2, 2, stride=1, dilation=3,
                                                   output_padding=2, bias=False),
     (1, 2, 3, 3), None),
    ("convT2d_unbatched", lambda m: m.ConvTranspose2d(2, 3, 3, stride=2, padding=1),
     (2, 3, 4), None),
    ("convT2d_output_size", lambda m: m.ConvTranspose2d(2, 3, 3, stride=3, padding=1),
     (2, 2, 3, 4), (2, 3, 9, 11)),
    ("convT1d", lambda m: m.ConvTranspose1d(2, 4, 3, stride=2, padding=1, output_padding=1,
                                            groups=2), (3, 2, 6), None),
    ("convT1d_output_size", lambda m: m.ConvTranspose1d(3, 2, 4, stride=2), (2, 3, 5), [13]),
    ("convT3d", lambda m: m.ConvTranspose3d(2, 4, (2, 3, 2), stride=(2, 1, 2), padding=(0, 1, 1),
                                            output_padding=(1, 0, 1), groups=2),
     (2, 2, 3, 3, 2), None),
    ("conv3d", lambda m: m.Conv3d(3, 4, (2, 3, 2), stride=(2, 1, 1), padding=(1, 0, 1),
                                  dilation=(1, 2, 1)), (2, 3, 5, 6, 4), None),
    ("conv3d_groups_same", lambda m: m.Conv3d(4, 2, 2, padding="same", groups=2, bias=False),
     (1, 4, 3, 4, 3), None),
    ("conv3d_unbatched_reflect", lambda m: m.Conv3d(2, 2, 3, padding=1, padding_mode="reflect"),
     (2, 4, 4, 4), None),
]


def _forward(m, x, output_size):
    return m(x) if output_size is None else m(x, output_size=output_size)


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")
@pytest.mark.parametrize("name,make,shape,output_size", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_pytorch(name, make, shape, output_size, dtype):
    a, b = same_seed_pair(make)
    if dtype == "float64":
        a.double()
        b.double()
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    ya, yb = _forward(a, xa, output_size), _forward(b, xb, output_size)
    close(ya, yb, dtype, 10)
    backward_pair(ya, yb, dtype, rng)
    close(xa.grad, xb.grad, dtype, 100)
    grads_match(a, b, dtype)


def test_functional_forms_match_pytorch():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 5, 3))
    w = rng.standard_normal((4, 3, 2, 3))
    b = rng.standard_normal(6)
    got = F.conv_transpose2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), stride=2,
                             padding=(0, 1), output_padding=1, groups=2, dilation=(2, 1))
    want = T.nn.functional.conv_transpose2d(T.tensor(x), T.tensor(w), T.tensor(b), stride=2,
                                            padding=(0, 1), output_padding=1, groups=2,
                                            dilation=(2, 1))
    close(got, want, "float64")
    x1, w1 = rng.standard_normal((2, 3, 7)), rng.standard_normal((3, 2, 4))
    close(F.conv_transpose1d(torch.tensor(x1), torch.tensor(w1), stride=3, padding=2),
          T.nn.functional.conv_transpose1d(T.tensor(x1), T.tensor(w1), stride=3, padding=2),
          "float64")
    x3, w3 = rng.standard_normal((1, 2, 4, 3, 5)), rng.standard_normal((4, 1, 2, 2, 3))
    close(F.conv3d(torch.tensor(x3), torch.tensor(w3), stride=(1, 2, 2), groups=2),
          T.nn.functional.conv3d(T.tensor(x3), T.tensor(w3), stride=(1, 2, 2), groups=2),
          "float64")
    w3t = rng.standard_normal((2, 3, 3, 2, 2))
    close(F.conv_transpose3d(torch.tensor(x3), torch.tensor(w3t), stride=2, dilation=(1, 2, 1)),
          T.nn.functional.conv_transpose3d(T.tensor(x3), T.tensor(w3t), stride=2,
                                           dilation=(1, 2, 1)), "float64")


# stride x dilation x padding x output_padding mixes: coprime and shared factors (phases no
# tap reaches), padding beyond the kernel's reach (the input cropped), a 1-wide kernel
PHASES = [(2, 2, 0, 1), (3, 2, 1, 0), (3, 2, 4, 1), (2, 1, 0, 0), (4, 3, 2, 3), (3, 3, 5, 2),
          (1, 3, 2, 2), (2, 4, 3, 3)]


@pytest.mark.parametrize("s,d,p,op", PHASES, ids=[f"s{c[0]}d{c[1]}p{c[2]}op{c[3]}"
                                                  for c in PHASES])
@pytest.mark.parametrize("k", [1, 3])
def test_conv_transpose_phases_match_pytorch(s, d, p, op, k):
    rng = np.random.default_rng(s * 100 + d * 10 + p + k)
    x, w = rng.standard_normal((2, 2, 4, 3)), rng.standard_normal((2, 3, k, 2))
    if (4 - 1) * s - 2 * p + d * (k - 1) + op + 1 <= 0 or (3 - 1) * s - 2 * p + d + op + 1 <= 0:
        p = 0  # keep the output non-empty
    kw = dict(stride=(s, 1), padding=(p, 0), output_padding=(op, 0), dilation=(d, 1))
    xa, wa = torch.tensor(x).requires_grad_(), torch.tensor(w).requires_grad_()
    xb, wb = T.tensor(x).requires_grad_(), T.tensor(w).requires_grad_()
    ya = F.conv_transpose2d(xa, wa, **kw)
    yb = T.nn.functional.conv_transpose2d(xb, wb, **kw)
    close(ya, yb, "float64")
    g = rng.standard_normal(tuple(yb.shape))
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, "float64")
    close(wa.grad, wb.grad, "float64")


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="requested an output size of"):
        nn.ConvTranspose2d(2, 2, 3, stride=2)(torch.zeros(1, 2, 4, 4), output_size=(12, 9))
    with pytest.raises(ValueError, match="output padding must be smaller"):
        F.conv_transpose2d(torch.zeros(1, 2, 3, 3), torch.zeros(2, 2, 3, 3), stride=2,
                           output_padding=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="to have 4 channels, but got 3"):
        nn.Conv3d(4, 2, 2)(torch.zeros(1, 3, 4, 4, 4))
    with pytest.raises(ValueError, match="to have 2 channels, but got 3"):
        nn.ConvTranspose2d(2, 2, 2)(torch.zeros(1, 3, 4, 4))
