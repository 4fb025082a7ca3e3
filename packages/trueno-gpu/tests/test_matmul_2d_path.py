"""2-D @ 2-D matmul (a training step's matmuls) skips the batch bookkeeping (issue 18: host
cost per op): no NumPy broadcast call, results as NumPy's for contiguous, transposed and
unaligned operands; batched matmuls keep broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from trueno_gpu import GpuDeviceAPI, kernels_table

API = GpuDeviceAPI()
MM = kernels_table()["matmul"]["float32"]
RNG = np.random.default_rng(7)


def _t(a: np.ndarray, transpose: bool):
    """A device view of ``a``; ``transpose``: stored transposed (a backward pass's operand)."""
    if not transpose:
        return API.from_numpy(a, 0)
    d = API.from_numpy(np.ascontiguousarray(a.T), 0)
    return d.view(d.offset, a.shape, (1, a.shape[0]))


@pytest.mark.parametrize("shape", [(8, 16, 12), (5, 7, 3), (128, 64, 10)])
@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_2d_without_broadcast(monkeypatch, shape, ta, tb):
    m, k, n = shape
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    x, y = _t(a, ta), _t(b, tb)

    def refuse(*args):
        raise AssertionError("np.broadcast_shapes called for a 2-D matmul")
    monkeypatch.setattr(np, "broadcast_shapes", refuse)
    got = API.to_numpy(MM(x, y))
    monkeypatch.undo()
    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-4)


def test_batched_still_broadcasts():
    a = RNG.standard_normal((3, 1, 4, 8)).astype(np.float32)
    b = RNG.standard_normal((5, 8, 4)).astype(np.float32)
    got = API.to_numpy(MM(API.from_numpy(a, 0), API.from_numpy(b, 0)))
    np.testing.assert_allclose(got, a @ b, rtol=1e-4, atol=1e-4)
