"""max_pool2d on the GPU device (lavapipe in CI) picks each window's first maximum by a mask
(no host read): PyTorch's values (ties, NaN, -inf; a window whose maximum is -0.0 may give
+0.0, as the device's sum starts from +0.0) and gradient (all of it to the first
maximum in scan order), with and without indices."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.torch as T

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for the differential tests)")
trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)


def _input():
    rng = np.random.default_rng(0)
    x = rng.integers(-2, 3, (2, 3, 6, 6)).astype("float32")  # many ties
    x[0, 0, 0, :2] = -0.0
    x[0, 0, 1, :2] = -0.0
    x[0, 1, 0, 0] = np.nan
    x[1, 2, 2:4, 2:4] = -np.inf
    return x


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=2, return_indices=True)])
def test_max_pool2d_on_gpu_matches_torch(kw):
    x = _input()
    a = torch.tensor(x, requires_grad=True)
    b = T.tensor(x, requires_grad=True)
    want = torch.nn.functional.max_pool2d(a, **kw)
    got = T.nn.functional.max_pool2d(b.to("gpu"), **kw)
    if kw.get("return_indices"):
        np.testing.assert_array_equal(np.asarray(got[1].to("cpu")), want[1].numpy())
        want, got = want[0], got[0]
    out = np.asarray(got.detach().to("cpu"))
    np.testing.assert_array_equal(out, want.detach().numpy())
    g = np.random.default_rng(1).standard_normal(tuple(want.shape)).astype("float32")
    want.backward(torch.tensor(g))
    got.backward(T.tensor(g).to("gpu"))
    np.testing.assert_array_equal(np.asarray(b.grad.to("cpu")), a.grad.numpy())
