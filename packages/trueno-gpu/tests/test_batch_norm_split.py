"""batch_norm in training with large channels split over several workgroups
(``_batch_norm_split``: 3 launches forward, 2 backward): output, mean, biased variance, rstd
and the gradients of input, weight and bias vs PyTorch (torch==2.13.0, float64 on the CPU)
for the benchmark CNN's shapes at batch 64, a chunk count that does not divide the channel,
a 2-d input, a channel-sliced view, with and without weight and bias, float32 and float64;
below the threshold the one-workgroup-per-channel kernels run (1 launch each)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import DTYPES, down, up, view_of

from trueno_gpu import _batch_norm, _batch_norm_split, _runtime

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(47)
TOL = {"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-11, atol=1e-12)}


def _torch(x, w, b, g, eps=1e-5):
    tx = torch.tensor(np.ascontiguousarray(x), dtype=torch.float64, requires_grad=True)
    tw = None if w is None else torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = torch.nn.functional.batch_norm(tx, None, None, tw, tb, True, 0.1, eps)
    out.backward(torch.tensor(np.ascontiguousarray(g), dtype=torch.float64))
    axes = (0,) + tuple(range(2, x.ndim))
    x64 = tx.detach()
    mean, var = x64.mean(axes), x64.var(axes, unbiased=False)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    g64 = torch.tensor(np.ascontiguousarray(g), dtype=torch.float64)
    gw = (g64 * (x64 - mean.reshape(shape))).sum(axes) / torch.sqrt(var + eps)
    return [out.detach().numpy(), mean.numpy(), var.numpy(),
            (1 / torch.sqrt(var + eps)).numpy()], [tx.grad.numpy(), gw.numpy(),
                                                    g64.sum(axes).numpy()]


def _run(dx, dg, x, g, w, b, dtype, launches):
    rt = _runtime.get_runtime(0)
    d0 = rt.dispatches
    fwd = _batch_norm.batch_norm_training(dx, None if w is None else up(w),
                                          None if b is None else up(b), eps=1e-5)
    assert rt.dispatches - d0 == launches[0]
    d0 = rt.dispatches
    bwd = _batch_norm.batch_norm_backward(dx, dg, fwd[1], fwd[3], None if w is None else up(w))
    assert rt.dispatches - d0 == launches[1]
    want_f, want_b = _torch(x, w, b, g)
    for got, want in zip(list(fwd) + list(bwd), want_f + want_b, strict=True):
        np.testing.assert_allclose(down(got).astype(np.float64), want, **TOL[dtype])


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(64, 16, 28, 28), (64, 32, 14, 14), (9, 3, 2001),
                                   (20000, 3)], ids=str)
def test_split_batch_norm_matches_torch(shape, dtype, affine):
    if dtype not in DTYPES:
        pytest.skip(f"the adapter has no {dtype}")
    c = shape[1]
    assert _batch_norm_split.chunks(c, np.prod(shape) // c) > 1
    x = (RNG.standard_normal(shape) * 3 + 2).astype(dtype)
    g = RNG.standard_normal(shape).astype(dtype)
    w = RNG.standard_normal(c).astype(dtype) if affine else None
    b = RNG.standard_normal(c).astype(dtype) if affine else None
    _run(up(x), up(g), x, g, w, b, dtype, (3, 2))


def test_split_batch_norm_reads_a_channel_slice():
    base = RNG.standard_normal((40, 6, 30, 20)).astype(np.float32)
    x = base[:, 1:5]
    gb = RNG.standard_normal((40, 5, 30, 20)).astype(np.float32)
    g = gb[:, :4]
    dx, dg = view_of(up(base), base, x), view_of(up(gb), gb, g)
    w, b = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal(4).astype(np.float32)
    _run(dx, dg, x, g, w, b, "float32", (3, 2))


def test_below_the_threshold_one_launch_each():
    x = RNG.standard_normal((2, 16, 28, 28)).astype(np.float32)
    assert 2 * 28 * 28 < _batch_norm_split.SPLIT_MIN
    g = RNG.standard_normal(x.shape).astype(np.float32)
    _run(up(x), up(g), x, g, None, None, "float32", (1, 1))
