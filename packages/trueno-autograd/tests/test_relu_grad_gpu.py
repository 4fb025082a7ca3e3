"""relu's gradient off the CPU is the row ``threshold_backward`` (one launch; under
``create_graph`` the recorded ``where(out != 0, g, zero)`` with one cached 0-d zero per class,
device and dtype): values, signed zeros, one launch, repeated backward calls that change
``.grad`` in place, float64, and second derivatives vs PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest
import torch as T
from test_relu_grad import _arrays, _grads, _same

import trueno.torch as tt

gpu = pytest.importorskip("trueno_gpu")
pytestmark = pytest.mark.skipif(not gpu.is_available(), reason="no GPU adapter for trueno-gpu")


@pytest.mark.parametrize("shape", [(2, 256), (7,), ()])
def test_values_and_signed_zeros(shape):
    x, g = _arrays(shape, "float32", seed=3)
    _same(_grads(tt, x, g, device="gpu")[1], _grads(T, x, g)[1])


def test_one_launch_for_the_gradient():
    """relu's backward records one launch (the threshold_backward kernel), not a compare and a
    where."""
    from trueno_gpu import _runtime
    x, g = _arrays((4, 33), "float32", seed=6)
    xt = tt.tensor(x).to("gpu").requires_grad_(True)
    gt = tt.tensor(g).to("gpu")
    y = tt.relu(xt)
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    y.backward(gt)
    assert rt.dispatches - d0 == 1
    _same(xt.grad.to("cpu").numpy(), _grads(T, x, g)[1])


def test_repeated_backward_and_in_place_grad():
    """The zero is never handed out: a .grad changed in place leaves the next call right."""
    x, g = _arrays((3, 8), "float32", seed=4)
    xt = tt.tensor(x).to("gpu").requires_grad_(True)
    gt = tt.tensor(g).to("gpu")
    want = _grads(T, x, g)[1]
    for _ in range(3):
        xt.grad = None
        tt.relu(xt).backward(gt)
        _same(xt.grad.to("cpu").numpy(), want)
        xt.grad.add_(5.0)  # in place on the handed-out gradient
    xt.grad = None
    tt.relu(xt).backward(gt)
    _same(xt.grad.to("cpu").numpy(), want)


def test_float64_and_second_derivative():
    if "float64" not in gpu.adapter_info()["dtypes"]:
        pytest.skip("no float64 on this adapter")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 6))
    w = rng.standard_normal((4, 6))
    got = []
    for lib, dev in ((tt, "gpu"), (T, "cpu")):
        xt = lib.tensor(x).to(dev).requires_grad_(True)
        wt = lib.tensor(w).to(dev).requires_grad_(True)
        y = (lib.relu(xt * wt) * wt).sum()
        (gx,) = lib.autograd.grad(y, xt, create_graph=True)
        (gw,) = lib.autograd.grad((gx * gx).sum(), wt)
        got.append([np.asarray(t.detach().to("cpu")) for t in (gx, gw)])
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
