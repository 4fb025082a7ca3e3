"""conv2d's derivative rule vs ``torch.autograd`` (torch==2.13.0): the im2col + matmul weight
gradient, the input gradient by col2im (stride > 1, or few input channels) and by one padded
conv (stride 1), for mixes of stride, padding, dilation and groups, in float32 and float64,
twice differentiable, and on the GPU device."""

from __future__ import annotations

import numpy as np
import pytest
from ag_setup import grad_mode_restored  # noqa: F401  (autouse fixture)

import trueno as tn
from trueno import _dispatch as X
from trueno._optable import OPS
from trueno._registry import clear_kernel_cache, load_plugins, registry

torch = pytest.importorskip("torch", reason="torch is not importable (CI installs "
                                            "torch==2.13.0 for these differential tests)")
F = torch.nn.functional

# x shape, weight shape, stride, padding, dilation, groups
CASES = {
    "plain 3x3": ((2, 3, 7, 6), (4, 3, 3, 3), (1, 1), (0, 0), (1, 1), 1),
    "padding 1": ((2, 3, 6, 6), (5, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    "stride 2 padding 1": ((2, 3, 9, 8), (4, 3, 3, 3), (2, 2), (1, 1), (1, 1), 1),
    "stride 2 uncovered tail": ((1, 2, 8, 8), (3, 2, 3, 3), (2, 2), (0, 0), (1, 1), 1),
    "stride (3, 2) dilation (1, 2)": ((2, 2, 10, 11), (3, 2, 2, 3), (3, 2), (1, 2), (1, 2), 1),
    "dilation 2": ((1, 4, 9, 9), (2, 4, 3, 2), (1, 1), (0, 1), (2, 2), 1),
    "groups 2 stride 2": ((2, 4, 7, 7), (6, 2, 3, 3), (2, 2), (1, 1), (1, 1), 2),
    "depthwise": ((2, 3, 6, 5), (3, 1, 3, 3), (1, 1), (1, 1), (1, 1), 3),
    "depthwise stride 2": ((2, 3, 7, 8), (3, 1, 3, 2), (2, 2), (1, 0), (1, 2), 3),
    "depthwise multiplier 2": ((1, 2, 7, 7), (4, 1, 3, 3), (2, 1), (1, 1), (1, 1), 2),
    "1x1 many channels": ((2, 12, 4, 4), (2, 12, 1, 1), (1, 1), (0, 0), (1, 1), 1),
    "1x1 stride 2": ((1, 3, 5, 5), (4, 3, 1, 1), (2, 2), (0, 0), (1, 1), 1),
    "kernel as large as input": ((3, 2, 5, 4), (2, 2, 5, 4), (1, 1), (0, 0), (1, 1), 1),
    "kernel larger than output": ((2, 2, 6, 6), (3, 2, 4, 4), (1, 1), (0, 0), (1, 1), 1),
    "padding beyond the kernel": ((2, 3, 5, 5), (4, 3, 1, 2), (1, 1), (1, 2), (1, 1), 1),
    "padding beyond in width only": ((1, 3, 5, 6), (2, 3, 3, 1), (1, 1), (1, 1), (1, 1), 1),
    "padding 2 dilation 2 groups 3": ((2, 6, 7, 7), (3, 2, 3, 3), (1, 1), (2, 3), (2, 1), 3),
    # stride 1 with groups, a 1x1 kernel or over 32 input channels: one direct conv
    "direct, padding beyond the kernel": ((2, 4, 5, 5), (4, 2, 1, 2), (1, 1), (1, 2), (1, 1), 2),
    "direct, beyond in width only": ((1, 4, 5, 6), (2, 2, 3, 1), (1, 1), (1, 1), (1, 1), 2),
    "direct, 33 channels": ((1, 33, 5, 4), (2, 33, 3, 3), (1, 1), (1, 0), (1, 1), 1),
}
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-10, atol=1e-11)}


def _conv_tn(x, w, s, p, d, groups):
    params = {"stride": s, "padding": p, "dilation": d, "groups": groups}
    return X.run(OPS["conv2d"], (x, w), (x._data, w._data), params, x.__class__, x._device,
                 x._dtype)


def _arrays(case, dtype, seed=0):
    xs, ws = CASES[case][:2]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ws).astype(dtype)
    return x, w


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(CASES))
def test_conv2d_gradients_match_torch(case, dtype):
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, dtype)
    tx, tw = tn.asarray(x).requires_grad_(), tn.asarray(w).requires_grad_()
    out = _conv_tn(tx, tw, s, p, d, groups)
    gout = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    (out * tn.asarray(gout)).sum().backward()
    px = torch.tensor(x, requires_grad=True)
    pw = torch.tensor(w, requires_grad=True)
    ref = F.conv2d(px, pw, None, s, p, d, groups)
    (ref * torch.tensor(gout)).sum().backward()
    np.testing.assert_allclose(out.detach()._host(), ref.detach().numpy(), **TOL[dtype])
    np.testing.assert_allclose(tx.grad._host(), px.grad.numpy(), **TOL[dtype])
    np.testing.assert_allclose(tw.grad._host(), pw.grad.numpy(), **TOL[dtype])
    assert tx.grad.dtype == tx.dtype and tw.grad.dtype == tw.dtype


@pytest.mark.parametrize("case", ["padding 1", "stride 2 padding 1", "groups 2 stride 2",
                                  "stride (3, 2) dilation (1, 2)", "padding beyond the kernel",
                                  "depthwise stride 2", "direct, padding beyond the kernel",
                                  "direct, 33 channels"])
def test_conv2d_double_backward_matches_torch(case):
    """The rule's gradients are themselves differentiable: a Hessian-vector product through
    the input and weight gradients equals torch's."""
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, "float64", seed=2)
    rng = np.random.default_rng(3)
    vx, vw = rng.standard_normal(x.shape), rng.standard_normal(w.shape)

    def hvp(lib, conv, asarray, grad):
        tx = asarray(x).requires_grad_()
        tw = asarray(w).requires_grad_()
        y = conv(tx, tw)
        loss = (y * y * y).sum()
        gx, gw = grad(loss, [tx, tw], create_graph=True)
        return grad((gx * asarray(vx)).sum() + (gw * asarray(vw)).sum(), [tx, tw])

    got = hvp("trueno", lambda a, b: _conv_tn(a, b, s, p, d, groups), tn.asarray,
              tn.autograd.grad)
    want = hvp("torch", lambda a, b: F.conv2d(a, b, None, s, p, d, groups), torch.tensor,
               torch.autograd.grad)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a._host(), b.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("case", ["stride 2 padding 1", "groups 2 stride 2"])
def test_conv2d_gradgradcheck(case):
    from trueno_autograd import gradgradcheck
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, "float64", seed=4)
    tx, tw = tn.asarray(x).requires_grad_(), tn.asarray(w).requires_grad_()
    assert gradgradcheck(lambda a, b: _conv_tn(a, b, s, p, d, groups), (tx, tw))


def _gpu_or_skip():
    trueno_gpu = pytest.importorskip("trueno_gpu", reason="trueno-gpu is not installed")
    if not trueno_gpu.is_available():
        pytest.skip("trueno-gpu found no GPU adapter (no Vulkan/Metal/D3D12 driver)")
    load_plugins()
    if "gpu" not in registry.devices:  # a source checkout without the entry point
        from trueno_gpu import plugin
        plugin.trueno_register_backends(registry)
        clear_kernel_cache()


@pytest.mark.parametrize("case", ["padding 1", "groups 2 stride 2",
                                  "direct, padding beyond the kernel"])
def test_conv2d_gradients_on_gpu_match_torch(case):
    _gpu_or_skip()
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, "float32", seed=5)
    tx = tn.asarray(x, device="gpu").requires_grad_()
    tw = tn.asarray(w, device="gpu").requires_grad_()
    (_conv_tn(tx, tw, s, p, d, groups) ** 2.0).sum().backward()
    px, pw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (F.conv2d(px, pw, None, s, p, d, groups) ** 2).sum().backward()
    assert str(tx.grad.device) == "gpu:0" and str(tw.grad.device) == "gpu:0"
    np.testing.assert_allclose(tx.grad.cpu()._host(), px.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(tw.grad.cpu()._host(), pw.grad.numpy(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cols_max", [1, 80])
@pytest.mark.parametrize("case", ["stride 2 padding 1", "groups 2 stride 2", "padding 1",
                                  "kernel as large as input"])
def test_conv2d_gradients_in_batch_chunks_match_torch(case, cols_max, monkeypatch):
    """With the im2col matrices capped below one sample (or a few), the batch is taken in
    chunks (the last one shorter) whose weight gradients add up and whose input gradients
    concatenate; first and second derivatives stay torch's."""
    from trueno_autograd import _rules_linalg
    monkeypatch.setattr(_rules_linalg, "_COLS_MAX", cols_max)
    _, _, s, p, d, groups = CASES[case]
    x, w = _arrays(case, "float64", seed=6)
    rng = np.random.default_rng(7)
    vx, vw = rng.standard_normal(x.shape), rng.standard_normal(w.shape)

    def grads(conv, asarray, grad):
        tx, tw = asarray(x).requires_grad_(), asarray(w).requires_grad_()
        y = conv(tx, tw)
        gx, gw = grad((y * y * y).sum(), [tx, tw], create_graph=True)
        return (gx, gw) + tuple(grad((gx * asarray(vx)).sum() + (gw * asarray(vw)).sum(),
                                     [tx, tw]))

    got = grads(lambda a, b: _conv_tn(a, b, s, p, d, groups), tn.asarray, tn.autograd.grad)
    want = grads(lambda a, b: F.conv2d(a, b, None, s, p, d, groups), torch.tensor,
                 torch.autograd.grad)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a.detach()._host(), b.detach().numpy(), rtol=1e-9,
                                   atol=1e-10)
