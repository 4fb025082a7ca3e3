"""Gradients of layer_norm's weight and bias (summed over all leading rows by the rule),
first and second order, vs PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close

import trueno.torch as torch


@pytest.mark.parametrize("shape,norm", [((8, 33, 6), (6,)), ((5, 3, 4), (3, 4)),
                                        ((7,), (7,))])
def test_layer_norm_param_grads_first_and_second_order(shape, norm, dtype):
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape) * 3 + 1, rng.standard_normal(norm),
              rng.standard_normal(norm), rng.standard_normal(shape)]
    res = []
    for lib in (torch, T):
        x, w, b = (lib.tensor(a.astype(dtype)).requires_grad_() for a in arrays[:3])
        y = lib.nn.functional.layer_norm(x, norm, w, b, 1e-5)
        gx, gw, gb = lib.autograd.grad((y * lib.tensor(arrays[3].astype(dtype))).sum(),
                                       (x, w, b), create_graph=True)
        ((gw * gw).sum() + (gb * gx.sum()).sum()).backward()
        res.append([y, gx, gw, gb, x.grad, w.grad])
    for u, v in zip(*res):
        close(u, v, dtype, 100)
