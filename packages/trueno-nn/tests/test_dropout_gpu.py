"""``F.dropout`` / ``nn.Dropout`` on the GPU: the mask is drawn on the device's Philox generator
(one launch, as PyTorch's CUDA dropout draws on the device), the kept values are scaled by the
CPU path's ``1/(1-p)`` exactly, and the backward applies the forward's mask.

Skipped only when trueno-gpu finds no adapter."""

from __future__ import annotations

import numpy as np
import pytest

import trueno.nn as nn
import trueno.nn.functional as F
import trueno.torch as torch
from trueno._reference import _random as R

trueno_gpu = pytest.importorskip("trueno_gpu")
if not trueno_gpu.is_available():
    pytest.skip("no GPU adapter for trueno-gpu", allow_module_level=True)
from trueno_gpu import _lazy  # noqa: E402


def _x(shape=(64, 33)):
    return torch.tensor(np.random.default_rng(0).uniform(0.5, 2.0, shape).astype("float32"))


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_dropout_mask_scale_and_backward(p):
    x = _x()
    scale = float(torch.ones(()).div_(1 - p))  # the CPU path's kept value
    xg = x.to("gpu").requires_grad_()
    F.dropout(xg, p).detach().to("cpu")  # (a layout's first call plans its launches)
    torch.manual_seed(11)
    rt = trueno_gpu.get_runtime(0)
    d0 = rt.dispatches
    y = F.dropout(xg, p)
    out = y.detach().to("cpu").numpy()  # (the read emits the pending fused launch)
    # the mask's launch and the fused scale-and-multiply (two launches without the chains)
    assert rt.dispatches - d0 == (2 if _lazy.ENABLED["on"] else 3)
    keep = R.philox_bernoulli(np.zeros(x.shape, np.float32), seed=11, offset=0, p=1 - p) == 1
    np.testing.assert_array_equal(out, np.where(keep, x.numpy() * np.float32(scale), 0))
    (y * 3).sum().backward()
    np.testing.assert_array_equal(xg.grad.to("cpu").numpy(),
                                  np.where(keep, np.float32(3) * np.float32(scale), 0))
    n = keep.size
    assert abs(keep.mean() - (1 - p)) < 6 * (p * (1 - p) / n) ** 0.5
    y2 = F.dropout(xg, p)  # the next draw continues the stream: another mask
    assert (y2.detach().to("cpu").numpy() != out).any()


def test_dropout_module_inplace_and_eval():
    x = _x((8, 16))
    drop = nn.Dropout(0.25)
    torch.manual_seed(3)
    a = drop(x.to("gpu")).to("cpu").numpy()
    torch.manual_seed(3)
    b = x.to("gpu")
    F.dropout(b, 0.25, inplace=True)
    np.testing.assert_array_equal(b.to("cpu").numpy(), a)
    drop.eval()
    np.testing.assert_array_equal(drop(x.to("gpu")).to("cpu").numpy(), x.numpy())
    torch.manual_seed(3)  # float16: the same mask (one word per element), scale in float16
    h = F.dropout(x.to("gpu").half(), 0.25).to("cpu").numpy()
    np.testing.assert_array_equal(h != 0, a != 0)
