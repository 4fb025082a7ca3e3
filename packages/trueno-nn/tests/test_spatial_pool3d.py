"""3-D pooling vs PyTorch 2.13: MaxPool3d (indices, padding, dilation, ceil_mode), AvgPool3d
(count_include_pad, ceil_mode, divisor_override), AdaptiveAvgPool3d, AdaptiveMaxPool3d
(indices) and MaxUnpool3d; values, indices and input gradients, float32 and float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from conftest import close
from nn_checks import pool_matches

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch

CASES = [
    ("max3d", lambda m: m.MaxPool3d(2, return_indices=True), (2, 2, 4, 5, 4)),
    ("max3d_all", lambda m: m.MaxPool3d((2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                        dilation=(1, 1, 2), ceil_mode=True,
                                        return_indices=True), (1, 2, 4, 5, 6)),
    ("max3d_unbatched", lambda m: m.MaxPool3d(3, stride=2, padding=1), (2, 5, 4, 5)),
    ("avg3d", lambda m: m.AvgPool3d(2), (2, 2, 4, 5, 4)),
    ("avg3d_pad_ceil", lambda m: m.AvgPool3d(3, stride=2, padding=1, ceil_mode=True),
     (1, 2, 5, 6, 4)),
    ("avg3d_nopadcount", lambda m: m.AvgPool3d((3, 2, 3), stride=2, padding=(1, 1, 1),
                                               ceil_mode=True, count_include_pad=False),
     (1, 1, 6, 5, 6)),
    ("avg3d_divisor", lambda m: m.AvgPool3d(2, divisor_override=5), (1, 2, 4, 4, 4)),
    ("adaptive_avg3d", lambda m: m.AdaptiveAvgPool3d((2, None, 3)), (2, 2, 5, 3, 7)),
    ("adaptive_max3d", lambda m: m.AdaptiveMaxPool3d((2, 3, 2), return_indices=True),
     (2, 2, 5, 4, 5)),
    ("adaptive_max3d_unbatched", lambda m: m.AdaptiveMaxPool3d(2), (2, 3, 5, 3)),
]


@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_pool3d_matches_pytorch(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    assert repr(a) == repr(b)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    x[..., 0, 0, :3] = 5.0  # ties: the first maximum in scan order wins
    pool_matches(a, b, x, dtype, 10)


def test_max_unpool3d_matches_pytorch():
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 6, 4))
    ya, ia = F.max_pool3d(torch.tensor(x), 2, return_indices=True)
    yb, ib = T.nn.functional.max_pool3d(T.tensor(x), 2, return_indices=True)
    a, b = nn.MaxUnpool3d(2), T.nn.MaxUnpool3d(2)
    assert repr(a) == repr(b)
    close(a(ya, ia), b(yb, ib), "float64")
    close(a(ya, ia, output_size=(5, 6, 5)), b(yb, ib, output_size=(5, 6, 5)), "float64")


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="pad should be at most half"):
        F.max_pool3d(torch.zeros(1, 1, 4, 4, 4), 2, padding=2)
    with pytest.raises(ValueError, match="expected a 4-D"):
        F.avg_pool3d(torch.zeros(4, 4, 4), 2)
