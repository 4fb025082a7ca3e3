"""InstanceNorm1d/2d/3d, BatchNorm3d, Dropout1d/2d/3d, AlphaDropout and FeatureAlphaDropout
vs PyTorch 2.13: same-seed parameters and repr, forward and gradients, running statistics in
train and eval mode, and the same dropout masks for the same seed."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import same_seed_pair, train_eval_steps_match

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

NORMS = [
    ("in1d", lambda m: m.InstanceNorm1d(3), (2, 3, 5)),
    ("in1d_affine_stats", lambda m: m.InstanceNorm1d(3, affine=True, track_running_stats=True,
                                                     momentum=0.3), (2, 3, 6)),
    ("in1d_unbatched", lambda m: m.InstanceNorm1d(4, affine=True), (4, 5)),
    ("in2d", lambda m: m.InstanceNorm2d(2, eps=1e-3, affine=True), (3, 2, 4, 5)),
    ("in2d_stats", lambda m: m.InstanceNorm2d(3, track_running_stats=True), (2, 3, 3, 4)),
    ("in2d_stats_cumulative", lambda m: m.InstanceNorm2d(2, track_running_stats=True,
                                                         momentum=None, affine=True),
     (2, 2, 3, 3)),
    ("in2d_unbatched_stats", lambda m: m.InstanceNorm2d(2, affine=True,
                                                        track_running_stats=True), (2, 3, 4)),
    ("in3d", lambda m: m.InstanceNorm3d(2, affine=True, bias=False), (2, 2, 2, 3, 2)),
    ("bn3d", lambda m: m.BatchNorm3d(3, momentum=0.2), (2, 3, 2, 3, 2)),
]


@pytest.mark.parametrize("name,make,shape", NORMS, ids=[c[0] for c in NORMS])
def test_instance_norm_matches_pytorch(name, make, shape, dtype):
    a, b = same_seed_pair(make, same_values=False)
    train_eval_steps_match(a, b, shape, dtype)


def test_functional_instance_norm_matches_pytorch():
    x = np.random.default_rng(2).standard_normal((3, 2, 4))
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    ta, tb = [torch.tensor(rm.copy()), torch.tensor(rv.copy())], [T.tensor(rm), T.tensor(rv)]
    close(F.instance_norm(torch.tensor(x), *ta, momentum=0.2),
          T.nn.functional.instance_norm(T.tensor(x), *tb, momentum=0.2), "float64")
    close(ta[0], tb[0], "float64")
    close(ta[1], tb[1], "float64")
    close(F.instance_norm(torch.tensor(x), *ta, use_input_stats=False),
          T.nn.functional.instance_norm(T.tensor(x), *tb, use_input_stats=False), "float64")


DROPS = [
    ("dropout1d", lambda m: m.Dropout1d(0.4), (4, 6, 3)),
    ("dropout1d_unbatched", lambda m: m.Dropout1d(0.5), (8, 3)),
    ("dropout2d", lambda m: m.Dropout2d(0.3), (3, 5, 2, 2)),
    ("dropout3d", lambda m: m.Dropout3d(0.5), (2, 6, 2, 1, 2)),
    ("dropout3d_unbatched", lambda m: m.Dropout3d(0.25), (7, 2, 1, 2)),
    ("alpha", lambda m: m.AlphaDropout(0.2), (5, 7)),
    ("feature_alpha", lambda m: m.FeatureAlphaDropout(0.5), (3, 6, 2, 2)),
]


@pytest.mark.parametrize("name,make,shape", DROPS, ids=[c[0] for c in DROPS])
def test_dropout_matches_pytorch_masks(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype) + 3  # no zeros
    for seed in (0, 7):
        torch.manual_seed(seed)
        T.manual_seed(seed)
        xa, xb = torch.tensor(x).requires_grad_(), T.tensor(x).requires_grad_()
        ya, yb = a(xa), b(xb)
        close(ya, yb, dtype)
        g = np.random.default_rng(4).standard_normal(shape).astype(dtype)
        (ya * torch.tensor(g)).sum().backward()
        (yb * T.tensor(g)).sum().backward()
        close(xa.grad, xb.grad, dtype)
    a.eval()
    np.testing.assert_array_equal(np.asarray(a(torch.tensor(x))), x)


def test_dropout_edge_cases():
    x = torch.ones(2, 3, 4)
    np.testing.assert_array_equal(np.asarray(F.dropout1d(x, 1.0)), np.zeros((2, 3, 4)))
    np.testing.assert_array_equal(np.asarray(F.dropout2d(x.unsqueeze(0), 0.0)), 1.0)
    np.testing.assert_array_equal(np.asarray(F.alpha_dropout(x, 0.5)), np.ones((2, 3, 4)))
    torch.manual_seed(3)
    T.manual_seed(3)
    y = torch.ones(2, 4, 3)
    out = F.dropout1d(y, 0.5, inplace=True)
    assert out is y
    np.testing.assert_array_equal(np.asarray(y), T.nn.functional.dropout1d(T.ones(2, 4, 3),
                                                                           0.5).numpy())


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout2d(1.5)
    with pytest.raises(ValueError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(torch.zeros(1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 5D input \(got 4D input\)"):
        nn.BatchNorm3d(3)(torch.zeros(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 3D or 4D input \(got 2D input\)"):
        nn.InstanceNorm2d(3)(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="to match num_features"):
        nn.InstanceNorm1d(3, affine=True)(torch.zeros(2, 4, 5))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm1d(3)(torch.zeros(2, 3, 1))
    with pytest.warns(UserWarning, match="assuming that channel-wise 1D"):
        F.dropout2d(torch.ones(2, 3, 4))
