"""affine_grid and grid_sample vs PyTorch 2.13: 2-D and 3-D, align_corners both ways, every
mode (bicubic in 2-D) and padding mode, forward and gradients (input, grid and theta)."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.nn.functional as F
import trueno.torch as torch

SAMPLES = [(mode, pad, ac, nd) for mode in ("bilinear", "nearest", "bicubic")
           for pad in ("zeros", "border", "reflection") for ac in (False, True)
           for nd in ((2,) if mode == "bicubic" else (2, 3))]


@pytest.mark.parametrize("mode,padding_mode,align_corners,nd", SAMPLES,
                         ids=[f"{m}-{p}-{'ac' if a else 'noac'}-{n}d" for m, p, a, n in SAMPLES])
def test_grid_sample_matches_pytorch(mode, padding_mode, align_corners, nd, dtype):
    rng = np.random.default_rng(nd)
    shape = (2, 3, 4, 5) if nd == 2 else (2, 2, 3, 4, 3)
    gshape = (2, 3, 4, 2) if nd == 2 else (2, 2, 3, 2, 3)
    x = rng.standard_normal(shape).astype(dtype)
    grid = rng.uniform(-1.6, 1.6, gshape).astype(dtype)  # some samples fall outside
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    xa, ga = torch.tensor(x).requires_grad_(), torch.tensor(grid).requires_grad_()
    xb, gb = T.tensor(x).requires_grad_(), T.tensor(grid).requires_grad_()
    ya, yb = F.grid_sample(xa, ga, **kw), T.nn.functional.grid_sample(xb, gb, **kw)
    close(ya, yb, dtype, 10)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 10)
    if mode != "nearest":
        close(ga.grad, gb.grad, dtype, 100)


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_and_spatial_transformer_match_pytorch(align_corners, dtype):
    rng = np.random.default_rng(5)
    theta = (np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.2]], [[1.2, 0.1, 0.0],
                                                              [-0.1, 0.8, 0.3]]])
             + rng.normal(0, 0.05, (2, 2, 3))).astype(dtype)
    x = rng.standard_normal((2, 3, 5, 6)).astype(dtype)
    ta, tb = torch.tensor(theta).requires_grad_(), T.tensor(theta).requires_grad_()
    xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
    grid_a = F.affine_grid(ta, (2, 3, 4, 7), align_corners=align_corners)
    grid_b = T.nn.functional.affine_grid(tb, (2, 3, 4, 7), align_corners=align_corners)
    close(grid_a, grid_b, dtype)
    ya = F.grid_sample(xa, grid_a, align_corners=align_corners)
    yb = T.nn.functional.grid_sample(xb, grid_b, align_corners=align_corners)
    close(ya, yb, dtype, 10)
    g = rng.standard_normal(tuple(yb.shape)).astype(dtype)
    (ya * torch.tensor(g)).sum().backward()
    (yb * T.tensor(g)).sum().backward()
    close(xa.grad, xb.grad, dtype, 10)
    close(ta.grad, tb.grad, dtype, 100)
    theta3 = rng.standard_normal((1, 3, 4)).astype(dtype)
    close(F.affine_grid(torch.tensor(theta3), (1, 2, 3, 2, 4), align_corners=align_corners),
          T.nn.functional.affine_grid(T.tensor(theta3), (1, 2, 3, 2, 4),
                                      align_corners=align_corners), dtype)


def test_errors_and_warnings_name_the_problem():
    with pytest.raises(ValueError, match="expected mode to be 'bilinear'"):
        F.grid_sample(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), mode="cubic",
                      align_corners=False)
    with pytest.raises(ValueError, match="bicubic interpolation only supports 4D input"):
        F.grid_sample(torch.zeros(1, 1, 2, 2, 2), torch.zeros(1, 1, 1, 1, 3), mode="bicubic",
                      align_corners=False)
    with pytest.raises(ValueError, match="expected padding_mode"):
        F.grid_sample(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 1, 2), padding_mode="wrap",
                      align_corners=False)
    with pytest.raises(ValueError, match="Expected a batch of 2D affine matrices"):
        F.affine_grid(torch.zeros(1, 3, 3), (1, 1, 2, 2), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(torch.zeros(1, 2, 3), (1, 1, 2, 2))
