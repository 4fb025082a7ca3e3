"""Helpers of the trueno-nn tests: tensors between trueno's PyTorch face and PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T

import trueno.torch as torch

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-11, atol=1e-12)}


def to_torch(t, requires_grad: bool = False):
    out = T.from_numpy(np.array(np.asarray(t.detach()), copy=True))
    return out.requires_grad_(requires_grad)


def from_torch(t, requires_grad: bool = False):
    out = torch.tensor(t.detach().numpy().copy())
    return out.requires_grad_(requires_grad) if requires_grad else out


def close(a, b, dtype: str, scale: float = 1.0) -> None:
    """``a`` (trueno) equals ``b`` (PyTorch) within the dtype's tolerance (times ``scale``)."""
    assert a is not None and b is not None, (a, b)
    tol = TOL[dtype]
    got = np.asarray(a.detach())
    want = b.detach().numpy()
    assert got.shape == want.shape, (got.shape, want.shape)
    assert str(got.dtype) == str(want.dtype), (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=tol["rtol"] * scale, atol=tol["atol"] * scale)


@pytest.fixture(params=["float32", "float64"])
def dtype(request):
    return request.param
