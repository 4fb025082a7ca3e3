"""FractionalMaxPool2d/3d vs PyTorch 2.13: the same windows for the same seed (the samples
drawn from the PyTorch face's generator), or for given samples; values, indices and input
gradients, float32 and float64."""

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
    ("frac2d", lambda m: m.FractionalMaxPool2d(2, output_size=(4, 3), return_indices=True),
     (2, 3, 7, 6)),
    ("frac2d_ratio", lambda m: m.FractionalMaxPool2d((3, 2), output_ratio=(0.5, 0.7)),
     (1, 2, 9, 8)),
    ("frac2d_unbatched", lambda m: m.FractionalMaxPool2d(3, output_size=4,
                                                         return_indices=True), (2, 8, 9)),
    ("frac3d", lambda m: m.FractionalMaxPool3d(2, output_size=(2, 3, 2), return_indices=True),
     (2, 2, 4, 6, 5)),
    ("frac3d_ratio", lambda m: m.FractionalMaxPool3d((2, 3, 2), output_ratio=0.6),
     (1, 2, 5, 7, 6)),
]


@pytest.mark.parametrize("name,make,shape", CASES, ids=[c[0] for c in CASES])
def test_fractional_max_pool_matches_pytorch(name, make, shape, dtype):
    a, b = make(nn), make(T.nn)
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for seed in (0, 3):
        torch.manual_seed(seed)
        T.manual_seed(seed)
        pool_matches(a, b, x, dtype)


def test_given_samples_fix_the_windows():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 8, 7))
    samples = rng.uniform(0, 1, (2, 3, 2))
    ya, ia = F.fractional_max_pool2d_with_indices(torch.tensor(x), 2, output_size=(5, 4),
                                                  _random_samples=torch.tensor(samples))
    yb, ib = T.nn.functional.fractional_max_pool2d_with_indices(
        T.tensor(x), 2, output_size=(5, 4), _random_samples=T.tensor(samples))
    close(ya, yb, "float64")
    np.testing.assert_array_equal(np.asarray(ia), ib.numpy())
    x3, s3 = rng.standard_normal((1, 2, 5, 6, 7)), rng.uniform(0, 1, (1, 2, 3))
    close(F.fractional_max_pool3d(torch.tensor(x3), (2, 2, 3), output_size=(3, 4, 2),
                                  _random_samples=torch.tensor(s3)),
          T.nn.functional.fractional_max_pool3d(T.tensor(x3), (2, 2, 3), output_size=(3, 4, 2),
                                                _random_samples=T.tensor(s3)), "float64")


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match="too large relative to input"):
        F.fractional_max_pool2d(torch.zeros(1, 1, 4, 4), 3, output_size=3)
