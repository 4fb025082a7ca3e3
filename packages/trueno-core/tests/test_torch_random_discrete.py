"""``torch.poisson`` and ``torch.binomial`` give torch 2.13's CPU streams bit for bit after
``manual_seed`` (issue 15), for float32 and float64, across both algorithms of each (small
rates/means and the rejection samplers), and leave the generator where torch leaves it."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as tt

torch = pytest.importorskip("torch")


def _rates(n, seed):
    rng = np.random.default_rng(seed)
    return np.concatenate([[0.0, 1e-3, 9.999, 10.0, 1e4], rng.uniform(0, 30, n),
                           rng.exponential(200, n)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [0, 11])
def test_poisson_matches_torch(dtype, seed):
    lam = _rates(300, seed).astype(dtype).reshape(-1, 5)
    tt.manual_seed(seed)
    torch.manual_seed(seed)
    got = tt.poisson(tt.tensor(lam))
    want = torch.poisson(torch.tensor(lam))
    assert got.dtype is getattr(tt, dtype) and tuple(got.shape) == tuple(want.shape)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tt.rand(3).tolist() == torch.rand(3).tolist()  # the generator moved alike
    g, tg = tt.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    np.testing.assert_array_equal(tt.poisson(tt.tensor(lam), generator=g).numpy(),
                                  torch.poisson(torch.tensor(lam), generator=tg).numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("seed", [1, 29])
def test_binomial_matches_torch(dtype, seed):
    rng = np.random.default_rng(seed)
    n = 400
    count = np.concatenate([[0, 10, 20, 1e6, 7, 100], rng.integers(0, 60, n),
                            rng.integers(0, 5000, n)]).astype(dtype)
    prob = np.concatenate([[0.5, 0.0, 1.0, 0.3, 0.99, 0.1], rng.uniform(0, 1, n),
                           rng.choice([0.01, 0.2, 0.5, 0.8, 0.97], n)]).astype(dtype)
    tt.manual_seed(seed)
    torch.manual_seed(seed)
    got = tt.binomial(tt.tensor(count), tt.tensor(prob))
    want = torch.binomial(torch.tensor(count), torch.tensor(prob))
    assert got.dtype is getattr(tt, dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert tt.rand(3).tolist() == torch.rand(3).tolist()


def test_errors_as_torch():
    with pytest.raises(RuntimeError, match="non-negative"):
        tt.poisson(tt.tensor([1.0, -1.0]))
    with pytest.raises(RuntimeError):
        torch.poisson(torch.tensor([1.0, -1.0]))
    with pytest.raises(TypeError, match="floating point"):
        tt.poisson(tt.tensor([1, 2]))
    with pytest.raises(TypeError, match="floating point"):
        tt.binomial(tt.tensor([3.0]), tt.tensor([0.5], dtype=tt.float64))


def test_on_the_gpu_the_values_come_from_the_same_stream():
    trueno_gpu = pytest.importorskip("trueno_gpu", reason="the GPU extra is not installed")
    if not trueno_gpu.device_count():  # pragma: no cover
        pytest.skip("no GPU adapter")
    tt.manual_seed(4)
    torch.manual_seed(4)
    got = tt.poisson(tt.tensor([2.0, 40.0, 0.5]).to_device("gpu"))
    assert got.is_cuda
    assert got.cpu().tolist() == torch.poisson(torch.tensor([2.0, 40.0, 0.5])).tolist()
