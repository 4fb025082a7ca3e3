"""``nn.init`` with ``generator=``: the same seed gives PyTorch 2.13's values, and the default
generator is left alone; orthogonal_ and sparse_ against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
import torch.nn.init as TI

import trueno.nn.init as init
import trueno.torch as torch

CASES = [
    ("uniform_", {"a": -0.5, "b": 2.0}, (7, 5)),
    ("normal_", {"mean": 1.0, "std": 0.3}, (40, 3)),  # >= 16 values: the vectorised path
    ("normal_", {"mean": 0.0, "std": 2.0}, (3, 4)),
    ("trunc_normal_", {"std": 1.0, "a": -1.0, "b": 1.5}, (9, 4)),  # redraw branch
    ("trunc_normal_", {"mean": 0.0, "std": 1.0, "a": 2.0, "b": 4.0}, (6, 5)),  # rejection
    ("xavier_uniform_", {"gain": 1.5}, (6, 4)),
    ("xavier_normal_", {}, (6, 4, 3)),
    ("kaiming_uniform_", {"a": 0.1, "mode": "fan_out"}, (5, 8)),
    ("kaiming_normal_", {"nonlinearity": "relu"}, (8, 4, 3, 3)),
    ("orthogonal_", {"gain": 2.0}, (4, 7)),
    ("orthogonal_", {}, (7, 4)),
    ("orthogonal_", {}, (3, 2, 2, 2)),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}{c[2]}" for c in CASES])
def test_generator_draws_pytorchs_values(case, dtype):
    name, kw, shape = case
    torch.manual_seed(1)
    T.manual_seed(1)
    g, tg = torch.Generator().manual_seed(7), T.Generator().manual_seed(7)
    ours = getattr(init, name)(torch.empty(shape, dtype=getattr(torch, dtype)),
                               generator=g, **kw)
    ref = getattr(TI, name)(T.empty(shape, dtype=getattr(T, dtype)), generator=tg, **kw)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(np.asarray(ours), ref.numpy(), rtol=tol, atol=tol)
    # a second draw continues the generator's stream; the default one was not touched
    again = getattr(init, name)(torch.empty(shape, dtype=getattr(torch, dtype)),
                                generator=g, **kw)
    ref2 = getattr(TI, name)(T.empty(shape, dtype=getattr(T, dtype)), generator=tg, **kw)
    np.testing.assert_allclose(np.asarray(again), ref2.numpy(), rtol=tol, atol=tol)
    np.testing.assert_array_equal(np.asarray(torch.rand(5)), T.rand(5).numpy())


def test_without_generator_uses_the_default_one():
    torch.manual_seed(3)
    T.manual_seed(3)
    for name, kw in (("uniform_", {}), ("orthogonal_", {}), ("kaiming_uniform_", {})):
        ours = getattr(init, name)(torch.empty(5, 6), **kw)
        ref = getattr(TI, name)(T.empty(5, 6), **kw)
        np.testing.assert_allclose(np.asarray(ours), ref.numpy(), rtol=1e-5, atol=1e-6)


def test_orthogonal_is_orthogonal_and_keeps_the_tensor():
    w = torch.empty(4, 9)
    assert init.orthogonal_(w, gain=3.0) is w
    np.testing.assert_allclose(np.asarray(w @ w.t()), 9 * np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(torch.empty(3))


def test_sparse_matches_pytorch():
    torch.manual_seed(2)
    T.manual_seed(2)
    g, tg = torch.Generator().manual_seed(4), T.Generator().manual_seed(4)
    ours = init.sparse_(torch.empty(10, 4), 0.3, std=0.5, generator=g)
    ref = TI.sparse_(T.empty(10, 4), 0.3, std=0.5, generator=tg)
    np.testing.assert_allclose(np.asarray(ours), ref.numpy(), rtol=1e-6)
    assert (np.asarray(ours) == 0).sum(0).tolist() == [3, 3, 3, 3]
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.sparse_(torch.empty(3), 0.5)


def test_a_bad_generator_says_what_is_expected():
    with pytest.raises(ValueError, match="expected a torch.Generator"):
        init.uniform_(torch.empty(3), generator=3)
